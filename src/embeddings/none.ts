/**
 * @module `none`: embeddings switched off. The connector says `disabled: true` so callers skip vector
 * work (retrieval becomes keyword-only); calling it anyway is a configuration error.
 */
import { AutoSkillError } from '../shared/errors.js';
import type { EmbeddingFactory } from './registry.js';

export const createNoneEmbeddingConnector: EmbeddingFactory = () => ({
  specificationVersion: 'v1',
  provider: 'none',
  modelId: 'default',
  dimensions: undefined,
  maxBatchSize: 1,
  disabled: true,
  signature: { provider: 'none', model: 'default' },
  async doEmbed() {
    throw new AutoSkillError(
      'INVALID_CONFIG',
      'Embeddings are disabled (provider "none"); check `disabled` before embedding, or configure a provider',
      { details: { provider: 'none' } },
    );
  },
});
