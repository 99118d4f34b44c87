/**
 * @module Authorization for Zhipu BigModel (GLM): an API key `<id>.<secret>` is turned into a short-lived
 * HS256 JWT (header `{"alg":"HS256","sign_type":"SIGN"}`, payload `{api_key, exp, timestamp}`), cached
 * until shortly before it expires. Some gateways expect the times in seconds instead of milliseconds, and
 * newer ones accept the raw key as a bearer token, so callers can try those variants on an auth failure.
 */
import { createHmac } from 'node:crypto';
import { AutoSkillError } from '../shared/errors.js';

/** How a request is authorised: a JWT with millisecond or second times, or the raw key. */
export type BigModelAuthVariant = 'jwt-ms' | 'jwt-s' | 'api-key';

/** `jwt`: JWT only (both time units); `api_key`: raw key only; `auto`: JWT first, raw key last. */
export type BigModelAuthMode = 'auto' | 'jwt' | 'api_key';

export interface SignBigModelJwtOptions {
  /** `<id>.<secret>`. */
  apiKey: string;
  /** Epoch milliseconds. */
  nowMs: number;
  /** @default 3600 */
  ttlSeconds?: number;
  /** Unit of `exp` and `timestamp`. @default 'ms' */
  timeUnit?: 'ms' | 's';
}

/** Splits `<id>.<secret>`; throws `INVALID_CONFIG` (without echoing the key) when it has another shape. */
export function splitBigModelApiKey(apiKey: string): { id: string; secret: string } {
  const dot = apiKey.indexOf('.');
  if (dot <= 0 || dot === apiKey.length - 1) {
    throw new AutoSkillError(
      'INVALID_CONFIG',
      'A BigModel API key must look like "<id>.<secret>" to sign a JWT; set auth mode "api_key" to send it as is',
      { details: { provider: 'glm' } },
    );
  }
  return { id: apiKey.slice(0, dot), secret: apiKey.slice(dot + 1) };
}

/** Signs one BigModel JWT. */
export function signBigModelJwt({
  apiKey,
  nowMs,
  ttlSeconds = 3600,
  timeUnit = 'ms',
}: SignBigModelJwtOptions): string {
  const { id, secret } = splitBigModelApiKey(apiKey);
  const scale = timeUnit === 'ms' ? 1 : 1 / 1000;
  const now = Math.floor(nowMs * scale);
  const expires = Math.floor((nowMs + ttlSeconds * 1000) * scale);
  const header = base64Url(JSON.stringify({ alg: 'HS256', sign_type: 'SIGN' }));
  const payload = base64Url(JSON.stringify({ api_key: id, exp: expires, timestamp: now }));
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

export interface BigModelAuthOptions {
  apiKey: string;
  /** @default 'auto' */
  mode?: BigModelAuthMode;
  /** @default 3600 */
  ttlSeconds?: number;
  /** Epoch milliseconds. @default Date.now */
  now?: () => number;
}

export interface BigModelAuth {
  /** The variants to try, in order; move to the next only after an authentication failure. */
  readonly variants: readonly BigModelAuthVariant[];
  /** The `Authorization` header value for a variant (JWTs cached until 10 s before expiry). */
  authorization(variant: BigModelAuthVariant): string;
}

const REFRESH_MARGIN_MS = 10_000;

/** Creates the token source for one API key. */
export function createBigModelAuth({
  apiKey,
  mode = 'auto',
  ttlSeconds = 3600,
  now = Date.now,
}: BigModelAuthOptions): BigModelAuth {
  const hasJwtShape = /^[^.]+\.[^.]+/.test(apiKey);
  let variants: BigModelAuthVariant[];
  if (mode === 'api_key') variants = ['api-key'];
  else if (mode === 'jwt') variants = ['jwt-ms', 'jwt-s'];
  else variants = hasJwtShape ? ['jwt-ms', 'jwt-s', 'api-key'] : ['api-key'];
  if (mode === 'jwt') splitBigModelApiKey(apiKey);

  const cache = new Map<BigModelAuthVariant, { token: string; expiresAtMs: number }>();
  return {
    variants,
    authorization(variant) {
      if (variant === 'api-key') return `Bearer ${apiKey}`;
      const nowMs = now();
      const cached = cache.get(variant);
      if (cached && cached.expiresAtMs - nowMs > REFRESH_MARGIN_MS) return `Bearer ${cached.token}`;
      const token = signBigModelJwt({
        apiKey,
        nowMs,
        ttlSeconds,
        timeUnit: variant === 'jwt-ms' ? 'ms' : 's',
      });
      cache.set(variant, { token, expiresAtMs: nowMs + ttlSeconds * 1000 });
      return `Bearer ${token}`;
    },
  };
}

function base64Url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
