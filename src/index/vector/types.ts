/**
 * @module The vector index backend contract. One backend instance holds the vectors of one embedding
 * signature (one vector space); the search index keeps it in step with the skills and never uses a
 * vector whose document hash does not match the skill's current text.
 */

/** One stored vector and the hash of the text it was computed from. */
export interface VectorEntry {
  id: string;
  vector: Float32Array;
  /** SHA-1 hex of the embedded text (the original's `doc_hash` manifest value). */
  docHash: string;
}

export interface VectorMatch {
  id: string;
  /** Dot product with the query (cosine for unit vectors). */
  score: number;
}

export interface VectorSearchOptions {
  /** Maximum matches, best first. */
  limit: number;
  /** Score only these ids (unknown ids are skipped); all vectors when omitted. */
  ids?: readonly string[];
}

/** What loading found; `problems` is empty for a healthy index. */
export interface VectorLoadReport {
  /** `missing`: no files yet; `ok`: loaded as is; `repaired`: loaded after dropping bad rows; `reset`: unusable, started empty. */
  status: 'missing' | 'ok' | 'repaired' | 'reset';
  rows: number;
  dimensions: number | undefined;
  /** Human-readable findings (truncated file, misaligned ids, non-finite rows…). */
  problems: string[];
  /** Ids whose stored rows were dropped as corrupt or uncommitted; they must be re-embedded. */
  droppedIds: string[];
}

/** Agreement of an index with the skills it should hold. */
export interface VectorHealth {
  /** Skills with no vector. */
  missing: string[];
  /** Skills whose vector was computed from other text. */
  stale: string[];
  /** Vectors of ids that are not skills any more. */
  extra: string[];
}

export interface VectorBackend {
  /** Backend kind, e.g. `flat`. */
  readonly kind: string;
  /** Index name (from the embedding signature), e.g. `skills-hashing-default-d256-8c95e52120`. */
  readonly name: string;
  /** Vector length, `undefined` while empty and never loaded. */
  dimensions(): number | undefined;
  /** Reads persisted state; a damaged index is repaired or reset and reported, never used silently. */
  load(): Promise<VectorLoadReport>;
  size(): number;
  has(id: string): boolean;
  ids(): string[];
  get(id: string): Float32Array | undefined;
  docHash(id: string): string | undefined;
  /** Adds or replaces vectors; a vector of another length fails with `DIMENSION_MISMATCH`. */
  upsert(entries: readonly VectorEntry[]): Promise<void>;
  /** Removes vectors; returns how many existed. */
  remove(ids: readonly string[]): Promise<number>;
  search(query: Float32Array, options: VectorSearchOptions): Promise<VectorMatch[]>;
  /**
   * Optional fast path for in-process backends: the dot products with `ids`, in order (NaN for ids
   * without a vector), synchronously and unsorted.
   */
  scoreMany?(query: Float32Array, ids: readonly string[]): Float64Array;
  /** Drops every vector (and sets the length for the next ones, if given). */
  reset(dimensions?: number): Promise<void>;
  /** Releases files or connections. */
  close(): Promise<void>;
}

/** What a backend factory receives (the seeds' `(dir_path, name, config)`). */
export interface VectorBackendContext {
  /** Folder for file-based backends (`<store>/vectors`). */
  directory: string;
  name: string;
  /** Backend-specific settings from config. */
  config: Record<string, unknown>;
}

export type VectorBackendFactory = (context: VectorBackendContext) => VectorBackend | Promise<VectorBackend>;
