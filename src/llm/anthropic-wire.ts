/**
 * @module Anthropic's Messages API as AutoSkill uses it: the request body (system prompt top-level,
 * alternating user/assistant turns, required `max_tokens`), lenient response and stream-event schemas,
 * and their mapping onto the connector contract.
 * @see https://docs.anthropic.com/en/api/messages
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 */
import { z } from 'zod';
import { AutoSkillError } from '../shared/errors.js';
import { messageText } from './messages.js';
import type { LLMFinishReason, LLMMessage, LLMUsage } from './types.js';

export const ANTHROPIC_VERSION = '2023-06-01';
/** Anthropic requires `max_tokens`; used when neither the call nor the config sets one. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;
/** The smallest thinking budget Anthropic accepts. */
const MIN_THINKING_BUDGET = 1024;

const UsageSchema = z
  .looseObject({
    input_tokens: z.number().nullish(),
    output_tokens: z.number().nullish(),
    cache_creation_input_tokens: z.number().nullish(),
    cache_read_input_tokens: z.number().nullish(),
  })
  .nullish();

const ContentBlockSchema = z.looseObject({
  type: z.string(),
  text: z.string().nullish(),
  thinking: z.string().nullish(),
});

export const MessageResponseSchema = z.looseObject({
  content: z.array(ContentBlockSchema).nullish(),
  stop_reason: z.string().nullish(),
  usage: UsageSchema,
});
export type MessageResponse = z.infer<typeof MessageResponseSchema>;

export const StreamEventSchema = z.looseObject({
  type: z.string(),
  message: z.looseObject({ usage: UsageSchema }).nullish(),
  delta: z
    .looseObject({
      type: z.string().nullish(),
      text: z.string().nullish(),
      thinking: z.string().nullish(),
      stop_reason: z.string().nullish(),
    })
    .nullish(),
  usage: UsageSchema,
  error: z.looseObject({ type: z.string().nullish(), message: z.string().nullish() }).nullish(),
});
export type StreamEvent = z.infer<typeof StreamEventSchema>;

export interface MessagesBodyOptions {
  modelId: string;
  messages: readonly LLMMessage[];
  stream: boolean;
  temperature?: number;
  maxTokens?: number;
  thinking?: boolean;
  extraBody?: Record<string, unknown>;
}

/**
 * System messages become the top-level `system` string; consecutive turns of one role are joined, so the
 * conversation alternates as the API expects. A conversation with no user or assistant turn is refused.
 */
export function buildMessagesBody(options: MessagesBodyOptions): Record<string, unknown> {
  const system = options.messages
    .filter((message) => message.role === 'system')
    .map(messageText)
    .filter((text) => text.trim() !== '')
    .join('\n\n');
  const turns: Array<{ role: 'user' | 'assistant'; content: string }> = [];
  for (const message of options.messages) {
    if (message.role === 'system') continue;
    const previous = turns.at(-1);
    if (previous?.role === message.role) previous.content += `\n\n${messageText(message)}`;
    else turns.push({ role: message.role, content: messageText(message) });
  }
  if (turns.length === 0) {
    throw new AutoSkillError(
      'INVALID_INPUT',
      'An Anthropic call needs at least one user or assistant message.',
      {
        details: { provider: 'anthropic' },
      },
    );
  }
  let maxTokens = options.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS;
  const body: Record<string, unknown> = { ...options.extraBody, model: options.modelId, messages: turns };
  if (options.thinking) {
    // Thinking needs max_tokens above its budget and does not allow a custom temperature.
    maxTokens = Math.max(maxTokens, 2 * MIN_THINKING_BUDGET);
    body['thinking'] = {
      type: 'enabled',
      budget_tokens: Math.max(MIN_THINKING_BUDGET, Math.floor(maxTokens / 2)),
    };
  } else if (options.temperature !== undefined) {
    body['temperature'] = Math.min(1, options.temperature);
  }
  body['max_tokens'] = maxTokens;
  if (system) body['system'] = system;
  if (options.stream) body['stream'] = true;
  return body;
}

export function mapStopReason(reason: string | null | undefined): LLMFinishReason {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool-calls';
    case 'refusal':
      return 'content-filter';
    default:
      return 'other';
  }
}

/** Prompt tokens include cache writes and reads, which Anthropic counts apart from `input_tokens`. */
export function promptTokensOf(usage: z.infer<typeof UsageSchema>): number | undefined {
  if (!usage || usage.input_tokens == null) return undefined;
  return usage.input_tokens + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0);
}

export function makeUsage(
  promptTokens: number | undefined,
  completionTokens: number | undefined,
): LLMUsage | undefined {
  if (promptTokens === undefined && completionTokens === undefined) return undefined;
  const prompt = promptTokens ?? 0;
  const completion = completionTokens ?? 0;
  return { promptTokens: prompt, completionTokens: completion, totalTokens: prompt + completion };
}

/** Error types Anthropic documents as worth repeating. */
export function isRetryableErrorType(type: string | null | undefined): boolean {
  return type === 'overloaded_error' || type === 'api_error' || type === 'rate_limit_error';
}
