/**
 * @module Keeps secrets out of errors and logs: strips credentials from URLs, scrubs known secret values
 * from text, and clips long upstream bodies to a size that is useful in an error message.
 */

const SECRET_QUERY_PARAMETER =
  /^(?:key|api[-_]?key|apikey|token|access[-_]?token|auth|authorization|secret|sig|signature|password)$/i;

/** Header names whose values are credentials; their values are scrubbed from every error text. */
const SECRET_HEADER = /^(?:authorization|proxy-authorization|x-api-key|api-key|x-goog-api-key|cookie)$/i;

/** Placeholder written where a secret was removed. */
export const REDACTED = '[REDACTED]';

/**
 * The URL without user info and with secret-looking query values replaced, safe for error details.
 * Returns the input unchanged when it is not a parseable absolute URL.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  parsed.username = '';
  parsed.password = '';
  for (const name of [...parsed.searchParams.keys()]) {
    if (SECRET_QUERY_PARAMETER.test(name)) parsed.searchParams.set(name, REDACTED);
  }
  return parsed.toString();
}

/** Secret parts of a URL (password, secret-looking query values), for scrubbing from error texts. */
export function secretsFromUrl(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  const secrets: string[] = [];
  if (parsed.password) secrets.push(parsed.password, decodeURIComponent(parsed.password));
  for (const [name, value] of parsed.searchParams) {
    if (SECRET_QUERY_PARAMETER.test(name) && value) secrets.push(value, encodeURIComponent(value));
  }
  return secrets;
}

/**
 * The secret values carried by request headers (`Authorization: Bearer <key>` yields `<key>` and the whole
 * header value), for scrubbing from upstream bodies that echo them back.
 */
export function secretsFromHeaders(headers: Record<string, string | undefined>): string[] {
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (!value || !SECRET_HEADER.test(name)) continue;
    secrets.push(value);
    const token = /^(?:bearer|basic|token)\s+(.+)$/i.exec(value)?.[1];
    if (token) secrets.push(token);
  }
  return secrets;
}

/** Replaces every occurrence of each secret (of at least 4 characters) in `text` with {@link REDACTED}. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let result = text;
  // Longest first, so a token inside a longer header value does not leave a fragment behind.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length < 4) continue;
    result = result.split(secret).join(REDACTED);
  }
  return result;
}

/** At most `maxChars` characters of `text`, with a note saying how much was cut. */
export function clipText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  return `${text.slice(0, maxChars)}…[${text.length - maxChars} more characters]`;
}
