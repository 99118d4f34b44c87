/**
 * @module The ingest lock for a store: ingests of one user take turns — in this process always, and across
 * processes for a writable filesystem store (one lock file per user under `.autoskill/ingest-locks/`) and
 * for the PostgreSQL store (a session-level advisory lock per user, closed with the store).
 */
import { join } from 'node:path';
import { createFileUserLock, PROCESS_USER_LOCK, type UserLock } from '../learn/maintain-lock.js';
import { FileSkillStore, STATE_DIR } from '../store/fs/file-skill-store.js';
import { PostgresSkillStore } from '../store/postgres/postgres-skill-store.js';
import type { SkillStore } from '../store/types.js';

export function userLockFor(store: SkillStore): UserLock {
  if (store instanceof PostgresSkillStore) return store.userLock({ inProcess: PROCESS_USER_LOCK });
  if (!(store instanceof FileSkillStore) || (store as unknown as { readOnly?: unknown }).readOnly === true) {
    return PROCESS_USER_LOCK;
  }
  return createFileUserLock({ directory: join(store.root, STATE_DIR, 'ingest-locks') });
}
