/**
 * @module Serialises the decide-and-write step of ingestion per user, so that two ingests of the same
 * new preference never both decide "add" before either has written.
 *
 * - {@link createUserLock}: an in-process mutex per user id (a promise chain; no timers). The ingest
 *   pipeline re-searches after acquiring it, so the second caller sees the first one's skill.
 * - {@link createFileUserLock}: the same plus a lock file per user (`O_EXCL`, dead owners broken safely —
 *   the store's `FileLock`), for several processes writing one store (web and proxy of the compose
 *   file). Without it, processes can still race between deciding and writing; merges are protected
 *   anyway by the store's `baseRevision` check (a stale merge is refused and decided again), creates
 *   are not.
 * - The PostgreSQL store's lock (`createPostgresUserLock` in `src/store/postgres/user-lock.ts`, from
 *   `store.userLock({ inProcess })`): this in-process lock, then a session-level advisory lock per user
 *   on a connection of its own, for replicas, CLI runs and SDK users sharing one database.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { FileLock } from '../store/fs/file-lock.js';
import { validateUserId } from '../store/safe-paths.js';

export interface UserLock {
  /** Runs `work` while holding the user's lock; calls for one user run one at a time. */
  run<T>(userId: string, work: () => Promise<T>): Promise<T>;
}

/** An in-process mutex per user id. */
export function createUserLock(): UserLock {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run<T>(userId: string, work: () => Promise<T>): Promise<T> {
      const previous = tails.get(userId) ?? Promise.resolve();
      const next = previous.then(work, work);
      const tail = next.catch(() => undefined);
      tails.set(userId, tail);
      void tail.then(() => {
        if (tails.get(userId) === tail) tails.delete(userId);
      });
      return next;
    },
  };
}

/** The lock every ingest of this process shares unless the caller passes another one. */
export const PROCESS_USER_LOCK: UserLock = createUserLock();

export interface FileUserLockOptions {
  /** Folder of the lock files (created when missing), e.g. `<store>/.autoskill/ingest-locks`. */
  directory: string;
  /** How long to wait for another process. @default 30000 */
  timeoutMs?: number;
  /** The in-process lock combined with the files. @default PROCESS_USER_LOCK */
  inProcess?: UserLock;
}

/** In-process mutex plus one lock file per user, for several processes sharing one store. */
export function createFileUserLock(options: FileUserLockOptions): UserLock {
  const inProcess = options.inProcess ?? PROCESS_USER_LOCK;
  let created = false;
  return {
    run<T>(userId: string, work: () => Promise<T>): Promise<T> {
      return inProcess.run(userId, async () => {
        validateUserId(userId);
        if (!created) {
          mkdirSync(options.directory, { recursive: true });
          created = true;
        }
        const lock = new FileLock({
          path: join(options.directory, `${userId}.lock`),
          timeoutMs: options.timeoutMs ?? 30_000,
        });
        await lock.acquire();
        try {
          return await work();
        } finally {
          lock.release();
        }
      });
    },
  };
}
