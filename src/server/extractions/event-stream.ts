/**
 * @module `GET …/extractions/{job_id}/events`: a Server-Sent Events stream that is pushed, not polled.
 * It subscribes to the event bus first, then replays the job's stored events (de-duplicated by event id,
 * so nothing falls between replay and live), then forwards new events as they are published, until the
 * job reaches a terminal status, the timeout passes, the client leaves, or the server shuts down. Frames:
 * `id: <event_id>` + `event: update` + `data: <event>` per event, `: keep-alive` comments, and a final
 * `event: done` (the latest event, or `{"job_id", "status": "not_found"}`) followed by `data: [DONE]` —
 * the original's framing. A `Last-Event-ID` header resumes after that event.
 */
import type { ExtractionService } from '../../service/extraction-service.js';
import { isTerminalStatus, type JobEvent } from '../../store/job-store.js';
import { eventToWire } from './wire.js';

export interface EventStreamOptions {
  service: ExtractionService;
  userId: string;
  jobId: string;
  timeoutMs: number;
  keepAliveMs: number;
  /** Resume after this event id (the `Last-Event-ID` header). */
  lastEventId?: string;
  /** Fires when the client disconnects. */
  signal: AbortSignal;
  onError?: (error: unknown) => void;
}

const encoder = new TextEncoder();

export function jobEventStream(options: EventStreamOptions): ReadableStream<Uint8Array> {
  const { service, userId, jobId } = options;
  let cleanup: () => void = () => undefined;
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      const seen = new Set<string>();
      const pending: JobEvent[] = [];
      let replaying = true;
      let latest: JobEvent | null = null;
      let finished = false;
      let skipUntil = options.lastEventId;
      let keepAlive: NodeJS.Timeout | undefined;
      let timeout: NodeJS.Timeout | undefined;
      let unsubscribe: () => void = () => undefined;

      const write = (text: string) => {
        if (finished) return;
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          finish(false);
        }
      };
      cleanup = () => {
        finished = true;
        clearInterval(keepAlive);
        clearTimeout(timeout);
        unsubscribe();
        options.signal.removeEventListener('abort', onAbort);
      };
      const finish = (sayDone: boolean) => {
        if (finished) return;
        if (sayDone) {
          const last = latest ? eventToWire(latest) : { job_id: jobId, status: 'not_found' };
          write(`event: done\ndata: ${JSON.stringify(last)}\n\ndata: [DONE]\n\n`);
        }
        cleanup();
        try {
          controller.close();
        } catch {
          // already closed by the client
        }
      };
      const emit = (event: JobEvent) => {
        if (finished || seen.has(event.eventId)) return;
        seen.add(event.eventId);
        latest = event;
        if (skipUntil !== undefined) {
          if (event.eventId === skipUntil) skipUntil = undefined;
        } else {
          write(`id: ${event.eventId}\nevent: update\ndata: ${JSON.stringify(eventToWire(event))}\n\n`);
        }
        if (isTerminalStatus(event.status)) finish(true);
      };
      const onAbort = () => finish(false);

      options.signal.addEventListener('abort', onAbort, { once: true });
      unsubscribe = service.bus.subscribe(
        { jobId, userId },
        {
          onEvent: (event) => (replaying ? pending.push(event) : emit(event)),
          onClose: () => finish(true),
        },
      );
      try {
        const past = await service.jobEvents(userId, jobId);
        // An unknown Last-Event-ID replays everything rather than nothing.
        if (skipUntil !== undefined && !past.some((event) => event.eventId === skipUntil))
          skipUntil = undefined;
        for (const event of past) emit(event);
      } catch (error) {
        options.onError?.(error);
        finish(true);
        return;
      }
      replaying = false;
      for (const event of pending.splice(0)) emit(event);
      if (finished) return;
      write(': connected\n\n');
      keepAlive = setInterval(() => write(': keep-alive\n\n'), options.keepAliveMs);
      timeout = setTimeout(() => finish(true), options.timeoutMs);
    },
    cancel() {
      cleanup();
    },
  });
}
