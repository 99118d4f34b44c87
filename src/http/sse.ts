/**
 * @module The one Server-Sent Events decoder every streaming connector uses: bytes → `TextDecoderStream` →
 * events (WHATWG rules: `\n`, `\r\n` or `\r` line ends, `:` comments, multi-line `data:`), then JSON
 * parts validated with a zod schema, with OpenAI's `[DONE]` sentinel ending the stream. A connection that
 * breaks midway surfaces as a typed, retryable `UPSTREAM_ERROR` instead of a bare `TypeError`.
 */
import type { z } from 'zod';
import { AutoSkillError, isAutoSkillError } from '../shared/errors.js';
import { parseJsonValue } from '../shared/json.js';

export interface ServerSentEvent {
  /** The `event:` field; `undefined` means the default type `message`. */
  event: string | undefined;
  /** The `data:` lines joined with `\n`. */
  data: string;
  /** The last `id:` seen in the stream, if any. */
  id: string | undefined;
  /** A `retry:` value sent with this event, in milliseconds. */
  retry: number | undefined;
}

const LINE_END = /\r\n|\r|\n/g;

/** An incremental SSE parser: text in (any chunking), events out through `onEvent`, synchronously. */
export interface SseParser {
  /** Parses the next piece of decoded text. */
  push(text: string): void;
  /** The stream ended: emits what an unterminated last event holds. */
  end(): void;
}

/**
 * The parser behind `createSseParserStream`, for callers that already hold the bytes (the proxy's stream
 * relay decodes a copy of every chunk on the side; three web streams per response cost more than the
 * parsing). Events with no `data:` line are not emitted (per spec).
 */
export function createSseParser(onEvent: (event: ServerSentEvent) => void): SseParser {
  let pending = '';
  let dropLeadingLineFeed = false;
  let dataLines: string[] = [];
  let eventType: string | undefined;
  let lastId: string | undefined;
  let retry: number | undefined;

  const dispatch = () => {
    if (dataLines.length > 0) {
      onEvent({ event: eventType, data: dataLines.join('\n'), id: lastId, retry });
    }
    dataLines = [];
    eventType = undefined;
    retry = undefined;
  };

  const processLine = (line: string) => {
    if (line === '') return dispatch();
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') dataLines.push(value);
    else if (field === 'event') eventType = value;
    else if (field === 'id' && !value.includes('\0')) lastId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) retry = Number(value);
  };

  return {
    push(chunk) {
      let text = chunk;
      // A `\r\n` split across two chunks is one line end, not two.
      if (dropLeadingLineFeed && text.length > 0) {
        if (text.startsWith('\n')) text = text.slice(1);
        dropLeadingLineFeed = false;
      }
      const buffer = pending + text;
      let start = 0;
      LINE_END.lastIndex = 0;
      for (let match = LINE_END.exec(buffer); match; match = LINE_END.exec(buffer)) {
        const end = match.index;
        if (match[0] === '\r' && end === buffer.length - 1) dropLeadingLineFeed = true;
        processLine(buffer.slice(start, end));
        start = end + match[0].length;
      }
      pending = buffer.slice(start);
    },
    end() {
      // Tolerate a server that closes without the final blank line: emit what it sent.
      if (pending !== '') processLine(pending);
      pending = '';
      dispatch();
    },
  };
}

/** A `TransformStream` from decoded text to events. Events with no `data:` line are not emitted (per spec). */
export function createSseParserStream(): TransformStream<string, ServerSentEvent> {
  let target: TransformStreamDefaultController<ServerSentEvent> | undefined;
  const parser = createSseParser((event) => target?.enqueue(event));
  return new TransformStream<string, ServerSentEvent>({
    transform(chunk, controller) {
      target = controller;
      parser.push(chunk);
    },
    flush(controller) {
      target = controller;
      parser.end();
    },
  });
}

/** Decodes a UTF-8 SSE body into events. */
export function decodeServerSentEvents(body: ReadableStream<Uint8Array>): ReadableStream<ServerSentEvent> {
  return body
    .pipeThrough(new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>)
    .pipeThrough(createSseParserStream());
}

/** One parsed SSE event: the validated value, or why its data could not be used (the stream goes on). */
export type JsonEventPart<T> =
  | { success: true; value: T; event: string | undefined }
  | { success: false; error: AutoSkillError; data: string; event: string | undefined };

export interface ParseJsonEventStreamOptions<S extends z.ZodType> {
  /** The raw response body. */
  stream: ReadableStream<Uint8Array>;
  /** Validates each event's JSON data. */
  schema: S;
  /** Names the upstream in errors. @default 'upstream' */
  provider?: string;
  /** Data that ends the stream; `null` when the protocol has none (Anthropic). @default '[DONE]' */
  doneMarker?: string | null;
  /** Treat a stream that ends without `doneMarker` as broken. @default false */
  requireDone?: boolean;
  /** The caller's signal, so an abort is reported as `ABORTED` rather than a broken stream. */
  abortSignal?: AbortSignal;
}

/**
 * Parses an SSE body of JSON events. Invalid event data becomes a `{ success: false }` part and the stream
 * continues; a broken connection errors the stream with `UPSTREAM_ERROR` (retryable); reaching
 * `doneMarker` closes it and releases the connection.
 */
export function parseJsonEventStream<S extends z.ZodType>({
  stream,
  schema,
  provider = 'upstream',
  doneMarker = '[DONE]',
  requireDone = false,
  abortSignal,
}: ParseJsonEventStreamOptions<S>): ReadableStream<JsonEventPart<z.output<S>>> {
  const reader = decodeServerSentEvents(stream).getReader();
  return new ReadableStream<JsonEventPart<z.output<S>>>({
    async pull(controller) {
      let next: Awaited<ReturnType<typeof reader.read>>;
      try {
        next = await reader.read();
      } catch (cause) {
        controller.error(streamFailure(provider, cause, abortSignal));
        return;
      }
      if (next.done) {
        if (requireDone && doneMarker !== null) {
          controller.error(
            new AutoSkillError('UPSTREAM_ERROR', `${provider} stream ended before ${doneMarker}`, {
              isRetryable: true,
              details: { provider, reason: 'stream-incomplete' },
            }),
          );
        } else {
          controller.close();
        }
        return;
      }
      const { event, data } = next.value;
      if (doneMarker !== null && data.trim() === doneMarker) {
        controller.close();
        reader.cancel().catch(() => {});
        return;
      }
      controller.enqueue(parseEventData(data, event, schema, provider));
    },
    cancel(reason) {
      return reader.cancel(reason).catch(() => {});
    },
  });
}

function parseEventData<S extends z.ZodType>(
  data: string,
  event: string | undefined,
  schema: S,
  provider: string,
): JsonEventPart<z.output<S>> {
  try {
    const value = parseJsonValue(data, { source: `${provider} stream event`, code: 'INVALID_RESPONSE' });
    const result = schema.safeParse(value);
    if (result.success) return { success: true, value: result.data, event };
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    return {
      success: false,
      data,
      event,
      error: new AutoSkillError(
        'INVALID_RESPONSE',
        `Unexpected ${provider} stream event: ${problems.join('; ')}`,
        {
          details: { provider, problems },
        },
      ),
    };
  } catch (cause) {
    const error = isAutoSkillError(cause)
      ? cause
      : new AutoSkillError('INVALID_RESPONSE', `Unreadable ${provider} stream event`, { cause });
    error.details['provider'] = provider;
    return { success: false, data, event, error };
  }
}

function streamFailure(
  provider: string,
  cause: unknown,
  abortSignal: AbortSignal | undefined,
): AutoSkillError {
  if (isAutoSkillError(cause)) return cause;
  if (abortSignal?.aborted) {
    return new AutoSkillError('ABORTED', `The ${provider} stream was aborted by the caller`, {
      cause,
      details: { provider },
    });
  }
  return new AutoSkillError('UPSTREAM_ERROR', `The ${provider} stream broke off before it was complete`, {
    cause,
    isRetryable: true,
    details: { provider, reason: 'stream-broken' },
  });
}
