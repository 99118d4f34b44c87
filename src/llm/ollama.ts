/**
 * @module The `ollama` connector: a local Ollama server's native `/api/chat` (no key). Streaming is
 * newline-delimited JSON; `format: "json"` is Ollama's JSON mode, `options.num_predict` its token limit,
 * `think` its reasoning switch (reasoning arrives in `message.thinking`). A model that cannot think gets
 * the call again without `think`. The server is `baseUrl`, else `OLLAMA_HOST`, else 127.0.0.1:11434.
 * @see https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-chat-completion
 */
import { z } from 'zod';
import { type FetchFunction, requestJson, requestRaw } from '../http/index.js';
import { AutoSkillError, isAutoSkillError } from '../shared/errors.js';
import { parseJson } from '../shared/json.js';
import { type LLMConfig, readEnv } from './config.js';
import { fitMessagesToBudget, messageText } from './messages.js';
import type { LLMFactoryContext } from './registry.js';
import {
  cancellableRequest,
  createPartStream,
  generateResult,
  streamIncompleteError,
  writePieces,
} from './stream.js';
import { readWithIdleTimeout } from './stream-timeout.js';
import { splitThinkTags, ThinkTagSplitter } from './think-tags.js';
import type { LLMCallOptions, LLMConnector, LLMFinishReason, LLMUsage } from './types.js';
import { type ExplainOptions, explainUpstreamError, rejectedOptionalField } from './upstream-errors.js';

/** Ollama has no default model; this small, widely pulled one is used when none is configured. */
export const OLLAMA_DEFAULT_MODEL = 'llama3.2';
export const OLLAMA_DEFAULT_BASE_URL = 'http://127.0.0.1:11434';

const ChatLineSchema = z.looseObject({
  message: z.looseObject({ content: z.string().nullish(), thinking: z.string().nullish() }).nullish(),
  done: z.boolean().nullish(),
  done_reason: z.string().nullish(),
  prompt_eval_count: z.number().nullish(),
  eval_count: z.number().nullish(),
  error: z.string().nullish(),
});
type ChatLine = z.infer<typeof ChatLineSchema>;

/** `OLLAMA_HOST` may be `host`, `host:port` or a URL; a bind-all address means this machine. */
export function ollamaBaseUrl(host: string): string {
  let url = /^https?:\/\//i.test(host) ? host : `http://${host}`;
  url = url.replace(/\/+$/, '').replace('://0.0.0.0', '://127.0.0.1');
  if (!/:\d+$/.test(new URL(url).host) && !/^https:/i.test(url)) url = `${url}:11434`;
  return url;
}

function mapDoneReason(reason: string | null | undefined): LLMFinishReason {
  if (reason === 'stop') return 'stop';
  if (reason === 'length') return 'length';
  return 'other';
}

function usageOf(line: ChatLine): LLMUsage | undefined {
  if (line.prompt_eval_count == null && line.eval_count == null) return undefined;
  const promptTokens = line.prompt_eval_count ?? 0;
  const completionTokens = line.eval_count ?? 0;
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
}

/** Newline-delimited JSON → validated lines; a broken connection becomes a retryable UPSTREAM_ERROR. */
async function* readJsonLines(
  body: ReadableStream<Uint8Array>,
  idleMs: number,
  onTimeout: () => void,
  abortSignal: AbortSignal | undefined,
) {
  const text = body.pipeThrough(new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>);
  let pending = '';
  const parse = (line: string) =>
    parseJson(line, ChatLineSchema, { source: 'ollama stream line', code: 'INVALID_RESPONSE' });
  try {
    for await (const chunk of readWithIdleTimeout({ stream: text, idleMs, provider: 'ollama', onTimeout })) {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) yield parse(line);
    }
  } catch (cause) {
    if (isAutoSkillError(cause)) throw cause;
    if (abortSignal?.aborted) {
      throw new AutoSkillError('ABORTED', 'The ollama stream was aborted by the caller', {
        cause,
        details: { provider: 'ollama' },
      });
    }
    throw new AutoSkillError('UPSTREAM_ERROR', 'The ollama stream broke off before it was complete', {
      cause,
      isRetryable: true,
      details: { provider: 'ollama', reason: 'stream-broken' },
    });
  }
  if (pending.trim()) yield parse(pending);
}

export function createOllamaLLMConnector(config: LLMConfig, { env, fetch }: LLMFactoryContext): LLMConnector {
  const host = readEnv(env, 'OLLAMA_HOST');
  const baseUrl = (config.baseUrl ?? (host ? ollamaBaseUrl(host) : OLLAMA_DEFAULT_BASE_URL)).replace(
    /\/+$/,
    '',
  );
  const url = baseUrl.endsWith('/api/chat') ? baseUrl : `${baseUrl.replace(/\/api$/, '')}/api/chat`;
  const modelId = config.model ?? OLLAMA_DEFAULT_MODEL;
  const explain: ExplainOptions = {
    provider: 'ollama',
    modelId,
    keyHint: 'Ollama needs no key; check what sits in front of it (a proxy asking for credentials?)',
    endpointHint: `start Ollama (\`ollama serve\`) or set OLLAMA_HOST / baseUrl (now ${baseUrl})`,
    notFoundHint: `The model is not available locally: run \`ollama pull ${modelId}\` or set the model in the LLM config.`,
  };
  const dropped = new Set<string>();

  const buildBody = (call: LLMCallOptions, stream: boolean): Record<string, unknown> => {
    const options: Record<string, unknown> = {};
    const temperature = call.temperature ?? config.temperature;
    const maxTokens = call.maxTokens ?? config.maxTokens;
    if (temperature !== undefined) options['temperature'] = temperature;
    if (maxTokens !== undefined) options['num_predict'] = maxTokens;
    const body: Record<string, unknown> = {
      ...config.extraBody,
      model: modelId,
      messages: fitMessagesToBudget(call.messages, config.maxInputChars).map((message) => ({
        role: message.role,
        content: messageText(message),
      })),
      stream,
    };
    if (Object.keys(options).length > 0)
      body['options'] = { ...(config.extraBody?.['options'] as object), ...options };
    if (call.responseFormat === 'json') body['format'] = 'json';
    if (config.thinkingMode !== undefined) body['think'] = config.thinkingMode;
    for (const field of dropped) delete body[field];
    return body;
  };

  const withRecovery = async <T>(body: Record<string, unknown>, perform: () => Promise<T>): Promise<T> => {
    for (;;) {
      try {
        return await perform();
      } catch (error) {
        const field = rejectedOptionalField(error, body, ['think']);
        if (field === undefined) throw explainUpstreamError(error, explain);
        dropped.add(field);
        delete body[field];
      }
    }
  };

  const httpOptions = (call: LLMCallOptions, fetchFunction: FetchFunction | undefined) => ({
    url,
    timeoutMs: call.timeoutMs ?? config.timeoutMs,
    maxRetries: config.maxRetries,
    provider: 'ollama',
    fetch: fetchFunction,
    headers: config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {},
    secrets: config.apiKey ? [config.apiKey] : [],
  });

  return {
    specificationVersion: 'v1',
    provider: 'ollama',
    modelId,

    async doGenerate(call) {
      const body = buildBody(call, false);
      const { value } = await withRecovery(body, () =>
        requestJson({
          ...httpOptions(call, fetch),
          json: body,
          abortSignal: call.abortSignal,
          schema: ChatLineSchema,
        }),
      );
      if (value.error) {
        throw explainUpstreamError(
          new AutoSkillError('UPSTREAM_ERROR', `ollama answered with an error: ${value.error}`, {
            details: { provider: 'ollama' },
          }),
          explain,
        );
      }
      const { text, reasoning: inline } = splitThinkTags(value.message?.content ?? '');
      return generateResult({
        text,
        reasoning: value.message?.thinking || inline,
        finishReason: mapDoneReason(value.done_reason),
        usage: usageOf(value),
        raw: value,
      });
    },

    async doStream(call) {
      const body = buildBody(call, true);
      const { signal, cancel } = cancellableRequest(call.abortSignal);
      const response = await withRecovery(body, () =>
        requestRaw({ ...httpOptions(call, fetch), json: body, abortSignal: signal }),
      );
      return createPartStream({
        provider: 'ollama',
        onCancel: cancel,
        produce: async (writer) => {
          if (!response.body) throw new AutoSkillError('INVALID_RESPONSE', 'ollama sent an empty stream');
          const splitter = new ThinkTagSplitter();
          let last: ChatLine | undefined;
          try {
            const lines = readJsonLines(
              response.body,
              call.timeoutMs ?? config.timeoutMs,
              cancel,
              call.abortSignal,
            );
            for await (const line of lines) {
              if (line.error) {
                throw new AutoSkillError('UPSTREAM_ERROR', `ollama sent an error mid-stream: ${line.error}`, {
                  isRetryable: true,
                  details: { provider: 'ollama' },
                });
              }
              if (line.message?.thinking)
                writer.enqueue({ type: 'reasoning-delta', delta: line.message.thinking });
              writePieces(writer, splitter.push(line.message?.content ?? ''));
              if (line.done) {
                last = line;
                break;
              }
            }
          } catch (error) {
            throw explainUpstreamError(error, explain);
          }
          writePieces(writer, splitter.flush());
          if (!last) {
            throw streamIncompleteError(
              'ollama',
              'The ollama stream ended before the final `done` line. The connection broke off mid-reply; try again.',
            );
          }
          writer.enqueue({
            type: 'finish',
            finishReason: mapDoneReason(last.done_reason),
            usage: usageOf(last),
          });
        },
      });
    },
  };
}
