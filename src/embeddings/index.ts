/**
 * @module The embeddings layer: the connector contract, the registry and its config, the index-name
 * signature, and the offline hashing algorithms.
 */
export {
  type EmbeddingConfig,
  type EmbeddingConfigInput,
  EmbeddingConfigSchema,
  type EmbeddingEnv,
  resolveEmbeddingConfig,
} from './config.js';
export {
  createHashingEmbeddingConnector,
  HASHING_DEFAULT_DIMENSIONS,
  HASHING_DEFAULT_MODEL,
  type HashingModelFactory,
  hashingEmbedding,
  listHashingModels,
  registerHashingModel,
} from './hashing.js';
export {
  type CreateEmbeddingConnectorOptions,
  createEmbeddingConnector,
  createEmbeddingConnectorRegistry,
  defaultEmbeddingRegistry,
  type EmbeddingConnectorRegistry,
  type EmbeddingFactory,
  type EmbeddingFactoryContext,
  listEmbeddingConnectors,
  type RegisterEmbeddingConnectorOptions,
  registerEmbeddingConnector,
} from './registry.js';
export { embeddingIndexName, sameSignature, signatureDigest } from './signature.js';
export type { EmbeddingConnector, EmbeddingSignature, EmbedOptions, EmbedResult } from './types.js';
