/**
 * @module The OpenAI embeddings wire format shared by openai, generic, dashscope, glm and Ollama's `/v1`:
 * the endpoint URL rule, the request body, and a minimal response schema (only the fields we read).
 */
import { z } from 'zod';
import type { EmbeddingConfig } from './config.js';
import type { ParsedBatch } from './http-embeddings.js';
import { decodeBase64Embedding } from './vector-checks.js';

/** `…/v1` or `…/v4` → `…/embeddings`; a bare host gets `/v1/embeddings`; a full endpoint URL stays. */
export function embeddingsUrl(baseUrl: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  if (/\/embeddings$/.test(base)) return base;
  if (/\/v\d+[a-z0-9]*$/i.test(base)) return `${base}/embeddings`;
  return `${base}/v1/embeddings`;
}

const EmbeddingItemSchema = z.object({
  index: z.number().int().nullish(),
  embedding: z.union([z.array(z.number()), z.string()]),
});

const UsageSchema = z
  .object({ prompt_tokens: z.number().nullish(), total_tokens: z.number().nullish() })
  .nullish();

export const OpenAIEmbeddingResponseSchema = z.object({
  // Some gateways (BigModel variants) nest the list one level deeper.
  data: z.union([z.array(EmbeddingItemSchema), z.object({ data: z.array(EmbeddingItemSchema) })]),
  usage: UsageSchema,
});

export type OpenAIEmbeddingResponse = z.output<typeof OpenAIEmbeddingResponseSchema>;

export function readOpenAIEmbeddingResponse(value: OpenAIEmbeddingResponse): ParsedBatch {
  const items = Array.isArray(value.data) ? value.data : value.data.data;
  return {
    items: items.map((item) => ({
      index: item.index,
      vector: typeof item.embedding === 'string' ? decodeBase64Embedding(item.embedding) : item.embedding,
    })),
    tokens: value.usage?.prompt_tokens ?? value.usage?.total_tokens ?? undefined,
  };
}

/**
 * `{model, input, dimensions?, encoding_format: 'float'}` with `extraBody` merged in; `model` and `input`
 * cannot be overridden.
 */
export function openAIEmbeddingBody(options: {
  model: string;
  texts: string[];
  config: EmbeddingConfig;
  defaults?: Record<string, unknown>;
}): Record<string, unknown> {
  const body: Record<string, unknown> = { encoding_format: 'float', ...options.defaults };
  if (options.config.dimensions !== undefined) body['dimensions'] = options.config.dimensions;
  Object.assign(body, options.config.extraBody);
  body['model'] = options.model;
  body['input'] = options.texts;
  return body;
}
