/**
 * @module A per-user ingest lock across processes for the PostgreSQL store: the PostgreSQL counterpart of
 * the filesystem store's lock file per user (`src/learn/maintain-lock.ts`), so that ingests of one user on
 * several replicas, CLI runs and SDK users of one database never both decide "add" for one capability.
 *
 * A holder first takes the in-process lock (so one process waits on one connection per user, not many),
 * then a session-level `pg_advisory_lock(hashtext('autoskill:ingest:<schema>'), hashtext(userId))` on a
 * connection of its own, keeps it for the critical section, and always unlocks and releases it after.
 * The lock connections come from a small pool of their own, never from the store's pool: the work under
 * the lock queries through the store's pool, and holders of the store's connections waiting for one more
 * would deadlock once every connection was held. A connection that dies drops its locks with it (the
 * server's guarantee), so a crashed process never leaves a user locked.
 *
 * Waiting is bounded: past `timeoutMs` (the pool wait included) `run` fails with `LOCK_TIMEOUT` (the
 * server's `lock_timeout`, set for the wait and reset before the connection goes back to the pool).
 * Session-level locks need a real session: behind a pooler in transaction mode (PgBouncer
 * `pool_mode=transaction`) they do not hold, so point the store at the server or a session-mode pool.
 */
import pg from 'pg';
import { AutoSkillError } from '../../shared/errors.js';
import { validateUserId } from '../safe-paths.js';
import type { PostgresDatabase } from './database.js';

/** Structurally the learning layer's `UserLock` (that layer is outside the store). */
export interface UserLockLike {
  /** Runs `work` while holding the user's lock; calls for one user run one at a time. */
  run<T>(userId: string, work: () => Promise<T>): Promise<T>;
}

export interface PostgresUserLock extends UserLockLike {
  /** Ends the lock connections (waits for holders to release theirs). */
  close(): Promise<void>;
}

export interface PostgresUserLockOptions {
  /** The database whose server holds the locks (its schema names the lock space). */
  database: PostgresDatabase;
  /** The in-process lock taken first (pass the process-wide one: `PROCESS_USER_LOCK`). */
  inProcess: UserLockLike;
  /** How long to wait for another process before failing with `LOCK_TIMEOUT`. @default 30000 */
  timeoutMs?: number;
  /** Connections of the lock pool: users of this process holding or waiting at once. @default 10 */
  maxConnections?: number;
}

const MAX_TIMEOUT_MS = 2_147_483_647;

/** SQLSTATE of a lock wait cut by `lock_timeout`. */
const LOCK_NOT_AVAILABLE = '55P03';

/** The lock of `userId` in `options.database`, shared by every process connected to that database. */
export function createPostgresUserLock(options: PostgresUserLockOptions): PostgresUserLock {
  // Timers and the server's lock_timeout both stop at 2^31 - 1 ms (a larger timer fires at once).
  const timeoutMs = Math.min(Math.max(1, options.timeoutMs ?? 30_000), MAX_TIMEOUT_MS);
  const namespace = `autoskill:ingest:${options.database.schema}`;
  let pool: pg.Pool | undefined;
  let closed = false;

  const lockPool = (): pg.Pool => {
    if (closed) throw new AutoSkillError('INTERNAL', 'The PostgreSQL user lock is closed');
    if (!pool) {
      pool = new pg.Pool({
        ...options.database.connectionConfig('autoskill-lock'),
        max: options.maxConnections ?? 10,
        idleTimeoutMillis: 10_000,
        allowExitOnIdle: true,
      });
      // An idle lock connection that drops must not crash the process; the next holder reconnects.
      pool.on('error', () => undefined);
    }
    return pool;
  };

  const timedOut = (userId: string, cause?: unknown) =>
    new AutoSkillError(
      'LOCK_TIMEOUT',
      `Timed out after ${timeoutMs} ms waiting for another process ingesting for user ${userId} (PostgreSQL advisory lock)`,
      {
        ...(cause ? { cause } : {}),
        details: { userId, timeoutMs, schema: options.database.schema },
        isRetryable: true,
      },
    );

  async function holdWhile<T>(userId: string, work: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    const waiting = lockPool().connect();
    let timer: NodeJS.Timeout | undefined;
    const client = await Promise.race([
      waiting,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(timedOut(userId)), timeoutMs);
      }),
    ])
      .catch((error: unknown) => {
        // A connection that arrives after the deadline goes straight back.
        void waiting.then(
          (late) => late.release(),
          () => undefined,
        );
        throw error;
      })
      .finally(() => clearTimeout(timer));

    let broken: unknown;
    const onError = (error: unknown) => {
      broken = error;
    };
    client.on('error', onError);
    let locked = false;
    try {
      const remaining = Math.max(1, deadline - Date.now());
      await client.query(`SELECT set_config('lock_timeout', $1, false)`, [`${remaining}ms`]);
      try {
        await client.query('SELECT pg_advisory_lock(hashtext($1), hashtext($2))', [namespace, userId]);
        locked = true;
      } catch (error) {
        if ((error as { code?: string }).code === LOCK_NOT_AVAILABLE) throw timedOut(userId, error);
        broken ??= error;
        throw error;
      } finally {
        await client.query('RESET lock_timeout').catch((error: unknown) => {
          broken ??= error;
        });
      }
      return await work();
    } finally {
      if (locked && broken === undefined) {
        await client
          .query('SELECT pg_advisory_unlock(hashtext($1), hashtext($2))', [namespace, userId])
          .catch((error: unknown) => {
            broken = error;
          });
      }
      client.off('error', onError);
      // A connection in doubt is destroyed rather than pooled: closing it drops any lock it still holds.
      client.release(broken === undefined ? undefined : toError(broken));
    }
  }

  return {
    async run<T>(userId: string, work: () => Promise<T>): Promise<T> {
      validateUserId(userId);
      return options.inProcess.run(userId, () => holdWhile(userId, work));
    },
    async close() {
      closed = true;
      const ending = pool;
      pool = undefined;
      await ending?.end();
    },
  };
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new AutoSkillError('INTERNAL', String(value));
}
