import { appendFileSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../test/support/fixtures.js';
import { add, claim, job, jobStoreContract } from '../../test/support/job-store-contract.js';
import { FileJobStore } from './fs/file-job-store.js';
import type { JobEvent, JobRecord } from './job-store.js';
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

  it('tells a watching instance about events other instances store, never its own or old ones', async () => {
    const stateDir = tempStateDir();
    const writer = await open(stateDir);
    const watcher = await open(stateDir);
    const old = await add(writer, job('u1'));
    await watcher.getJob('u1', old.jobId);
    const seen: JobEvent[] = [];
    const stop = watcher.watchForeignEvents((event) => seen.push(event));
    const fresh = await add(writer, job('u1'));
    const other = await add(writer, job('张三'));
    await add(watcher, job('u1'));
    const deadline = Date.now() + 5000;
    while (seen.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 50));
    stop();
    expect(seen.map((event) => event.jobId).sort()).toEqual([fresh.jobId, other.jobId].sort());
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
