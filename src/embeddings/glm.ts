/**
 * @module `glm` / `bigmodel` / `zhipu`: Zhipu BigModel `embedding-3` at `open.bigmodel.cn/api/paas/v4`,
 * key from `ZHIPUAI_API_KEY` or `BIGMODEL_API_KEY`. An `<id>.<secret>` key is sent as a signed JWT; on a
 * 401/403 the connector tries the JWT with second-based times, then (auth mode `auto`) the raw key, and
 * keeps whichever works. Up to 64 texts per request (the documented limit).
 */
import { createBigModelAuth } from '../http/index.js';
import { readEnv, requireApiKey } from './config.js';
import { createHttpEmbeddingConnector } from './http-embeddings.js';
import {
  embeddingsUrl,
  OpenAIEmbeddingResponseSchema,
  openAIEmbeddingBody,
  readOpenAIEmbeddingResponse,
} from './openai-wire.js';
import type { EmbeddingFactory } from './registry.js';

export const GLM_DEFAULT_MODEL = 'embedding-3';
export const GLM_DEFAULT_BASE_URL = 'https://open.bigmodel.cn/api/paas/v4';
const KEY_ENV = ['ZHIPUAI_API_KEY', 'BIGMODEL_API_KEY'] as const;

export const createGlmEmbeddingConnector: EmbeddingFactory = (config, context) => {
  const apiKey = requireApiKey({ provider: 'glm', config, env: context.env, envNames: KEY_ENV });
  const auth = createBigModelAuth({ apiKey, mode: config.authMode });
  let variant = 0;
  const model = config.model ?? GLM_DEFAULT_MODEL;
  const baseUrl = config.baseUrl ?? readEnv(context.env, 'BIGMODEL_BASE_URL') ?? GLM_DEFAULT_BASE_URL;
  return createHttpEmbeddingConnector({
    provider: 'glm',
    modelId: model,
    url: embeddingsUrl(baseUrl),
    baseUrlEnvName: 'BIGMODEL_BASE_URL',
    config,
    batchLimit: 64,
    defaultBatchSize: 64,
    // embedding-3 takes at most 3,072 tokens per text.
    defaultMaxInputChars: 3000,
    headers: () => ({ authorization: auth.authorization(auth.variants[variant] ?? 'api-key') }),
    buildBody: (texts) => {
      const body = openAIEmbeddingBody({ model, texts, config });
      delete body['encoding_format'];
      return body;
    },
    responseSchema: OpenAIEmbeddingResponseSchema,
    readResponse: readOpenAIEmbeddingResponse,
    keyEnvNames: KEY_ENV,
    nextCredentials: () => {
      if (variant + 1 >= auth.variants.length) return false;
      variant += 1;
      return true;
    },
    // Secrets also travel as JWT parts; the raw key is scrubbed via the Authorization header.
    fetch: context.fetch,
    sleep: context.sleep,
  });
};
