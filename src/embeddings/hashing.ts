/**
 * @module The offline `hashing` provider. Its `model` names the algorithm: `default` is the original
 * AutoSkill's exact feature hashing (so its vectors and index files are interchangeable with the
 * original's), and other algorithms register under their own model names (so their signatures, and
 * therefore their index files, never mix with `default`'s).
 *
 * `default`, per text: lower-case; tokens are maximal runs of ASCII `[A-Za-z0-9_]`, or of letters and
 * non-decimal numbers (Python's `[^\W\d_]+`); each token's MD5 gives the bucket (first 4 bytes, unsigned
 * little-endian, modulo the dimensions) and the sign (lowest bit of byte 4: 0 → +1, 1 → −1); the summed
 * vector is divided by its L2 norm (all zeros stays all zeros).
 */
import { createHash } from 'node:crypto';
import { AutoSkillError } from '../shared/errors.js';
import type { EmbeddingConnector, EmbedOptions, EmbedResult } from './types.js';

/** The original algorithm's model name and default length: signature `skills-hashing-default-d256-…`. */
export const HASHING_DEFAULT_MODEL = 'default';
/**
 * What `hashing` means when no model is named: the n-gram embedder, which ranks Chinese and English far
 * better than the original algorithm (docs/retrieval.md). Name `default` to share the original's files.
 */
export const HASHING_PRODUCT_MODEL = 'ngram-v2';
export const HASHING_DEFAULT_DIMENSIONS = 256;

/** Python `[A-Za-z0-9_]+|[^\W\d_]+`: ASCII word runs first, then runs of letters and non-decimal numbers. */
export const HASHING_TOKEN_PATTERN = /[A-Za-z0-9_]+|[\p{L}\p{Nl}\p{No}]+/gu;

const LETTER = /^[\p{L}\p{Nl}\p{No}]$/u;
/** Per code point: 0 unknown, 1 letter-like, 2 not; filled on first sight (the regex is the slow part). */
const letterClass = new Uint8Array(0x110000);

function isLetterLike(codePoint: number): boolean {
  let known = letterClass[codePoint] as number;
  if (known === 0) {
    known = LETTER.test(String.fromCodePoint(codePoint)) ? 1 : 2;
    letterClass[codePoint] = known;
  }
  return known === 1;
}

function isAsciiWord(code: number): boolean {
  return (
    (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95
  );
}

function isAsciiLetter(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90);
}

/**
 * Calls `visit` with each token of `text`, exactly the matches of {@link HASHING_TOKEN_PATTERN} (a
 * hand-written scanner, about twice as fast as the regex).
 */
export function forEachHashingToken(text: string, visit: (token: string) => void): void {
  const length = text.length;
  let index = 0;
  while (index < length) {
    const code = text.charCodeAt(index);
    if (code < 128) {
      if (!isAsciiWord(code)) {
        index += 1;
        continue;
      }
      let end = index + 1;
      while (end < length && isAsciiWord(text.charCodeAt(end))) end += 1;
      visit(text.slice(index, end));
      index = end;
      continue;
    }
    const codePoint = text.codePointAt(index) as number;
    const width = codePoint > 0xffff ? 2 : 1;
    if (!isLetterLike(codePoint)) {
      index += width;
      continue;
    }
    // A letter run also swallows ASCII letters (not digits or `_`), as the second alternative does.
    let end = index + width;
    while (end < length) {
      const next = text.charCodeAt(end);
      if (next < 128) {
        if (!isAsciiLetter(next)) break;
        end += 1;
        continue;
      }
      const nextPoint = text.codePointAt(end) as number;
      if (!isLetterLike(nextPoint)) break;
      end += nextPoint > 0xffff ? 2 : 1;
    }
    visit(text.slice(index, end));
    index = end;
  }
}

/** Token → (bucket × 2 + sign bit), per vector length; MD5 is the cost, and tokens repeat a lot. */
const slotCaches = new Map<number, Map<string, number>>();
const SLOT_CACHE_LIMIT = 200_000;

function slotCacheFor(dimensions: number): Map<string, number> {
  let cache = slotCaches.get(dimensions);
  if (!cache) {
    cache = new Map();
    slotCaches.set(dimensions, cache);
  }
  return cache;
}

function computeSlot(token: string, dimensions: number, cache: Map<string, number>): number {
  const digest = createHash('md5').update(token, 'utf8').digest();
  const slot = (digest.readUInt32LE(0) % dimensions) * 2 + ((digest[4] as number) & 1);
  if (cache.size >= SLOT_CACHE_LIMIT) cache.clear();
  cache.set(token, slot);
  return slot;
}

/** The original `hashing` embedding of one text. */
export function hashingEmbedding(text: string, dimensions: number = HASHING_DEFAULT_DIMENSIONS): number[] {
  const cache = slotCacheFor(dimensions);
  const sums = new Float64Array(dimensions);
  forEachHashingToken(text.toLowerCase(), (token) => {
    const slot = cache.get(token) ?? computeSlot(token, dimensions, cache);
    const bucket = slot >> 1;
    sums[bucket] = (sums[bucket] as number) + ((slot & 1) === 0 ? 1 : -1);
  });
  let squares = 0;
  for (const value of sums) squares += value * value;
  const vector = Array.from(sums);
  if (squares === 0) return vector;
  // Divide (not multiply by the inverse) to round exactly as the original's `value / norm`.
  const norm = Math.sqrt(squares);
  for (let index = 0; index < dimensions; index += 1) vector[index] = (vector[index] as number) / norm;
  return vector;
}

/** Builds a connector for one hashing model; receives the configured dimensions, if any. */
export type HashingModelFactory = (options: {
  dimensions: number | undefined;
}) => EmbeddingConnector | Promise<EmbeddingConnector>;

const hashingModels = new Map<string, HashingModelFactory>([
  [HASHING_DEFAULT_MODEL, ({ dimensions }) => createOriginalHashingConnector(dimensions)],
  [
    'ngram-v2',
    async ({ dimensions }) =>
      (await import('./hashing-v2.js')).createHashingV2Embeddings(
        dimensions === undefined ? {} : { dimensions },
      ),
  ],
]);

/**
 * Adds an offline algorithm under `provider: 'hashing', model: <model>`. Its connector's signature must
 * carry that model name, so its vectors get their own index files.
 */
export function registerHashingModel(model: string, factory: HashingModelFactory): void {
  hashingModels.set(model.trim(), factory);
}

/** Hashing model names, for messages and `--help`. */
export function listHashingModels(): string[] {
  return [...hashingModels.keys()].sort();
}

/** The `hashing` provider's connector for `model` (default: `ngram-v2`; `default` is the original algorithm). */
export async function createHashingEmbeddingConnector(options: {
  model?: string;
  dimensions?: number;
}): Promise<EmbeddingConnector> {
  const model = options.model ?? HASHING_PRODUCT_MODEL;
  const factory = hashingModels.get(model);
  if (!factory) {
    throw new AutoSkillError(
      'INVALID_CONFIG',
      `Unknown hashing embedding model "${model}". Available: ${listHashingModels().join(', ')}.`,
      { details: { provider: 'hashing', model, availableModels: listHashingModels() } },
    );
  }
  return honourAbort(await factory({ dimensions: options.dimensions }));
}

/** Offline embedders run synchronously, so a pre-check is all an abort can mean; done once for all of them. */
function honourAbort(connector: EmbeddingConnector): EmbeddingConnector {
  return {
    ...connector,
    doEmbed(embedOptions) {
      if (embedOptions.abortSignal?.aborted) {
        return Promise.reject(
          new AutoSkillError('ABORTED', 'Embedding was aborted by the caller', {
            details: { provider: connector.provider, model: connector.modelId },
          }),
        );
      }
      return connector.doEmbed(embedOptions);
    },
  };
}

function createOriginalHashingConnector(dimensions = HASHING_DEFAULT_DIMENSIONS): EmbeddingConnector {
  return {
    specificationVersion: 'v1',
    provider: 'hashing',
    modelId: HASHING_DEFAULT_MODEL,
    dimensions,
    maxBatchSize: 4096,
    disabled: false,
    signature: { provider: 'hashing', model: HASHING_DEFAULT_MODEL, dimensions },
    async doEmbed({ texts, abortSignal }: EmbedOptions): Promise<EmbedResult> {
      if (abortSignal?.aborted) {
        throw new AutoSkillError('ABORTED', 'Embedding was aborted by the caller', {
          details: { provider: 'hashing' },
        });
      }
      return { embeddings: texts.map((text) => hashingEmbedding(text, dimensions)) };
    },
  };
}
