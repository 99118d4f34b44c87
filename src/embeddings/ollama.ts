/**
 * @module `ollama`: a local Ollama server (`http://127.0.0.1:11434`, or `OLLAMA_HOST`), no key needed.
 * A base URL ending in `/v1` uses Ollama's OpenAI-compatible `/v1/embeddings`; otherwise the native
 * `POST /api/embed` (`{model, input: [...]}` → `{embeddings: [[...]]}`).
 */
import { z } from 'zod';
import { type EmbeddingEnv, readEnv } from './config.js';
import { createHttpEmbeddingConnector } from './http-embeddings.js';
import {
  embeddingsUrl,
  OpenAIEmbeddingResponseSchema,
  openAIEmbeddingBody,
  readOpenAIEmbeddingResponse,
} from './openai-wire.js';
import type { EmbeddingFactory } from './registry.js';

export const OLLAMA_DEFAULT_MODEL = 'nomic-embed-text';
export const OLLAMA_DEFAULT_BASE_URL = 'http://127.0.0.1:11434';

const OllamaEmbedResponseSchema = z.object({
  embeddings: z.array(z.array(z.number())),
  prompt_eval_count: z.number().nullish(),
});

/** `OLLAMA_HOST` as Ollama's own CLI reads it: `host`, `host:port` or a URL; `0.0.0.0` means this machine. */
export function ollamaBaseUrl(env: EmbeddingEnv): string {
  const host = readEnv(env, 'OLLAMA_HOST');
  if (!host) return OLLAMA_DEFAULT_BASE_URL;
  const hasScheme = /^https?:\/\//i.test(host);
  let url: URL;
  try {
    url = new URL(hasScheme ? host : `http://${host}`);
  } catch {
    return OLLAMA_DEFAULT_BASE_URL;
  }
  if (url.hostname === '0.0.0.0') url.hostname = '127.0.0.1';
  // A bare host (`OLLAMA_HOST=myhost`) means Ollama's port, not HTTP's.
  if (!hasScheme && !/:\d+$/.test(host.replace(/\/.*$/, ''))) url.port = '11434';
  return url.toString().replace(/\/+$/, '');
}

export const createOllamaEmbeddingConnector: EmbeddingFactory = (config, context) => {
  const model = config.model ?? OLLAMA_DEFAULT_MODEL;
  const baseUrl = (config.baseUrl ?? ollamaBaseUrl(context.env)).replace(/\/+$/, '');
  const apiKey = config.apiKey ?? readEnv(context.env, 'OLLAMA_API_KEY');
  const common = {
    provider: 'ollama',
    modelId: model,
    baseUrlEnvName: 'OLLAMA_HOST',
    config,
    batchLimit: 2048,
    defaultBatchSize: 32,
    // Ollama truncates to the model's context itself; this only bounds the request size.
    defaultMaxInputChars: 8000,
    headers: () => ({ authorization: apiKey ? `Bearer ${apiKey}` : undefined }),
    keyEnvNames: ['OLLAMA_API_KEY'],
    fetch: context.fetch,
    sleep: context.sleep,
  };
  if (/\/v1$/.test(baseUrl)) {
    return createHttpEmbeddingConnector({
      ...common,
      url: embeddingsUrl(baseUrl),
      buildBody: (texts) => openAIEmbeddingBody({ model, texts, config }),
      responseSchema: OpenAIEmbeddingResponseSchema,
      readResponse: readOpenAIEmbeddingResponse,
    });
  }
  return createHttpEmbeddingConnector({
    ...common,
    url: /\/api\/embed$/.test(baseUrl) ? baseUrl : `${baseUrl}/api/embed`,
    buildBody: (texts) => {
      const body: Record<string, unknown> = { truncate: true };
      if (config.dimensions !== undefined) body['dimensions'] = config.dimensions;
      Object.assign(body, config.extraBody);
      body['model'] = model;
      body['input'] = texts;
      return body;
    },
    responseSchema: OllamaEmbedResponseSchema,
    readResponse: (value) => ({
      items: value.embeddings.map((vector) => ({ index: undefined, vector })),
      tokens: value.prompt_eval_count ?? undefined,
    }),
  });
};
