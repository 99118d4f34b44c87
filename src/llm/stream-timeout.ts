/**
 * @module Reading a stream with an idle timeout: the HTTP client bounds the wait for response headers,
 * but a stream that goes silent afterwards would hang forever without this.
 */
import { AutoSkillError } from '../shared/errors.js';

export interface ReadWithIdleTimeoutOptions<T> {
  stream: ReadableStream<T>;
  /** Longest silence between two items, in milliseconds. */
  idleMs: number;
  provider: string;
  /** Called once when the timeout fires, e.g. to abort the underlying request. */
  onTimeout?: () => void;
}

/** Yields the stream's items; throws `UPSTREAM_TIMEOUT` (retryable) after `idleMs` without an item. */
export async function* readWithIdleTimeout<T>({
  stream,
  idleMs,
  provider,
  onTimeout,
}: ReadWithIdleTimeoutOptions<T>): AsyncGenerator<T> {
  const reader = stream.getReader();
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const silence = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), idleMs);
      });
      const next = await Promise.race([reader.read(), silence]).finally(() => clearTimeout(timer));
      if (next === 'timeout') {
        onTimeout?.();
        throw new AutoSkillError('UPSTREAM_TIMEOUT', `The ${provider} stream sent nothing for ${idleMs} ms`, {
          isRetryable: true,
          details: { provider, timeoutMs: idleMs, reason: 'stream-idle' },
        });
      }
      if (next.done) return;
      yield next.value;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}
