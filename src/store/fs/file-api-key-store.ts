/**
 * @module API keys on disk: `<root>/.autoskill/api-keys.json` holds the key records (sha256 hashes, never
 * a secret), replaced atomically (temp file + rename, flushed by default) under a lock file shared by every
 * process, so `autoskill keys create` in a terminal and a running server can use the same store. Readers
 * notice another process's write with one `stat` per lookup and reload; a revoked key stops working on
 * the next request. A damaged file fails closed (`STORE_CORRUPT`) instead of letting anyone in.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { AutoSkillError } from '../../shared/errors.js';
import { parseJsonValue, validate } from '../../shared/json.js';
import {
  type ApiKeyRecord,
  type ApiKeyStore,
  buildApiKeyRecord,
  type CreateApiKeyInput,
  type CreatedApiKey,
} from '../api-key-store.js';
import { type Durability, writeFileAtomic } from './atomic-write.js';
import { FileLock } from './file-lock.js';

/** File name of the key records inside the store's state folder (`.autoskill/`). */
export const API_KEYS_FILE = 'api-keys.json';
const FORMAT = 'autoskill-api-keys';

const ApiKeyRecordSchema = z.object({
  id: z.string().min(1),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  userId: z.string().min(1).nullable(),
  admin: z.boolean(),
  label: z.string(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
});

const ApiKeyFileSchema = z.object({
  format: z.literal(FORMAT),
  version: z.literal(1),
  keys: z.array(ApiKeyRecordSchema),
});

export interface FileApiKeyStoreOptions {
  /** The store's state folder, e.g. `<SkillBank>/.autoskill` (created when missing). */
  stateDir: string;
  /** `fsync` flushes every change to disk, so a revocation survives a power cut. @default 'fsync' */
  durability?: Durability;
  /** How long a write waits for another process's lock. @default 10000 */
  lockTimeoutMs?: number;
  /** @default () => new Date() */
  now?: () => Date;
  /** @default crypto.randomBytes */
  random?: (size: number) => Buffer;
}

interface Snapshot {
  /** `ino:size:mtimeMs` of the file read, or `missing`. */
  stamp: string;
  records: ApiKeyRecord[];
  byHash: Map<string, ApiKeyRecord>;
}

function stampOf(path: string): string {
  try {
    const stat = statSync(path);
    return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
}

function readRecords(path: string): ApiKeyRecord[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const source = path;
  try {
    return validate(parseJsonValue(text, { source }), ApiKeyFileSchema, { source }).keys;
  } catch (cause) {
    throw new AutoSkillError(
      'STORE_CORRUPT',
      `The API key file ${path} is damaged; restore it from a backup or delete it and create the keys again`,
      { cause, details: { path } },
    );
  }
}

/** Writes `text` to `target` atomically with owner-only permissions (hashes of short keys are guessable). */
function writePrivateFile(target: string, text: string, durability: Durability): void {
  writeFileAtomic(target, text, durability, { mode: 0o600 });
}

/** Keys in `<stateDir>/api-keys.json`, shared by every process using that folder. */
export function createFileApiKeyStore(options: FileApiKeyStoreOptions): ApiKeyStore {
  const stateDir = resolve(options.stateDir);
  const path = join(stateDir, API_KEYS_FILE);
  const durability = options.durability ?? 'fsync';
  const now = options.now ?? (() => new Date());
  const random = options.random ?? randomBytes;
  const lock = new FileLock({
    path: join(stateDir, 'api-keys.lock'),
    timeoutMs: options.lockTimeoutMs ?? 10_000,
  });
  let snapshot: Snapshot | undefined;
  let writing: Promise<unknown> = Promise.resolve();

  const current = (): Snapshot => {
    const stamp = stampOf(path);
    if (snapshot && snapshot.stamp === stamp) return snapshot;
    const records = readRecords(path);
    const byHash = new Map<string, ApiKeyRecord>();
    for (const record of records) if (record.revokedAt === null) byHash.set(record.hash, record);
    snapshot = { stamp, records, byHash };
    return snapshot;
  };

  /** Read-modify-write under the cross-process lock; calls from this process queue up first. */
  const change = <T>(apply: (records: ApiKeyRecord[]) => T): Promise<T> => {
    const run = async (): Promise<T> => {
      mkdirSync(stateDir, { recursive: true });
      await lock.acquire();
      try {
        snapshot = undefined;
        const records = current().records.map((record) => ({ ...record }));
        const result = apply(records);
        const text = `${JSON.stringify({ format: FORMAT, version: 1, keys: records }, null, 2)}\n`;
        writePrivateFile(path, text, durability);
        snapshot = undefined;
        return result;
      } finally {
        lock.release();
      }
    };
    const next = writing.then(run, run);
    writing = next.catch(() => undefined);
    return next;
  };

  return {
    async findByHash(hash) {
      const record = current().byHash.get(hash);
      return record ? { ...record } : undefined;
    },
    async create(input: CreateApiKeyInput): Promise<CreatedApiKey> {
      const created = buildApiKeyRecord(input, { now: now(), random });
      return change((records) => {
        if (records.some((record) => record.hash === created.record.hash)) {
          throw new AutoSkillError('CONFLICT', 'This API key is already registered');
        }
        records.push(created.record);
        return { key: created.key, record: { ...created.record } };
      });
    },
    async list(filter = {}) {
      return current()
        .records.filter((record) => filter.includeRevoked || record.revokedAt === null)
        .filter((record) => filter.userId === undefined || record.userId === filter.userId)
        .map((record) => ({ ...record }));
    },
    async revoke(id) {
      if (!current().records.some((record) => record.id === id && record.revokedAt === null)) return false;
      return change((records) => {
        const record = records.find((candidate) => candidate.id === id && candidate.revokedAt === null);
        if (!record) return false;
        record.revokedAt = now().toISOString();
        return true;
      });
    },
  };
}
