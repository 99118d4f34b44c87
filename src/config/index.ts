/**
 * @module Product configuration: the schema, the resolver (flags > env > file > defaults) and the file loader.
 */
export { DEFAULT_CONFIG_FILES, type LoadConfigFileOptions, loadConfigFile } from './load-file.js';
export {
  autoPickLLMProvider,
  type CliFlags,
  defaultEmbeddingProvider,
  type Env,
  type ResolveConfigOptions,
  resolveConfig,
} from './resolve.js';
export {
  type AutoSkillConfig,
  AutoSkillConfigSchema,
  type ExtractMode,
  type ResolvedConfig,
  type RewriteMode,
  type SkillScope,
} from './schema.js';
