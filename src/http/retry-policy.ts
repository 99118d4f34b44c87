/**
 * @module When and how long to wait before repeating an upstream call: which statuses are retryable,
 * exponential backoff with jitter, and the `Retry-After` / `retry-after-ms` headers.
 */

/** 408, 409, 429 and every 5xx: repeating the same request may succeed. */
export function isRetryableStatus(statusCode: number): boolean {
  return statusCode === 408 || statusCode === 409 || statusCode === 429 || statusCode >= 500;
}

export interface BackoffOptions {
  /** Delay before the first retry, before jitter. @default 500 */
  initialDelayMs?: number;
  /** Upper bound of the computed backoff. @default 8000 */
  maxDelayMs?: number;
  /** Upper bound of a server-requested `Retry-After` wait. @default 60000 */
  maxRetryAfterMs?: number;
}

export interface RetryDelayOptions extends BackoffOptions {
  /** Zero-based index of the retry about to happen. */
  retryIndex: number;
  /** The failed response's headers, when there was a response. */
  headers?: Headers;
  /** A number in [0, 1); injectable for tests. @default Math.random */
  random?: () => number;
  /** Epoch milliseconds; injectable for tests. @default Date.now */
  now?: () => number;
}

/**
 * Milliseconds to wait before the next attempt: the server's `retry-after-ms` or `Retry-After` (seconds or
 * an HTTP date) when present, capped at `maxRetryAfterMs`; otherwise exponential backoff with "equal
 * jitter" (half fixed, half random) so that many clients do not retry in lockstep.
 */
export function computeRetryDelay({
  retryIndex,
  headers,
  random = Math.random,
  now = Date.now,
  initialDelayMs = 500,
  maxDelayMs = 8000,
  maxRetryAfterMs = 60_000,
}: RetryDelayOptions): number {
  const requested = headers ? parseRetryAfter(headers, now()) : undefined;
  if (requested !== undefined) return Math.min(requested, maxRetryAfterMs);
  const base = Math.min(maxDelayMs, initialDelayMs * 2 ** retryIndex);
  return Math.round(base / 2 + random() * (base / 2));
}

/** The wait a server asked for, in milliseconds, or `undefined` when it asked for none or it is unreadable. */
export function parseRetryAfter(headers: Headers, nowMs: number): number | undefined {
  const milliseconds = headers.get('retry-after-ms');
  if (milliseconds !== null) {
    const value = Number(milliseconds);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const retryAfter = headers.get('retry-after')?.trim();
  if (!retryAfter) return undefined;
  if (/^\d+(?:\.\d+)?$/.test(retryAfter)) return Number(retryAfter) * 1000;
  const date = Date.parse(retryAfter);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}
