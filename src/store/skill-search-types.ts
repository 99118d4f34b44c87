/**
 * @module The shapes of store-side search (`skill-search.ts`): its options, queries, hits, open and
 * vector reports, and the `SkillSearch` interface.
 */
import type { EmbeddingConnector } from '../embeddings/types.js';
import type {
  SearchHitParts,
  SearchOptions,
  SearchScope,
  SkillSearchIndexOptions,
  VectorSyncReport,
} from '../index/search.js';
import type { VectorLoadReport } from '../index/vector/types.js';
import type { SkillStore, StoredSkill } from './types.js';

/** Index settings that may be tuned; vectors and embeddings come from the search itself. */
export type SkillSearchIndexSettings = Omit<SkillSearchIndexOptions, 'vectors' | 'embeddings'>;

export interface CreateSkillSearchOptions {
  store: SkillStore;
  /** Embedding connector; absent or `disabled` (`none`) → keyword search only, no vector files. */
  embeddings?: EmbeddingConnector;
  /**
   * Folder of the vector files. `null` keeps vectors in memory.
   * @default `<root>/vectors` for a `FileSkillStore`, else in memory
   */
  vectorsDir?: string | null;
  /** A registered backend name, an alias or `"module:export"`. @default 'flat' */
  vectorBackend?: string;
  vectorBackendConfig?: Record<string, unknown>;
  /** @default embeddingIndexName(embeddings.signature) */
  indexName?: string;
  /**
   * Lock file that serialises vector-file writes across processes. `null`: no lock.
   * @default the store's write lock `<root>/.autoskill/lock` for a writable `FileSkillStore`, else none
   */
  lockPath?: string | null;
  /** @default 10000 */
  lockTimeoutMs?: number;
  /** Users indexed at open besides those the store lists (for stores that cannot list owners). */
  userIds?: readonly string[];
  index?: SkillSearchIndexSettings;
  /**
   * Bring the vectors in line with the skills when the index opens (embed missing and stale ones, drop
   * extras). `false` only loads them, e.g. for a status report that must not start a long embedding run.
   * @default true
   */
  repairOnOpen?: boolean;
  /** Progress of embedding at open (long first builds with a remote provider). */
  onProgress?: (done: number, total: number) => void;
  /** Told about failures in the background (applying a change, writing vectors). @default ignore */
  onError?: (error: unknown, context: string) => void;
}

export interface SkillSearchQuery extends Omit<SearchOptions, 'scope'> {
  /** `user`, `library` (aliases `common`, `shared`) or `all`. @default 'all' */
  scope?: SearchScope | 'common' | 'shared';
}

/** One hit: the stored skill as it is now, its calibrated score and the score's parts. */
export interface SkillSearchHit {
  skill: StoredSkill;
  /** Calibrated score in [0, 1] (docs/retrieval.md); `minScore` applies to it. */
  score: number;
  parts: SearchHitParts;
  /** `user:<owner>` or `library:<name>`. */
  source: string;
}

export interface SkillSearchOpenReport {
  skills: number;
  vectorLoad: VectorLoadReport;
  /** `null` when the index was opened with `repairOnOpen: false`. */
  vectorSync: VectorSyncReport | null;
  durationMs: number;
}

export interface VectorStatusOptions {
  /** Count only skills this user can see (with `scope`); without it every skill counts. */
  userId?: string;
  /** @default 'all' */
  scope?: SearchScope | 'common' | 'shared';
}

export interface VectorStatus {
  /** False when no embeddings are configured (keyword search only). */
  enabled: boolean;
  /** Backend kind (`flat`, `memory`, …) and index name (file base name for `flat`). */
  backend: string;
  indexName: string | null;
  /** Folder of the vector files; null when vectors live in memory. */
  directory: string | null;
  embeddings: { provider: string; model: string; dimensions: number | null } | null;
  /** Skills in the counted scope. */
  skills: number;
  /** Of those, skills with a current vector. */
  vectors: number;
  missing: number;
  stale: number;
  /** Vectors of skills that no longer exist (whole index). */
  extra: number;
  healthy: boolean;
  /** What loading the persisted vectors found when the search opened. */
  load: VectorLoadReport | null;
  /** What the last repair (open or rebuild) did. */
  lastSync: VectorSyncReport | null;
}

export interface RebuildVectorsOptions {
  /** Re-embed every skill, not only missing and stale ones. @default false */
  force?: boolean;
  onProgress?: (done: number, total: number) => void;
  abortSignal?: AbortSignal;
}

export interface VectorRebuildReport extends VectorSyncReport {
  durationMs: number;
  status: VectorStatus;
}

export interface SkillSearch {
  /** True once the index is built. */
  readonly isOpen: boolean;
  /** Builds the index now (otherwise the first search does). Safe to call more than once. */
  open(): Promise<SkillSearchOpenReport>;
  search(query: string, options?: SkillSearchQuery): Promise<SkillSearchHit[]>;
  vectorStatus(options?: VectorStatusOptions): Promise<VectorStatus>;
  rebuildVectors(options?: RebuildVectorsOptions): Promise<VectorRebuildReport>;
  /** Takes in other processes' writes and applies every queued change (tests; before a status report). */
  catchUp(): Promise<void>;
  close(): Promise<void>;
}
