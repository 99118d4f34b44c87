import { describe, expect, it } from 'vitest';
import { computeRetryDelay, isRetryableStatus, parseRetryAfter } from './retry-policy.js';

describe('isRetryableStatus', () => {
  it('retries 408, 409, 429 and 5xx only', () => {
    const retryable = [200, 400, 401, 403, 404, 408, 409, 413, 422, 429, 500, 502, 503, 504, 529].filter(
      isRetryableStatus,
    );
    expect(retryable).toEqual([408, 409, 429, 500, 502, 503, 504, 529]);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-03-01T12:00:00Z');
  const headers = (entries: Record<string, string>) => new Headers(entries);

  it('reads seconds, fractional seconds, milliseconds and HTTP dates', () => {
    expect(parseRetryAfter(headers({ 'retry-after': '3' }), now)).toBe(3000);
    expect(parseRetryAfter(headers({ 'retry-after': '0.5' }), now)).toBe(500);
    expect(parseRetryAfter(headers({ 'retry-after-ms': '120', 'retry-after': '9' }), now)).toBe(120);
    expect(parseRetryAfter(headers({ 'retry-after': 'Sun, 01 Mar 2026 12:00:04 GMT' }), now)).toBe(4000);
  });

  it('treats past dates as no wait and garbage as absent', () => {
    expect(parseRetryAfter(headers({ 'retry-after': 'Sun, 01 Mar 2026 11:00:00 GMT' }), now)).toBe(0);
    expect(parseRetryAfter(headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(parseRetryAfter(headers({}), now)).toBeUndefined();
  });
});

describe('computeRetryDelay', () => {
  it('doubles the backoff per retry within [half, full] and caps it', () => {
    const low = (retryIndex: number) => computeRetryDelay({ retryIndex, random: () => 0 });
    const high = (retryIndex: number) => computeRetryDelay({ retryIndex, random: () => 0.999999 });
    expect([0, 1, 2, 3, 4, 5].map(low)).toEqual([250, 500, 1000, 2000, 4000, 4000]);
    expect([0, 1, 2, 3, 4, 5].map(high)).toEqual([500, 1000, 2000, 4000, 8000, 8000]);
  });

  it('prefers the server wait, capped at maxRetryAfterMs', () => {
    const headers = new Headers({ 'retry-after': '120' });
    expect(computeRetryDelay({ retryIndex: 0, headers })).toBe(60_000);
    expect(computeRetryDelay({ retryIndex: 0, headers, maxRetryAfterMs: 5000 })).toBe(5000);
  });
});
