/**
 * @module Helpers around `ReadableStream<LLMStreamPart>`: assembling a stream into a generate result,
 * and building a part stream from an async producer so that failures become one in-band `error` part.
 */
import { AutoSkillError, errorMessage, isAutoSkillError } from '../shared/errors.js';
import type { LLMFinishReason, LLMGenerateResult, LLMStreamPart, LLMUsage } from './types.js';

/**
 * Reads a part stream to the end and returns what `doGenerate` would have: the joined text and
 * reasoning, the finish reason and usage. An `error` part is thrown as its `AutoSkillError`.
 */
export async function collectLLMStream(stream: ReadableStream<LLMStreamPart>): Promise<LLMGenerateResult> {
  let text = '';
  let reasoning = '';
  let finishReason: LLMFinishReason | undefined;
  let usage: LLMUsage | undefined;
  for await (const part of stream) {
    if (part.type === 'text-delta') text += part.delta;
    else if (part.type === 'reasoning-delta') reasoning += part.delta;
    else if (part.type === 'error') throw part.error;
    else {
      finishReason = part.finishReason;
      usage = part.usage;
    }
  }
  if (finishReason === undefined) {
    throw new AutoSkillError('INVALID_RESPONSE', 'The LLM stream ended without a finish part.');
  }
  return {
    text,
    ...(reasoning ? { reasoning } : {}),
    finishReason,
    ...(usage ? { usage } : {}),
  };
}

export interface PartWriter {
  enqueue(part: LLMStreamPart): void;
}

export interface CreatePartStreamOptions {
  /** Names the connector in the error part when `produce` throws something that is not an AutoSkillError. */
  provider: string;
  /** Writes parts; returning ends the stream, throwing becomes one `error` part. */
  produce: (writer: PartWriter) => Promise<void>;
  /** Runs when the consumer cancels the stream (e.g. to abort the upstream request). */
  onCancel?: (reason: unknown) => void;
}

/** A part stream fed by `produce`, which runs eagerly; failures never error the stream itself. */
export function createPartStream({
  provider,
  produce,
  onCancel,
}: CreatePartStreamOptions): ReadableStream<LLMStreamPart> {
  let cancelled = false;
  return new ReadableStream<LLMStreamPart>({
    start(controller) {
      const writer: PartWriter = {
        enqueue(part) {
          if (!cancelled) controller.enqueue(part);
        },
      };
      void produce(writer)
        .catch((cause: unknown) => {
          if (cancelled) return;
          const error = isAutoSkillError(cause)
            ? cause
            : new AutoSkillError('UPSTREAM_ERROR', `The ${provider} stream failed: ${errorMessage(cause)}`, {
                cause,
                details: { provider },
                isRetryable: true,
              });
          controller.enqueue({ type: 'error', error });
        })
        .finally(() => {
          if (!cancelled) controller.close();
        });
    },
    cancel(reason) {
      cancelled = true;
      onCancel?.(reason);
    },
  });
}
