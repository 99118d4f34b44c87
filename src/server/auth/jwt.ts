/**
 * @module JWT verification for end-user identity (jose): HS256/384/512 with a shared secret, or RS/PS/ES/EdDSA
 * keys from a JWKS given inline, as a file, or as a URL (cached). `exp` and `nbf` are checked with a small
 * clock skew, the algorithm must match the key kind (no `alg` confusion), and the user id comes from a
 * configurable claim (default `sub`). Unlike the original, which decoded the payload without checking the
 * signature (serving.md §4.4, §11.1 item 1), an unverified token never names a user.
 */
import { readFile as readFileFromDisk } from 'node:fs/promises';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  decodeProtectedHeader,
  errors,
  type FetchImplementation,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import { AutoSkillError, errorMessage } from '../../shared/errors.js';
import { parseJsonValue } from '../../shared/json.js';

const SECRET_ALGORITHMS = ['HS256', 'HS384', 'HS512'];
const KEY_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'EdDSA'];

export interface JwtOptions {
  /** Shared secret for HS256/384/512 tokens. */
  secret?: string;
  /** Public keys inline. */
  jwks?: JSONWebKeySet;
  /** Path of a JWKS JSON file; re-read after `jwksCacheMaxAgeMs`. */
  jwksFile?: string;
  /** URL of a JWKS (e.g. `https://issuer/.well-known/jwks.json`); fetched lazily and cached. */
  jwksUrl?: string;
  /** Claim holding the user id. @default 'sub' */
  userClaim?: string;
  /** Required `iss`, when set. */
  issuer?: string | string[];
  /** Required `aud`, when set. */
  audience?: string | string[];
  /** Allowed skew for `exp`/`nbf`/`iat`, in seconds. @default 30 */
  clockToleranceSeconds?: number;
  /** Narrows the accepted algorithms. @default HS* with a secret, RS/PS/ES/EdDSA with keys */
  algorithms?: readonly string[];
  /** How long a fetched (or read) JWKS is trusted before it is fetched again. @default 600000 */
  jwksCacheMaxAgeMs?: number;
  /** Timeout of one JWKS fetch. @default 5000 */
  jwksTimeoutMs?: number;
  /** For the JWKS URL; a test seam. @default globalThis.fetch */
  fetch?: FetchImplementation;
  /** For the JWKS file. @default fs.readFile */
  readFile?: (path: string) => Promise<string>;
  /** Epoch milliseconds. @default Date.now */
  now?: () => number;
}

export interface VerifiedToken {
  /** The user claim as a string (validated by the caller). */
  subject: string;
  claims: JWTPayload;
}

export interface JwtVerifier {
  verify(token: string): Promise<VerifiedToken>;
}

/** True when the text has the three-part shape of a JWS compact token. */
export function looksLikeJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token);
}

function unauthorized(message: string, reason: string): AutoSkillError {
  return new AutoSkillError('UNAUTHORIZED', message, { details: { reason } });
}

export function createJwtVerifier(options: JwtOptions): JwtVerifier {
  const hasKeys = Boolean(options.jwks || options.jwksFile || options.jwksUrl);
  if (!options.secret && !hasKeys) {
    throw new AutoSkillError(
      'INVALID_CONFIG',
      'JWT verification needs a secret, a JWKS, a JWKS file or a JWKS URL',
    );
  }
  const secret = options.secret ? new TextEncoder().encode(options.secret) : undefined;
  const now = options.now ?? Date.now;
  const userClaim = options.userClaim ?? 'sub';
  const cacheMaxAgeMs = options.jwksCacheMaxAgeMs ?? 600_000;
  const allowed = new Set(
    options.algorithms ?? [...(secret ? SECRET_ALGORITHMS : []), ...(hasKeys ? KEY_ALGORITHMS : [])],
  );
  const keySet = createKeySetSource(options, cacheMaxAgeMs, now);

  const getKey: JWTVerifyGetKey = async (header, token) => {
    const algorithm = header.alg ?? '';
    if (algorithm.startsWith('HS')) {
      if (!secret) throw unauthorized('This server does not accept HMAC-signed tokens', 'alg-not-allowed');
      return secret;
    }
    if (!keySet) throw unauthorized('This server accepts only HMAC-signed tokens', 'alg-not-allowed');
    return (await keySet())(header, token);
  };

  return {
    async verify(token) {
      let algorithm: string | undefined;
      try {
        algorithm = decodeProtectedHeader(token).alg;
      } catch {
        throw unauthorized('The bearer token is not a valid JWT', 'malformed');
      }
      if (!algorithm || !allowed.has(algorithm)) {
        throw unauthorized(`JWT algorithm ${algorithm ?? '(none)'} is not accepted`, 'alg-not-allowed');
      }
      let claims: JWTPayload;
      try {
        const result = await jwtVerify(token, getKey, {
          algorithms: [...allowed],
          clockTolerance: options.clockToleranceSeconds ?? 30,
          currentDate: new Date(now()),
          ...(options.issuer ? { issuer: options.issuer } : {}),
          ...(options.audience ? { audience: options.audience } : {}),
        });
        claims = result.payload;
      } catch (error) {
        throw translateJoseError(error);
      }
      const subject = claims[userClaim];
      if (typeof subject !== 'string' && typeof subject !== 'number') {
        throw unauthorized(`The JWT has no "${userClaim}" claim naming the user`, 'missing-claim');
      }
      return { subject: String(subject), claims };
    },
  };
}

type KeySet = JWTVerifyGetKey;

function createKeySetSource(
  options: JwtOptions,
  cacheMaxAgeMs: number,
  now: () => number,
): (() => Promise<KeySet>) | undefined {
  if (options.jwks) {
    const local = createLocalJWKSet(options.jwks);
    return async () => local;
  }
  if (options.jwksUrl) {
    const remote = createRemoteJWKSet(new URL(options.jwksUrl), {
      cacheMaxAge: cacheMaxAgeMs,
      cooldownDuration: 30_000,
      timeoutDuration: options.jwksTimeoutMs ?? 5000,
      ...(options.fetch ? { [customFetch]: options.fetch } : {}),
    });
    return async () => remote;
  }
  const path = options.jwksFile;
  if (!path) return undefined;
  const readFile = options.readFile ?? ((file: string) => readFileFromDisk(file, 'utf8'));
  let cached: { keySet: KeySet; loadedAt: number } | undefined;
  return async () => {
    if (cached && now() - cached.loadedAt < cacheMaxAgeMs) return cached.keySet;
    let text: string;
    try {
      text = await readFile(path);
    } catch (cause) {
      throw new AutoSkillError(
        'INVALID_CONFIG',
        `Cannot read the JWKS file ${path}: ${errorMessage(cause)}`,
        {
          cause,
        },
      );
    }
    const value = parseJsonValue(text, { source: `JWKS file ${path}`, code: 'INVALID_CONFIG' });
    let keySet: KeySet;
    try {
      keySet = createLocalJWKSet(value as JSONWebKeySet);
    } catch (cause) {
      throw new AutoSkillError('INVALID_CONFIG', `The JWKS file ${path} is not a JSON Web Key Set`, {
        cause,
      });
    }
    cached = { keySet, loadedAt: now() };
    return keySet;
  };
}

function translateJoseError(error: unknown): AutoSkillError {
  if (error instanceof AutoSkillError) return error;
  if (error instanceof errors.JWTExpired) return unauthorized('The JWT has expired', 'expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    return unauthorized(`The JWT was refused: ${error.message}`, `claim-${error.claim}`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return unauthorized('The JWT signature does not verify', 'bad-signature');
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return unauthorized('No known key matches the JWT', 'unknown-key');
  }
  if (error instanceof errors.JWKSTimeout || error instanceof TypeError) {
    return new AutoSkillError('UPSTREAM_ERROR', 'The JWKS could not be fetched to verify the JWT', {
      cause: error,
      isRetryable: true,
      details: { statusCode: 503, reason: 'jwks-unavailable' },
    });
  }
  if (error instanceof errors.JOSEError) {
    return unauthorized(`The JWT was refused (${error.code})`, error.code);
  }
  return unauthorized('The JWT was refused', 'invalid');
}
