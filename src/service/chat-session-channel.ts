/**
 * @module A one-reader async queue: a turn runs as its own task and pushes events; the reader (an SSE
 * response, the terminal) pulls them. The turn never depends on the reader — a client that leaves does
 * not stop the turn from being stored — and the reader sees events in order, then the end or the error.
 */

export interface EventChannel<T> extends AsyncIterable<T> {
  push(value: T): void;
  /** Ends the iteration after the values already pushed. */
  close(): void;
  /** Ends the iteration with `error` after the values already pushed. */
  fail(error: unknown): void;
}

export function createEventChannel<T>(): EventChannel<T> {
  const values: T[] = [];
  let ended = false;
  let failure: { error: unknown } | null = null;
  let wake: (() => void) | null = null;

  const notify = () => {
    const resume = wake;
    wake = null;
    resume?.();
  };

  return {
    push(value) {
      if (ended) return;
      values.push(value);
      notify();
    },
    close() {
      ended = true;
      notify();
    },
    fail(error) {
      if (ended) return;
      failure = { error };
      ended = true;
      notify();
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        const next = values.shift();
        if (next !== undefined) {
          yield next;
          continue;
        }
        if (ended) {
          if (failure) throw failure.error;
          return;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    },
  };
}
