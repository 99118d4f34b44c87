/**
 * @module The engine behind every remote embedding connector: clip long texts, give empty texts zero
 * vectors, split into batches no larger than the provider allows, send each through the shared HTTP
 * client (timeouts, retries with backoff on 408/409/429/5xx), and check what comes back (count, order,
 * one vector length, the configured length). Providers only say how to build a body and read a response.
 */
import type { z } from 'zod';
import { type FetchFunction, redactUrl, requestJson, type SleepFunction } from '../http/index.js';
import { AutoSkillError, isAutoSkillError } from '../shared/errors.js';
import type { EmbeddingConfig } from './config.js';
import type { EmbeddingConnector, EmbeddingSignature, EmbedOptions, EmbedResult } from './types.js';
import { checkDimensions, clipForEmbedding, type IndexedVector, orderVectors } from './vector-checks.js';

export interface ParsedBatch {
  items: IndexedVector[];
  tokens?: number | undefined;
}

export interface HttpEmbeddingSettings<S extends z.ZodType> {
  /** Canonical provider name, used in errors and the signature. */
  provider: string;
  modelId: string;
  /** Full endpoint URL. */
  url: string;
  /** The variable the base URL may come from, named when the URL is unusable. */
  baseUrlEnvName?: string;
  config: EmbeddingConfig;
  /** The provider's largest batch; `config.batchSize` may only lower it. */
  batchLimit: number;
  /** Batch size when `config.batchSize` is unset. */
  defaultBatchSize: number;
  /** Longest text in characters when `config.maxInputChars` is unset. */
  defaultMaxInputChars: number;
  /** Request headers, built per request (BigModel signs fresh JWTs). */
  headers: () => Record<string, string | undefined>;
  /** The request body for one batch. */
  buildBody: (texts: string[]) => Record<string, unknown>;
  /** Validates the response; list only the fields read. */
  responseSchema: S;
  readResponse: (value: z.output<S>) => ParsedBatch;
  /** Environment variables that hold the key, named when the provider refuses it. */
  keyEnvNames?: readonly string[];
  /** After a 401/403: switch to other credentials and return true to repeat the request once more. */
  nextCredentials?: () => boolean;
  fetch?: FetchFunction | undefined;
  sleep?: SleepFunction | undefined;
}

/** Builds a connector from provider settings. */
export function createHttpEmbeddingConnector<S extends z.ZodType>(
  settings: HttpEmbeddingSettings<S>,
): EmbeddingConnector {
  const { provider, modelId, config } = settings;
  checkUrl(settings.url, provider, settings.baseUrlEnvName);
  const maxBatchSize = Math.max(
    1,
    Math.min(settings.batchLimit, config.batchSize ?? settings.defaultBatchSize),
  );
  const maxInputChars = config.maxInputChars ?? settings.defaultMaxInputChars;
  const signature: EmbeddingSignature = { provider, model: modelId };
  if (config.dimensions !== undefined) signature.dimensions = config.dimensions;
  let learnedDimensions: number | undefined = config.dimensions;

  const sendBatch = async (texts: string[], abortSignal: AbortSignal | undefined) => {
    for (;;) {
      try {
        const { value } = await requestJson({
          url: settings.url,
          json: settings.buildBody(texts),
          headers: settings.headers(),
          schema: settings.responseSchema,
          provider,
          timeoutMs: config.timeoutMs,
          maxRetries: config.maxRetries,
          abortSignal,
          fetch: settings.fetch,
          sleep: settings.sleep,
        });
        const parsed = settings.readResponse(value);
        return {
          vectors: orderVectors(parsed.items, texts.length, provider),
          tokens: parsed.tokens ?? undefined,
        };
      } catch (error) {
        if (isAuthFailure(error) && settings.nextCredentials?.()) continue;
        throw explain(error, provider, settings.keyEnvNames);
      }
    }
  };

  const embedTexts = async (texts: string[], abortSignal: AbortSignal | undefined) => {
    const vectors: number[][] = [];
    let tokens: number | undefined;
    for (let start = 0; start < texts.length; start += maxBatchSize) {
      const batch = await sendBatch(texts.slice(start, start + maxBatchSize), abortSignal);
      learnedDimensions = checkDimensions({
        vectors: batch.vectors,
        expected: learnedDimensions,
        provider,
        model: modelId,
      });
      vectors.push(...batch.vectors);
      if (batch.tokens !== undefined) tokens = (tokens ?? 0) + batch.tokens;
    }
    return { vectors, tokens };
  };

  return {
    specificationVersion: 'v1',
    provider,
    modelId,
    get dimensions() {
      return learnedDimensions;
    },
    maxBatchSize,
    disabled: false,
    signature,
    async doEmbed({ texts, abortSignal }: EmbedOptions): Promise<EmbedResult> {
      const clipped = texts.map((text) => clipForEmbedding(text, maxInputChars));
      // Providers reject empty input; an empty text has no meaning to embed, so it gets a zero vector.
      const sendIndexes = clipped.flatMap((text, index) => (text.trim() === '' ? [] : [index]));
      const sent = await embedTexts(
        sendIndexes.map((index) => clipped[index] as string),
        abortSignal,
      );
      if (sendIndexes.length < texts.length && learnedDimensions === undefined) {
        await embedTexts([' '], abortSignal);
      }
      const embeddings: number[][] = texts.map(() => new Array<number>(learnedDimensions ?? 0).fill(0));
      sendIndexes.forEach((textIndex, position) => {
        embeddings[textIndex] = sent.vectors[position] as number[];
      });
      return sent.tokens === undefined ? { embeddings } : { embeddings, usage: { tokens: sent.tokens } };
    },
  };
}

function checkUrl(url: string, provider: string, envName: string | undefined): void {
  let protocol: string | undefined;
  try {
    protocol = new URL(url).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol === 'http:' || protocol === 'https:') return;
  const where = envName ? `baseUrl in the embedding config or ${envName}` : 'baseUrl in the embedding config';
  throw new AutoSkillError(
    'INVALID_CONFIG',
    `The ${provider} embedding endpoint "${redactUrl(url)}" is not an http(s) URL; check ${where}.`,
    {
      details: { provider, envName },
    },
  );
}

function isAuthFailure(error: unknown): boolean {
  if (!isAutoSkillError(error, 'UPSTREAM_ERROR')) return false;
  const status = error.details['statusCode'];
  return status === 401 || status === 403;
}

/** Adds what to do to an auth failure; other errors pass unchanged. */
function explain(error: unknown, provider: string, keyEnvNames: readonly string[] | undefined): unknown {
  if (!isAuthFailure(error) || !isAutoSkillError(error)) return error;
  const where = keyEnvNames?.length
    ? `${keyEnvNames.join(' or ')}, or apiKey in the embedding config`
    : 'apiKey in the embedding config';
  return new AutoSkillError(error.code, `${error.message}. Check the ${provider} API key (${where}).`, {
    cause: error,
    isRetryable: false,
    details: { ...error.details, envNames: keyEnvNames ? [...keyEnvNames] : [] },
  });
}
