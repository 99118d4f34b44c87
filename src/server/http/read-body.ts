/**
 * @module Reading request bodies with a size limit: the `Content-Length` is checked before anything is
 * read, and chunked bodies are counted while they stream in, so an oversized body is refused with 413
 * without being buffered whole. JSON bodies must be objects; malformed JSON is a 400 `invalid_json`.
 */
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

const decoder = new TextDecoder('utf-8', { fatal: false });

/**
 * The body parsed as a JSON object. An empty body is `{}` only when `allowEmpty`; anything that is not a
 * JSON object is a 400 with code `invalid_json`.
 */
export async function readJsonObject(
  c: Context,
  options: { maxBytes: number; allowEmpty?: boolean },
): Promise<{ value: Record<string, unknown>; text: string }> {
  const bytes = await readBodyBytes(c.req.raw, options.maxBytes);
  const text = decoder.decode(bytes);
  if (text.trim() === '' && options.allowEmpty) return { value: {}, text: '{}' };
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
  return { value: value as Record<string, unknown>, text };
}
