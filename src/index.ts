/**
 * @module The public surface of the `autoskill` package: named exports only, pinned by a test
 * (`src/index.test.ts`). The SDK facade, the connector and vector-backend registries, the stores, the
 * error type and codes, the skill schema and SKILL.md codec, and the configuration resolver.
 */

export {
  type AutoSkillConfig,
  AutoSkillConfigSchema,
  loadConfigFile,
  type ResolvedConfig,
  resolveConfig,
} from './config/index.js';
export {
  createEmbeddingConnector,
  type EmbeddingConnector,
  type EmbeddingFactory,
  registerEmbeddingConnector,
} from './embeddings/index.js';
export { registerVectorBackend, type VectorBackend, type VectorBackendFactory } from './index/index.js';
export {
  createLLMConnector,
  createOfflineLLMConnector,
  type LLMConnector,
  type LLMConnectorFactory,
  registerLLMConnector,
} from './llm/index.js';
export type { RenderedSkillContext, RetrievalInfo, TurnContext } from './retrieve/index.js';
export {
  AutoSkill,
  type AutoSkillOptions,
  type ChangeOptions,
  type DiffOptions,
  type ExportFormat,
  type ExportResult,
  type ExportSkillOptions,
  type ExtractCandidatesResult,
  type ImportConversationsOptions,
  type ImportConversationsResult,
  type ImportSkillsOptions,
  type IngestOptions,
  type IngestResult,
  type PrepareTurnOptions,
  type RenderContextOptions,
  type SearchSkillsOptions,
  type SkillDiff,
  type StoreConfig,
} from './sdk.js';
export { AutoSkillError, ERROR_CODES, type ErrorCode, isAutoSkillError } from './shared/errors.js';
export {
  isLibraryOwner,
  LIBRARY_OWNER_PREFIX,
  libraryOwner,
  type Skill,
  type SkillExample,
  SkillExampleSchema,
  type SkillInput,
  SkillSchema,
  type SkillStatus,
} from './skill/schema.js';
export { parseSkillMd, renderSkillMd } from './skill/skill-md.js';
export {
  FileSkillStore,
  MemorySkillStore,
  type SkillSearchHit,
  type SkillStore,
  type StoredSkill,
} from './store/index.js';
