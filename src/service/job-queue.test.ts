import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../test/support/fixtures.js';
import { AutoSkillError } from '../shared/errors.js';
import { FileJobStore } from '../store/fs/file-job-store.js';
import type { JobEvent, JobRecord, JobStore } from '../store/job-store.js';
import { MemoryJobStore } from '../store/memory-job-store.js';
import { createMemoryEventBus } from './event-bus.js';
import { createJobQueue, type JobQueue, type JobRunner, type JobRunResult } from './job-queue.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const DONE: JobRunResult = { outcome: 'nothing', reason: 'no durable rule', upserted: [], skills: [] };

/** A runner whose runs finish when the test says so. */
function controllableRunner() {
  const started: JobRecord[] = [];
  const pending = new Map<
    string,
    { resolve: (result: JobRunResult) => void; reject: (error: unknown) => void }
  >();
  const waiters: Array<() => void> = [];
  const runner: JobRunner = {
    run(job, { signal }) {
      started.push(job);
      for (const wake of waiters.splice(0)) wake();
      return new Promise<JobRunResult>((resolve, reject) => {
        pending.set(job.jobId, { resolve, reject });
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
    },
  };
  return {
    runner,
    started,
    finish(jobId: string, result: JobRunResult = DONE) {
      pending.get(jobId)?.resolve(result);
      pending.delete(jobId);
    },
    fail(jobId: string, error: unknown) {
      pending.get(jobId)?.reject(error);
      pending.delete(jobId);
    },
    async waitForStarts(count: number) {
      while (started.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
    },
  };
}

function window(text: string) {
  return [
    { role: 'user', content: text },
    { role: 'assistant', content: 'Noted.' },
  ];
}

function makeQueue(
  store: JobStore,
  runner: JobRunner,
  extra: Partial<Parameters<typeof createJobQueue>[0]> = {},
) {
  const bus = createMemoryEventBus();
  const events: JobEvent[] = [];
  bus.subscribe({}, { onEvent: (event) => events.push(event) });
  const queue = createJobQueue({ store, runner, bus, retryBaseMs: 5, ...extra });
  cleanups.push(async () => {
    await queue.stop({ timeoutMs: 100 });
  });
  return { queue, bus, events };
}

async function memoryStore(): Promise<MemoryJobStore> {
  const store = new MemoryJobStore();
  await store.open();
  return store;
}

function statuses(events: JobEvent[], jobId: string): string[] {
  return events.filter((event) => event.jobId === jobId).map((event) => event.status);
}

describe('job queue', () => {
  it('runs jobs of one user in order and never two at once, others in parallel up to the limit', async () => {
    const control = controllableRunner();
    const { queue } = makeQueue(await memoryStore(), control.runner, { maxConcurrentJobs: 2 });
    await queue.start();
    const a1 = queue.schedule({ userId: 'a', window: window('a one'), trigger: 't' });
    const a2 = queue.schedule({ userId: 'a', window: window('a two'), trigger: 't' });
    const b1 = queue.schedule({ userId: 'b', window: window('b one'), trigger: 't' });
    const c1 = queue.schedule({ userId: 'c', window: window('c one'), trigger: 't' });
    await control.waitForStarts(2);
    expect(control.started.map((job) => job.jobId)).toEqual([a1.jobId, b1.jobId]);
    expect(queue.stats()).toEqual({ running: 2, waiting: 2 });
    control.finish(a1.jobId);
    await control.waitForStarts(3);
    // One slot frees up: a2 (queued before c1) is next, now that a1 is done.
    expect(control.started[2]?.jobId).toBe(a2.jobId);
    control.finish(b1.jobId);
    await control.waitForStarts(4);
    expect(control.started[3]?.jobId).toBe(c1.jobId);
    control.finish(a2.jobId);
    control.finish(c1.jobId);
    await queue.idle({ timeoutMs: 2000 });
  });

  it('stores and publishes scheduled → running → completed with the outcome', async () => {
    const control = controllableRunner();
    const store = await memoryStore();
    const { queue, events } = makeQueue(store, control.runner);
    await queue.start();
    const receipt = queue.schedule({
      userId: 'u1',
      window: window('From now on cite sources'),
      trigger: 't',
    });
    expect(receipt).toMatchObject({ status: 'scheduled', duplicate: false });
    await control.waitForStarts(1);
    control.finish(receipt.jobId, { outcome: 'created', reason: 'new skill', upserted: [], skills: [] });
    await queue.idle({ timeoutMs: 2000 });
    expect(statuses(events, receipt.jobId)).toEqual(['scheduled', 'running', 'completed']);
    const stored = await store.jobEvents('u1', receipt.jobId);
    expect(stored.map((event) => event.eventId)).toEqual(
      events.filter((event) => event.jobId === receipt.jobId).map((event) => event.eventId),
    );
    expect(stored.at(-1)).toMatchObject({
      status: 'completed',
      outcome: 'created',
      reason: 'new skill',
      attempt: 1,
    });
    expect(await store.getJob('u1', receipt.jobId)).toMatchObject({
      status: 'completed',
      outcome: 'created',
    });
  });

  it('returns the existing job for an identical window while it is queued or recent', async () => {
    const control = controllableRunner();
    let clock = 1_000_000;
    const { queue } = makeQueue(await memoryStore(), control.runner, {
      now: () => clock,
      dedupeWindowMs: 1000,
    });
    await queue.start();
    const first = queue.schedule({ userId: 'u1', window: window('same'), trigger: 't' });
    const again = queue.schedule({ userId: 'u1', window: window('same'), trigger: 't' });
    expect(again).toMatchObject({ jobId: first.jobId, duplicate: true });
    expect(queue.schedule({ userId: 'u2', window: window('same'), trigger: 't' }).duplicate).toBe(false);
    expect(
      queue.schedule({ userId: 'u1', window: window('same'), trigger: 't', hint: 'sql' }).duplicate,
    ).toBe(false);
    await control.waitForStarts(1);
    control.finish(first.jobId);
    await first.persisted;
    while (control.started.length < 3) await control.waitForStarts(control.started.length + 1);
    for (const job of control.started.slice(1)) control.finish(job.jobId);
    await queue.idle({ timeoutMs: 2000 });
    expect(queue.schedule({ userId: 'u1', window: window('same'), trigger: 't' })).toMatchObject({
      jobId: first.jobId,
      status: 'completed',
      duplicate: true,
    });
    clock += 5000;
    expect(queue.schedule({ userId: 'u1', window: window('same'), trigger: 't' }).duplicate).toBe(false);
  });

  it('retries a transient error with backoff, then completes', async () => {
    const control = controllableRunner();
    const { queue, events } = makeQueue(await memoryStore(), control.runner, { maxRetries: 2 });
    await queue.start();
    const receipt = queue.schedule({ userId: 'u1', window: window('x'), trigger: 't' });
    await control.waitForStarts(1);
    control.fail(
      receipt.jobId,
      new AutoSkillError('UPSTREAM_ERROR', '429 Too Many Requests', { isRetryable: true }),
    );
    await control.waitForStarts(2);
    control.finish(receipt.jobId);
    await queue.idle({ timeoutMs: 2000 });
    expect(statuses(events, receipt.jobId)).toEqual([
      'scheduled',
      'running',
      'scheduled',
      'running',
      'completed',
    ]);
    const retry = events.filter((event) => event.jobId === receipt.jobId)[2];
    expect(retry?.error).toContain('429');
    expect(retry?.reason).toMatch(/retry 1 of 2/);
  });

  it('fails at once on a permanent error and after the last retry on a transient one', async () => {
    const control = controllableRunner();
    const store = await memoryStore();
    const { queue } = makeQueue(store, control.runner, { maxRetries: 1 });
    await queue.start();
    const permanent = queue.schedule({ userId: 'u1', window: window('p'), trigger: 't' });
    await control.waitForStarts(1);
    control.fail(permanent.jobId, new AutoSkillError('INVALID_INPUT', 'bad window'));
    const transient = queue.schedule({ userId: 'u2', window: window('t'), trigger: 't' });
    await control.waitForStarts(2);
    control.fail(transient.jobId, new AutoSkillError('UPSTREAM_TIMEOUT', 'slow', { isRetryable: true }));
    await control.waitForStarts(3);
    control.fail(transient.jobId, new AutoSkillError('UPSTREAM_TIMEOUT', 'slow', { isRetryable: true }));
    await queue.idle({ timeoutMs: 2000 });
    expect(await store.getJob('u1', permanent.jobId)).toMatchObject({
      status: 'failed',
      error: 'bad window',
      attempts: 1,
    });
    expect(await store.getJob('u2', transient.jobId)).toMatchObject({ status: 'failed', attempts: 2 });
  });

  it('drains running jobs on stop, and aborts and re-queues those that overrun the timeout', async () => {
    const control = controllableRunner();
    const store = await memoryStore();
    const queue = createJobQueue({ store, runner: control.runner, maxConcurrentJobs: 2 });
    await queue.start();
    const quick = queue.schedule({ userId: 'a', window: window('q'), trigger: 't' });
    const slow = queue.schedule({ userId: 'b', window: window('s'), trigger: 't' });
    await control.waitForStarts(2);
    setTimeout(() => control.finish(quick.jobId), 10);
    const report = await queue.stop({ timeoutMs: 100 });
    expect(report).toEqual({ drained: false, interrupted: [slow.jobId] });
    expect(await store.getJob('a', quick.jobId)).toMatchObject({ status: 'completed' });
    expect(await store.getJob('b', slow.jobId)).toMatchObject({ status: 'scheduled', claimedBy: null });
    expect(() => queue.schedule({ userId: 'a', window: window('late'), trigger: 't' })).toThrow(
      /shutting down/,
    );
  });

  it('recovers on start: takes over queued jobs and re-queues an interrupted run once', async () => {
    const temp = makeTempDir('autoskill-queue-');
    cleanups.push(temp.cleanup);
    const stateDir = join(temp.dir, '.autoskill');
    // A first process queues two jobs, runs one, and dies (no stop, no retirement; another host so its
    // liveness goes by heartbeat age).
    const crashedStore = new FileJobStore({ stateDir, host: 'old-host' });
    await crashedStore.open();
    let clock = 1_000;
    const crashed = createJobQueue({
      store: crashedStore,
      runner: {
        run: (_job, { signal }) =>
          new Promise<JobRunResult>((_resolve, reject) =>
            signal.addEventListener('abort', () => reject(signal.reason)),
          ),
      },
      maxConcurrentJobs: 1,
      now: () => clock,
      workerId: 'dead-worker',
    });
    await crashed.start();
    const runningJob = crashed.schedule({ userId: 'u1', window: window('one'), trigger: 't' });
    const queuedJob = crashed.schedule({ userId: 'u2', window: window('two'), trigger: 't' });
    await Promise.all([runningJob.persisted, queuedJob.persisted]);
    while ((await crashedStore.getJob('u1', runningJob.jobId))?.status !== 'running') await sleep(5);

    clock = 1_000_000;
    const store = new FileJobStore({ stateDir, host: 'new-host' });
    await store.open();
    const control = controllableRunner();
    const { queue, events } = makeQueue(store, control.runner, { now: () => clock });
    const report = await queue.start();
    expect(report.requeued.sort()).toEqual([runningJob.jobId, queuedJob.jobId].sort());
    await control.waitForStarts(2);
    for (const job of control.started) control.finish(job.jobId);
    await queue.idle({ timeoutMs: 2000 });
    expect(statuses(events, runningJob.jobId)).toEqual(['scheduled', 'running', 'completed']);
    expect(await store.getJob('u1', runningJob.jobId)).toMatchObject({ status: 'completed', recoveries: 1 });
    await crashed.stop({ timeoutMs: 10 });
  });

  it('fails a job interrupted a second time instead of running it again', async () => {
    const store = await memoryStore();
    const job: JobRecord = {
      jobId: 'twice',
      userId: 'u1',
      trigger: 't',
      status: 'running',
      window: window('w'),
      hint: null,
      forced: false,
      reference: null,
      metadata: {},
      dedupeKey: null,
      createdAt: 1,
      updatedAt: 1,
      attempts: 2,
      recoveries: 1,
      scheduledBy: 'gone',
      claimedBy: 'gone',
      notBefore: 0,
      outcome: null,
      reason: null,
      error: null,
    };
    await store.addJob(job, {
      eventId: 'e1',
      jobId: 'twice',
      userId: 'u1',
      trigger: 't',
      eventTime: 1,
      status: 'running',
      outcome: null,
      reason: null,
      error: '',
      attempt: 2,
      upserted: [],
      skills: [],
    });
    const { queue } = makeQueue(store, controllableRunner().runner);
    expect(await queue.start()).toEqual({ requeued: [], failed: ['twice'] });
    expect(await store.getJob('u1', 'twice')).toMatchObject({ status: 'failed', error: 'interrupted' });
  });

  it('keeps answering while a job is queued behind another process’s job of the same user', async () => {
    const control = controllableRunner();
    const { queue } = makeQueue(await memoryStore(), control.runner);
    await queue.start();
    const receipt = queue.schedule({ userId: 'u1', window: window('x'), trigger: 't' });
    expect(receipt.jobId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await receipt.persisted)?.status).toBe('scheduled');
    await control.waitForStarts(1);
    control.finish(receipt.jobId);
    await expectIdle(queue);
  });
});

async function expectIdle(queue: JobQueue): Promise<void> {
  await queue.idle({ timeoutMs: 2000 });
  expect(queue.stats()).toEqual({ running: 0, waiting: 0 });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
