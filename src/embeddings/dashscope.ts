/**
 * @module `dashscope` / `qwen`: Alibaba Cloud Model Studio embeddings through its OpenAI-compatible mode
 * (`text-embedding-v4` by default). The key comes from `DASHSCOPE_API_KEY` only — never from
 * `OPENAI_API_KEY`, which must not be sent to another company. Batches hold at most 10 texts (25 for the
 * v1/v2 models), the documented limit.
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

export const DASHSCOPE_DEFAULT_MODEL = 'text-embedding-v4';
export const DASHSCOPE_DEFAULT_BASE_URL = 'https://dashscope.aliyuncs.com/compatible-mode/v1';
const KEY_ENV = ['DASHSCOPE_API_KEY'] as const;

export const createDashScopeEmbeddingConnector: EmbeddingFactory = (config, context) => {
  const apiKey = requireApiKey({ provider: 'dashscope', config, env: context.env, envNames: KEY_ENV });
  const model = config.model ?? DASHSCOPE_DEFAULT_MODEL;
  const baseUrl = config.baseUrl ?? readEnv(context.env, 'DASHSCOPE_BASE_URL') ?? DASHSCOPE_DEFAULT_BASE_URL;
  const batchLimit = /text-embedding-v[12]$/.test(model) ? 25 : 10;
  return createHttpEmbeddingConnector({
    provider: 'dashscope',
    modelId: model,
    url: embeddingsUrl(baseUrl),
    baseUrlEnvName: 'DASHSCOPE_BASE_URL',
    config,
    batchLimit,
    defaultBatchSize: batchLimit,
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
