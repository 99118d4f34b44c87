/**
 * @module Anthropic Messages wire shapes the fake server sends: the `message` object, the streaming event
 * sequence (`message_start`, `content_block_start`, `ping`, `content_block_delta`, `content_block_stop`,
 * `message_delta`, `message_stop`) for text and `tool_use` blocks, and Anthropic's error shape.
 */
import { parseJsonValue } from '../shared/json.js';
import type { FakeTextReply, FakeToolCallReply } from './fake-replies.js';
import { roughTokenCount, splitIntoChunks } from './fake-replies.js';
import { argumentsText } from './openai-wire.js';

export interface MessageRenderContext {
  id: string;
  model: string;
  inputTokens: number;
  nextToolUseId: () => string;
}

type ChatReply = FakeTextReply | FakeToolCallReply;

const STOP_REASONS: Record<string, string> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
};

function stopReason(reply: ChatReply): string {
  if (reply.type === 'tool-call') return 'tool_use';
  const finish = reply.finishReason ?? 'stop';
  return STOP_REASONS[finish] ?? finish;
}

function outputTokens(reply: ChatReply): number {
  if (reply.usage?.outputTokens !== undefined) return reply.usage.outputTokens;
  if (reply.type === 'text') return roughTokenCount(reply.text);
  return reply.toolCalls.reduce((sum, call) => sum + roughTokenCount(argumentsText(call.arguments)), 0);
}

function toolInput(value: string | Record<string, unknown>): unknown {
  if (typeof value !== 'string') return value;
  try {
    return parseJsonValue(value);
  } catch {
    return value;
  }
}

/** A non-streaming Messages response. */
export function anthropicMessage(reply: ChatReply, context: MessageRenderContext): Record<string, unknown> {
  const content: Record<string, unknown>[] = [];
  const text = reply.type === 'text' ? reply.text : reply.text;
  if (text !== undefined && (reply.type === 'text' || text !== '')) content.push({ type: 'text', text });
  if (reply.type === 'tool-call') {
    for (const call of reply.toolCalls) {
      content.push({
        type: 'tool_use',
        id: call.id ?? context.nextToolUseId(),
        name: call.name,
        input: toolInput(call.arguments),
      });
    }
  }
  return {
    id: context.id,
    type: 'message',
    role: 'assistant',
    model: (reply.type === 'text' ? reply.model : undefined) ?? context.model,
    content,
    stop_reason: stopReason(reply),
    stop_sequence: null,
    usage: {
      input_tokens: reply.usage?.inputTokens ?? context.inputTokens,
      output_tokens: outputTokens(reply),
    },
  };
}

export interface NamedEvent {
  event: string;
  data: Record<string, unknown>;
}

/** The streaming events of a Messages response, in Anthropic's order. */
export function anthropicStreamEvents(reply: ChatReply, context: MessageRenderContext): NamedEvent[] {
  const events: NamedEvent[] = [];
  const push = (event: string, data: Record<string, unknown>) =>
    events.push({ event, data: { type: event, ...data } });
  push('message_start', {
    message: {
      id: context.id,
      type: 'message',
      role: 'assistant',
      model: (reply.type === 'text' ? reply.model : undefined) ?? context.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: reply.usage?.inputTokens ?? context.inputTokens, output_tokens: 1 },
    },
  });
  let index = 0;
  const text = reply.type === 'text' ? reply.text : reply.text;
  if (text !== undefined && (reply.type === 'text' || text !== '')) {
    push('content_block_start', { index, content_block: { type: 'text', text: '' } });
    if (index === 0) push('ping', {});
    const pieces = reply.type === 'text' && reply.chunks ? reply.chunks : splitIntoChunks(text);
    for (const piece of pieces)
      push('content_block_delta', { index, delta: { type: 'text_delta', text: piece } });
    push('content_block_stop', { index });
    index += 1;
  }
  if (reply.type === 'tool-call') {
    for (const call of reply.toolCalls) {
      push('content_block_start', {
        index,
        content_block: {
          type: 'tool_use',
          id: call.id ?? context.nextToolUseId(),
          name: call.name,
          input: {},
        },
      });
      if (index === 0) push('ping', {});
      const json = argumentsText(call.arguments);
      for (let start = 0; start < json.length; start += 8) {
        push('content_block_delta', {
          index,
          delta: { type: 'input_json_delta', partial_json: json.slice(start, start + 8) },
        });
      }
      push('content_block_stop', { index });
      index += 1;
    }
  }
  push('message_delta', {
    delta: { stop_reason: stopReason(reply), stop_sequence: null },
    usage: { output_tokens: outputTokens(reply) },
  });
  push('message_stop', {});
  return events;
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

/** Anthropic's error body: `{ type: 'error', error: { type, message } }`. */
export function anthropicError(status: number, message: string): Record<string, unknown> {
  const type = ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
  return { type: 'error', error: { type, message } };
}
