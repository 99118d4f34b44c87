/**
 * @module The connector behind every OpenAI-compatible provider (openai, generic, dashscope, glm,
 * internlm): request building, the shared HTTP client (timeouts, retries with backoff), SSE streaming,
 * usage, reasoning (`reasoning_content` or a leading `<think>` block), clear errors, and one repeat
 * without an optional field the server rejects (the connector then stops sending it).
 */

import { type FetchFunction, parseJsonEventStream, requestJson, requestRaw } from '../http/index.js';
import { AutoSkillError, isAutoSkillError } from '../shared/errors.js';
import { parseJson } from '../shared/json.js';
import type { LLMConfig } from './config.js';
import { fitMessagesToBudget } from './messages.js';
import {
  bodyErrorMessage,
  buildChatBody,
  type ChatChunk,
  ChatChunkSchema,
  type ChatResponse,
  ChatResponseSchema,
  contentText,
  mapFinishReason,
  mapUsage,
  reasoningText,
} from './openai-compatible-wire.js';
import {
  cancellableRequest,
  createPartStream,
  generateResult,
  type PartWriter,
  writePieces,
} from './stream.js';
import { readWithIdleTimeout } from './stream-timeout.js';
import { splitThinkTags, ThinkTagSplitter } from './think-tags.js';
import type { LLMCallOptions, LLMConnector, LLMFinishReason, LLMGenerateResult, LLMUsage } from './types.js';
import { type ExplainOptions, explainUpstreamError, rejectedOptionalField } from './upstream-errors.js';

export interface OpenAICompatibleSettings extends ExplainOptions {
  /** Full chat completions URL. */
  url: string;
  config: LLMConfig;
  fetch?: FetchFunction;
  /** Auth and provider headers, built per request (GLM signs a fresh JWT when the old one nears expiry). */
  headers: () => Record<string, string | undefined>;
  /** Values to scrub from error messages besides credential headers. */
  secrets?: readonly string[];
  /** @default 'max_tokens' */
  maxTokensField?: 'max_tokens' | 'max_completion_tokens';
  /** Whether `responseFormat: 'json'` becomes `response_format: {type: 'json_object'}`. @default true */
  supportsJsonMode?: boolean;
  /** Provider switches added to every body (thinking flags); droppable when the server rejects them. */
  providerFields?: Record<string, unknown>;
  /**
   * Called after a 401/403; returning true means other credentials are now in place (GLM: JWT in
   * seconds, then the raw key) and the call is repeated.
   */
  nextCredentials?: () => boolean;
}

/** Fields a server may reject without the call losing its meaning. */
const ALWAYS_DROPPABLE = ['stream_options', 'response_format', 'temperature'] as const;
const MAX_RECOVERIES = 3;

/** `https://host/v1` → `…/v1/chat/completions`; a bare host gets `/v1`; a full endpoint URL stays. */
export function chatCompletionsUrl(baseUrl: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  if (/\/chat\/completions$/.test(base)) return base;
  if (/\/v\d+[a-z0-9]*$/i.test(base)) return `${base}/chat/completions`;
  return `${base}/v1/chat/completions`;
}

function streamIncomplete(provider: string): AutoSkillError {
  return new AutoSkillError(
    'UPSTREAM_ERROR',
    `The ${provider} stream ended before the model finished its reply. Try again.`,
    { isRetryable: true, details: { provider, reason: 'stream-incomplete' } },
  );
}

function isAuthFailure(error: unknown): boolean {
  if (!isAutoSkillError(error, 'UPSTREAM_ERROR')) return false;
  const status = error.details['statusCode'];
  return status === 401 || status === 403;
}

const TOKEN_FIELDS = ['max_tokens', 'max_completion_tokens'] as const;
type TokenField = (typeof TOKEN_FIELDS)[number];

export function createOpenAICompatibleConnector(settings: OpenAICompatibleSettings): LLMConnector {
  const { config, provider } = settings;
  const dropped = new Set<string>();
  const droppable = [...ALWAYS_DROPPABLE, ...Object.keys(settings.providerFields ?? {})];
  let tokensField: TokenField = settings.maxTokensField ?? 'max_tokens';

  const buildBody = (call: LLMCallOptions, stream: boolean): Record<string, unknown> => {
    const body = buildChatBody({
      modelId: settings.modelId,
      messages: fitMessagesToBudget(call.messages, config.maxInputChars),
      stream,
      temperature: call.temperature ?? config.temperature,
      maxTokens: call.maxTokens ?? config.maxTokens,
      maxTokensField: tokensField,
      jsonMode: (settings.supportsJsonMode ?? true) && call.responseFormat === 'json',
      extraFields: { ...settings.providerFields, ...config.extraBody },
    });
    for (const field of dropped) delete body[field];
    return body;
  };

  /** Changes `body` so that the rejection in `error` may not recur; false when nothing can be done. */
  const recover = (error: unknown, body: Record<string, unknown>): boolean => {
    if (isAuthFailure(error)) return settings.nextCredentials?.() ?? false;
    const tokens = rejectedOptionalField(error, body, [tokensField]);
    if (tokens !== undefined) {
      // "Unsupported parameter: 'max_tokens' … use 'max_completion_tokens' instead" and the reverse.
      const other = TOKEN_FIELDS.find((field) => field !== tokens) as TokenField;
      body[other] = body[tokens];
      delete body[tokens];
      tokensField = other;
      return true;
    }
    const field = rejectedOptionalField(error, body, droppable);
    if (field === undefined) return false;
    dropped.add(field);
    delete body[field];
    return true;
  };

  /** Runs `perform`, repeating it after each rejection that `recover` can address. */
  const withRecovery = async <T>(
    body: Record<string, unknown>,
    perform: (body: Record<string, unknown>) => Promise<T>,
  ): Promise<T> => {
    for (let recoveries = 0; ; recoveries += 1) {
      try {
        return await perform(body);
      } catch (error) {
        if (recoveries >= MAX_RECOVERIES || !recover(error, body))
          throw explainUpstreamError(error, settings);
      }
    }
  };

  const httpOptions = (call: LLMCallOptions) => ({
    url: settings.url,
    timeoutMs: call.timeoutMs ?? config.timeoutMs,
    maxRetries: config.maxRetries,
    provider,
    fetch: settings.fetch,
    secrets: settings.secrets,
  });

  const toResult = (value: ChatResponse): LLMGenerateResult => {
    const choice = value.choices?.[0];
    const inBodyError = bodyErrorMessage(value.error);
    if (!choice) {
      throw new AutoSkillError(
        inBodyError ? 'UPSTREAM_ERROR' : 'INVALID_RESPONSE',
        inBodyError
          ? `${provider} answered with an error: ${inBodyError}`
          : `${provider} answered without any choices`,
        { details: { provider, model: settings.modelId } },
      );
    }
    const split = splitThinkTags(contentText(choice.message?.content));
    return generateResult({
      text: split.text,
      reasoning: reasoningText(choice.message) || split.reasoning,
      finishReason: mapFinishReason(choice.finish_reason),
      usage: mapUsage(value.usage),
      raw: value,
    });
  };

  const emitChunk = (
    chunk: ChatChunk,
    writer: PartWriter,
    splitter: ThinkTagSplitter,
    state: { finishReason?: LLMFinishReason; usage?: LLMUsage },
  ) => {
    const inBodyError = bodyErrorMessage(chunk.error);
    if (inBodyError) {
      throw new AutoSkillError('UPSTREAM_ERROR', `${provider} sent an error in its stream: ${inBodyError}`, {
        isRetryable: true,
        details: { provider, model: settings.modelId },
      });
    }
    const usage = mapUsage(chunk.usage);
    if (usage) state.usage = usage;
    const choice = chunk.choices?.[0];
    if (!choice) return;
    const reasoning = reasoningText(choice.delta);
    if (reasoning) writer.enqueue({ type: 'reasoning-delta', delta: reasoning });
    writePieces(writer, splitter.push(contentText(choice.delta?.content)));
    if (choice.finish_reason) state.finishReason = mapFinishReason(choice.finish_reason);
  };

  return {
    specificationVersion: 'v1',
    provider,
    modelId: settings.modelId,

    async doGenerate(call) {
      const body = buildBody(call, false);
      const { value } = await withRecovery(body, (json) =>
        requestJson({
          ...httpOptions(call),
          headers: settings.headers(),
          json,
          abortSignal: call.abortSignal,
          schema: ChatResponseSchema,
        }),
      );
      return toResult(value);
    },

    async doStream(call) {
      const body = buildBody(call, true);
      const { signal, cancel } = cancellableRequest(call.abortSignal);
      const response = await withRecovery(body, (json) =>
        requestRaw({
          ...httpOptions(call),
          headers: { ...settings.headers(), accept: 'text/event-stream' },
          json,
          abortSignal: signal,
        }),
      );
      const idleMs = call.timeoutMs ?? config.timeoutMs;
      return createPartStream({
        provider,
        onCancel: cancel,
        produce: async (writer) => {
          // Gateways that ignore `stream: true` answer with one JSON body.
          if (/application\/json/i.test(response.headers.get('content-type') ?? '')) {
            const result = toResult(
              parseJson(await response.text(), ChatResponseSchema, {
                source: `${provider} response`,
                code: 'INVALID_RESPONSE',
              }),
            );
            if (result.reasoning) writer.enqueue({ type: 'reasoning-delta', delta: result.reasoning });
            if (result.text) writer.enqueue({ type: 'text-delta', delta: result.text });
            writer.enqueue({ type: 'finish', finishReason: result.finishReason, usage: result.usage });
            return;
          }
          if (!response.body) throw streamIncomplete(provider);
          const events = parseJsonEventStream({
            stream: response.body,
            schema: ChatChunkSchema,
            provider,
            abortSignal: call.abortSignal,
          });
          const splitter = new ThinkTagSplitter();
          const state: { finishReason?: LLMFinishReason; usage?: LLMUsage } = {};
          try {
            for await (const event of readWithIdleTimeout({
              stream: events,
              idleMs,
              provider,
              onTimeout: cancel,
            })) {
              if (!event.success) throw event.error;
              emitChunk(event.value, writer, splitter, state);
            }
          } catch (error) {
            throw explainUpstreamError(error, settings);
          }
          writePieces(writer, splitter.flush());
          if (state.finishReason === undefined) throw streamIncomplete(provider);
          writer.enqueue({ type: 'finish', finishReason: state.finishReason, usage: state.usage });
        },
      });
    },
  };
}
