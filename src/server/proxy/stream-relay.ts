/**
 * @module Passing an upstream SSE stream to the client as it arrives. Bytes are forwarded chunk by chunk
 * (pull-based, so nothing is buffered beyond the chunk in hand); a copy is decoded on the side to collect
 * the assistant's text, tool calls, finish reason and usage for the turn observer. The first data event
 * may carry the `autoskill` field (the original put it on the first chunk too); strict clients ignore
 * unknown fields. When the upstream breaks midway, the client gets one OpenAI-style in-band error event
 * (which the `openai` client raises as an `APIError`) instead of a silently truncated answer; when the
 * client goes away, the upstream request is aborted.
 */
import { createSseParser, type ServerSentEvent } from '../../http/sse.js';
import { errorMessage } from '../../shared/errors.js';
import { parseJsonValue } from '../../shared/json.js';
import { sseData } from './openai-chunks.js';

/** What the side decoder learned from the stream (first choice only). */
export interface StreamSummary {
  text: string;
  finishReason: string | null;
  toolCalls: Array<{ id?: string; name: string; arguments: string }>;
  usage?: { promptTokens?: number; completionTokens?: number; totalTokens?: number };
  sawDone: boolean;
  /** Message of an in-band error event the upstream sent. */
  upstreamError?: string;
}

export type StreamOutcome =
  | { status: 'completed'; summary: StreamSummary }
  | { status: 'failed'; summary: StreamSummary; message: string }
  | { status: 'aborted'; summary: StreamSummary };

export interface RelayStreamOptions {
  source: ReadableStream<Uint8Array>;
  /** Adds fields to the first data event's JSON object (the `autoskill` field); none when omitted. */
  decorateFirstEvent?: (event: Record<string, unknown>) => Record<string, unknown>;
  /** Called once when the stream ends, fails or is cancelled by the client. */
  onEnd: (outcome: StreamOutcome) => void;
  /** Aborted when the client cancels, so the upstream request stops too. */
  abortController: AbortController;
}

const encoder = new TextEncoder();

type Json = Record<string, unknown>;

function asRecord(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

/** Collects the first choice's text and tool calls from decoded chunk events. */
function createCollector() {
  const summary: StreamSummary = { text: '', finishReason: null, toolCalls: [], sawDone: false };
  const toolsByIndex = new Map<number, { id?: string; name: string; arguments: string }>();
  return {
    summary,
    handle(event: ServerSentEvent): void {
      if (event.data === '[DONE]') {
        summary.sawDone = true;
        return;
      }
      let value: Json | undefined;
      try {
        value = asRecord(parseJsonValue(event.data));
      } catch {
        return;
      }
      if (!value) return;
      const error = asRecord(value['error']);
      if (error) {
        summary.upstreamError = typeof error['message'] === 'string' ? error['message'] : 'upstream error';
        return;
      }
      const usage = asRecord(value['usage']);
      if (usage) {
        summary.usage = {
          ...(typeof usage['prompt_tokens'] === 'number' ? { promptTokens: usage['prompt_tokens'] } : {}),
          ...(typeof usage['completion_tokens'] === 'number'
            ? { completionTokens: usage['completion_tokens'] }
            : {}),
          ...(typeof usage['total_tokens'] === 'number' ? { totalTokens: usage['total_tokens'] } : {}),
        };
      }
      const choices = Array.isArray(value['choices']) ? value['choices'] : [];
      for (const rawChoice of choices) {
        const choice = asRecord(rawChoice);
        if (!choice || (choice['index'] ?? 0) !== 0) continue;
        const delta = asRecord(choice['delta']);
        if (typeof delta?.['content'] === 'string') summary.text += delta['content'];
        if (typeof choice['finish_reason'] === 'string') summary.finishReason = choice['finish_reason'];
        const calls = Array.isArray(delta?.['tool_calls']) ? (delta['tool_calls'] as unknown[]) : [];
        for (const rawCall of calls) {
          const call = asRecord(rawCall);
          if (!call) continue;
          const index = typeof call['index'] === 'number' ? call['index'] : 0;
          let entry = toolsByIndex.get(index);
          if (!entry) {
            entry = { name: '', arguments: '' };
            toolsByIndex.set(index, entry);
            summary.toolCalls.push(entry);
          }
          if (typeof call['id'] === 'string') entry.id = call['id'];
          const fn = asRecord(call['function']);
          if (typeof fn?.['name'] === 'string') entry.name += fn['name'];
          if (typeof fn?.['arguments'] === 'string') entry.arguments += fn['arguments'];
        }
      }
    },
  };
}

/** Index and length of the first blank line (event end) in `bytes`; CR and LF never occur inside UTF-8 sequences. */
function findEventEnd(bytes: Uint8Array): { index: number; length: number } | undefined {
  for (let index = 0; index < bytes.length; index += 1) {
    const byte = bytes[index];
    if (byte === 0x0a && bytes[index + 1] === 0x0a) return { index, length: 2 };
    if (byte === 0x0d) {
      if (bytes[index + 1] === 0x0a && bytes[index + 2] === 0x0d && bytes[index + 3] === 0x0a) {
        return { index, length: 4 };
      }
      if (bytes[index + 1] === 0x0d) return { index, length: 2 };
    }
  }
  return undefined;
}

function concat(first: Uint8Array, second: Uint8Array): Uint8Array {
  if (first.byteLength === 0) return second;
  const joined = new Uint8Array(first.byteLength + second.byteLength);
  joined.set(first, 0);
  joined.set(second, first.byteLength);
  return joined;
}

const utf8 = new TextDecoder();

/**
 * Splits off complete events until the first one with data, which is decorated when it is a chunk object.
 * Returns the bytes to send now, and the undecided rest (`done` once the first data event went out).
 */
function decorateFirstDataEvent(
  buffered: Uint8Array,
  decorate: (event: Json) => Json,
): { output: Uint8Array[]; done: boolean; rest: Uint8Array } {
  const output: Uint8Array[] = [];
  let bytes = buffered;
  for (;;) {
    const end = findEventEnd(bytes);
    if (!end) return { output, done: false, rest: bytes };
    const eventBytes = bytes.subarray(0, end.index + end.length);
    const lines = utf8.decode(bytes.subarray(0, end.index)).split(/\r\n|\r|\n/);
    bytes = bytes.subarray(end.index + end.length);
    const dataLines = lines.filter((line) => line.startsWith('data:'));
    if (dataLines.length === 0) {
      output.push(eventBytes);
      continue;
    }
    const onlyData = lines.every((line) => line.startsWith('data:') || line.startsWith(':'));
    const data = dataLines.map((line) => line.slice(5).replace(/^ /, '')).join('\n');
    let value: Json | undefined;
    if (onlyData && data !== '[DONE]') {
      try {
        value = asRecord(parseJsonValue(data));
      } catch {
        value = undefined;
      }
    }
    if (value && Array.isArray(value['choices']) && !value['error']) {
      output.push(encoder.encode(sseData(decorate(value))));
    } else {
      output.push(eventBytes);
    }
    if (bytes.byteLength > 0) output.push(bytes);
    return { output, done: true, rest: new Uint8Array(0) };
  }
}

/** The client-facing stream for an upstream SSE body. */
export function relayEventStream(options: RelayStreamOptions): ReadableStream<Uint8Array> {
  const reader = options.source.getReader();
  const collector = createCollector();
  // The side copy is decoded synchronously as each chunk passes (a stream pipeline per response cost more).
  const sideText = new TextDecoder();
  const sideEvents = createSseParser((event) => collector.handle(event));
  let pendingFirst: Uint8Array | null = options.decorateFirstEvent ? new Uint8Array(0) : null;
  let ended = false;

  const finish = async (outcome: 'end' | 'error' | 'cancel', error?: unknown) => {
    if (ended) return;
    ended = true;
    sideEvents.push(sideText.decode());
    sideEvents.end();
    const summary = collector.summary;
    if (outcome === 'cancel') return options.onEnd({ status: 'aborted', summary });
    if (outcome === 'error') {
      return options.onEnd({ status: 'failed', summary, message: errorMessage(error) });
    }
    if (summary.upstreamError !== undefined) {
      return options.onEnd({ status: 'failed', summary, message: summary.upstreamError });
    }
    if (!summary.sawDone && summary.finishReason === null) {
      return options.onEnd({ status: 'failed', summary, message: 'The upstream stream ended early' });
    }
    options.onEnd({ status: 'completed', summary });
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // Loop until something is enqueued: a pull that enqueues nothing is not called again.
        for (;;) {
          let chunk: Awaited<ReturnType<typeof reader.read>>;
          try {
            chunk = await reader.read();
          } catch (error) {
            if (options.abortController.signal.aborted) {
              await finish('cancel');
              controller.close();
              return;
            }
            if (pendingFirst?.byteLength) controller.enqueue(pendingFirst);
            pendingFirst = null;
            controller.enqueue(
              encoder.encode(
                sseData({
                  error: {
                    message: `The upstream stream broke: ${errorMessage(error)}`,
                    type: 'server_error',
                    param: null,
                    code: 'upstream_stream_broken',
                  },
                }),
              ),
            );
            await finish('error', error);
            controller.close();
            return;
          }
          if (chunk.done) {
            if (pendingFirst?.byteLength) controller.enqueue(pendingFirst);
            pendingFirst = null;
            await finish('end');
            controller.close();
            return;
          }
          const bytes = chunk.value;
          sideEvents.push(sideText.decode(bytes, { stream: true }));
          if (pendingFirst === null || !options.decorateFirstEvent) {
            controller.enqueue(bytes);
            return;
          }
          const step = decorateFirstDataEvent(concat(pendingFirst, bytes), options.decorateFirstEvent);
          for (const piece of step.output) controller.enqueue(piece);
          pendingFirst = step.done ? null : step.rest;
          if (step.output.length > 0) return;
        }
      },
      async cancel(reason) {
        options.abortController.abort(reason);
        await reader.cancel(reason).catch(() => undefined);
        await finish('cancel');
      },
    },
    { highWaterMark: 0 },
  );
}
