/**
 * @module The OpenAI Chat Completions wire format as AutoSkill uses it: the request body, lenient
 * response and chunk schemas (only the fields we read, `.nullish()`), and their mapping onto the
 * connector contract. Shared by openai, generic, dashscope, glm and internlm.
 * @see https://platform.openai.com/docs/api-reference/chat
 */
import { z } from 'zod';
import { messageText } from './messages.js';
import type { LLMFinishReason, LLMMessage, LLMUsage } from './types.js';

const ContentSchema = z
  .union([z.string(), z.array(z.looseObject({ text: z.string().nullish(), content: z.string().nullish() }))])
  .nullish();

const UsageSchema = z
  .looseObject({
    prompt_tokens: z.number().nullish(),
    completion_tokens: z.number().nullish(),
    total_tokens: z.number().nullish(),
  })
  .nullish();

/** Some gateways answer 200 with an error object instead of choices, in a body or a stream event. */
const ErrorSchema = z
  .union([
    z.string(),
    z.looseObject({
      message: z.string().nullish(),
      code: z.unknown().optional(),
      type: z.unknown().optional(),
    }),
  ])
  .nullish();

const MessageSchema = z.looseObject({
  content: ContentSchema,
  reasoning_content: z.string().nullish(),
  reasoning: z.string().nullish(),
});

export const ChatResponseSchema = z.looseObject({
  choices: z
    .array(z.looseObject({ message: MessageSchema.nullish(), finish_reason: z.string().nullish() }))
    .nullish(),
  usage: UsageSchema,
  error: ErrorSchema,
});
export type ChatResponse = z.infer<typeof ChatResponseSchema>;

export const ChatChunkSchema = z.looseObject({
  choices: z
    .array(z.looseObject({ delta: MessageSchema.nullish(), finish_reason: z.string().nullish() }))
    .nullish(),
  usage: UsageSchema,
  error: ErrorSchema,
});
export type ChatChunk = z.infer<typeof ChatChunkSchema>;

export interface ChatBodyOptions {
  modelId: string;
  messages: readonly LLMMessage[];
  stream: boolean;
  temperature?: number;
  maxTokens?: number;
  /** OpenAI's newer models take `max_completion_tokens`; most compatible servers take `max_tokens`. */
  maxTokensField: 'max_tokens' | 'max_completion_tokens';
  /** Send `response_format: {type: 'json_object'}`. */
  jsonMode: boolean;
  /** Provider fields (thinking switches) and the config's `extraBody`; the standard fields win. */
  extraFields?: Record<string, unknown>;
}

export function buildChatBody(options: ChatBodyOptions): Record<string, unknown> {
  const body: Record<string, unknown> = {
    ...options.extraFields,
    model: options.modelId,
    messages: options.messages.map((message) => ({ role: message.role, content: messageText(message) })),
    stream: options.stream,
  };
  if (options.temperature !== undefined) body['temperature'] = options.temperature;
  if (options.maxTokens !== undefined) body[options.maxTokensField] = options.maxTokens;
  // OpenAI rejects json_object mode unless a message mentions JSON; without that word, ask for nothing.
  const mentionsJson = options.messages.some((message) => /json/i.test(messageText(message)));
  if (options.jsonMode && mentionsJson) body['response_format'] = { type: 'json_object' };
  if (options.stream) body['stream_options'] = { include_usage: true };
  return body;
}

/** Text of a `content` field: a string, or parts whose `text` (or `content`) is joined. */
export function contentText(content: z.infer<typeof ContentSchema>): string {
  if (typeof content === 'string') return content;
  if (!content) return '';
  return content.map((part) => part.text ?? part.content ?? '').join('');
}

export function reasoningText(message: z.infer<typeof MessageSchema> | null | undefined): string {
  return message?.reasoning_content ?? message?.reasoning ?? '';
}

export function mapFinishReason(reason: string | null | undefined): LLMFinishReason {
  switch (reason) {
    case 'stop':
    case 'eos':
    case 'end_turn':
      return 'stop';
    case 'length':
    case 'max_tokens':
      return 'length';
    case 'content_filter':
    case 'sensitive':
      return 'content-filter';
    case 'tool_calls':
    case 'function_call':
      return 'tool-calls';
    case 'network_error':
    case 'error':
      return 'error';
    default:
      return 'other';
  }
}

export function mapUsage(usage: z.infer<typeof UsageSchema>): LLMUsage | undefined {
  if (!usage) return undefined;
  const promptTokens = usage.prompt_tokens ?? 0;
  const completionTokens = usage.completion_tokens ?? 0;
  return {
    promptTokens,
    completionTokens,
    totalTokens: usage.total_tokens ?? promptTokens + completionTokens,
  };
}

/** The message of an in-body error object, or `undefined` when there is none. */
export function bodyErrorMessage(error: z.infer<typeof ErrorSchema>): string | undefined {
  if (!error) return undefined;
  if (typeof error === 'string') return error;
  return error.message ?? JSON.stringify(error);
}
