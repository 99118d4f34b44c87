/**
 * @module The authentication middleware. It runs on every path except an explicit allow-list (so a route
 * added later is protected by default — the original only checked paths under `/v1/`, serving.md §11.1
 * item 7) and turns the credential into a `Principal`: the shared application key, an admin key, a
 * per-user key from the `ApiKeyStore`, or a verified JWT. With no credential configured, auth is off and
 * every caller is `anonymous`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { AutoSkillError } from '../../shared/errors.js';
import { validateUserId } from '../../store/safe-paths.js';
import type { Principal, ServerEnv } from '../context.js';
import { type ApiKeyStore, hashApiKey } from './api-key-store.js';
import { createJwtVerifier, type JwtOptions, type JwtVerifier, looksLikeJwt } from './jwt.js';

/** Liveness paths, answered without credentials: `/health` and the seeds' `/api/health`. */
export const HEALTH_PATHS: readonly string[] = ['/health', '/api/health'];

export interface AuthOptions {
  /**
   * The shared application key (`--proxy-api-key`, `AUTOSKILL_PROXY_API_KEY`). Its holder is an app's
   * backend that names the end user per request (body `user`, `X-AutoSkill-User`, `?user=` on GET).
   */
  sharedKey?: string;
  /** Keys that may act for any user. */
  adminKeys?: readonly string[];
  /** Per-user (and admin) keys, stored hashed. */
  apiKeys?: ApiKeyStore;
  /** JWT verification options, or a ready verifier. */
  jwt?: JwtOptions | JwtVerifier;
  /** The user of requests that name none (auth off, shared or admin key). @default 'u1' */
  defaultUserId?: string;
  /** Exact paths served without credentials. @default ['/health', '/api/health'] */
  publicPaths?: readonly string[];
  /** Turn auth on even when no credential is configured (every request is then refused). @default false */
  required?: boolean;
}

/** Whether the options turn authentication on. */
export function isAuthEnabled(options: AuthOptions): boolean {
  return Boolean(
    options.required ||
      options.sharedKey ||
      (options.adminKeys && options.adminKeys.length > 0) ||
      options.apiKeys ||
      options.jwt,
  );
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Constant-time equality of a presented secret with a known digest (hashing first equalises lengths). */
function matchesDigest(presented: Buffer, known: Buffer): boolean {
  return timingSafeEqual(presented, known);
}

/** The bearer token (`Authorization: Bearer …`) or, for Anthropic-style clients, `x-api-key`. */
export function presentedCredential(headers: Headers): string | undefined {
  const authorization = headers.get('authorization');
  if (authorization) {
    const match = /^bearer\s+(.+)$/i.exec(authorization.trim());
    return match?.[1]?.trim() || undefined;
  }
  return headers.get('x-api-key')?.trim() || undefined;
}

const ANONYMOUS: Principal = { kind: 'anonymous', credentialId: 'anonymous' };

function unauthorized(message: string): AutoSkillError {
  return new AutoSkillError('UNAUTHORIZED', message);
}

export interface Authenticator {
  readonly enabled: boolean;
  readonly defaultUserId: string;
  isPublicPath(path: string): boolean;
  /** The principal for a credential; throws `UNAUTHORIZED` (401) when it is missing or unknown. */
  authenticate(credential: string | undefined): Promise<Principal>;
}

/** `now` (epoch ms) is the clock JWT expiry is checked against unless the JWT options set their own. */
export function createAuthenticator(
  options: AuthOptions = {},
  context: { now?: () => number } = {},
): Authenticator {
  const enabled = isAuthEnabled(options);
  const defaultUserId = validateUserId(options.defaultUserId ?? 'u1');
  const publicPaths = new Set(options.publicPaths ?? HEALTH_PATHS);
  const sharedDigest = options.sharedKey ? digest(options.sharedKey) : undefined;
  const adminDigests = (options.adminKeys ?? []).filter(Boolean).map(digest);
  const jwt = options.jwt
    ? 'verify' in options.jwt
      ? options.jwt
      : createJwtVerifier({ ...(context.now ? { now: context.now } : {}), ...options.jwt })
    : undefined;

  return {
    enabled,
    defaultUserId,
    isPublicPath: (path) => publicPaths.has(path),
    async authenticate(credential) {
      if (!enabled) return ANONYMOUS;
      if (!credential) throw unauthorized('Missing API key: send "Authorization: Bearer <key>"');
      const presented = digest(credential);
      // Compare against every configured key so the time taken does not reveal which one matched.
      let principal: Principal | undefined;
      if (sharedDigest && matchesDigest(presented, sharedDigest)) {
        principal = { kind: 'application', credentialId: 'shared', label: 'shared application key' };
      }
      adminDigests.forEach((known, index) => {
        if (matchesDigest(presented, known) && !principal) {
          principal = { kind: 'admin', credentialId: `admin:${index}`, label: `admin key ${index}` };
        }
      });
      if (principal) return principal;
      if (options.apiKeys) {
        const record = await options.apiKeys.findByHash(hashApiKey(credential));
        if (record) {
          if (record.admin) return { kind: 'admin', credentialId: record.id, label: record.label };
          if (record.userId) {
            return { kind: 'user', credentialId: record.id, userId: record.userId, label: record.label };
          }
        }
      }
      if (jwt && looksLikeJwt(credential)) {
        const verified = await jwt.verify(credential);
        const userId = validateUserId(verified.subject);
        return { kind: 'user', credentialId: `jwt:${userId}`, userId, label: 'jwt' };
      }
      throw unauthorized('Invalid API key');
    },
  };
}

/** Sets `principal` and `defaultUserId` for every request; refuses unauthenticated ones with 401. */
export function authMiddleware(authenticator: Authenticator): MiddlewareHandler<ServerEnv> {
  return async (c, next) => {
    c.set('defaultUserId', authenticator.defaultUserId);
    if (!authenticator.enabled || authenticator.isPublicPath(c.req.path)) {
      c.set('principal', ANONYMOUS);
      return next();
    }
    const principal = await authenticator.authenticate(presentedCredential(c.req.raw.headers));
    c.set('principal', principal);
    c.get('logger').debug({ credential: principal.credentialId, kind: principal.kind }, 'authenticated');
    return next();
  };
}
