import { appendFileSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../test/support/fixtures.js';
import { FileJobStore } from './fs/file-job-store.js';
import type { JobEvent, JobRecord, JobStatus, JobStore } from './job-store.js';
import { MemoryJobStore } from './memory-job-store.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function tempStateDir(): string {
  const temp = makeTempDir('autoskill-jobs-');
  cleanups.push(temp.cleanup);
  return join(temp.dir, '.autoskill');
}

let sequence = 0;

function job(userId: string, overrides: Partial<JobRecord> = {}): JobRecord {
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

function event(record: JobRecord, status: JobStatus, overrides: Partial<JobEvent> = {}): JobEvent {
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

async function add(store: JobStore, record: JobRecord): Promise<JobRecord> {
  await store.addJob(record, event(record, 'scheduled'));
  return record;
}

function claim(store: JobStore, workerId = 'w1', now = 10_000, scheduledBy?: string) {
  return store.claimNext({
    workerId,
    now,
    ...(scheduledBy !== undefined ? { scheduledBy } : {}),
    event: (claimed) => event(claimed, 'running', { attempt: claimed.attempts + 1 }),
  });
}

async function finish(store: JobStore, record: JobRecord, workerId = 'w1'): Promise<JobRecord | null> {
  return store.recordEvent({
    event: event(record, 'completed', { outcome: 'created', reason: 'new skill' }),
    update: { status: 'completed', outcome: 'created', reason: 'new skill', claimedBy: null },
    expect: { status: ['running'], claimedBy: workerId },
  });
}

/** The behaviour every JobStore must have (memory, filesystem, and later PostgreSQL). */
function jobStoreContract(name: string, make: (retention?: number) => Promise<JobStore>): void {
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

jobStoreContract('memory', async (retention) => {
  const store = new MemoryJobStore(retention === undefined ? {} : { retentionPerUser: retention });
  await store.open();
  return store;
});

jobStoreContract('filesystem', async (retention) => {
  // Another host name: liveness then goes by heartbeat age, as for a process on another machine.
  const store = new FileJobStore({
    stateDir: tempStateDir(),
    host: 'test-host',
    ...(retention === undefined ? {} : { retentionPerUser: retention }),
  });
  await store.open();
  return store;
});

describe('FileJobStore', () => {
  async function open(stateDir: string, retention?: number): Promise<FileJobStore> {
    const store = new FileJobStore({
      stateDir,
      ...(retention === undefined ? {} : { retentionPerUser: retention }),
    });
    await store.open();
    return store;
  }

  it('survives a restart and sees other instances’ writes', async () => {
    const stateDir = tempStateDir();
    const first = await open(stateDir);
    const second = await open(stateDir);
    const record = await add(first, job('u1'));
    expect(await second.getJob('u1', record.jobId)).toMatchObject({ status: 'scheduled' });
    await claim(second, 'w2');
    expect(await first.getJob('u1', record.jobId)).toMatchObject({ status: 'running', claimedBy: 'w2' });
    await first.close();
    const reopened = await open(stateDir);
    expect((await reopened.jobEvents('u1', record.jobId)).map((item) => item.status)).toEqual([
      'scheduled',
      'running',
    ]);
    expect((await reopened.unfinishedJobs()).map((item) => item.jobId)).toEqual([record.jobId]);
  });

  it('ignores a torn last line and cuts it on the next write', async () => {
    const stateDir = tempStateDir();
    const store = await open(stateDir);
    const record = await add(store, job('u1'));
    const path = join(stateDir, 'jobs', 'users', 'u1.jsonl');
    appendFileSync(path, '{"t":"ev","event":{"eventId":"torn"');
    const reader = await open(stateDir);
    expect((await reader.jobEvents('u1', record.jobId)).length).toBe(1);
    const next = await add(reader, job('u1'));
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines.every((line) => JSON.parse(line))).toBe(true);
    expect(await store.getJob('u1', next.jobId)).not.toBeNull();
  });

  it('claims a job exactly once when two instances race', async () => {
    const stateDir = tempStateDir();
    const stores = await Promise.all([open(stateDir), open(stateDir), open(stateDir)]);
    const jobs: JobRecord[] = [];
    for (let index = 0; index < 6; index += 1) jobs.push(await add(stores[0]!, job(`user${index}`)));
    const claims = await Promise.all(
      stores.flatMap((store, index) => [1, 2, 3].map(() => claim(store, `w${index}`, 10_000))),
    );
    const claimed = claims.filter((item): item is JobRecord => item !== null).map((item) => item.jobId);
    expect(claimed.sort()).toEqual(jobs.map((item) => item.jobId).sort());
    for (const record of jobs) {
      const events = await stores[1]!.jobEvents(record.userId, record.jobId);
      expect(events.filter((item) => item.status === 'running')).toHaveLength(1);
    }
  });

  it('compacts a user log past its retention, and readers reload the new file', async () => {
    const stateDir = tempStateDir();
    const writer = await open(stateDir, 4);
    const reader = await open(stateDir, 4);
    const path = join(stateDir, 'jobs', 'users', 'u1.jsonl');
    for (let index = 0; index < 12; index += 1) await add(writer, job('u1', { status: 'completed' }));
    expect((await reader.listJobs({ userId: 'u1', limit: 100 })).length).toBe(4);
    const sizeBefore = statSync(path).size;
    for (let index = 0; index < 30; index += 1) await add(writer, job('u1', { status: 'completed' }));
    expect(statSync(path).size).toBeLessThan(sizeBefore * 3);
    const newest = await writer.listJobs({ userId: 'u1', limit: 4 });
    expect((await reader.listJobs({ userId: 'u1', limit: 100 })).map((item) => item.jobId)).toEqual(
      newest.map((item) => item.jobId),
    );
  });

  it('judges a worker on this host by its process, not its heartbeat age', async () => {
    const store = await open(tempStateDir());
    await store.heartbeat('me', 0);
    expect(await store.isWorkerAlive('me', { now: 10_000_000, staleAfterMs: 1 })).toBe(true);
  });

  it('refuses unsafe user ids', async () => {
    const store = await open(tempStateDir());
    await expect(add(store, job('../x'))).rejects.toMatchObject({ code: 'INVALID_USER_ID' });
    expect(await store.getJob('../x', 'job')).toBeNull();
  });
});
