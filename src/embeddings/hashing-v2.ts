/**
 * @module `hashing` / `ngram-v2`: a deterministic offline embedder that is better than the original's
 * hashing algorithm (one bucket per token, a whole Chinese run as one token) while needing no model,
 * no network and no corpus statistics.
 *
 * Features of a text (NFKC, lower-cased, Latin/Greek/Cyrillic accents folded):
 * - every word of an alphabetic script (English stop words dropped, plural/-ed/-ing stripped), weight 1;
 * - character trigrams of those words with boundary marks (`<ru`, `run`, `un>`), weight 0.25 each, so
 *   "transcribe" and "transcription" or typos still share most features;
 * - runs of unspaced scripts (Chinese, Japanese, Korean, Thai…): character bigrams, weight 1, and
 *   single characters, weight 0.25.
 * Counts are damped (1 + ln tf), then signed feature hashing (FNV-1a, the sign from an independent
 * hash bit, so collisions cancel on average instead of adding up) into `dimensions` buckets, and the
 * vector is L2-normalised: the dot product of two vectors is their cosine similarity.
 *
 * It has its own model name, so its signature and flat index files never mix with the original's
 * `hashing`/`default` vectors.
 */
import type { EmbeddingConnector, EmbeddingSignature, EmbedOptions, EmbedResult } from './types.js';

export const HASHING_V2_MODEL = 'ngram-v2';
export const HASHING_V2_DEFAULT_DIMENSIONS = 1024;

export interface HashingV2Options {
  /** Vector length. @default 1024 */
  dimensions?: number;
}

const STOP_WORDS = new Set(
  (
    'a an and are as at be been being but by can could did do does doing for from had has have having he her ' +
    'here hers him his how i if in into is it its itself just me my myself no nor not of off on once only or ' +
    'other our ours out over own same she should so some such than that the their theirs them then there these ' +
    'they this those through to too under until up very was we were what when where which while who whom why ' +
    'will with would you your yours yourself also am any both each few more most let lets ok okay please hmm'
  ).split(' '),
);

const WORD_WEIGHT = 1;
const TRIGRAM_WEIGHT = 0.25;
const BIGRAM_WEIGHT = 1;
const UNIGRAM_WEIGHT = 0.25;

function isUnspaced(code: number): boolean {
  return (
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0x3040 && code <= 0x30ff) ||
    (code >= 0xac00 && code <= 0xd7af) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0x1100 && code <= 0x11ff) ||
    (code >= 0x3130 && code <= 0x318f) ||
    (code >= 0x0e00 && code <= 0x0eff) ||
    (code >= 0x1780 && code <= 0x17ff) ||
    (code >= 0x1000 && code <= 0x109f) ||
    (code >= 0x20000 && code <= 0x3134f)
  );
}

const WORD_CHAR = /^[\p{L}\p{M}\p{N}]$/u;
const wordCache = new Uint8Array(0x10000);

function isWordChar(code: number): boolean {
  if (code < 0x80) return (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39);
  if (code < 0x10000) {
    const known = wordCache[code] as number;
    if (known !== 0) return known === 2;
  }
  const result = WORD_CHAR.test(String.fromCodePoint(code));
  if (code < 0x10000) wordCache[code] = result ? 2 : 1;
  return result;
}

function normalize(text: string): string {
  let normalized = text.normalize('NFKC').toLowerCase();
  if (/[\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff]/.test(normalized)) {
    normalized = normalized
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .normalize('NFC');
  }
  return normalized;
}

function isLowerAscii(word: string): boolean {
  for (let index = 0; index < word.length; index += 1) {
    const code = word.charCodeAt(index);
    if (code < 0x61 || code > 0x7a) return false;
  }
  return true;
}

function hasVowel(word: string): boolean {
  for (let index = 0; index < word.length; index += 1) {
    const code = word.charCodeAt(index);
    // a e i o u y
    if (code === 0x61 || code === 0x65 || code === 0x69 || code === 0x6f || code === 0x75 || code === 0x79)
      return true;
  }
  return false;
}

function stem(word: string): string {
  if (word.length <= 3 || !isLowerAscii(word)) return word;
  let out = word;
  if (out.endsWith('sses')) out = out.slice(0, -2);
  else if (out.endsWith('ies')) out = out.length > 4 ? `${out.slice(0, -3)}y` : out.slice(0, -1);
  else if (out.endsWith('s') && !out.endsWith('ss') && !out.endsWith('us') && !out.endsWith('is'))
    out = out.slice(0, -1);
  for (const suffix of ['ing', 'ed']) {
    if (!out.endsWith(suffix) || out.endsWith('eed')) continue;
    const base = out.slice(0, -suffix.length);
    if (base.length >= 3 && hasVowel(base)) return base;
  }
  return out;
}

const SEED_WORD = 0x77;
const SEED_TRIGRAM = 0x74;
const SEED_BIGRAM = 0x62;
const SEED_UNIGRAM = 0x75;

/** FNV-1a over a seed code unit and `text[start, end)`, without building substrings. */
function fnv1a(seed: number, text: string, start: number, end: number): number {
  let hash = Math.imul(0x811c9dc5 ^ seed, 0x01000193);
  for (let index = start; index < end; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Open-addressing table from 32-bit feature hash to accumulated weight, reused across texts (a Map
 * allocates per entry and dominated the embedding time). Hash 0 is remapped so 0 can mean "empty".
 */
class FeatureTable {
  keys = new Uint32Array(1 << 12);
  values = new Float64Array(1 << 12);
  used: number[] = [];

  add(hash: number, weight: number): void {
    const key = hash === 0 ? 1 : hash;
    if ((this.used.length + 1) * 2 > this.keys.length) this.grow();
    const mask = this.keys.length - 1;
    let index = key & mask;
    for (;;) {
      const stored = this.keys[index] as number;
      if (stored === key) {
        this.values[index] = (this.values[index] as number) + weight;
        return;
      }
      if (stored === 0) {
        this.keys[index] = key;
        this.values[index] = weight;
        this.used.push(index);
        return;
      }
      index = (index + 1) & mask;
    }
  }

  clear(): void {
    for (const index of this.used) this.keys[index] = 0;
    this.used.length = 0;
  }

  private grow(): void {
    const keys = this.keys;
    const values = this.values;
    const used = this.used;
    this.keys = new Uint32Array(keys.length * 2);
    this.values = new Float64Array(keys.length * 2);
    this.used = [];
    for (const index of used) this.add(keys[index] as number, values[index] as number);
  }
}

const table = new FeatureTable();

function collectFeatures(text: string): void {
  table.clear();
  const normalized = normalize(text);
  const addWord = (raw: string): void => {
    if (STOP_WORDS.has(raw)) return;
    const word = stem(raw.includes("'") || raw.includes('\u2019') ? raw.replace(/['\u2019]/g, '') : raw);
    table.add(fnv1a(SEED_WORD, word, 0, word.length), WORD_WEIGHT);
    // Trigrams of `<word>` (the angle brackets mark the word boundaries), hashed without building it.
    if (word.length >= 3) {
      const last = word.length + 2;
      for (let index = 0; index + 3 <= last; index += 1) {
        let hash = Math.imul(0x811c9dc5 ^ SEED_TRIGRAM, 0x01000193);
        for (let at = index; at < index + 3; at += 1) {
          const code = at === 0 ? 0x3c : at === last - 1 ? 0x3e : word.charCodeAt(at - 1);
          hash = Math.imul(hash ^ code, 0x01000193);
        }
        table.add(hash >>> 0, TRIGRAM_WEIGHT);
      }
    }
  };
  const addUnspaced = (start: number, end: number): void => {
    let index = start;
    while (index < end) {
      const width = (normalized.codePointAt(index) as number) > 0xffff ? 2 : 1;
      table.add(fnv1a(SEED_UNIGRAM, normalized, index, index + width), UNIGRAM_WEIGHT);
      if (index + width < end) {
        const nextWidth = (normalized.codePointAt(index + width) as number) > 0xffff ? 2 : 1;
        table.add(fnv1a(SEED_BIGRAM, normalized, index, index + width + nextWidth), BIGRAM_WEIGHT);
      }
      index += width;
    }
  };
  let start = -1;
  let runKind = 0;
  let index = 0;
  const flush = (end: number): void => {
    if (start < 0) return;
    if (runKind === 1) addWord(normalized.slice(start, end));
    else if (runKind === 2) addUnspaced(start, end);
  };
  while (index < normalized.length) {
    const code = normalized.codePointAt(index) as number;
    const kind = isUnspaced(code) ? 2 : isWordChar(code) ? 1 : 0;
    if (kind !== runKind) {
      flush(index);
      start = kind === 0 ? -1 : index;
      runKind = kind;
    }
    index += code > 0xffff ? 2 : 1;
  }
  flush(normalized.length);
}

/** Weighted features of a text keyed by their 32-bit hash (for tests and diagnostics). */
export function hashingV2Features(text: string): Map<number, number> {
  collectFeatures(text);
  const out = new Map<number, number>();
  for (const index of table.used) out.set(table.keys[index] as number, table.values[index] as number);
  return out;
}

/** Embeds one text synchronously into a unit vector (all zeros for a text without features). */
export function embedHashingV2(text: string, dimensions = HASHING_V2_DEFAULT_DIMENSIONS): Float32Array {
  collectFeatures(text);
  const vector = new Float32Array(dimensions);
  for (const slot of table.used) {
    const hash = table.keys[slot] as number;
    const count = table.values[slot] as number;
    // Finalise (murmur3 fmix32) so the bucket comes from well-mixed bits; the sign from the raw hash.
    let mixed = hash ^ (hash >>> 16);
    mixed = Math.imul(mixed, 0x85ebca6b);
    mixed ^= mixed >>> 13;
    mixed = Math.imul(mixed, 0xc2b2ae35);
    mixed = (mixed ^ (mixed >>> 16)) >>> 0;
    const bucket = mixed % dimensions;
    const sign = (hash & 1) === 0 ? 1 : -1;
    const weight = count >= 1 ? 1 + Math.log(count) : count;
    vector[bucket] = (vector[bucket] as number) + sign * weight;
  }
  let norm = 0;
  for (let index = 0; index < dimensions; index += 1) norm += (vector[index] as number) ** 2;
  if (norm > 0) {
    const scale = 1 / Math.sqrt(norm);
    for (let index = 0; index < dimensions; index += 1) vector[index] = (vector[index] as number) * scale;
  }
  return vector;
}

/** The connector (provider `hashing`, model `ngram-v2`); register it in the embeddings registry. */
export function createHashingV2Embeddings(options: HashingV2Options = {}): EmbeddingConnector {
  const dimensions = options.dimensions ?? HASHING_V2_DEFAULT_DIMENSIONS;
  const signature: EmbeddingSignature = { provider: 'hashing', model: HASHING_V2_MODEL, dimensions };
  return {
    specificationVersion: 'v1',
    provider: 'hashing',
    modelId: HASHING_V2_MODEL,
    dimensions,
    maxBatchSize: 1024,
    disabled: false,
    signature,
    async doEmbed({ texts }: EmbedOptions): Promise<EmbedResult> {
      return { embeddings: texts.map((text) => Array.from(embedHashingV2(text, dimensions))) };
    },
  };
}
