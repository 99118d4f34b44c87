/**
 * @module The OpenAI-compatible upstream (OpenAI, DashScope/Qwen, GLM, InternLM, Ollama's `/v1`, vLLM, any
 * gateway): the body is sent as is to `<base>/chat/completions` and the upstream's `Response` comes back
 * untouched — status, body, stream. GLM's `<id>.<secret>` keys are turned into BigModel JWTs; on a 401 the
 * next credential form is tried once each.
 */
import { type BigModelAuth, createBigModelAuth } from '../../../http/bigmodel-auth.js';
import { type FetchFunction, requestRaw } from '../../../http/http-client.js';
import { chatCompletionsUrl } from '../../../llm/openai-compatible.js';
import type { ChatUpstream } from './types.js';

export interface OpenAICompatibleUpstreamOptions {
  /** `https://host/v1`, a bare host (gets `/v1`), or the full `…/chat/completions` URL. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <key>`; no header without it. */
  apiKey?: string;
  /** Authorise with BigModel JWTs signed from `apiKey` (GLM). @default false */
  bigModelAuth?: boolean;
  /** Names the upstream in logs and errors. @default 'openai-compatible' */
  provider?: string;
  /** The configured model (for `GET /v1/models`). */
  defaultModel?: string;
  /** Extra headers on every request (e.g. an organisation header). */
  headers?: Record<string, string>;
  /** Wait for the response headers (a stream then runs as long as the client stays). @default 600000 */
  timeoutMs?: number;
  /** Retries before a response arrives (network errors, 429/5xx). @default 0 (the client retries) */
  maxRetries?: number;
  fetch?: FetchFunction;
  /** Epoch milliseconds (BigModel JWTs). @default Date.now */
  now?: () => number;
}

export function createOpenAICompatibleUpstream(options: OpenAICompatibleUpstreamOptions): ChatUpstream {
  const url = chatCompletionsUrl(options.baseUrl);
  const provider = options.provider ?? 'openai-compatible';
  const bigModel: BigModelAuth | undefined =
    options.bigModelAuth && options.apiKey
      ? createBigModelAuth({ apiKey: options.apiKey, ...(options.now ? { now: options.now } : {}) })
      : undefined;
  const credentialForms = bigModel ? bigModel.variants.length : 1;
  const authorizationAt = (index: number): string | undefined => {
    const variant = bigModel?.variants[index];
    if (bigModel && variant) return bigModel.authorization(variant);
    return options.apiKey ? `Bearer ${options.apiKey}` : undefined;
  };
  return {
    provider,
    defaultModel: options.defaultModel,
    async forward(body, forwardOptions) {
      const payload = JSON.stringify(body);
      for (let index = 0; ; index += 1) {
        const response = await requestRaw({
          url,
          method: 'POST',
          body: payload,
          headers: {
            'content-type': 'application/json',
            accept: forwardOptions.stream ? 'text/event-stream' : 'application/json',
            ...options.headers,
            ...forwardOptions.headers,
            authorization: authorizationAt(index),
          },
          provider,
          throwHttpErrors: false,
          timeoutMs: options.timeoutMs ?? 600_000,
          maxRetries: options.maxRetries ?? 0,
          ...(forwardOptions.abortSignal ? { abortSignal: forwardOptions.abortSignal } : {}),
          ...(options.fetch ? { fetch: options.fetch } : {}),
        });
        if (response.status !== 401 || index + 1 >= credentialForms) return response;
        await response.body?.cancel().catch(() => undefined);
      }
    },
  };
}
