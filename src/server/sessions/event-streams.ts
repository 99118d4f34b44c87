/**
 * @module The two Server-Sent Events streams of the sessions API:
 *
 * - **a turn** (`POST …/sessions/{id}/messages`): the engine's events as `turn`, `retrieval`, `delta`,
 *   `extraction`, then `done` or `error`, with `: keep-alive` comments while nothing else is sent. The turn
 *   runs on its own: a client that leaves stops reading (its request signal aborts the model call) and the
 *   engine still stores the turn.
 * - **a session's extraction events** (`GET …/sessions/{id}/events`): `id: <event_id>` / `event: extraction`
 *   frames, first a replay of the latest event of the session's recent jobs, then each new event as the
 *   queue publishes it (pushed, not polled), until the timeout (`event: end`), the session's deletion, the
 *   server's shutdown or the client leaving.
 */
import type { ChatSessionEvent, ChatSessionService, SessionJobEvent } from '../../service/chat-session.js';
import { isAutoSkillError } from '../../shared/errors.js';
import { describeError } from '../errors.js';
import { retrievalToWire, sessionEventToWire, summaryToWire, turnToWire } from './wire.js';

const encoder = new TextEncoder();

function frame(event: string, data: unknown, id?: string): string {
  return `${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

interface SseWriter {
  send(text: string): void;
  close(): void;
  readonly closed: boolean;
}

/** A text/event-stream body; `run` writes into it; `onCancel` runs when the client goes away. */
function sseBody(run: (writer: SseWriter) => void, onCancel: () => void): ReadableStream<Uint8Array> {
  let closed = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const writer: SseWriter = {
        get closed() {
          return closed;
        },
        send(text) {
          if (closed) return;
          try {
            controller.enqueue(encoder.encode(text));
          } catch {
            closed = true;
          }
        },
        close() {
          if (closed) return;
          closed = true;
          try {
            controller.close();
          } catch {
            // already closed by the client
          }
        },
      };
      run(writer);
    },
    cancel() {
      closed = true;
      onCancel();
    },
  });
}

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-store',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;

/** The wire error of a failure that ended a turn stream before or outside a turn. */
export function streamErrorData(error: unknown): { error: { message: string; code: string; type: string } } {
  if (isAutoSkillError(error)) {
    const { body } = describeError(error);
    return {
      error: {
        message: body.error.message,
        code: body.error.code ?? 'internal_error',
        type: body.error.type,
      },
    };
  }
  return { error: { message: 'Internal server error', code: 'internal_error', type: 'server_error' } };
}

export function turnEventStream(options: {
  events: AsyncIterable<ChatSessionEvent>;
  keepAliveMs: number;
  onError?: (error: unknown) => void;
}): ReadableStream<Uint8Array> {
  const seen = new Map<string, SessionJobEvent>();
  return sseBody(
    (writer) => {
      const keepAlive = setInterval(() => writer.send(': keep-alive\n\n'), options.keepAliveMs);
      keepAlive.unref?.();
      void (async () => {
        try {
          for await (const event of options.events) {
            switch (event.type) {
              case 'turn':
                writer.send(
                  frame('turn', {
                    turn_id: event.turnId,
                    session_id: event.sessionId,
                    kind: event.kind,
                    command: event.command,
                  }),
                );
                break;
              case 'retrieval':
                writer.send(frame('retrieval', retrievalToWire(event.retrieval)));
                break;
              case 'delta':
                writer.send(frame('delta', { content: event.content }));
                break;
              case 'extraction':
                seen.set(event.extraction.event.jobId, event.extraction);
                writer.send(frame('extraction', sessionEventToWire(event.extraction)));
                break;
              case 'done':
                writer.send(
                  frame('done', { ...turnToWire(event.turn, seen), session: summaryToWire(event.session) }),
                );
                break;
              case 'error':
                writer.send(
                  frame('error', {
                    error: { ...event.error, type: 'server_error' },
                    turn: event.turn ? turnToWire(event.turn, seen) : null,
                  }),
                );
                break;
            }
          }
        } catch (error) {
          options.onError?.(error);
          writer.send(frame('error', { ...streamErrorData(error), turn: null }));
        } finally {
          clearInterval(keepAlive);
          writer.close();
        }
      })();
    },
    () => undefined,
  );
}

export function sessionEventStream(options: {
  service: ChatSessionService;
  userId: string;
  sessionId: string;
  timeoutMs: number;
  keepAliveMs: number;
  onError?: (error: unknown) => void;
}): ReadableStream<Uint8Array> {
  let cleanup: () => void = () => undefined;
  return sseBody(
    (writer) => {
      let stop: () => void = () => undefined;
      let keepAlive: NodeJS.Timeout | undefined;
      let timeout: NodeJS.Timeout | undefined;
      const end = (sayEnd: boolean) => {
        if (writer.closed) return;
        if (sayEnd) writer.send(frame('end', {}));
        cleanup();
        writer.close();
      };
      cleanup = () => {
        clearInterval(keepAlive);
        clearTimeout(timeout);
        stop();
      };
      options.service
        .watch(options.userId, options.sessionId, {
          onEvent: (event) =>
            writer.send(frame('extraction', sessionEventToWire(event), event.event.eventId)),
          onClose: () => end(true),
        })
        .then(
          (watching) => {
            stop = watching.stop;
            if (writer.closed) {
              stop();
              return;
            }
            writer.send(': connected\n\n');
            keepAlive = setInterval(() => writer.send(': keep-alive\n\n'), options.keepAliveMs);
            timeout = setTimeout(() => end(true), options.timeoutMs);
          },
          (error: unknown) => {
            options.onError?.(error);
            writer.send(frame('error', streamErrorData(error)));
            end(false);
          },
        );
    },
    () => cleanup(),
  );
}
