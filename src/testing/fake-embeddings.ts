/**
 * @module Deterministic fake embedding vectors: the same text and length always give the same unit vector,
 * whatever else is in the batch, so tests can compute the expected answer themselves.
 */
import { createHash } from 'node:crypto';

/** A unit vector of `dimensions` floats derived from the SHA-256 of `text` (float32-exact values). */
export function fakeEmbedding(text: string, dimensions: number): number[] {
  const seed = createHash('sha256').update(text, 'utf8').digest();
  let state = seed.readUInt32LE(0) ^ dimensions;
  const values = new Float32Array(dimensions);
  let norm = 0;
  for (let index = 0; index < dimensions; index += 1) {
    // mulberry32: small, fast, good enough to spread values.
    state = (state + 0x6d2b79f5) | 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    const value = ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296 - 0.5;
    values[index] = value;
    norm += value * value;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let index = 0; index < dimensions; index += 1) values[index] = (values[index] ?? 0) * scale;
  return Array.from(values);
}

/** Little-endian float32 bytes in base64, as OpenAI sends with `encoding_format: "base64"`. */
export function encodeEmbeddingBase64(vector: readonly number[]): string {
  const buffer = Buffer.alloc(vector.length * 4);
  for (const [index, value] of vector.entries()) buffer.writeFloatLE(value, index * 4);
  return buffer.toString('base64');
}
