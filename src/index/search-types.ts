/**
 * @module The shapes of skill search: what the index needs of a skill, the search options, filters and
 * scopes, the hits with their score parts, and the index options. `search.ts` implements them.
 */
import type { EmbeddingConnector } from '../embeddings/types.js';
import type { Skill, SkillStatus } from '../skill/schema.js';
import type { BackgroundCorpus } from './background/corpus.js';
import type { FieldSettings, KeywordField } from './bm25.js';
import type { CalibrationParameters } from './calibrate.js';
import type { VectorBackend } from './vector/types.js';

/** What the index needs of a skill. */
export type IndexedSkill = Pick<
  Skill,
  'id' | 'owner' | 'name' | 'description' | 'instructions' | 'triggers' | 'tags'
> & {
  status?: SkillStatus;
  resources?: readonly string[];
};

export type SearchScope = 'user' | 'library' | 'all';

export interface SearchFilters {
  /** Only these skill ids. */
  ids?: readonly string[];
  /** Skills having at least one of these tags (case-insensitive). */
  tags?: readonly string[];
  /** Only these owners (user ids or `library:<name>`); scope rules still apply. */
  owners?: readonly string[];
  /** Only these libraries, by name (`anthropics-skill`) or owner (`library:anthropics-skill`). */
  libraries?: readonly string[];
  /** @default 'active' (archived skills are never returned unless asked for) */
  status?: SkillStatus | 'any';
}

export interface SearchOptions {
  /** The caller; without it only libraries are visible. */
  userId?: string;
  /** @default 'all' */
  scope?: SearchScope | 'common' | 'shared';
  /** Maximum hits. @default 5 */
  limit?: number;
  /** Hits with a lower calibrated score are dropped (see the module comment). @default 0 */
  minScore?: number;
  filters?: SearchFilters;
  abortSignal?: AbortSignal;
}

export interface SearchHitParts {
  /** Keyword evidence in [0, 1] (coverage of the query). */
  keyword: number;
  /** Vector evidence in [0, 1], `null` without a usable vector. */
  vector: number | null;
  /** IDF-weighted share of the query's units the skill contains anywhere / in its summary fields. */
  coverage: number;
  summaryCoverage: number;
  /** Raw BM25F score (not comparable across queries). */
  bm25: number;
  /** Raw query–skill cosine. */
  cosine: number | null;
  /** Standard deviations of that cosine above the query's cosine with unrelated skills (the null sample). */
  cosineZ: number | null;
}

export interface SearchHit {
  id: string;
  owner: string;
  /** Calibrated score in [0, 1]; `minScore` applies to it. */
  score: number;
  parts: SearchHitParts;
}

export interface SkillSearchIndexOptions {
  /** Embedding connector; absent or `disabled` → keyword search only. */
  embeddings?: EmbeddingConnector;
  /** Vector backend for that connector's signature. @default an in-memory backend */
  vectors?: VectorBackend;
  /**
   * Which skills get a vector score: `keyword` = the best keyword candidates only (right for the
   * offline n-gram embedder, whose evidence is lexical anyway), `all` = exhaustive search too, so a
   * semantic embedder can find a skill that shares no word with the query.
   * @default 'keyword' for provider `hashing`, else 'all'
   */
  vectorCandidates?: 'keyword' | 'all';
  /** Candidates taken from each side before calibration. @default 100 */
  candidates?: number;
  /** Instructions longer than this are cut in the embedded text. @default 2000 */
  maxInstructionChars?: number;
  /**
   * The background corpus: the null sample of vector evidence and phantom documents in keyword IDF, so
   * a score does not depend on how many skills the index holds. `false` measures both on the indexed
   * skills themselves (the null sample is then `nullSampleSize` of them), which needs a large store.
   * @default the shipped corpus (background/corpus.ts)
   */
  background?: BackgroundCorpus | false;
  /**
   * Side file caching the background's vectors for this embedder (e.g.
   * `vectors/<index-name>.background.json`). Offline `hashing` embedders never use it: embedding the
   * background takes them a few milliseconds.
   * @default none: embedded in memory once per index
   */
  backgroundCacheFile?: string;
  /** Without a background: size of the skill sample the vector null distribution is measured on. @default 256 */
  nullSampleSize?: number;
  calibration?: Partial<CalibrationParameters>;
  keywordFields?: Partial<Record<KeywordField, FieldSettings>>;
  /** Told when a query could not be embedded (the search then uses keyword evidence only). */
  onVectorError?: (error: unknown) => void;
}

export interface VectorSyncReport {
  embedded: number;
  removed: number;
  failed: string[];
  error?: string;
}
