/**
 * The behaviour every `JobStore` must have (memory, filesystem, PostgreSQL). Call
 * `jobStoreContract(name, make)` from a test file; `make(retention?)` returns a fresh, opened store.
 */
import { describe, expect, it } from 'vitest';
import type { JobEvent, JobRecord, JobStatus, JobStore } from '../../src/store/job-store.js';

let sequence = 0;

export function job(userId: string, overrides: Partial<JobRecord> = {}): JobRecord {
  sequence += 1;
  return {
    jobId: `job-${sequence}`,
    userId,
    trigger: 'proxy_chat_completion',
    status: 'scheduled',
    window: [
      { role: 'user', content: 'From now on, always cite sources.' },
      { role: 'assistant', content: 'Understood.' },
    ],
    hint: null,
    forced: false,
    reference: null,
    metadata: { channel: 'test' },
    dedupeKey: `key-${sequence}`,
    createdAt: 1_000 + sequence,
    updatedAt: 1_000 + sequence,
    attempts: 0,
    recoveries: 0,
    scheduledBy: 'w1',
    claimedBy: null,
    notBefore: 0,
    outcome: null,
    reason: null,
    error: null,
    ...overrides,
  };
}

export function event(record: JobRecord, status: JobStatus, overrides: Partial<JobEvent> = {}): JobEvent {
  sequence += 1;
  return {
    eventId: `ev-${sequence}`,
    jobId: record.jobId,
    userId: record.userId,
    trigger: record.trigger,
    eventTime: 2_000 + sequence,
    status,
    outcome: null,
    reason: null,
    error: '',
    attempt: record.attempts,
    upserted: [],
    skills: [],
    ...overrides,
  };
}

export async function add(store: JobStore, record: JobRecord): Promise<JobRecord> {
  await store.addJob(record, event(record, 'scheduled'));
  return record;
}

export function claim(store: JobStore, workerId = 'w1', now = 10_000, scheduledBy?: string) {
  return store.claimNext({
    workerId,
    now,
    ...(scheduledBy !== undefined ? { scheduledBy } : {}),
    event: (claimed) => event(claimed, 'running', { attempt: claimed.attempts + 1 }),
  });
}

export async function finish(store: JobStore, record: JobRecord, workerId = 'w1'): Promise<JobRecord | null> {
  return store.recordEvent({
    event: event(record, 'completed', { outcome: 'created', reason: 'new skill' }),
    update: { status: 'completed', outcome: 'created', reason: 'new skill', claimedBy: null },
    expect: { status: ['running'], claimedBy: workerId },
  });
}

export function jobStoreContract(name: string, make: (retention?: number) => Promise<JobStore>): void {
  describe(`JobStore contract: ${name}`, () => {
    it('adds a job with its first event and reads it back only for its user', async () => {
      const store = await make();
      const record = await add(store, job('张三'));
      expect(await store.getJob('张三', record.jobId)).toEqual(record);
      expect(await store.getJob('u2', record.jobId)).toBeNull();
      expect(await store.getJob('张三', 'missing')).toBeNull();
      const events = await store.jobEvents('张三', record.jobId);
      expect(events.map((item) => item.status)).toEqual(['scheduled']);
      expect(await store.jobEvents('u2', record.jobId)).toEqual([]);
      await expect(store.addJob(record, event(record, 'scheduled'))).rejects.toMatchObject({
        code: 'CONFLICT',
      });
    });

    it('claims each user in FIFO order, oldest job first, never two of one user at once', async () => {
      const store = await make();
      const a1 = await add(store, job('a'));
      const b1 = await add(store, job('b'));
      const a2 = await add(store, job('a'));
      const first = await claim(store);
      expect(first).toMatchObject({ jobId: a1.jobId, status: 'running', claimedBy: 'w1', attempts: 1 });
      const second = await claim(store);
      expect(second?.jobId).toBe(b1.jobId);
      // a2 waits behind a1, which is still running.
      expect(await claim(store)).toBeNull();
      await finish(store, a1);
      expect((await claim(store))?.jobId).toBe(a2.jobId);
      const events = await store.jobEvents('a', a1.jobId);
      expect(events.map((item) => item.status)).toEqual(['scheduled', 'running', 'completed']);
    });

    it('respects notBefore and the scheduledBy filter', async () => {
      const store = await make();
      const later = await add(store, job('a', { notBefore: 50_000 }));
      await add(store, job('b', { scheduledBy: 'w2' }));
      expect(await claim(store, 'w1', 10_000, 'w1')).toBeNull();
      expect((await claim(store, 'w1', 60_000, 'w1'))?.jobId).toBe(later.jobId);
      expect((await claim(store, 'w2', 60_000, 'w2'))?.userId).toBe('b');
    });

    it('writes a state change only when its expectation holds', async () => {
      const store = await make();
      const record = await add(store, job('a'));
      expect(await finish(store, record)).toBeNull();
      await claim(store, 'w1');
      expect(await finish(store, record, 'other-worker')).toBeNull();
      expect((await store.jobEvents('a', record.jobId)).map((item) => item.status)).toEqual([
        'scheduled',
        'running',
      ]);
      expect(await finish(store, record, 'w1')).toMatchObject({ status: 'completed', outcome: 'created' });
    });

    it('lists newest first by creation or by last change, filtered by key and status', async () => {
      const store = await make();
      const one = await add(store, job('a'));
      const two = await add(store, job('a', { dedupeKey: 'same' }));
      const three = await add(store, job('a'));
      expect((await store.listJobs({ userId: 'a' })).map((item) => item.jobId)).toEqual([
        three.jobId,
        two.jobId,
        one.jobId,
      ]);
      expect((await store.listJobs({ userId: 'a', limit: 1 })).map((item) => item.jobId)).toEqual([
        three.jobId,
      ]);
      expect((await store.listJobs({ userId: 'a', dedupeKey: 'same' })).map((item) => item.jobId)).toEqual([
        two.jobId,
      ]);
      await claim(store);
      await finish(store, one);
      expect((await store.listJobs({ userId: 'a', orderBy: 'updated', limit: 1 }))[0]?.jobId).toBe(one.jobId);
      expect(
        (await store.listJobs({ userId: 'a', statuses: ['completed'] })).map((item) => item.jobId),
      ).toEqual([one.jobId]);
      expect(await store.listJobs({ userId: 'nobody' })).toEqual([]);
    });

    it('keeps a bounded number of jobs per user, never dropping unfinished ones', async () => {
      const store = await make(3);
      const open = await add(store, job('a'));
      for (let index = 0; index < 6; index += 1) {
        const record = await add(store, job('a', { status: 'completed' }));
        expect(record.status).toBe('completed');
      }
      const listed = await store.listJobs({ userId: 'a', limit: 100 });
      expect(listed.length).toBe(3);
      expect(listed.map((item) => item.jobId)).toContain(open.jobId);
      expect((await store.unfinishedJobs()).map((item) => item.jobId)).toEqual([open.jobId]);
    });

    it('tracks worker liveness through heartbeats', async () => {
      const store = await make();
      expect(await store.isWorkerAlive('w9', { now: 1_000, staleAfterMs: 100 })).toBe(false);
      await store.heartbeat('w9', 1_000);
      expect(await store.isWorkerAlive('w9', { now: 1_050, staleAfterMs: 100 })).toBe(true);
      await store.retireWorker('w9');
      expect(await store.isWorkerAlive('w9', { now: 1_050, staleAfterMs: 100 })).toBe(false);
    });
  });
}
