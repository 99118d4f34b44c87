/**
 * @module `generic`: any OpenAI-compatible embeddings endpoint (vLLM, TEI, LiteLLM, LM Studio…). The URL
 * and model are required (`AUTOSKILL_GENERIC_EMBED_URL`, `AUTOSKILL_GENERIC_EMBED_MODEL`): there is no
 * default host, so nothing is ever sent somewhere the user did not name. The key is optional
 * (`AUTOSKILL_GENERIC_API_KEY`); without one no Authorization header is sent.
 */
import { readEnv, requireSetting } from './config.js';
import { createHttpEmbeddingConnector } from './http-embeddings.js';
import {
  embeddingsUrl,
  OpenAIEmbeddingResponseSchema,
  openAIEmbeddingBody,
  readOpenAIEmbeddingResponse,
} from './openai-wire.js';
import type { EmbeddingFactory } from './registry.js';

export const createGenericEmbeddingConnector: EmbeddingFactory = (config, context) => {
  const baseUrl = requireSetting({
    provider: 'generic',
    value: config.baseUrl ?? readEnv(context.env, 'AUTOSKILL_GENERIC_EMBED_URL'),
    option: 'baseUrl',
    envName: 'AUTOSKILL_GENERIC_EMBED_URL',
    example: 'http://127.0.0.1:8000/v1',
  });
  const model = requireSetting({
    provider: 'generic',
    value: config.model ?? readEnv(context.env, 'AUTOSKILL_GENERIC_EMBED_MODEL'),
    option: 'model',
    envName: 'AUTOSKILL_GENERIC_EMBED_MODEL',
    example: 'BAAI/bge-m3',
  });
  const apiKey = config.apiKey ?? readEnv(context.env, 'AUTOSKILL_GENERIC_API_KEY');
  return createHttpEmbeddingConnector({
    provider: 'generic',
    modelId: model,
    url: embeddingsUrl(baseUrl),
    baseUrlEnvName: 'AUTOSKILL_GENERIC_EMBED_URL',
    config,
    batchLimit: 2048,
    // Text Embeddings Inference refuses more than 32 inputs per request by default.
    defaultBatchSize: 32,
    defaultMaxInputChars: 6000,
    headers: () => ({ authorization: apiKey ? `Bearer ${apiKey}` : undefined }),
    buildBody: (texts) => openAIEmbeddingBody({ model, texts, config }),
    responseSchema: OpenAIEmbeddingResponseSchema,
    readResponse: readOpenAIEmbeddingResponse,
    keyEnvNames: ['AUTOSKILL_GENERIC_API_KEY'],
    fetch: context.fetch,
    sleep: context.sleep,
  });
};
