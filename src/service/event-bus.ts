/**
 * @module In-process publish/subscribe of job events, by job id and by user. The queue publishes every
 * event right after it is stored; the SSE route subscribes before it replays the stored events, so nothing
 * falls between the two. `JobEventBus` is the seam where a cross-process bus (PostgreSQL LISTEN/NOTIFY)
 * replaces this one.
 */
import type { JobEvent } from '../store/job-store.js';

export interface JobEventSubscriber {
  onEvent(event: JobEvent): void;
  /** The bus is closing (server shutdown): end the stream. */
  onClose?(): void;
}

export interface JobEventFilter {
  jobId?: string;
  userId?: string;
}

export interface JobEventBus {
  publish(event: JobEvent): void;
  /** Events matching every given field of the filter; returns the unsubscribe function. */
  subscribe(filter: JobEventFilter, subscriber: JobEventSubscriber): () => void;
  /** Number of live subscriptions (tests, metrics). */
  subscriberCount(): number;
  /** Tells every subscriber to end, then drops them. */
  close(): void;
}

interface Subscription {
  filter: JobEventFilter;
  subscriber: JobEventSubscriber;
}

export function createMemoryEventBus(
  options: { onListenerError?: (error: unknown) => void } = {},
): JobEventBus {
  const byJob = new Map<string, Set<Subscription>>();
  const byUser = new Map<string, Set<Subscription>>();
  const everything = new Set<Subscription>();
  let closed = false;

  const bucketOf = (filter: JobEventFilter): { map?: Map<string, Set<Subscription>>; key?: string } => {
    if (filter.jobId !== undefined) return { map: byJob, key: filter.jobId };
    if (filter.userId !== undefined) return { map: byUser, key: filter.userId };
    return {};
  };

  const deliver = (subscriptions: Set<Subscription> | undefined, event: JobEvent) => {
    if (!subscriptions) return;
    for (const { filter, subscriber } of [...subscriptions]) {
      if (filter.userId !== undefined && filter.userId !== event.userId) continue;
      if (filter.jobId !== undefined && filter.jobId !== event.jobId) continue;
      try {
        subscriber.onEvent(event);
      } catch (error) {
        options.onListenerError?.(error);
      }
    }
  };

  return {
    publish(event) {
      if (closed) return;
      deliver(byJob.get(event.jobId), event);
      deliver(byUser.get(event.userId), event);
      deliver(everything, event);
    },
    subscribe(filter, subscriber) {
      const subscription: Subscription = { filter, subscriber };
      if (closed) {
        subscriber.onClose?.();
        return () => undefined;
      }
      const { map, key } = bucketOf(filter);
      let set = everything;
      if (map && key !== undefined) {
        set = map.get(key) ?? new Set();
        map.set(key, set);
      }
      set.add(subscription);
      return () => {
        set.delete(subscription);
        if (map && key !== undefined && set.size === 0) map.delete(key);
      };
    },
    subscriberCount() {
      let count = everything.size;
      for (const set of byJob.values()) count += set.size;
      for (const set of byUser.values()) count += set.size;
      return count;
    },
    close() {
      if (closed) return;
      closed = true;
      const all = [...everything, ...[...byJob.values()].flatMap((set) => [...set])];
      for (const set of byUser.values()) all.push(...set);
      everything.clear();
      byJob.clear();
      byUser.clear();
      for (const { subscriber } of all) {
        try {
          subscriber.onClose?.();
        } catch (error) {
          options.onListenerError?.(error);
        }
      }
    },
  };
}
