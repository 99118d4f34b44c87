/**
 * @module `openai`: OpenAI embeddings (`text-embedding-3-small` by default), key from `OPENAI_API_KEY`.
 */

import { readEnv, requireApiKey } from './config.js';
import { createHttpEmbeddingConnector } from './http-embeddings.js';
import {
  embeddingsUrl,
  OpenAIEmbeddingResponseSchema,
  openAIEmbeddingBody,
  readOpenAIEmbeddingResponse,
} from './openai-wire.js';
import type { EmbeddingFactory } from './registry.js';

export const OPENAI_DEFAULT_MODEL = 'text-embedding-3-small';
const KEY_ENV = ['OPENAI_API_KEY'] as const;

export const createOpenAIEmbeddingConnector: EmbeddingFactory = (config, context) => {
  const apiKey = requireApiKey({ provider: 'openai', config, env: context.env, envNames: KEY_ENV });
  const model = config.model ?? OPENAI_DEFAULT_MODEL;
  const baseUrl = config.baseUrl ?? readEnv(context.env, 'OPENAI_BASE_URL') ?? 'https://api.openai.com/v1';
  return createHttpEmbeddingConnector({
    provider: 'openai',
    modelId: model,
    url: embeddingsUrl(baseUrl),
    baseUrlEnvName: 'OPENAI_BASE_URL',
    config,
    // The API accepts 2,048 inputs and 300k tokens per request; 256 keeps requests small and retries cheap.
    batchLimit: 2048,
    defaultBatchSize: 256,
    defaultMaxInputChars: 6000,
    headers: () => ({ authorization: `Bearer ${apiKey}` }),
    buildBody: (texts) => openAIEmbeddingBody({ model, texts, config }),
    responseSchema: OpenAIEmbeddingResponseSchema,
    readResponse: readOpenAIEmbeddingResponse,
    keyEnvNames: KEY_ENV,
    fetch: context.fetch,
    sleep: context.sleep,
  });
};
