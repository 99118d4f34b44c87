/**
 * @module Following a session's extraction jobs: the latest event of its most recent jobs, then each new
 * event as the bus publishes it, without losing or repeating an event published during the replay.
 */

import { asSessionEvent } from './chat-session-records.js';
import type { SessionRuntime } from './chat-session-runtime.js';
import type { SessionJobEvent, SessionWatcher } from './chat-session-types.js';

export async function watchSession(
  runtime: SessionRuntime,
  request: { userId: string; sessionId: string; watcher: SessionWatcher; replayJobs: number },
): Promise<{ stop: () => void }> {
  const { userId, sessionId, watcher, replayJobs } = request;
  const { watchers } = runtime;
  const record = await runtime.require(userId, sessionId);
  const key = runtime.keyOf(userId, sessionId);
  const entry = { jobs: new Map(record.jobs.map((job) => [job.jobId, job])), watcher };
  const seen = new Set<string>();
  const buffered: SessionJobEvent[] = [];
  let replaying = true;
  const deliver = (event: SessionJobEvent) => {
    if (seen.has(event.event.eventId)) return;
    seen.add(event.event.eventId);
    watcher.onEvent(event);
  };
  const set = watchers.get(key) ?? new Set();
  set.add(entry);
  watchers.set(key, set);
  // Subscribe before reading the replay, so nothing published in between is lost.
  const unsubscribe = runtime.options.bus.subscribe(
    { userId },
    {
      onEvent(event) {
        const job = entry.jobs.get(event.jobId);
        if (!job) return;
        const item = asSessionEvent(sessionId, job, event);
        if (replaying) buffered.push(item);
        else deliver(item);
      },
      onClose: () => watcher.onClose(),
    },
  );
  const stop = () => {
    unsubscribe();
    set.delete(entry);
    if (set.size === 0 && watchers.get(key) === set) watchers.delete(key);
  };
  try {
    const replay = await runtime.latestJobEvents(userId, record.jobs.slice(-Math.max(0, replayJobs)));
    for (const event of replay) deliver({ ...event, sessionId });
  } catch (error) {
    stop();
    throw error;
  }
  replaying = false;
  for (const event of buffered.splice(0)) deliver(event);
  return { stop };
}
