import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { add, claim, event, job, jobStoreContract } from '../../../test/support/job-store-contract.js';
import { postgresServer, postgresSkipReason } from '../../../test/support/postgres.js';
import type { JobEvent, JobRecord } from '../job-store.js';
import { PostgresDatabase } from './database.js';
import { PostgresJobStore } from './postgres-job-store.js';

const skip = postgresSkipReason();

describe.skipIf(skip !== null)('PostgreSQL job store', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(async () => (await postgresServer()).stop());

  /** A fresh schema and `count` stores on it, each with its own connection pool (as replicas). */
  async function replicas(count: number, options: { retention?: number; leaseMs?: number } = {}) {
    const server = await postgresServer();
    const schema = server.freshSchema('jobs');
    cleanups.push(() => server.dropSchema(schema));
    const stores: PostgresJobStore[] = [];
    for (let index = 0; index < count; index += 1) {
      const store = new PostgresJobStore({
        url: server.url,
        schema,
        maxConnections: 4,
        ...(options.retention === undefined ? {} : { retentionPerUser: options.retention }),
        ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
      });
      await store.open();
      cleanups.push(() => store.close());
      stores.push(store);
    }
    return stores;
  }

  jobStoreContract('postgres', async (retention) => {
    const [store] = await replicas(1, retention === undefined ? {} : { retention });
    return store as PostgresJobStore;
  });

  it('claims each job exactly once when three replicas race', async () => {
    const stores = await replicas(3);
    const jobs: JobRecord[] = [];
    for (let index = 0; index < 12; index += 1) jobs.push(await add(stores[0]!, job(`user${index % 6}`)));
    const claimed: string[] = [];
    // Each replica claims until nothing is runnable, finishing what it claims (per-user FIFO lets the
    // second job of a user run only after the first).
    await Promise.all(
      stores.map(async (store, index) => {
        for (let round = 0; round < 40; round += 1) {
          const got = await claim(store, `w${index}`, 10_000);
          if (!got) {
            if (claimed.length === jobs.length) return;
            await new Promise((resolve) => setTimeout(resolve, 5));
            continue;
          }
          claimed.push(got.jobId);
          await store.recordEvent({
            event: event(got, 'completed'),
            update: { status: 'completed', claimedBy: null },
            expect: { status: ['running'], claimedBy: `w${index}` },
          });
        }
      }),
    );
    expect([...claimed].sort()).toEqual(jobs.map((item) => item.jobId).sort());
    for (const record of jobs) {
      const events = await stores[1]!.jobEvents(record.userId, record.jobId);
      expect(events.filter((item) => item.status === 'running')).toHaveLength(1);
    }
  });

  it('takes back a running job whose replica stopped heartbeating, once', async () => {
    const [first, second] = await replicas(2, { leaseMs: 1_000 });
    const record = await add(first!, job('u1'));
    await first!.heartbeat('dead', 10_000);
    expect((await claim(first!, 'dead', 10_000))?.jobId).toBe(record.jobId);
    // Still within the lease: nothing to take.
    expect(await claim(second!, 'alive', 10_500)).toBeNull();
    const retaken = await claim(second!, 'alive', 12_000);
    expect(retaken).toMatchObject({ jobId: record.jobId, claimedBy: 'alive', recoveries: 1, attempts: 2 });
    // The dead replica's late result is refused: the job changed hands.
    expect(
      await first!.recordEvent({
        event: event(record, 'completed'),
        update: { status: 'completed' },
        expect: { status: ['running'], claimedBy: 'dead' },
      }),
    ).toBeNull();
    // A second loss fails the job instead of looping.
    expect(await claim(first!, 'third', 20_000)).toBeNull();
    const failed = await first!.getJob('u1', record.jobId);
    expect(failed).toMatchObject({ status: 'failed', error: 'interrupted' });
    const statuses = (await first!.jobEvents('u1', record.jobId)).map((item) => item.status);
    expect(statuses).toEqual(['scheduled', 'running', 'scheduled', 'running', 'failed']);
  });

  it('announces every stored event to the other replicas', async () => {
    const [writer, reader] = await replicas(2);
    const heard: Array<{ status: string; local: boolean }> = [];
    let runnable = 0;
    await reader!.onEvent(({ event: item, local }) => heard.push({ status: item.status, local }));
    await reader!.onRunnable(() => {
      runnable += 1;
    });
    const record = await add(writer!, job('u1'));
    await claim(writer!, 'w1');
    await waitFor(() => heard.length === 2);
    expect(heard).toEqual([
      { status: 'scheduled', local: false },
      { status: 'running', local: false },
    ]);
    expect(runnable).toBe(1);
    const events: JobEvent[] = await reader!.jobEvents('u1', record.jobId);
    expect(events).toHaveLength(2);
  });

  it('migrates once when many replicas open at the same moment', async () => {
    const server = await postgresServer();
    const schema = server.freshSchema('migrate');
    cleanups.push(() => server.dropSchema(schema));
    const opened = await Promise.all(
      Array.from({ length: 5 }, () => PostgresDatabase.open({ url: server.url, schema, maxConnections: 2 })),
    );
    const versions = await opened[0]!.query<{ version: number }>(
      `SELECT version FROM "${schema}".schema_migrations ORDER BY version`,
    );
    expect(versions.rows.map((row) => row.version)).toEqual([1, 2, 3, 4, 5]);
    await Promise.all(opened.map((database) => database.close()));
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
