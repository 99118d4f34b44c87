/**
 * @module Field-weighted BM25 (BM25F) keyword index with incremental upsert/remove.
 *
 * Each document has five fields (name, description, instructions, triggers, tags). A term's
 * pseudo-frequency in a document is Σ_f weight_f · tf_f / (1 − b_f + b_f · len_f / avglen_f), and the
 * term contributes idf · tf̃ · (k1 + 1) / (tf̃ + k1) (Robertson & Zaragoza's BM25F). Statistics (N, df,
 * per-field length sums) are kept exactly: an upsert first removes the old version of the document, so
 * a sequence of updates leaves the same index as a rebuild (no drift, unlike the original's doc_count).
 *
 * Storage: a term dictionary (Map) to postings held in typed arrays (slot numbers and per-field term
 * frequencies), per-slot field lengths, and per-slot term lists so a removal touches only its own terms.
 */
import { AutoSkillError } from '../shared/errors.js';
import { tokenize as defaultTokenizer, type Tokenizer } from './tokenize.js';

export const KEYWORD_FIELDS = ['name', 'description', 'instructions', 'triggers', 'tags'] as const;
export type KeywordField = (typeof KEYWORD_FIELDS)[number];
const FIELD_COUNT = KEYWORD_FIELDS.length;

/** What the keyword index reads from a skill. Missing fields count as empty. */
export interface KeywordDocument {
  id: string;
  fields: Partial<Record<KeywordField, string>>;
}

export interface FieldSettings {
  /** Multiplier of a term occurrence in this field. */
  weight: number;
  /** Length normalisation strength in [0, 1]. */
  b: number;
}

/**
 * Name, triggers and tags say what a skill is for in a few words, so an occurrence there is worth more
 * than one deep in the instructions, and short fields are normalised less.
 */
export const DEFAULT_FIELD_SETTINGS: Readonly<Record<KeywordField, FieldSettings>> = {
  name: { weight: 3, b: 0.5 },
  description: { weight: 2, b: 0.75 },
  instructions: { weight: 1, b: 0.75 },
  triggers: { weight: 2, b: 0.75 },
  tags: { weight: 1.5, b: 0.5 },
};

export interface Bm25IndexOptions {
  tokenizer?: Tokenizer;
  /** @default DEFAULT_FIELD_SETTINGS */
  fields?: Partial<Record<KeywordField, FieldSettings>>;
  /** Term-frequency saturation. @default 1.2 */
  k1?: number;
  /** Documents counted in IDF only (see `PhantomDocuments`). @default none */
  phantoms?: PhantomDocuments;
}

/**
 * Documents that count in the IDF statistics only: never stored, never matched, never in `size`. With
 * them a word's IDF is sensible in an index of one or two documents (background/corpus.ts): N and each
 * df are the index's plus the phantoms'.
 */
export interface PhantomDocuments {
  documents: number;
  documentFrequency: ReadonlyMap<string, number>;
}

/** Document frequencies of `documents` (a term counts once per document, in any field). */
export function countPhantomDocuments(
  documents: readonly KeywordDocument[],
  tokenizer: Tokenizer = defaultTokenizer,
): PhantomDocuments {
  const documentFrequency = new Map<string, number>();
  for (const document of documents) {
    const terms = new Set<string>();
    for (const field of KEYWORD_FIELDS)
      for (const token of tokenizer(document.fields[field] ?? '')) terms.add(token);
    for (const term of terms) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
  }
  return { documents: documents.length, documentFrequency };
}

/** One analysed query term. */
export interface QueryTerm {
  term: string;
  /**
   * Inverse document frequency over the whole index and its phantom documents; a term no document has
   * gets the largest IDF.
   */
  idf: number;
  /** Documents of the index containing the term (phantoms not counted). */
  df: number;
}

/** Scores of every document that matched at least one query term (parallel arrays, unsorted). */
export interface KeywordMatches {
  /** Document slots (see `idOf`). */
  slots: Int32Array;
  /** BM25F score. */
  scores: Float64Array;
  /** Sum of the IDF of the query terms the document contains (in any field). */
  matchedIdf: Float64Array;
  /** Number of distinct query terms the document contains. */
  matchedTerms: Int32Array;
  /**
   * With `masks`: which query terms each document contains, `maskWords` 32-bit words per document
   * (bit i of word i>>5 = term i), in any field and in the summary fields (all but instructions).
   */
  anyMask?: Uint32Array;
  summaryMask?: Uint32Array;
  maskWords: number;
  count: number;
}

export interface MatchOptions {
  /** Restricts the candidates (scope, owner, filters); statistics stay global. */
  accept?: (slot: number) => boolean;
  /** Also return per-document term masks. @default false */
  masks?: boolean;
  /**
   * Return arrays owned by the index (sized for the largest result so far; read `count` entries) that the
   * next `match` overwrites — for hot paths that consume the result at once. @default false
   */
  reuse?: boolean;
}

const INSTRUCTIONS_FIELD = KEYWORD_FIELDS.indexOf('instructions');

/** Plain arrays of small integers: V8 stores them packed, and appends are cheap. */
interface Postings {
  slots: number[];
  /** Per posting, the FIELD_COUNT term counts packed 6 bits each (a small integer, stored unboxed). */
  counts: number[];
  /** Slot of the most recent append (insertion bookkeeping). */
  lastSlot: number;
  /**
   * Per posting, the saturated term weight tf̃(k1+1)/(tf̃+k1) and whether the term is in a summary
   * field, computed lazily for the current length statistics (`cacheVersion`).
   */
  weights: Float64Array | undefined;
  inSummary: Uint8Array | undefined;
  cacheVersion: number;
}

/** Every field set up front, so all postings share one object shape (monomorphic hot loops). */
function newPostings(): Postings {
  return { slots: [], counts: [], lastSlot: -1, weights: undefined, inSummary: undefined, cacheVersion: -1 };
}

/** Counts saturate long before this (k1 = 1.2), so 6 bits per field lose nothing measurable. */
const MAX_TF = 63;
const TF_BITS = 6;

export class Bm25Index {
  readonly k1: number;
  readonly tokenizer: Tokenizer;
  private readonly weights = new Float64Array(FIELD_COUNT);
  private readonly bs = new Float64Array(FIELD_COUNT);
  private readonly terms = new Map<string, Postings>();
  private readonly slotById = new Map<string, number>();
  private ids: Array<string | undefined> = [];
  private slotTerms: Array<Postings[] | undefined> = [];
  private fieldLengths = new Float64Array(0);
  private readonly lengthSums = new Float64Array(FIELD_COUNT);
  private freeSlots: number[] = [];
  private documentCount = 0;
  private phantoms: PhantomDocuments | undefined;
  /** weight_f / (1 − b + b·len/avg) per slot and field, recomputed lazily after writes. */
  private normalisers = new Float64Array(0);
  private normalisersFresh = false;
  private statisticsVersion = 0;
  // Scratch space reused across queries (searches are synchronous, so never shared concurrently).
  private accumulated = new Float64Array(0);
  private accumulatedIdf = new Float64Array(0);
  private accumulatedTerms = new Int32Array(0);
  private touched = new Int32Array(0);
  private anyMaskScratch = new Uint32Array(0);
  /** The arrays of the last `KeywordMatches`, grown as needed and reused by the next search. */
  private reusable: Omit<KeywordMatches, 'maskWords' | 'count'> = {
    slots: new Int32Array(0),
    scores: new Float64Array(0),
    matchedIdf: new Float64Array(0),
    matchedTerms: new Int32Array(0),
  };
  private summaryMaskScratch = new Uint32Array(0);

  constructor(options: Bm25IndexOptions = {}) {
    this.k1 = options.k1 ?? 1.2;
    this.tokenizer = options.tokenizer ?? defaultTokenizer;
    this.phantoms = options.phantoms;
    KEYWORD_FIELDS.forEach((field, index) => {
      const settings = options.fields?.[field] ?? DEFAULT_FIELD_SETTINGS[field];
      this.weights[index] = settings.weight;
      this.bs[index] = settings.b;
    });
  }

  /** Number of documents. */
  get size(): number {
    return this.documentCount;
  }

  /** One past the largest slot in use; slot-indexed arrays of callers need this length. */
  get slotCapacity(): number {
    return this.ids.length;
  }

  has(id: string): boolean {
    return this.slotById.has(id);
  }

  slotOf(id: string): number | undefined {
    return this.slotById.get(id);
  }

  idOf(slot: number): string | undefined {
    return this.ids[slot];
  }

  /** Adds a document or replaces the one with the same id; returns its slot. */
  upsert(document: KeywordDocument): number {
    const existing = this.slotById.get(document.id);
    const fieldTokens = KEYWORD_FIELDS.map((field) => this.tokenizer(document.fields[field] ?? ''));
    return this.insertTokens(document.id, fieldTokens, existing);
  }

  /** Like `upsert`, for callers that tokenised already (one token list per field, in KEYWORD_FIELDS order). */
  upsertTokens(id: string, fieldTokens: readonly (readonly string[])[]): number {
    if (fieldTokens.length !== FIELD_COUNT) {
      throw new AutoSkillError(
        'INVALID_INPUT',
        `Expected ${FIELD_COUNT} token lists, got ${fieldTokens.length}`,
      );
    }
    return this.insertTokens(id, fieldTokens, this.slotById.get(id));
  }

  remove(id: string): boolean {
    const slot = this.slotById.get(id);
    if (slot === undefined) return false;
    this.clearSlot(slot);
    this.slotById.delete(id);
    this.ids[slot] = undefined;
    this.freeSlots.push(slot);
    this.documentCount -= 1;
    this.normalisersFresh = false;
    return true;
  }

  /** Ids of every document, in slot order. */
  documentIds(): string[] {
    return this.ids.filter((id): id is string => id !== undefined);
  }

  /** Statistics a test can compare between an incrementally updated index and a rebuilt one. */
  statistics(): { documents: number; terms: number; lengthSums: number[]; df: Record<string, number> } {
    const df: Record<string, number> = {};
    for (const [term, postings] of this.terms)
      if (postings.slots.length > 0) df[term] = postings.slots.length;
    return {
      documents: this.documentCount,
      terms: Object.keys(df).length,
      lengthSums: Array.from(this.lengthSums),
      df,
    };
  }

  /** Replaces the phantom documents (IDF changes at once; scores of stored documents follow). */
  setPhantoms(phantoms: PhantomDocuments | undefined): void {
    this.phantoms = phantoms;
  }

  /** IDF of a term that `df` stored documents and `phantomDf` phantom documents contain. */
  idf(df: number, phantomDf = 0): number {
    const n = this.documentCount + (this.phantoms?.documents ?? 0);
    const total = df + phantomDf;
    return Math.log(1 + (n - total + 0.5) / (total + 0.5));
  }

  /** Tokenises a query into distinct terms with their IDF (order of first occurrence). */
  analyze(query: string): QueryTerm[] {
    return this.analyzeTokens(this.tokenizer(query));
  }

  analyzeTokens(tokens: readonly string[]): QueryTerm[] {
    const seen = new Set<string>();
    const out: QueryTerm[] = [];
    for (const term of tokens) {
      if (seen.has(term)) continue;
      seen.add(term);
      const df = this.terms.get(term)?.slots.length ?? 0;
      out.push({ term, df, idf: this.idf(df, this.phantoms?.documentFrequency.get(term) ?? 0) });
    }
    return out;
  }

  /**
   * Scores every document containing at least one of `terms`. `accept(slot)` restricts the candidates
   * (scope, owner, filters); statistics stay global so a score does not depend on who asks.
   */
  match(terms: readonly QueryTerm[], options: MatchOptions = {}): KeywordMatches {
    this.refreshNormalisers();
    const accept = options.accept;
    const capacity = this.ids.length;
    const maskWords = options.masks ? Math.max(1, Math.ceil(terms.length / 32)) : 0;
    if (maskWords > 0 && this.anyMaskScratch.length < capacity * maskWords) {
      this.anyMaskScratch = new Uint32Array(capacity * maskWords);
      this.summaryMaskScratch = new Uint32Array(capacity * maskWords);
    }
    const anyMask = maskWords > 0 ? this.anyMaskScratch : undefined;
    const summaryMask = maskWords > 0 ? this.summaryMaskScratch : undefined;
    if (this.accumulated.length < capacity) {
      this.accumulated = new Float64Array(capacity);
      this.accumulatedIdf = new Float64Array(capacity);
      this.accumulatedTerms = new Int32Array(capacity);
      this.touched = new Int32Array(capacity);
    }
    const scores = this.accumulated;
    const idfSums = this.accumulatedIdf;
    const termCounts = this.accumulatedTerms;
    const touched = this.touched;
    let touchedCount = 0;
    for (let termIndex = 0; termIndex < terms.length; termIndex += 1) {
      const queryTerm = terms[termIndex] as QueryTerm;
      const postings = this.terms.get(queryTerm.term);
      if (!postings) continue;
      const idf = queryTerm.idf;
      const maskWord = termIndex >> 5;
      const maskBit = 1 << (termIndex & 31);
      const slots = postings.slots;
      const { weights, inSummary } = this.postingWeights(postings);
      const length = slots.length;
      for (let index = 0; index < length; index += 1) {
        const slot = slots[index] as number;
        const state = termCounts[slot] as number;
        if (state === 0) {
          touched[touchedCount++] = slot;
          if (accept && !accept(slot)) {
            termCounts[slot] = -1;
            continue;
          }
        } else if (state < 0) {
          continue;
        }
        scores[slot] = (scores[slot] as number) + idf * (weights[index] as number);
        idfSums[slot] = (idfSums[slot] as number) + idf;
        termCounts[slot] = (termCounts[slot] as number) + 1;
        if (anyMask && summaryMask) {
          const at = slot * maskWords + maskWord;
          anyMask[at] = (anyMask[at] as number) | maskBit;
          if (inSummary[index] === 1) summaryMask[at] = (summaryMask[at] as number) | maskBit;
        }
      }
    }
    const result = this.resultBuffers(touchedCount, maskWords, options.reuse === true);
    let count = 0;
    for (let index = 0; index < touchedCount; index += 1) {
      const slot = touched[index] as number;
      if ((termCounts[slot] as number) > 0) {
        result.slots[count] = slot;
        result.scores[count] = scores[slot] as number;
        result.matchedIdf[count] = idfSums[slot] as number;
        result.matchedTerms[count] = termCounts[slot] as number;
        if (anyMask && summaryMask && result.anyMask && result.summaryMask) {
          for (let word = 0; word < maskWords; word += 1) {
            result.anyMask[count * maskWords + word] = anyMask[slot * maskWords + word] as number;
            result.summaryMask[count * maskWords + word] = summaryMask[slot * maskWords + word] as number;
          }
        }
        count += 1;
      }
      if (anyMask && summaryMask) {
        anyMask.fill(0, slot * maskWords, (slot + 1) * maskWords);
        summaryMask.fill(0, slot * maskWords, (slot + 1) * maskWords);
      }
      scores[slot] = 0;
      idfSums[slot] = 0;
      termCounts[slot] = 0;
    }
    result.count = count;
    return result;
  }

  private resultBuffers(size: number, maskWords: number, reuse: boolean): KeywordMatches {
    if (!reuse) {
      return {
        slots: new Int32Array(size),
        scores: new Float64Array(size),
        matchedIdf: new Float64Array(size),
        matchedTerms: new Int32Array(size),
        ...(maskWords > 0
          ? { anyMask: new Uint32Array(size * maskWords), summaryMask: new Uint32Array(size * maskWords) }
          : {}),
        maskWords,
        count: 0,
      };
    }
    const buffers = this.reusable;
    if (buffers.slots.length < size) {
      const grown = Math.max(size, Math.ceil(buffers.slots.length * 1.5));
      buffers.slots = new Int32Array(grown);
      buffers.scores = new Float64Array(grown);
      buffers.matchedIdf = new Float64Array(grown);
      buffers.matchedTerms = new Int32Array(grown);
    }
    if (maskWords > 0 && (buffers.anyMask?.length ?? 0) < size * maskWords) {
      buffers.anyMask = new Uint32Array(
        Math.max(size * maskWords, Math.ceil((buffers.anyMask?.length ?? 0) * 1.5)),
      );
      buffers.summaryMask = new Uint32Array(buffers.anyMask.length);
    }
    return {
      slots: buffers.slots,
      scores: buffers.scores,
      matchedIdf: buffers.matchedIdf,
      matchedTerms: buffers.matchedTerms,
      ...(maskWords > 0 ? { anyMask: buffers.anyMask, summaryMask: buffers.summaryMask } : {}),
      maskWords,
      count: 0,
    };
  }

  /** The score a document would get if it contained every term with unbounded frequency. */
  upperBound(terms: readonly QueryTerm[]): number {
    let sum = 0;
    for (const term of terms) sum += term.idf * (this.k1 + 1);
    return sum;
  }

  private insertTokens(id: string, fieldTokens: readonly (readonly string[])[], existing?: number): number {
    let slot: number;
    if (existing !== undefined) {
      this.clearSlot(existing);
      slot = existing;
    } else {
      slot = this.freeSlots.pop() ?? this.ids.length;
      if (slot === this.ids.length) this.grow(slot + 1);
      this.ids[slot] = id;
      this.slotById.set(id, slot);
      this.documentCount += 1;
    }
    // Each postings list remembers the last slot it received, so a document's repeated tokens find their
    // posting without a per-document map.
    const own: Postings[] = [];
    const terms = this.terms;
    for (let field = 0; field < FIELD_COUNT; field += 1) {
      const tokens = fieldTokens[field] as readonly string[];
      this.fieldLengths[slot * FIELD_COUNT + field] = tokens.length;
      this.lengthSums[field] = (this.lengthSums[field] as number) + tokens.length;
      const increment = 1 << (field * TF_BITS);
      const shift = field * TF_BITS;
      for (let index = 0; index < tokens.length; index += 1) {
        const token = tokens[index] as string;
        let postings = terms.get(token);
        if (postings === undefined) {
          postings = newPostings();
          terms.set(token, postings);
        }
        const counts = postings.counts;
        if (postings.lastSlot !== slot) {
          postings.slots.push(slot);
          counts.push(0);
          postings.lastSlot = slot;
          own.push(postings);
        }
        const at = counts.length - 1;
        const packed = counts[at] as number;
        if (((packed >> shift) & MAX_TF) < MAX_TF) counts[at] = packed + increment;
      }
    }
    this.slotTerms[slot] = own;
    this.normalisersFresh = false;
    return slot;
  }

  /** Removes a slot's postings and lengths but keeps its id mapping (the caller decides). */
  private clearSlot(slot: number): void {
    for (const postings of this.slotTerms[slot] ?? []) {
      const index = postings.slots.indexOf(slot);
      if (index < 0) continue;
      const last = postings.slots.length - 1;
      if (index !== last) {
        postings.slots[index] = postings.slots[last] as number;
        postings.counts[index] = postings.counts[last] as number;
      }
      postings.slots.pop();
      postings.counts.pop();
      postings.lastSlot = -1;
    }
    this.slotTerms[slot] = undefined;
    for (let field = 0; field < FIELD_COUNT; field += 1) {
      const index = slot * FIELD_COUNT + field;
      this.lengthSums[field] = (this.lengthSums[field] as number) - (this.fieldLengths[index] as number);
      this.fieldLengths[index] = 0;
    }
    this.normalisersFresh = false;
  }

  private grow(minimumSlots: number): void {
    if (this.fieldLengths.length >= minimumSlots * FIELD_COUNT) return;
    const slots = Math.max(minimumSlots, Math.ceil((this.fieldLengths.length / FIELD_COUNT) * 1.5), 64);
    const lengths = new Float64Array(slots * FIELD_COUNT);
    lengths.set(this.fieldLengths);
    this.fieldLengths = lengths;
  }

  private refreshNormalisers(): void {
    if (this.normalisersFresh) return;
    const capacity = this.ids.length;
    if (this.normalisers.length < capacity * FIELD_COUNT) {
      this.normalisers = new Float64Array(this.fieldLengths.length);
    }
    const averages = new Float64Array(FIELD_COUNT);
    for (let field = 0; field < FIELD_COUNT; field += 1) {
      averages[field] = this.documentCount > 0 ? (this.lengthSums[field] as number) / this.documentCount : 0;
    }
    for (let slot = 0; slot < capacity; slot += 1) {
      for (let field = 0; field < FIELD_COUNT; field += 1) {
        const index = slot * FIELD_COUNT + field;
        const average = averages[field] as number;
        const b = this.bs[field] as number;
        const relative = average > 0 ? (this.fieldLengths[index] as number) / average : 0;
        this.normalisers[index] = (this.weights[field] as number) / (1 - b + b * relative);
      }
    }
    this.normalisersFresh = true;
    this.statisticsVersion += 1;
  }

  private postingWeights(postings: Postings): { weights: Float64Array; inSummary: Uint8Array } {
    if (postings.cacheVersion === this.statisticsVersion && postings.weights && postings.inSummary) {
      return { weights: postings.weights, inSummary: postings.inSummary };
    }
    const { slots, counts } = postings;
    const length = slots.length;
    const weights = new Float64Array(length);
    const inSummary = new Uint8Array(length);
    const normalisers = this.normalisers;
    const k1 = this.k1;
    for (let index = 0; index < length; index += 1) {
      const packed = counts[index] as number;
      const normBase = (slots[index] as number) * FIELD_COUNT;
      let pseudoTf = 0;
      let summary = 0;
      for (let field = 0; field < FIELD_COUNT; field += 1) {
        const count = (packed >> (field * TF_BITS)) & MAX_TF;
        if (count === 0) continue;
        pseudoTf += count * (normalisers[normBase + field] as number);
        if (field !== INSTRUCTIONS_FIELD) summary = 1;
      }
      weights[index] = (pseudoTf * (k1 + 1)) / (pseudoTf + k1);
      inSummary[index] = summary;
    }
    postings.weights = weights;
    postings.inSummary = inSummary;
    postings.cacheVersion = this.statisticsVersion;
    return { weights, inSummary };
  }
}
