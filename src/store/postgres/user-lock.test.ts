import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { postgresServer, postgresSkipReason } from '../../../test/support/postgres.js';
import { PostgresDatabase } from './database.js';
import { createPostgresUserLock, type PostgresUserLock, type UserLockLike } from './user-lock.js';

const skip = postgresSkipReason();
afterAll(async () => {
  if (skip === null) await (await postgresServer()).stop();
});

/** A lock that never waits in-process, so only PostgreSQL serialises its holders (two "processes"). */
const NO_IN_PROCESS_LOCK: UserLockLike = { run: (_userId, work) => work() };

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe.skipIf(skip !== null)('PostgreSQL per-user ingest lock', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** Two databases (two pools) on one schema, each with its own lock: two processes. */
  async function twoProcesses(timeoutMs = 10_000): Promise<{
    locks: [PostgresUserLock, PostgresUserLock];
    database: PostgresDatabase;
  }> {
    const server = await postgresServer();
    const schema = server.freshSchema('userlock');
    cleanups.push(() => server.dropSchema(schema));
    const databases: PostgresDatabase[] = [];
    for (let index = 0; index < 2; index += 1) {
      const database = await PostgresDatabase.open({ url: server.url, schema, maxConnections: 2 });
      cleanups.push(() => database.close());
      databases.push(database);
    }
    const locks = databases.map((database) => {
      const lock = createPostgresUserLock({ database, inProcess: NO_IN_PROCESS_LOCK, timeoutMs });
      cleanups.push(() => lock.close());
      return lock;
    });
    return { locks: [locks[0]!, locks[1]!], database: databases[0]! };
  }

  /** Sessions holding a user lock of this schema (other test files may hold their own meanwhile). */
  async function lockHolders(database: PostgresDatabase): Promise<number[]> {
    const result = await database.query<{ pid: number }>(
      `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2 AND granted
         AND classid::bigint = (hashtext($1)::bigint + 4294967296) % 4294967296`,
      [`autoskill:ingest:${database.schema}`],
    );
    return result.rows.map((row) => row.pid);
  }

  async function heldAdvisoryLocks(database: PostgresDatabase): Promise<number> {
    return (await lockHolders(database)).length;
  }

  it('lets the second holder in only after the first left', async () => {
    const { locks } = await twoProcesses();
    const events: string[] = [];
    const firstInside = deferred();
    const letFirstGo = deferred();
    const first = locks[0].run('u1', async () => {
      events.push('first in');
      firstInside.resolve();
      await letFirstGo.promise;
      events.push('first out');
      return 1;
    });
    await firstInside.promise;
    const second = locks[1].run('u1', async () => {
      events.push('second in');
      return 2;
    });
    // The second holder is waiting on the server while the first holds the lock.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(events).toEqual(['first in']);
    letFirstGo.resolve();
    expect(await Promise.all([first, second])).toEqual([1, 2]);
    expect(events).toEqual(['first in', 'first out', 'second in']);
  });

  it('does not make different users wait for each other', async () => {
    const { locks } = await twoProcesses();
    const letFirstGo = deferred();
    const firstInside = deferred();
    const first = locks[0].run('u1', async () => {
      firstInside.resolve();
      await letFirstGo.promise;
    });
    await firstInside.promise;
    expect(await locks[1].run('u2', async () => 'u2 ran')).toBe('u2 ran');
    letFirstGo.resolve();
    await first;
  });

  it('releases the lock when the work throws', async () => {
    const { locks, database } = await twoProcesses();
    await expect(
      locks[0].run('u1', async () => {
        throw new Error('extraction failed');
      }),
    ).rejects.toThrow('extraction failed');
    expect(await heldAdvisoryLocks(database)).toBe(0);
    expect(await locks[1].run('u1', async () => 'next holder')).toBe('next holder');
  });

  it('is free again when the holding connection dies (a crashed process)', async () => {
    const { locks, database } = await twoProcesses();
    const firstInside = deferred();
    const letFirstGo = deferred();
    const first = locks[0].run('u1', async () => {
      firstInside.resolve();
      await letFirstGo.promise;
      return 'finished';
    });
    await firstInside.promise;
    const holders = await lockHolders(database);
    expect(holders).toHaveLength(1);
    await database.query('SELECT pg_terminate_backend($1)', [holders[0]]);
    expect(await locks[1].run('u1', async () => 'taken over')).toBe('taken over');
    letFirstGo.resolve();
    // The dead connection is dropped, not pooled, and the process keeps running.
    expect(await first).toBe('finished');
    expect(await locks[0].run('u1', async () => 'again')).toBe('again');
  });

  it('fails with LOCK_TIMEOUT past timeoutMs and stays usable', async () => {
    const { locks } = await twoProcesses(300);
    const letFirstGo = deferred();
    const firstInside = deferred();
    const first = locks[0].run('u1', async () => {
      firstInside.resolve();
      await letFirstGo.promise;
    });
    await firstInside.promise;
    const started = performance.now();
    await expect(locks[1].run('u1', async () => 'never')).rejects.toMatchObject({
      code: 'LOCK_TIMEOUT',
      details: { userId: 'u1', timeoutMs: 300 },
    });
    expect(performance.now() - started).toBeLessThan(5_000);
    letFirstGo.resolve();
    await first;
    // The connection that timed out went back to the pool without its lock_timeout.
    expect(await locks[1].run('u1', async () => 'after')).toBe('after');
  });

  it('takes the in-process lock first: one process waits on one connection', async () => {
    const server = await postgresServer();
    const schema = server.freshSchema('userlock');
    cleanups.push(() => server.dropSchema(schema));
    const database = await PostgresDatabase.open({ url: server.url, schema, maxConnections: 2 });
    cleanups.push(() => database.close());
    let inProcessCalls = 0;
    const chain: UserLockLike = {
      // A minimal in-process mutex that counts its callers.
      run: (() => {
        let tail: Promise<unknown> = Promise.resolve();
        return <T>(_userId: string, work: () => Promise<T>): Promise<T> => {
          inProcessCalls += 1;
          const next = tail.then(work, work);
          tail = next.catch(() => undefined);
          return next;
        };
      })(),
    };
    const lock = createPostgresUserLock({ database, inProcess: chain, maxConnections: 1, timeoutMs: 5_000 });
    cleanups.push(() => lock.close());
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 5 }, () =>
        lock.run('u1', async () => {
          inside += 1;
          most = Math.max(most, inside);
          await new Promise((resolve) => setTimeout(resolve, 10));
          inside -= 1;
        }),
      ),
    );
    expect(inProcessCalls).toBe(5);
    expect(most).toBe(1);
    expect(await heldAdvisoryLocks(database)).toBe(0);
  });

  it('refuses an invalid user id before connecting', async () => {
    const { locks } = await twoProcesses();
    await expect(locks[0].run('../etc', async () => 'never')).rejects.toMatchObject({
      code: 'INVALID_USER_ID',
    });
  });
});
