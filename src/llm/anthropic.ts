/**
 * @module The `anthropic` connector: Anthropic's native Messages API (`x-api-key`, `anthropic-version`,
 * system prompt top-level, content blocks). Streaming maps the event sequence onto the part union:
 * `text_delta` → `text-delta`, `thinking_delta` → `reasoning-delta`, `message_delta` → finish reason and
 * output tokens, an `error` event → an `error` part. Anthropic has no JSON mode, so `responseFormat` is
 * left to the prompt; `thinkingMode` turns on extended thinking.
 */
import { type FetchFunction, parseJsonEventStream, requestJson, requestRaw } from '../http/index.js';
import { AutoSkillError } from '../shared/errors.js';
import {
  ANTHROPIC_VERSION,
  buildMessagesBody,
  isRetryableErrorType,
  type MessageResponse,
  MessageResponseSchema,
  makeUsage,
  mapStopReason,
  promptTokensOf,
  type StreamEvent,
  StreamEventSchema,
} from './anthropic-wire.js';
import { type LLMConfig, readEnvUrl, requireApiKey } from './config.js';
import { fitMessagesToBudget } from './messages.js';
import type { LLMFactoryContext } from './registry.js';
import {
  cancellableRequest,
  createPartStream,
  generateResult,
  type PartWriter,
  streamIncompleteError,
} from './stream.js';
import { readWithIdleTimeout } from './stream-timeout.js';
import type { LLMCallOptions, LLMConnector, LLMFinishReason } from './types.js';
import { type ExplainOptions, explainUpstreamError } from './upstream-errors.js';

export const ANTHROPIC_DEFAULT_MODEL = 'claude-sonnet-4-5';
export const ANTHROPIC_DEFAULT_BASE_URL = 'https://api.anthropic.com';

/** `https://api.anthropic.com` → `…/v1/messages`; a base ending in `/v1` gets `/messages`. */
export function messagesUrl(baseUrl: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  if (base.endsWith('/messages')) return base;
  return base.endsWith('/v1') ? `${base}/messages` : `${base}/v1/messages`;
}

interface StreamState {
  finishReason?: LLMFinishReason;
  promptTokens?: number;
  completionTokens?: number;
  stopped: boolean;
}

function applyEvent(
  event: StreamEvent,
  writer: PartWriter,
  state: StreamState,
  explain: ExplainOptions,
): void {
  switch (event.type) {
    case 'message_start':
      state.promptTokens = promptTokensOf(event.message?.usage);
      state.completionTokens = event.message?.usage?.output_tokens ?? undefined;
      return;
    case 'content_block_delta':
      if (event.delta?.type === 'text_delta' && event.delta.text) {
        writer.enqueue({ type: 'text-delta', delta: event.delta.text });
      } else if (event.delta?.type === 'thinking_delta' && event.delta.thinking) {
        writer.enqueue({ type: 'reasoning-delta', delta: event.delta.thinking });
      }
      return;
    case 'message_delta':
      if (event.delta?.stop_reason) state.finishReason = mapStopReason(event.delta.stop_reason);
      // `message_delta` usage is cumulative; input counts appear here too on newer API versions.
      state.completionTokens = event.usage?.output_tokens ?? state.completionTokens;
      state.promptTokens = promptTokensOf(event.usage) ?? state.promptTokens;
      return;
    case 'message_stop':
      state.stopped = true;
      return;
    case 'error':
      throw new AutoSkillError(
        'UPSTREAM_ERROR',
        `anthropic sent an error event mid-stream: ${event.error?.type ?? 'error'}: ${event.error?.message ?? 'no message'}`,
        {
          isRetryable: isRetryableErrorType(event.error?.type),
          details: { provider: 'anthropic', model: explain.modelId, errorType: event.error?.type },
        },
      );
    default:
      // ping, content_block_start/stop and event types added later carry nothing we need.
      return;
  }
}

export function createAnthropicLLMConnector(
  config: LLMConfig,
  { env, fetch }: LLMFactoryContext,
): LLMConnector {
  const apiKey = requireApiKey({ provider: 'anthropic', config, env, envNames: ['ANTHROPIC_API_KEY'] });
  const url = messagesUrl(
    config.baseUrl ?? readEnvUrl(env, 'ANTHROPIC_BASE_URL') ?? ANTHROPIC_DEFAULT_BASE_URL,
  );
  const modelId = config.model ?? ANTHROPIC_DEFAULT_MODEL;
  const explain: ExplainOptions = {
    provider: 'anthropic',
    modelId,
    keyHint: 'set ANTHROPIC_API_KEY (or apiKey in the LLM config) to a valid key',
    endpointHint: 'check ANTHROPIC_BASE_URL / baseUrl and the network',
  };
  const headers = { 'x-api-key': apiKey, 'anthropic-version': ANTHROPIC_VERSION };

  const buildBody = (call: LLMCallOptions, stream: boolean) =>
    buildMessagesBody({
      modelId,
      messages: fitMessagesToBudget(call.messages, config.maxInputChars),
      stream,
      temperature: call.temperature ?? config.temperature,
      maxTokens: call.maxTokens ?? config.maxTokens,
      thinking: config.thinkingMode === true,
      extraBody: config.extraBody,
    });

  const httpOptions = (call: LLMCallOptions, fetchFunction: FetchFunction | undefined) => ({
    url,
    timeoutMs: call.timeoutMs ?? config.timeoutMs,
    maxRetries: config.maxRetries,
    provider: 'anthropic',
    fetch: fetchFunction,
    secrets: [apiKey],
  });

  return {
    specificationVersion: 'v1',
    provider: 'anthropic',
    modelId,

    async doGenerate(call) {
      const body = buildBody(call, false);
      let value: MessageResponse;
      try {
        ({ value } = await requestJson({
          ...httpOptions(call, fetch),
          headers,
          json: body,
          abortSignal: call.abortSignal,
          schema: MessageResponseSchema,
        }));
      } catch (error) {
        throw explainUpstreamError(error, explain);
      }
      const blocks = value.content ?? [];
      const text = blocks
        .filter((block) => block.type === 'text')
        .map((block) => block.text ?? '')
        .join('');
      const reasoning = blocks
        .filter((block) => block.type === 'thinking')
        .map((block) => block.thinking ?? '')
        .join('');
      return generateResult({
        text,
        reasoning,
        finishReason: mapStopReason(value.stop_reason),
        usage: makeUsage(promptTokensOf(value.usage), value.usage?.output_tokens ?? undefined),
        raw: value,
      });
    },

    async doStream(call) {
      const body = buildBody(call, true);
      const { signal, cancel } = cancellableRequest(call.abortSignal);
      let response: Response;
      try {
        response = await requestRaw({
          ...httpOptions(call, fetch),
          headers: { ...headers, accept: 'text/event-stream' },
          json: body,
          abortSignal: signal,
        });
      } catch (error) {
        throw explainUpstreamError(error, explain);
      }
      const idleMs = call.timeoutMs ?? config.timeoutMs;
      return createPartStream({
        provider: 'anthropic',
        onCancel: cancel,
        produce: async (writer) => {
          const state: StreamState = { stopped: false };
          try {
            if (!response.body)
              throw new AutoSkillError('INVALID_RESPONSE', 'anthropic sent an empty stream');
            const events = parseJsonEventStream({
              stream: response.body,
              schema: StreamEventSchema,
              provider: 'anthropic',
              doneMarker: null,
              abortSignal: call.abortSignal,
            });
            for await (const event of readWithIdleTimeout({
              stream: events,
              idleMs,
              provider: 'anthropic',
              onTimeout: cancel,
            })) {
              if (!event.success) throw event.error;
              applyEvent(event.value, writer, state, explain);
              if (state.stopped) break;
            }
          } catch (error) {
            throw explainUpstreamError(error, explain);
          }
          if (!state.stopped) {
            throw streamIncompleteError(
              'anthropic',
              'The anthropic stream ended before message_stop. The connection broke off mid-reply; try again.',
            );
          }
          writer.enqueue({
            type: 'finish',
            finishReason: state.finishReason ?? 'other',
            usage: makeUsage(state.promptTokens, state.completionTokens),
          });
        },
      });
    },
  };
}
