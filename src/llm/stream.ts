/**
 * @module Helpers around `ReadableStream<LLMStreamPart>`: assembling a stream into a generate result,
 * and building a part stream from an async producer so that failures become one in-band `error` part.
 */
import { AutoSkillError, errorMessage, isAutoSkillError } from '../shared/errors.js';
import type { SplitPiece } from './think-tags.js';
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
  return generateResult({ text, reasoning, finishReason, usage });
}

/** A generate result with `reasoning` and `usage` left out when empty, and `raw` when given. */
export function generateResult(parts: {
  text: string;
  reasoning?: string | undefined;
  finishReason: LLMFinishReason;
  usage?: LLMUsage | undefined;
  raw?: unknown;
}): LLMGenerateResult {
  const { text, reasoning, finishReason, usage } = parts;
  return {
    text,
    ...(reasoning ? { reasoning } : {}),
    finishReason,
    ...(usage ? { usage } : {}),
    ...('raw' in parts ? { raw: parts.raw } : {}),
  };
}

/**
 * The signal of a streaming request: the caller's, plus our own abort for when the consumer cancels
 * the part stream or the stream goes idle.
 */
export function cancellableRequest(abortSignal: AbortSignal | undefined): {
  signal: AbortSignal;
  cancel: () => void;
} {
  const cancelBody = new AbortController();
  const signal = abortSignal ? AbortSignal.any([abortSignal, cancelBody.signal]) : cancelBody.signal;
  return { signal, cancel: () => cancelBody.abort() };
}

/** Writes think-tag pieces as text and reasoning deltas. */
export function writePieces(writer: PartWriter, pieces: Iterable<SplitPiece>): void {
  for (const piece of pieces) {
    writer.enqueue({ type: piece.kind === 'text' ? 'text-delta' : 'reasoning-delta', delta: piece.text });
  }
}

/** The stream ended before the provider said the reply was complete (retryable). */
export function streamIncompleteError(provider: string, message: string): AutoSkillError {
  return new AutoSkillError('UPSTREAM_ERROR', message, {
    isRetryable: true,
    details: { provider, reason: 'stream-incomplete', hint: 'try again' },
  });
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
