/**
 * @module Index names that keep vector spaces apart, byte-compatible with the original AutoSkill: the
 * flat index files are `vectors/<name>.*` where the name is
 * `skills-<slug(provider,16)>-<slug(model,28)>[-d<dims>]-<sha1(signature JSON)[0:10]>`, the JSON
 * being Python's `json.dumps(sort_keys=True, ensure_ascii=False)` of `{provider, model, dimensions?}`.
 * Same signature ⇒ same vector space ⇒ same files; anything else gets its own files.
 */
import { createHash } from 'node:crypto';
import type { EmbeddingSignature } from './types.js';

/** The index file base name for a signature, e.g. `skills-hashing-default-d256-8c95e52120`. */
export function embeddingIndexName(signature: EmbeddingSignature): string {
  const dimensions = signature.dimensions === undefined ? '' : `-d${signature.dimensions}`;
  return `skills-${slug(signature.provider, 16)}-${slug(signature.model, 28)}${dimensions}-${signatureDigest(signature)}`;
}

/** First 10 hex characters of the SHA-1 of the signature serialised as the original does. */
export function signatureDigest(signature: EmbeddingSignature): string {
  const fields: Record<string, unknown> = { provider: signature.provider, model: signature.model };
  if (signature.dimensions !== undefined) fields['dimensions'] = signature.dimensions;
  return createHash('sha1').update(pythonJson(fields), 'utf8').digest('hex').slice(0, 10);
}

/** Two signatures denote the same vector space. */
export function sameSignature(left: EmbeddingSignature, right: EmbeddingSignature): boolean {
  return (
    left.provider === right.provider && left.model === right.model && left.dimensions === right.dimensions
  );
}

function slug(value: string, maxLength: number): string {
  const cleaned = value
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return (cleaned || 'model').slice(0, maxLength);
}

/**
 * Python's `json.dumps(value, sort_keys=True, ensure_ascii=False)` for the JSON types a signature holds
 * (strings, integers, booleans, null, arrays, objects):
 * `", "` and `": "` separators, keys sorted by code point. String escaping matches `JSON.stringify`.
 */
export function pythonJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  // Signatures hold integers only; Python prints those exactly as JavaScript does.
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}: ${pythonJson(item)}`).join(', ')}}`;
}
