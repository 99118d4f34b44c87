/**
 * @module Per-credential rate limiting: one token bucket per credential id (refill rate + burst), answered
 * with 429 and `Retry-After` when empty. Buckets live in memory, per process, with a bounded number of
 * entries (the least recently used bucket is dropped first).
 */
import type { MiddlewareHandler } from 'hono';
import { AutoSkillError } from '../../shared/errors.js';
import type { ServerEnv } from '../context.js';

export interface RateLimitOptions {
  /** Sustained requests per second per credential. */
  requestsPerSecond: number;
  /** Bucket size: requests allowed at once after a quiet period. @default 2 × requestsPerSecond, at least 1 */
  burst?: number;
  /** Most buckets kept. @default 10000 */
  maxBuckets?: number;
  /** Epoch milliseconds. @default Date.now */
  now?: () => number;
}

export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface RateLimiter {
  take(key: string): RateLimitDecision;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export function createRateLimiter(options: RateLimitOptions): RateLimiter {
  const rate = options.requestsPerSecond;
  if (!(rate > 0)) {
    throw new AutoSkillError('INVALID_CONFIG', 'rateLimit.requestsPerSecond must be a positive number');
  }
  const capacity = Math.max(1, options.burst ?? Math.ceil(rate * 2));
  const maxBuckets = options.maxBuckets ?? 10_000;
  const now = options.now ?? Date.now;
  const buckets = new Map<string, Bucket>();
  return {
    take(key) {
      const time = now();
      let bucket = buckets.get(key);
      if (bucket) {
        buckets.delete(key);
        bucket.tokens = Math.min(capacity, bucket.tokens + ((time - bucket.updatedAt) / 1000) * rate);
        bucket.updatedAt = time;
      } else {
        bucket = { tokens: capacity, updatedAt: time };
        if (buckets.size >= maxBuckets) {
          const oldest = buckets.keys().next().value;
          if (oldest !== undefined) buckets.delete(oldest);
        }
      }
      buckets.set(key, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { allowed: true };
      }
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / rate)) };
    },
  };
}

/** Refuses requests over the credential's rate with 429 and `Retry-After`. */
export function rateLimitMiddleware(
  limiter: RateLimiter,
  options: { isExempt?: (path: string) => boolean } = {},
): MiddlewareHandler<ServerEnv> {
  return async (c, next) => {
    if (options.isExempt?.(c.req.path)) return next();
    const decision = limiter.take(c.get('principal').credentialId);
    if (!decision.allowed) {
      throw new AutoSkillError('RATE_LIMITED', 'Too many requests for this API key; retry later', {
        isRetryable: true,
        details: { retryAfterSeconds: decision.retryAfterSeconds },
      });
    }
    return next();
  };
}
