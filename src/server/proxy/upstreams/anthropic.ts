/**
 * @module The Anthropic upstream: translates each OpenAI chat-completions body into a Messages request,
 * and the answer (JSON, event stream, or error) back into the OpenAI shape with the upstream's status.
 */

import type { FetchFunction } from '../../../http/http-client.js';
import { requestRaw } from '../../../http/http-client.js';
import { decodeServerSentEvents } from '../../../http/sse.js';
import { ANTHROPIC_DEFAULT_BASE_URL, messagesUrl } from '../../../llm/anthropic.js';
import { ANTHROPIC_DEFAULT_MAX_TOKENS, ANTHROPIC_VERSION } from '../../../llm/anthropic-wire.js';
import { parseJsonValue } from '../../../shared/json.js';
import { jsonResponse, wantsStreamUsage } from '../openai-chunks.js';
import { createAnthropicToOpenAIStream } from './anthropic-stream.js';
import {
  AnthropicMessageSchema,
  fromAnthropicError,
  fromAnthropicMessage,
  toAnthropicRequest,
} from './anthropic-translate.js';
import { passThroughHeaders } from './response-headers.js';
import type { ChatUpstream } from './types.js';

export interface AnthropicUpstreamOptions {
  apiKey: string;
  /** @default 'https://api.anthropic.com' */
  baseUrl?: string;
  /** Used when a request names no model. */
  defaultModel?: string;
  /** `max_tokens` when the request sets none (Anthropic requires one). @default 4096 */
  defaultMaxTokens?: number;
  /** @default '2023-06-01' */
  anthropicVersion?: string;
  /** Wait for the response headers. @default 600000 */
  timeoutMs?: number;
  /** Retries before a response arrives (network errors, 429/5xx). @default 0 (the client retries) */
  maxRetries?: number;
  fetch?: FetchFunction;
  /** Epoch milliseconds, for `created`. @default Date.now */
  now?: () => number;
}

export function createAnthropicUpstream(options: AnthropicUpstreamOptions): ChatUpstream {
  const url = messagesUrl(options.baseUrl ?? ANTHROPIC_DEFAULT_BASE_URL);
  const now = options.now ?? Date.now;
  return {
    provider: 'anthropic',
    defaultModel: options.defaultModel,
    async forward(body, forwardOptions) {
      const request = toAnthropicRequest(body, {
        defaultMaxTokens: options.defaultMaxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
        stream: forwardOptions.stream,
        ...(options.defaultModel ? { defaultModel: options.defaultModel } : {}),
      });
      const response = await requestRaw({
        url,
        method: 'POST',
        json: request,
        headers: {
          'x-api-key': options.apiKey,
          'anthropic-version': options.anthropicVersion ?? ANTHROPIC_VERSION,
          accept: forwardOptions.stream ? 'text/event-stream' : 'application/json',
          ...forwardOptions.headers,
        },
        provider: 'anthropic',
        throwHttpErrors: false,
        timeoutMs: options.timeoutMs ?? 600_000,
        maxRetries: options.maxRetries ?? 0,
        ...(forwardOptions.abortSignal ? { abortSignal: forwardOptions.abortSignal } : {}),
        ...(options.fetch ? { fetch: options.fetch } : {}),
      });
      const headers = passThroughHeaders(response.headers);
      const created = Math.floor(now() / 1000);
      const model = typeof request['model'] === 'string' ? request['model'] : 'unknown';
      if (!response.ok) {
        const text = await response.text();
        return jsonResponse(fromAnthropicError(text, response.status), response.status, headers);
      }
      const isStream = (response.headers.get('content-type') ?? '').includes('text/event-stream');
      if (forwardOptions.stream && isStream && response.body) {
        const translated = decodeServerSentEvents(response.body)
          .pipeThrough(
            createAnthropicToOpenAIStream({ created, model, includeUsage: wantsStreamUsage(body) }),
          )
          .pipeThrough(new TextEncoderStream());
        return new Response(translated, {
          status: 200,
          headers: {
            ...headers,
            'content-type': 'text/event-stream; charset=utf-8',
            'cache-control': 'no-cache',
          },
        });
      }
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = parseJsonValue(text);
      } catch {
        return jsonResponse(fromAnthropicError(text, 502), 502, headers);
      }
      const message = AnthropicMessageSchema.safeParse(parsed);
      if (!message.success) return jsonResponse(fromAnthropicError(text, 502), 502, headers);
      return jsonResponse(fromAnthropicMessage(message.data, { created, model }), 200, headers);
    },
  };
}
