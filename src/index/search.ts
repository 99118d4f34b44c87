/**
 * @module Hybrid, scoped, calibrated skill search: the BM25F keyword index and a vector backend kept in
 * step with the skills, and one `search` that returns hits with a calibrated score and its parts.
 *
 * Scope rules (the seeds'): a user sees their own skills plus the shared libraries (owners starting
 * with `library:`), never another user's. `scope: 'user'` = only the caller's skills, `'library'`
 * (aliases `common`, `shared`) = only libraries, `'all'` = both. Keyword statistics (IDF, average
 * lengths) are global, so a skill's score does not depend on who searches.
 *
 * What `minScore` means: see `calibrate.ts` and docs/retrieval.md. In short, a score in [0, 1] that
 * combines how much of the query the skill covers with how unusual the query–skill vector similarity
 * is; 0.4 (the default) ≈ "the skill covers a substantial part of the request and the vector agrees".
 *
 * Vectors: each skill's vector is computed from `retrievalText` (instructions cut to
 * `maxInstructionChars`) and stored with the SHA-1 of that text; a vector whose hash differs from the
 * current text is stale and never used — `syncVectors` re-embeds it, and `vectorHealth` reports it.
 *
 * The option and hit types are in `search-types.ts`, the scope and filter predicate in
 * `search-filter.ts`, the null-sample statistics in `null-sample.ts`.
 */
import type { EmbeddingConnector } from '../embeddings/types.js';
import { AutoSkillError, errorMessage } from '../shared/errors.js';
import { isLibraryOwner } from '../skill/schema.js';
import { type BackgroundCorpus, defaultBackgroundCorpus } from './background/corpus.js';
import {
  type BackgroundVectors,
  backgroundCosines,
  loadBackgroundVectors,
  textsDigest,
} from './background/vectors.js';
import { Bm25Index, type KeywordMatches } from './bm25.js';
import { type CalibrationParameters, calibrate, DEFAULT_CALIBRATION } from './calibrate.js';
import { backgroundPhantoms, idHash, meanAndSd } from './null-sample.js';
import { type AnalyzedQuery, analyzeQuery, unitCoverage } from './query.js';
import { documentHash, type RetrievalFields, retrievalText } from './retrieval-text.js';
import { type IndexedRecord, recordFilter } from './search-filter.js';
import type {
  IndexedSkill,
  SearchHit,
  SearchOptions,
  SkillSearchIndexOptions,
  VectorSyncReport,
} from './search-types.js';
import { tokenizeUnits } from './tokenize.js';
import { TopK } from './vector/matrix.js';
import { MemoryVectorIndex } from './vector/memory.js';
import type { VectorBackend, VectorHealth } from './vector/types.js';

export type {
  IndexedSkill,
  SearchFilters,
  SearchHit,
  SearchHitParts,
  SearchOptions,
  SearchScope,
  SkillSearchIndexOptions,
  VectorSyncReport,
} from './search-types.js';

interface PendingVector {
  id: string;
  text: string;
  hash: string;
}

interface Candidate {
  slot: number;
  /** Captured before any await, so a concurrent write cannot swap the skill behind a slot. */
  record: IndexedRecord;
  bm25: number;
  coverage: number;
  summaryCoverage: number;
  cosine?: number;
}

const NULL_SAMPLE_SIZE = 256;

/** Background vectors of offline (`hashing`) embedders, shared by every index of the process. */
const offlineBackgrounds = new Map<string, Promise<BackgroundVectors>>();

export class SkillSearchIndex {
  readonly keywords: Bm25Index;
  readonly vectors: VectorBackend;
  readonly embeddings: EmbeddingConnector | undefined;
  private readonly records = new Map<string, IndexedRecord>();
  private readonly recordsBySlot: Array<IndexedRecord | undefined> = [];
  private readonly calibration: CalibrationParameters;
  private readonly vectorCandidates: 'keyword' | 'all';
  private readonly candidateCount: number;
  private readonly maxInstructionChars: number;
  private readonly nullSampleSize: number;
  private readonly onVectorError: ((error: unknown) => void) | undefined;
  private readonly background: BackgroundCorpus | undefined;
  private readonly backgroundCacheFile: string | undefined;
  /** The background's vectors, embedded (or read from the side file) once; reset after a failure. */
  private backgroundVectors: Promise<BackgroundVectors> | undefined;
  /**
   * The null sample: the `nullSampleSize` skills whose id hashes lowest (a bottom-k sketch). It is a
   * uniform sample of the whole index whatever the load order, and stays the same sample as skills come
   * and go. `undefined` = recompute before the next search.
   */
  private nullSample: string[] | undefined;

  constructor(options: SkillSearchIndexOptions = {}) {
    this.keywords = new Bm25Index(options.keywordFields ? { fields: options.keywordFields } : {});
    this.embeddings = options.embeddings?.disabled ? undefined : options.embeddings;
    this.vectors = options.vectors ?? new MemoryVectorIndex();
    this.calibration = { ...DEFAULT_CALIBRATION, ...options.calibration };
    this.vectorCandidates =
      options.vectorCandidates ?? (this.embeddings?.provider === 'hashing' ? 'keyword' : 'all');
    this.candidateCount = options.candidates ?? 100;
    this.maxInstructionChars = options.maxInstructionChars ?? 2000;
    this.nullSampleSize = options.nullSampleSize ?? NULL_SAMPLE_SIZE;
    this.onVectorError = options.onVectorError;
    this.background =
      options.background === false ? undefined : (options.background ?? defaultBackgroundCorpus());
    if (this.background) this.keywords.setPhantoms(backgroundPhantoms(this.background));
    this.backgroundCacheFile =
      this.embeddings?.provider === 'hashing' ? undefined : options.backgroundCacheFile;
    // Load the Chinese dictionary now rather than on the first query.
    tokenizeUnits('预热');
  }

  get size(): number {
    return this.records.size;
  }

  has(id: string): boolean {
    return this.records.has(id);
  }

  get(id: string): IndexedSkill | undefined {
    return this.records.get(id)?.skill;
  }

  ids(): string[] {
    return [...this.records.keys()];
  }

  /** The text a skill's vector is computed from. */
  vectorText(skill: RetrievalFields): string {
    return retrievalText(skill, { maxInstructionChars: this.maxInstructionChars });
  }

  /**
   * Adds or replaces skills: the keyword index at once, then vectors for skills whose text changed
   * (embedded in batches). Embedding failures leave those skills without a vector (keyword-only)
   * and are reported, never hidden; `syncVectors` retries them.
   */
  async upsert(
    skills: readonly IndexedSkill[],
    options: { abortSignal?: AbortSignal } = {},
  ): Promise<VectorSyncReport> {
    for (const skill of skills) this.upsertKeywords(skill);
    if (!this.embeddings) return { embedded: 0, removed: 0, failed: [] };
    const stale: PendingVector[] = [];
    for (const skill of skills) {
      const text = this.vectorText(skill);
      const hash = documentHash(text);
      if (this.vectors.docHash(skill.id) !== hash) stale.push({ id: skill.id, text, hash });
    }
    return this.embed(stale, options.abortSignal);
  }

  /** Adds or replaces skills in the keyword index only; `syncVectors` then brings the vectors in line. */
  upsertKeywordsOnly(skills: readonly IndexedSkill[]): void {
    for (const skill of skills) this.upsertKeywords(skill);
  }

  /** Removes skills from both indexes; returns how many were known. */
  async remove(ids: readonly string[]): Promise<number> {
    let removed = 0;
    for (const id of ids) {
      const record = this.records.get(id);
      if (!record) continue;
      const slot = this.keywords.slotOf(id);
      if (slot !== undefined) this.recordsBySlot[slot] = undefined;
      this.keywords.remove(id);
      this.records.delete(id);
      if (this.nullSample?.includes(id)) this.nullSample = undefined;
      removed += 1;
    }
    if (this.embeddings) await this.vectors.remove(ids.filter((id) => this.vectors.has(id)));
    return removed;
  }

  /** How the vector backend disagrees with the skills (nothing is changed). */
  vectorHealth(): VectorHealth {
    const missing: string[] = [];
    const stale: string[] = [];
    for (const record of this.records.values()) {
      const stored = this.vectors.docHash(record.skill.id);
      if (!this.vectors.has(record.skill.id)) missing.push(record.skill.id);
      else if (stored !== documentHash(this.vectorText(record.skill))) stale.push(record.skill.id);
    }
    const extra = this.vectors.ids().filter((id) => !this.records.has(id));
    return { missing, stale, extra };
  }

  /**
   * Repairs the vector backend: embeds missing and stale skills (all of them with `force`), removes
   * vectors of unknown ids. `onProgress(done, total)` is called after each batch.
   */
  async syncVectors(
    options: {
      force?: boolean;
      abortSignal?: AbortSignal;
      onProgress?: (done: number, total: number) => void;
    } = {},
  ): Promise<VectorSyncReport> {
    if (!this.embeddings) return { embedded: 0, removed: 0, failed: [] };
    const health = this.vectorHealth();
    const removed = await this.vectors.remove(health.extra);
    if (options.force) await this.vectors.reset(this.embeddings.dimensions);
    const ids = options.force ? this.ids() : [...health.missing, ...health.stale];
    const pending: PendingVector[] = [];
    for (const id of ids) {
      const skill = this.records.get(id)?.skill;
      if (!skill) continue;
      const text = this.vectorText(skill);
      pending.push({ id, text, hash: documentHash(text) });
    }
    const report = await this.embed(pending, options.abortSignal, options.onProgress);
    if (this.background && !report.error) {
      try {
        // A forced rebuild re-embeds the background too (a provider may have changed behind one name).
        await this.backgroundReady({
          ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
          refresh: options.force === true,
        });
      } catch (error) {
        return { ...report, removed, error: `background corpus: ${errorMessage(error)}` };
      }
    }
    return { ...report, removed };
  }

  /**
   * The background's vectors for this embedder: embedded at the first call (a few hundred short texts;
   * read from `backgroundCacheFile` when it holds them), then kept. `refresh` embeds a remote provider's
   * again, ignoring the side file (`syncVectors({ force })`). A failure is thrown and retried by the next
   * call.
   */
  backgroundReady(
    options: { abortSignal?: AbortSignal; refresh?: boolean } = {},
  ): Promise<BackgroundVectors | undefined> {
    const { abortSignal, refresh = false } = options;
    const embeddings = this.embeddings;
    const background = this.background;
    if (!embeddings || !background) return Promise.resolve(undefined);
    const remote = embeddings.provider !== 'hashing';
    if (!this.backgroundVectors || (refresh && remote)) {
      const texts = background.documents.map((document) => this.vectorText(document));
      let loading: Promise<BackgroundVectors>;
      if (!remote) {
        // Offline embedders are deterministic and local: one computation serves every index of the process.
        const { provider, model, dimensions } = embeddings.signature;
        const key = JSON.stringify([provider, model, dimensions ?? null, textsDigest(texts)]);
        const shared =
          offlineBackgrounds.get(key) ??
          loadBackgroundVectors({ embeddings, texts }).then((loaded) => loaded.vectors);
        offlineBackgrounds.set(key, shared);
        shared.catch(() => offlineBackgrounds.delete(key));
        loading = shared;
      } else {
        loading = loadBackgroundVectors({
          embeddings,
          texts,
          refresh,
          ...(this.backgroundCacheFile !== undefined ? { cacheFile: this.backgroundCacheFile } : {}),
          ...(abortSignal ? { abortSignal } : {}),
        }).then((loaded) => loaded.vectors);
      }
      this.backgroundVectors = loading;
      loading.catch(() => {
        if (this.backgroundVectors === loading) this.backgroundVectors = undefined;
      });
    }
    return this.backgroundVectors;
  }

  /** Scoped hybrid search; hits sorted by calibrated score, best first. */
  async search(query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    const limit = Math.max(1, Math.floor(options.limit ?? 5));
    const minScore = options.minScore ?? 0;
    const analyzed = analyzeQuery(query, this.keywords);
    const accept = this.acceptor(options);
    const keywordMatches = this.keywords.match(analyzed.terms, { accept, masks: true, reuse: true });
    const candidates = this.keywordCandidates(analyzed, keywordMatches);
    let nullMean: number | undefined;
    let nullSd: number | undefined;
    if (this.embeddings && this.vectors.size() > 0 && analyzed.terms.length > 0) {
      let queryVector: Float32Array | undefined;
      try {
        queryVector = await this.embedQuery(query, options.abortSignal);
      } catch (error) {
        if (options.abortSignal?.aborted) throw error;
        // The provider failed: answer from keyword evidence alone (every hit says so: vector null).
        this.onVectorError?.(error);
      }
      if (queryVector) {
        try {
          ({ mean: nullMean, sd: nullSd } = await this.nullDistribution(queryVector, options.abortSignal));
        } catch (error) {
          if (options.abortSignal?.aborted) throw error;
          // The background could not be embedded: no null to measure against, so keyword evidence only.
          this.onVectorError?.(error);
          queryVector = undefined;
        }
      }
      if (queryVector) await this.addVectorScores(queryVector, candidates, accept);
    }
    const hits: SearchHit[] = [];
    for (const candidate of candidates) {
      const record = candidate.record;
      const calibrated = calibrate(
        {
          coverage: candidate.coverage,
          summaryCoverage: candidate.summaryCoverage,
          cosine: candidate.cosine,
          nullMean,
          nullSd,
        },
        this.calibration,
      );
      if (calibrated.score < minScore || calibrated.score <= 0) continue;
      hits.push({
        id: record.skill.id,
        owner: record.skill.owner,
        score: calibrated.score,
        parts: {
          keyword: calibrated.keyword,
          vector: calibrated.vector,
          coverage: candidate.coverage,
          summaryCoverage: candidate.summaryCoverage,
          bm25: candidate.bm25,
          cosine: candidate.cosine ?? null,
          cosineZ:
            candidate.cosine === undefined || nullMean === undefined || nullSd === undefined
              ? null
              : (candidate.cosine - nullMean) / Math.max(nullSd, 1e-6),
        },
      });
    }
    hits.sort((left, right) => right.score - left.score || right.parts.bm25 - left.parts.bm25);
    return hits.slice(0, limit);
  }

  private upsertKeywords(skill: IndexedSkill): void {
    const slot = this.keywords.upsert({
      id: skill.id,
      fields: {
        name: skill.name,
        description: skill.description,
        instructions: skill.instructions,
        triggers: skill.triggers.join('\n'),
        tags: skill.tags.join('\n'),
      },
    });
    const record: IndexedRecord = {
      skill,
      tags: new Set(skill.tags.map((tag) => tag.trim().toLowerCase())),
      library: isLibraryOwner(skill.owner),
    };
    this.records.set(skill.id, record);
    this.recordsBySlot[slot] = record;
    this.offerNullSample(skill.id);
  }

  private async embed(
    pending: readonly PendingVector[],
    abortSignal?: AbortSignal,
    onProgress?: (done: number, total: number) => void,
  ): Promise<VectorSyncReport> {
    const connector = this.embeddings;
    if (!connector || pending.length === 0) return { embedded: 0, removed: 0, failed: [] };
    const batchSize = Math.max(1, connector.maxBatchSize);
    let embedded = 0;
    for (let start = 0; start < pending.length; start += batchSize) {
      const batch = pending.slice(start, start + batchSize);
      try {
        const result = await connector.doEmbed({
          texts: batch.map((item) => item.text),
          ...(abortSignal ? { abortSignal } : {}),
        });
        if (result.embeddings.length !== batch.length) {
          throw new AutoSkillError(
            'INVALID_RESPONSE',
            `${connector.provider} returned ${result.embeddings.length} vectors for ${batch.length} texts`,
            { details: { provider: connector.provider } },
          );
        }
        await this.vectors.upsert(
          batch.map((item, index) => ({
            id: item.id,
            vector: Float32Array.from(result.embeddings[index] as number[]),
            docHash: item.hash,
          })),
        );
        embedded += batch.length;
        onProgress?.(start + batch.length, pending.length);
      } catch (error) {
        // A stale vector must not stay usable: drop what this batch and the rest would have replaced.
        const failed = pending.slice(start).map((item) => item.id);
        await this.vectors.remove(failed.filter((id) => this.vectors.has(id)));
        return { embedded, removed: 0, failed, error: errorMessage(error) };
      }
    }
    return { embedded, removed: 0, failed: [] };
  }

  private async embedQuery(query: string, abortSignal?: AbortSignal): Promise<Float32Array | undefined> {
    const connector = this.embeddings;
    if (!connector) return undefined;
    const result = await connector.doEmbed({ texts: [query], ...(abortSignal ? { abortSignal } : {}) });
    const vector = result.embeddings[0];
    if (!vector || vector.length !== this.vectors.dimensions()) return undefined;
    return Float32Array.from(vector);
  }

  private acceptor(options: SearchOptions): (slot: number) => boolean {
    const accepts = recordFilter(options);
    return (slot: number): boolean => {
      const record = this.recordsBySlot[slot];
      return record !== undefined && accepts(record);
    };
  }

  private keywordCandidates(query: AnalyzedQuery, matches: KeywordMatches): Candidate[] {
    const best = new TopK(this.candidateCount);
    for (let index = 0; index < matches.count; index += 1) best.push(index, matches.scores[index] as number);
    const words = matches.maskWords;
    const candidates: Candidate[] = [];
    for (const { item: index } of best.sorted()) {
      const slot = matches.slots[index] as number;
      const record = this.recordsBySlot[slot];
      if (!record) continue;
      candidates.push({
        slot,
        record,
        bm25: matches.scores[index] as number,
        coverage: matches.anyMask ? unitCoverage(query, matches.anyMask, index * words) : 0,
        summaryCoverage: matches.summaryMask ? unitCoverage(query, matches.summaryMask, index * words) : 0,
      });
    }
    return candidates;
  }

  private offerNullSample(id: string): void {
    const sample = this.nullSample;
    if (!sample || sample.includes(id)) return;
    const hash = idHash(id);
    if (sample.length < this.nullSampleSize) {
      sample.push(id);
      sample.sort((left, right) => idHash(left) - idHash(right));
    } else if (hash < idHash(sample[sample.length - 1] as string)) {
      sample[sample.length - 1] = id;
      sample.sort((left, right) => idHash(left) - idHash(right));
    }
  }

  private sampleIds(): string[] {
    if (!this.nullSample) {
      this.nullSample = [...this.records.keys()]
        .map((id) => ({ id, hash: idHash(id) }))
        .sort((left, right) => left.hash - right.hash)
        .slice(0, this.nullSampleSize)
        .map((entry) => entry.id);
    }
    return this.nullSample;
  }

  /**
   * Mean and standard deviation of the query's cosine with unrelated documents: the background corpus
   * pooled with the store's own sample (see the module comment), or the store's sample alone without a
   * background.
   */
  private async nullDistribution(
    queryVector: Float32Array,
    abortSignal?: AbortSignal,
  ): Promise<{ mean: number; sd: number }> {
    const samples: Float64Array[] = [await this.scoreIds(queryVector, this.sampleIds())];
    if (this.background) {
      const background = await this.backgroundReady(abortSignal ? { abortSignal } : {});
      if (!background || background.dimensions !== queryVector.length) {
        // A provider that changed its vector length since the background was embedded: embed it again.
        this.backgroundVectors = undefined;
        throw new AutoSkillError(
          'DIMENSION_MISMATCH',
          `Background vectors have ${background?.dimensions ?? 0} dimensions, the query ${queryVector.length}`,
        );
      }
      samples.push(backgroundCosines(queryVector, background));
    }
    return meanAndSd(samples);
  }

  /** Cosines with `ids` in order (NaN without a vector); in-process backends answer synchronously. */
  private async scoreIds(queryVector: Float32Array, ids: readonly string[]): Promise<Float64Array> {
    if (this.vectors.scoreMany) return this.vectors.scoreMany(queryVector, ids);
    const out = new Float64Array(ids.length).fill(Number.NaN);
    const position = new Map(ids.map((id, index) => [id, index]));
    for (const match of await this.vectors.search(queryVector, { limit: ids.length, ids })) {
      const index = position.get(match.id);
      if (index !== undefined) out[index] = match.score;
    }
    return out;
  }

  private async addVectorScores(
    queryVector: Float32Array,
    candidates: Candidate[],
    accept: (slot: number) => boolean,
  ): Promise<void> {
    const bySlot = new Map(candidates.map((candidate) => [candidate.slot, candidate]));
    const ids = candidates.map((candidate) => candidate.record.skill.id);
    const cosines = await this.scoreIds(queryVector, ids);
    candidates.forEach((candidate, index) => {
      const cosine = cosines[index] as number;
      if (!Number.isNaN(cosine)) candidate.cosine = cosine;
    });
    if (this.vectorCandidates === 'all') {
      const extra = await this.vectors.search(queryVector, { limit: this.candidateCount * 4 });
      let added = 0;
      for (const match of extra) {
        if (added >= this.candidateCount) break;
        const slot = this.keywords.slotOf(match.id);
        if (slot === undefined || bySlot.has(slot) || !accept(slot)) continue;
        const record = this.recordsBySlot[slot];
        if (!record) continue;
        const candidate: Candidate = {
          slot,
          record,
          bm25: 0,
          coverage: 0,
          summaryCoverage: 0,
          cosine: match.score,
        };
        candidates.push(candidate);
        bySlot.set(slot, candidate);
        added += 1;
      }
    }
  }
}
