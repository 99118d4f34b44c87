import { describe, expect, it } from 'vitest';
import type { JobEvent } from '../store/job-store.js';
import { createMemoryEventBus } from './event-bus.js';

function event(jobId: string, userId: string, status: JobEvent['status'] = 'running'): JobEvent {
  return {
    eventId: `${jobId}-${status}`,
    jobId,
    userId,
    trigger: 't',
    eventTime: 1,
    status,
    outcome: null,
    reason: null,
    error: '',
    attempt: 1,
    upserted: [],
    skills: [],
  };
}

describe('memory event bus', () => {
  it('delivers by job id, by user and to catch-all subscribers, until unsubscribed', () => {
    const bus = createMemoryEventBus();
    const byJob: string[] = [];
    const byUser: string[] = [];
    const all: string[] = [];
    const stopJob = bus.subscribe({ jobId: 'j1' }, { onEvent: (item) => byJob.push(item.eventId) });
    bus.subscribe({ userId: '张三' }, { onEvent: (item) => byUser.push(item.eventId) });
    bus.subscribe({}, { onEvent: (item) => all.push(item.eventId) });
    bus.publish(event('j1', '张三'));
    bus.publish(event('j2', '张三'));
    bus.publish(event('j3', 'u2'));
    stopJob();
    bus.publish(event('j1', '张三', 'completed'));
    expect(byJob).toEqual(['j1-running']);
    expect(byUser).toEqual(['j1-running', 'j2-running', 'j1-completed']);
    expect(all).toHaveLength(4);
    expect(bus.subscriberCount()).toBe(2);
  });

  it('checks both fields of a combined filter', () => {
    const bus = createMemoryEventBus();
    const seen: string[] = [];
    bus.subscribe({ jobId: 'j1', userId: 'u1' }, { onEvent: (item) => seen.push(item.userId) });
    bus.publish(event('j1', 'u2'));
    bus.publish(event('j1', 'u1'));
    expect(seen).toEqual(['u1']);
  });

  it('isolates a throwing subscriber and tells everyone when it closes', () => {
    const errors: unknown[] = [];
    const bus = createMemoryEventBus({ onListenerError: (error) => errors.push(error) });
    let closed = 0;
    const seen: string[] = [];
    bus.subscribe(
      { jobId: 'j1' },
      {
        onEvent: () => {
          throw new Error('boom');
        },
      },
    );
    bus.subscribe({ jobId: 'j1' }, { onEvent: (item) => seen.push(item.eventId), onClose: () => closed++ });
    bus.publish(event('j1', 'u1'));
    expect(errors).toHaveLength(1);
    expect(seen).toEqual(['j1-running']);
    bus.close();
    expect(closed).toBe(1);
    expect(bus.subscriberCount()).toBe(0);
    bus.subscribe({}, { onEvent: () => undefined, onClose: () => closed++ });
    expect(closed).toBe(2);
  });
});
