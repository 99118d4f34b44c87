/**
 * @module Which upstream response headers reach the client: rate-limit and request-id information and
 * `Retry-After`, never hop-by-hop or encoding headers (fetch has already decoded the body, and the proxy
 * may change its length).
 */

const PASSED_PREFIXES = ['x-ratelimit-', 'anthropic-ratelimit-', 'openai-'];
const PASSED_NAMES = new Set(['retry-after', 'retry-after-ms', 'x-request-id', 'request-id']);

/** The upstream headers the proxy repeats to its client (lower-cased names). */
export function passThroughHeaders(headers: Headers): Record<string, string> {
  const kept: Record<string, string> = {};
  headers.forEach((value, name) => {
    const lower = name.toLowerCase();
    if (PASSED_NAMES.has(lower) || PASSED_PREFIXES.some((prefix) => lower.startsWith(prefix))) {
      kept[lower] = value;
    }
  });
  return kept;
}
