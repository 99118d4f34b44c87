/**
 * @module Anthropic's streaming events → OpenAI `chat.completion.chunk` SSE text. `message_start` gives
 * the role chunk, text deltas become `content` deltas, `tool_use` blocks become `tool_calls` deltas,
 * `message_delta` carries the finish reason (and output tokens), `message_stop` ends with the usage chunk
 * (when the client asked for it) and `[DONE]`. An `error` event, or a stream that ends without
 * `message_stop`, becomes one in-band OpenAI error event and no `[DONE]`.
 */
import { z } from 'zod';
import type { ServerSentEvent } from '../../../http/sse.js';
import { parseJsonValue } from '../../../shared/json.js';
import { type ChunkContext, chunk, makeUsage, SSE_DONE, sseData, usageChunk } from '../openai-chunks.js';
import { AnthropicUsageSchema, mapStopReason, promptTokens } from './anthropic-translate.js';

const StreamEventSchema = z.looseObject({
  type: z.string(),
  index: z.number().nullish(),
  message: z
    .looseObject({
      id: z.string().nullish(),
      model: z.string().nullish(),
      usage: AnthropicUsageSchema.nullish(),
    })
    .nullish(),
  content_block: z
    .looseObject({
      type: z.string(),
      text: z.string().nullish(),
      id: z.string().nullish(),
      name: z.string().nullish(),
    })
    .nullish(),
  delta: z
    .looseObject({
      type: z.string().nullish(),
      text: z.string().nullish(),
      partial_json: z.string().nullish(),
      stop_reason: z.string().nullish(),
    })
    .nullish(),
  usage: AnthropicUsageSchema.nullish(),
  error: z.looseObject({ type: z.string().nullish(), message: z.string().nullish() }).nullish(),
});

export interface AnthropicStreamOptions {
  /** Unix seconds for the chunks' `created`. */
  created: number;
  /** Until `message_start` names it. */
  model: string;
  /** Send the trailing usage chunk (`stream_options.include_usage`). */
  includeUsage: boolean;
}

function errorEvent(message: string, type: string, code: string): string {
  return sseData({ error: { message, type, param: null, code } });
}

/** A transform from decoded Anthropic SSE events to OpenAI chunk SSE text. */
export function createAnthropicToOpenAIStream(
  options: AnthropicStreamOptions,
): TransformStream<ServerSentEvent, string> {
  const context: ChunkContext = { id: 'msg_unknown', created: options.created, model: options.model };
  const toolIndexByBlock = new Map<number, number>();
  let inputTokens = 0;
  let outputTokens = 0;
  let finished = false;

  return new TransformStream<ServerSentEvent, string>({
    transform(sse, controller) {
      if (finished) return;
      let event: z.infer<typeof StreamEventSchema>;
      try {
        const parsed = StreamEventSchema.safeParse(parseJsonValue(sse.data));
        if (!parsed.success) return;
        event = parsed.data;
      } catch {
        return;
      }
      const emit = (delta: Record<string, unknown>, finishReason: string | null = null) =>
        controller.enqueue(sseData(chunk(context, delta, finishReason)));
      switch (event.type) {
        case 'message_start': {
          context.id = event.message?.id ?? context.id;
          context.model = event.message?.model ?? context.model;
          inputTokens = promptTokens(event.message?.usage);
          outputTokens = event.message?.usage?.output_tokens ?? 0;
          emit({ role: 'assistant', content: '' });
          return;
        }
        case 'content_block_start': {
          const block = event.content_block;
          if (block?.type === 'text' && block.text) emit({ content: block.text });
          if (block?.type === 'tool_use') {
            const toolIndex = toolIndexByBlock.size;
            toolIndexByBlock.set(event.index ?? 0, toolIndex);
            emit({
              tool_calls: [
                {
                  index: toolIndex,
                  id: block.id ?? '',
                  type: 'function',
                  function: { name: block.name ?? '', arguments: '' },
                },
              ],
            });
          }
          return;
        }
        case 'content_block_delta': {
          const delta = event.delta;
          if (delta?.type === 'text_delta' && delta.text) emit({ content: delta.text });
          if (delta?.type === 'input_json_delta' && delta.partial_json) {
            const toolIndex = toolIndexByBlock.get(event.index ?? 0) ?? 0;
            emit({ tool_calls: [{ index: toolIndex, function: { arguments: delta.partial_json } }] });
          }
          return;
        }
        case 'message_delta': {
          if (event.usage?.output_tokens !== undefined && event.usage.output_tokens !== null) {
            outputTokens = event.usage.output_tokens;
          }
          if (event.usage?.input_tokens !== undefined && event.usage.input_tokens !== null) {
            inputTokens = promptTokens(event.usage);
          }
          if (event.delta?.stop_reason) emit({}, mapStopReason(event.delta.stop_reason));
          return;
        }
        case 'message_stop': {
          if (options.includeUsage) {
            controller.enqueue(sseData(usageChunk(context, makeUsage(inputTokens, outputTokens))));
          }
          controller.enqueue(SSE_DONE);
          finished = true;
          return;
        }
        case 'error': {
          const type = event.error?.type ?? 'api_error';
          controller.enqueue(errorEvent(event.error?.message ?? 'The Anthropic upstream failed', type, type));
          finished = true;
          return;
        }
        default:
          return; // ping, thinking blocks, future event types
      }
    },
    flush(controller) {
      if (finished) return;
      controller.enqueue(
        errorEvent(
          'The Anthropic stream ended before the message was complete',
          'server_error',
          'upstream_stream_incomplete',
        ),
      );
    },
  });
}
