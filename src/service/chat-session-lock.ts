/**
 * @module A per-key FIFO lock (one key per session): two tabs sending to one session at once are served
 * one after the other, never interleaved (the original took no lock — serving.md §11.3 item 26). Waiting
 * is bounded: past `timeoutMs` the waiter gives up with `LOCK_TIMEOUT` (503 `busy` on the wire). Keys are
 * forgotten once nobody holds or waits for them, so the map does not grow with every session ever used.
 */
import { AutoSkillError } from '../shared/errors.js';

interface Waiter {
  grant: () => void;
}

interface Entry {
  held: boolean;
  queue: Waiter[];
}

export interface KeyedLock {
  /** Waits for the key; the returned function releases it (call it exactly once). */
  acquire(key: string, options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<() => void>;
  /** Whether someone holds the key (tests). */
  isHeld(key: string): boolean;
}

export function createKeyedLock(options: { defaultTimeoutMs?: number } = {}): KeyedLock {
  const entries = new Map<string, Entry>();
  const defaultTimeoutMs = options.defaultTimeoutMs ?? 120_000;

  const releaser = (key: string, entry: Entry) => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = entry.queue.shift();
      if (next) next.grant();
      else {
        entry.held = false;
        entries.delete(key);
      }
    };
  };

  return {
    isHeld: (key) => entries.get(key)?.held ?? false,
    acquire(key, { timeoutMs = defaultTimeoutMs, signal } = {}) {
      let entry = entries.get(key);
      if (!entry) {
        entry = { held: false, queue: [] };
        entries.set(key, entry);
      }
      const current = entry;
      if (!current.held) {
        current.held = true;
        return Promise.resolve(releaser(key, current));
      }
      return new Promise((resolve, reject) => {
        const waiter: Waiter = {
          grant: () => {
            clearTimeout(timer);
            signal?.removeEventListener('abort', onAbort);
            resolve(releaser(key, current));
          },
        };
        const giveUp = (error: AutoSkillError) => {
          const index = current.queue.indexOf(waiter);
          if (index >= 0) current.queue.splice(index, 1);
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        };
        const onAbort = () =>
          giveUp(new AutoSkillError('ABORTED', 'The client left while waiting for the session'));
        const timer = setTimeout(
          () =>
            giveUp(
              new AutoSkillError(
                'LOCK_TIMEOUT',
                `This session is busy with another message (waited ${Math.round(timeoutMs / 1000)} s); try again`,
                { isRetryable: true, details: { retryAfterSeconds: 5 } },
              ),
            ),
          timeoutMs,
        );
        timer.unref?.();
        if (signal?.aborted) {
          onAbort();
          return;
        }
        signal?.addEventListener('abort', onAbort, { once: true });
        current.queue.push(waiter);
      });
    },
  };
}
