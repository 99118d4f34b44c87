/**
 * @module Checks every embedding response must pass before a vector reaches an index: one vector per
 * text, in input order, all of one length (the configured one when set), made of finite numbers.
 * Also decodes OpenAI's base64 float32 vectors.
 */
import { AutoSkillError } from '../shared/errors.js';

/** Decodes `encoding_format: "base64"` (little-endian float32) into numbers. */
export function decodeBase64Embedding(encoded: string): number[] {
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.length % 4 !== 0) {
    throw new AutoSkillError(
      'INVALID_RESPONSE',
      'A base64 embedding is not a whole number of float32 values',
      {
        details: { byteLength: bytes.length },
      },
    );
  }
  const values: number[] = new Array(bytes.length / 4);
  for (let index = 0; index < values.length; index += 1) values[index] = bytes.readFloatLE(index * 4);
  return values;
}

export interface IndexedVector {
  index: number | null | undefined;
  vector: number[];
}

/**
 * Puts vectors in input order (by `index` when every item has one) and checks there is exactly one per
 * text. Throws `INVALID_RESPONSE` naming the provider otherwise.
 */
export function orderVectors(
  items: readonly IndexedVector[],
  expectedCount: number,
  provider: string,
): number[][] {
  if (items.length !== expectedCount) {
    throw new AutoSkillError(
      'INVALID_RESPONSE',
      `${provider} returned ${items.length} embeddings for ${expectedCount} texts`,
      { details: { provider, expected: expectedCount, received: items.length } },
    );
  }
  if (!items.every((item) => typeof item.index === 'number')) return items.map((item) => item.vector);
  const ordered: (number[] | undefined)[] = new Array(expectedCount);
  for (const item of items) {
    const index = item.index as number;
    if (!Number.isInteger(index) || index < 0 || index >= expectedCount || ordered[index] !== undefined) {
      throw new AutoSkillError(
        'INVALID_RESPONSE',
        `${provider} returned embeddings with invalid or repeated indexes`,
        {
          details: { provider, index },
        },
      );
    }
    ordered[index] = item.vector;
  }
  return ordered as number[][];
}

/**
 * Checks that all vectors share one non-zero length, equal to `expected` when given, and hold finite
 * numbers. Returns that length (or `expected` for an empty list).
 */
export function checkDimensions(options: {
  vectors: readonly (readonly number[])[];
  expected: number | undefined;
  provider: string;
  model: string;
}): number | undefined {
  const { vectors, provider, model } = options;
  let expected = options.expected;
  for (const [index, vector] of vectors.entries()) {
    if (expected === undefined) expected = vector.length;
    if (vector.length === 0 || vector.length !== expected) {
      const configured = options.expected !== undefined;
      throw new AutoSkillError(
        'DIMENSION_MISMATCH',
        `${provider} model ${model} returned a vector of length ${vector.length} where ${expected} was ${configured ? 'configured' : 'returned before'}; ${configured ? 'fix `dimensions` in the embedding config or choose a model with that length' : 'the provider is inconsistent'}`,
        { details: { provider, model, expected, received: vector.length, textIndex: index } },
      );
    }
    for (const value of vector) {
      if (!Number.isFinite(value)) {
        throw new AutoSkillError(
          'INVALID_RESPONSE',
          `${provider} returned a vector with a non-finite value`,
          {
            details: { provider, model, textIndex: index },
          },
        );
      }
    }
  }
  return expected;
}

/**
 * At most `maxChars` code points of `text`: its first 70 % and last 30 % around a marker, since both the
 * opening (name, description) and the end of a skill carry meaning.
 */
export function clipForEmbedding(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const characters = Array.from(text);
  if (characters.length <= maxChars) return text;
  const marker = ' … ';
  const budget = Math.max(0, maxChars - marker.length);
  const head = Math.floor(budget * 0.7);
  return `${characters.slice(0, head).join('')}${marker}${characters.slice(characters.length - (budget - head)).join('')}`;
}
