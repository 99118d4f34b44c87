/**
 * @module The index layer: tokenizer, BM25F keyword index, vector backends (flat SkillBank files,
 * memory, plug-ins), and the calibrated hybrid search the store and the learning loop use.
 */
export {
  type BackgroundCorpus,
  type BackgroundDocument,
  createBackgroundCorpus,
  defaultBackgroundCorpus,
  parseBackgroundDocuments,
} from './background/corpus.js';
export {
  type BackgroundVectors,
  backgroundCachePath,
  loadBackgroundVectors,
} from './background/vectors.js';
export {
  Bm25Index,
  countPhantomDocuments,
  DEFAULT_FIELD_SETTINGS,
  type FieldSettings,
  KEYWORD_FIELDS,
  type KeywordField,
  type PhantomDocuments,
} from './bm25.js';
export { type CalibrationParameters, calibrate, DEFAULT_CALIBRATION } from './calibrate.js';
export {
  type OpenedSkillSearchIndex,
  type OpenSkillSearchIndexOptions,
  openSkillSearchIndex,
} from './open.js';
export { documentHash, type RetrievalFields, retrievalText } from './retrieval-text.js';
export {
  type IndexedSkill,
  type SearchFilters,
  type SearchHit,
  type SearchHitParts,
  type SearchOptions,
  type SearchScope,
  SkillSearchIndex,
  type SkillSearchIndexOptions,
  type VectorSyncReport,
} from './search.js';
export { createTokenizer, type Tokenizer, tokenize, tokenizeUnits } from './tokenize.js';
export { FlatVectorIndex, type FlatVectorIndexOptions } from './vector/flat.js';
export { MemoryVectorIndex } from './vector/memory.js';
export { createVectorBackend, listVectorBackends, registerVectorBackend } from './vector/registry.js';
export type {
  VectorBackend,
  VectorBackendContext,
  VectorBackendFactory,
  VectorEntry,
  VectorHealth,
  VectorLoadReport,
  VectorMatch,
  VectorSearchOptions,
} from './vector/types.js';
