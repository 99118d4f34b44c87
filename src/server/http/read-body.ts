/**
 * @module Reading request bodies with a size limit: the `Content-Length` is checked before anything is
 * read, and chunked bodies are counted while they stream in, so an oversized body is refused with 413
 * without being buffered whole. JSON bodies must be objects; malformed JSON is a 400 `invalid_json`.
 *
 * Under `@hono/node-server` the body is read straight from Node's `IncomingMessage`: going through the
 * web `Request.body` makes the adapter build a full `Request` and a web stream for every request, which
 * was about 4 % of the proxy's CPU (bench/README.md, `bench:proxy`). Elsewhere (`app.request` in tests,
 * other runtimes) the web stream is read.
 */
import { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { AutoSkillError } from '../../shared/errors.js';
import { parseJsonValue } from '../../shared/json.js';

function tooLarge(maxBytes: number): AutoSkillError {
  return new AutoSkillError('PAYLOAD_TOO_LARGE', `The request body is larger than ${maxBytes} bytes`, {
    details: { maxBytes },
  });
}

/** The raw body as bytes, refusing bodies over `maxBytes` (413). */
export async function readBodyBytes(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Node's request of a `@hono/node-server` request whose body nobody has started to read, else undefined. */
function unreadIncoming(c: Context): IncomingMessage | undefined {
  const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming;
  if (!(incoming instanceof IncomingMessage)) return undefined;
  return incoming.readableDidRead || incoming.readableEnded ? undefined : incoming;
}

/** Reads `incoming` whole, refusing it (413) once it passes `maxBytes`; the rest is left unread. */
function readIncoming(incoming: IncomingMessage, maxBytes: number): Promise<Uint8Array> {
  const declared = incoming.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) return Promise.reject(tooLarge(maxBytes));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const cleanup = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.byteLength;
      if (total > maxBytes) {
        cleanup();
        incoming.pause();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks, total));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onClose = () => {
      if (incoming.readableEnded) return onEnd();
      cleanup();
      reject(new Error('The client closed the connection before sending the whole body'));
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
  });
}

/** The request's body as bytes, refusing bodies over `maxBytes` (413). */
export function readRequestBytes(c: Context, maxBytes: number): Promise<Uint8Array> {
  const incoming = unreadIncoming(c);
  return incoming ? readIncoming(incoming, maxBytes) : readBodyBytes(c.req.raw, maxBytes);
}

const decoder = new TextDecoder('utf-8', { fatal: false });

/**
 * The body parsed as a JSON object. An empty body is `{}` only when `allowEmpty`; anything that is not a
 * JSON object is a 400 with code `invalid_json`.
 */
export async function readJsonObject(
  c: Context,
  options: { maxBytes: number; allowEmpty?: boolean },
): Promise<{ value: Record<string, unknown>; text: string }> {
  const bytes = await readRequestBytes(c, options.maxBytes);
  const text = decoder.decode(bytes);
  if (text.trim() === '' && options.allowEmpty) return { value: {}, text: '{}' };
  return { value: parseJsonObjectText(text), text };
}

/** A request body's text as a JSON object; anything else is a 400 with code `invalid_json`. */
export function parseJsonObjectText(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = parseJsonValue(text, { source: 'request body' });
  } catch (cause) {
    throw new AutoSkillError('INVALID_INPUT', 'The request body is not valid JSON', {
      cause,
      details: { wireCode: 'invalid_json' },
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AutoSkillError('INVALID_INPUT', 'The request body must be a JSON object', {
      details: { wireCode: 'invalid_json' },
    });
  }
  return value as Record<string, unknown>;
}
