/**
 * @module OpenAI wire shapes the fake server sends: chat completions (whole and as `chat.completion.chunk`
 * SSE events, text and tool calls, the optional usage chunk), embeddings (float or base64), model lists
 * and errors — field for field as OpenAI sends them.
 */
import { encodeEmbeddingBase64 } from './fake-embeddings.js';
import type { FakeTextReply, FakeToolCallReply } from './fake-replies.js';
import { roughTokenCount, splitIntoChunks } from './fake-replies.js';

export interface ChatRenderContext {
  id: string;
  /** Epoch seconds. */
  created: number;
  model: string;
  promptTokens: number;
  includeUsage: boolean;
  /** Generates tool call ids. */
  nextToolCallId: () => string;
}

const SYSTEM_FINGERPRINT = 'fp_fake';

type ChatReply = FakeTextReply | FakeToolCallReply;

function completionTokens(reply: ChatReply): number {
  if (reply.usage?.outputTokens !== undefined) return reply.usage.outputTokens;
  if (reply.type === 'text') return roughTokenCount(reply.text);
  return reply.toolCalls.reduce((sum, call) => sum + roughTokenCount(argumentsText(call.arguments)), 0);
}

function usage(reply: ChatReply, context: ChatRenderContext) {
  const prompt = reply.usage?.inputTokens ?? context.promptTokens;
  const completion = completionTokens(reply);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

export function argumentsText(value: string | Record<string, unknown>): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function finishReason(reply: ChatReply): string {
  return reply.type === 'text' ? (reply.finishReason ?? 'stop') : 'tool_calls';
}

/** A non-streaming `chat.completion` object. */
export function chatCompletion(reply: ChatReply, context: ChatRenderContext): Record<string, unknown> {
  const message: Record<string, unknown> = { role: 'assistant' };
  if (reply.type === 'text') {
    message['content'] = reply.text;
  } else {
    message['content'] = reply.text ?? null;
    message['tool_calls'] = reply.toolCalls.map((call) => ({
      id: call.id ?? context.nextToolCallId(),
      type: 'function',
      function: { name: call.name, arguments: argumentsText(call.arguments) },
    }));
  }
  message['refusal'] = null;
  return {
    id: context.id,
    object: 'chat.completion',
    created: context.created,
    model: (reply.type === 'text' ? reply.model : undefined) ?? context.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason(reply) }],
    usage: usage(reply, context),
    system_fingerprint: SYSTEM_FINGERPRINT,
  };
}

/** The `chat.completion.chunk` payloads of a streamed completion, in order (without `[DONE]`). */
export function chatCompletionChunks(
  reply: ChatReply,
  context: ChatRenderContext,
): Record<string, unknown>[] {
  const model = (reply.type === 'text' ? reply.model : undefined) ?? context.model;
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
    id: context.id,
    object: 'chat.completion.chunk',
    created: context.created,
    model,
    system_fingerprint: SYSTEM_FINGERPRINT,
    choices,
    ...(context.includeUsage ? { usage: null } : {}),
    ...extra,
  });
  const choice = (delta: Record<string, unknown>, finish: string | null = null) => ({
    index: 0,
    delta,
    logprobs: null,
    finish_reason: finish,
  });

  const chunks: Record<string, unknown>[] = [];
  if (reply.type === 'text') {
    chunks.push(chunk([choice({ role: 'assistant', content: '', refusal: null })]));
    for (const piece of reply.chunks ?? splitIntoChunks(reply.text)) {
      chunks.push(chunk([choice({ content: piece })]));
    }
  } else {
    const prefix = reply.text;
    chunks.push(chunk([choice({ role: 'assistant', content: prefix ?? null, refusal: null })]));
    reply.toolCalls.forEach((call, index) => {
      const id = call.id ?? context.nextToolCallId();
      chunks.push(
        chunk([
          choice({
            tool_calls: [{ index, id, type: 'function', function: { name: call.name, arguments: '' } }],
          }),
        ]),
      );
      for (const piece of splitArguments(argumentsText(call.arguments))) {
        chunks.push(chunk([choice({ tool_calls: [{ index, function: { arguments: piece } }] })]));
      }
    });
  }
  chunks.push(chunk([choice({}, finishReason(reply))]));
  if (context.includeUsage) chunks.push(chunk([], { usage: usage(reply, context) }));
  return chunks;
}

/** Argument JSON in pieces of about 8 characters, as OpenAI streams it. */
function splitArguments(text: string): string[] {
  const pieces: string[] = [];
  for (let start = 0; start < text.length; start += 8) pieces.push(text.slice(start, start + 8));
  return pieces;
}

/** An OpenAI `/v1/embeddings` response. */
export function embeddingsResponse(options: {
  vectors: readonly (readonly number[])[];
  model: string;
  base64: boolean;
  promptTokens: number;
}): Record<string, unknown> {
  return {
    object: 'list',
    data: options.vectors.map((vector, index) => ({
      object: 'embedding',
      index,
      embedding: options.base64 ? encodeEmbeddingBase64(vector) : vector,
    })),
    model: options.model,
    usage: { prompt_tokens: options.promptTokens, total_tokens: options.promptTokens },
  };
}

/** An OpenAI `/v1/models` response. */
export function modelsResponse(models: readonly string[], created: number): Record<string, unknown> {
  return {
    object: 'list',
    data: models.map((id) => ({ id, object: 'model', created, owned_by: 'fake-model-server' })),
  };
}

const ERROR_TYPES: Record<number, [type: string, code: string | null]> = {
  400: ['invalid_request_error', null],
  401: ['invalid_request_error', 'invalid_api_key'],
  403: ['invalid_request_error', 'unsupported_country_region_territory'],
  404: ['invalid_request_error', 'model_not_found'],
  408: ['timeout_error', null],
  409: ['conflict_error', null],
  413: ['invalid_request_error', 'request_too_large'],
  429: ['rate_limit_exceeded', 'rate_limit_exceeded'],
};

/** An OpenAI error body: `{ error: { message, type, param, code } }`. */
export function openAiError(status: number, message: string): Record<string, unknown> {
  const [type, code] =
    ERROR_TYPES[status] ?? (status >= 500 ? ['server_error', null] : ['invalid_request_error', null]);
  return { error: { message, type, param: null, code } };
}
