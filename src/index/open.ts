/**
 * @module One call that gives a store its search index: picks the vector backend and index name for
 * the embedding signature, loads (and repairs) the persisted vectors, indexes the skills, and brings the
 * vectors in line with them (embeds missing and stale ones, drops vectors of skills that are gone).
 */
import { embeddingIndexName } from '../embeddings/signature.js';
import type { EmbeddingConnector } from '../embeddings/types.js';
import { backgroundCachePath } from './background/vectors.js';
import {
  type IndexedSkill,
  SkillSearchIndex,
  type SkillSearchIndexOptions,
  type VectorSyncReport,
} from './search.js';
import { MemoryVectorIndex } from './vector/memory.js';
import { createVectorBackend } from './vector/registry.js';
import type { VectorBackend, VectorLoadReport } from './vector/types.js';

export interface OpenSkillSearchIndexOptions extends Omit<SkillSearchIndexOptions, 'vectors' | 'embeddings'> {
  skills: readonly IndexedSkill[];
  /** Absent or `disabled` → keyword search only, no vector files. */
  embeddings?: EmbeddingConnector;
  /** The store's `vectors/` folder; without it vectors live in memory only. */
  vectorsDirectory?: string;
  /** Vector backend: a registered name, an alias or `"module:export"`. @default 'flat' */
  backend?: string;
  backendConfig?: Record<string, unknown>;
  /** Explicit index name (the seeds' `vector_index_name`). @default embeddingIndexName(signature) */
  indexName?: string;
  /** Progress of embedding, for long first builds. */
  onProgress?: (done: number, total: number) => void;
  abortSignal?: AbortSignal;
}

export interface OpenedSkillSearchIndex {
  index: SkillSearchIndex;
  /** What loading the persisted vectors found (`missing` on a first run). */
  vectorLoad: VectorLoadReport;
  /** What was embedded or removed to match the skills. */
  vectorSync: VectorSyncReport;
}

/** Offline hashing embedders return unit (or all-zero) vectors, so other rows are corrupt. */
function normalises(embeddings: EmbeddingConnector): boolean {
  return embeddings.provider === 'hashing';
}

export async function openSkillSearchIndex(
  options: OpenSkillSearchIndexOptions,
): Promise<OpenedSkillSearchIndex> {
  const {
    skills,
    embeddings,
    vectorsDirectory,
    backend,
    backendConfig,
    indexName,
    onProgress,
    abortSignal,
    ...rest
  } = options;
  const active = embeddings && !embeddings.disabled ? embeddings : undefined;
  let vectors: VectorBackend;
  let backgroundCacheFile: string | undefined;
  if (active && vectorsDirectory !== undefined) {
    const name = indexName ?? embeddingIndexName(active.signature);
    vectors = await createVectorBackend({
      backend: backend ?? 'flat',
      directory: vectorsDirectory,
      name,
      config: { unitNorm: normalises(active), ...backendConfig },
    });
    backgroundCacheFile = backgroundCachePath(vectorsDirectory, name);
  } else {
    vectors = new MemoryVectorIndex();
  }
  const vectorLoad = await vectors.load();
  const index = new SkillSearchIndex({
    ...(backgroundCacheFile !== undefined ? { backgroundCacheFile } : {}),
    ...rest,
    vectors,
    ...(active ? { embeddings: active } : {}),
  });
  // Keyword index first, then one pass that embeds what is missing or stale and drops extras.
  index.upsertKeywordsOnly(skills);
  const vectorSync = await index.syncVectors({
    ...(abortSignal ? { abortSignal } : {}),
    ...(onProgress ? { onProgress } : {}),
  });
  return { index, vectorLoad, vectorSync };
}
