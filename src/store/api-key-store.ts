/**
 * @module API keys: the `ApiKeyStore` contract (keys are stored only as sha256 hashes; a key maps to a user
 * id or to admin rights), key generation and hashing, and an in-memory store. The filesystem store
 * (`fs/file-api-key-store.ts`) and a later PostgreSQL store implement the same contract.
 */
import { createHash, randomBytes } from 'node:crypto';
import { AutoSkillError } from '../shared/errors.js';
import { validateUserId } from './safe-paths.js';

/** A stored key, without its secret. */
export interface ApiKeyRecord {
  /** Public id, e.g. `key_3f9a…`; safe to log and show. */
  id: string;
  /** sha256 of the whole key, lowercase hex. */
  hash: string;
  /** The user the key is pinned to; `null` for admin keys. */
  userId: string | null;
  admin: boolean;
  label: string;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601 once revoked. */
  revokedAt: string | null;
}

export interface CreateApiKeyInput {
  /** Pins the key to this user (validated like every user id). Required unless `admin`. */
  userId?: string;
  /** @default false */
  admin?: boolean;
  /** @default '' */
  label?: string;
  /** Use this secret instead of generating one (keys given in config). At least 16 characters. */
  key?: string;
}

export interface CreatedApiKey {
  /** The secret; shown once, never stored. */
  key: string;
  record: ApiKeyRecord;
}

/** Where API keys live. Lookups go by hash, so the store never sees or keeps a secret. */
export interface ApiKeyStore {
  /** The active (not revoked) key with this sha256 hex hash. */
  findByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  create(input: CreateApiKeyInput): Promise<CreatedApiKey>;
  /** Keys, oldest first; revoked ones only with `includeRevoked`. */
  list(filter?: { userId?: string; includeRevoked?: boolean }): Promise<ApiKeyRecord[]>;
  /** Revokes a key by id; false when no active key has that id. */
  revoke(id: string): Promise<boolean>;
}

/** Prefix of generated keys, so leaked keys are recognisable by secret scanners. */
export const API_KEY_PREFIX = 'ask_';
const MIN_KEY_LENGTH = 16;

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A new random key: `ask_` + 32 random bytes in base64url. */
export function generateApiKey(random: (size: number) => Buffer = randomBytes): string {
  return `${API_KEY_PREFIX}${random(32).toString('base64url')}`;
}

/** Checks a create request and builds the record (shared by every store implementation). */
export function buildApiKeyRecord(
  input: CreateApiKeyInput,
  options: { now: Date; random?: (size: number) => Buffer },
): CreatedApiKey {
  const admin = input.admin ?? false;
  if (!admin && input.userId === undefined) {
    throw new AutoSkillError('INVALID_INPUT', 'An API key needs a userId unless it is an admin key');
  }
  if (admin && input.userId !== undefined) {
    throw new AutoSkillError('INVALID_INPUT', 'An admin key acts for every user; do not give it a userId');
  }
  const userId = input.userId === undefined ? null : validateUserId(input.userId);
  if (input.key !== undefined && input.key.length < MIN_KEY_LENGTH) {
    throw new AutoSkillError('INVALID_CONFIG', `An API key must be at least ${MIN_KEY_LENGTH} characters`);
  }
  const random = options.random ?? randomBytes;
  const key = input.key ?? generateApiKey(random);
  return {
    key,
    record: {
      id: `key_${random(8).toString('hex')}`,
      hash: hashApiKey(key),
      userId,
      admin,
      label: input.label ?? '',
      createdAt: options.now.toISOString(),
      revokedAt: null,
    },
  };
}

export interface MemoryApiKeyStoreOptions {
  /** Keys created at start (e.g. from config); their secrets are hashed at once. */
  seed?: readonly CreateApiKeyInput[];
  /** @default () => new Date() */
  now?: () => Date;
  /** @default crypto.randomBytes */
  random?: (size: number) => Buffer;
}

/** Keys in memory (tests, single-process setups); lost on restart. */
export function createMemoryApiKeyStore(options: MemoryApiKeyStoreOptions = {}): ApiKeyStore {
  const now = options.now ?? (() => new Date());
  const records: ApiKeyRecord[] = [];
  const byHash = new Map<string, ApiKeyRecord>();
  const add = (input: CreateApiKeyInput): CreatedApiKey => {
    const created = buildApiKeyRecord(input, {
      now: now(),
      ...(options.random ? { random: options.random } : {}),
    });
    if (byHash.has(created.record.hash)) {
      throw new AutoSkillError('CONFLICT', 'This API key is already registered');
    }
    records.push(created.record);
    byHash.set(created.record.hash, created.record);
    return { key: created.key, record: { ...created.record } };
  };
  for (const input of options.seed ?? []) add(input);
  return {
    async findByHash(hash) {
      const record = byHash.get(hash);
      return record && record.revokedAt === null ? { ...record } : undefined;
    },
    async create(input) {
      return add(input);
    },
    async list(filter = {}) {
      return records
        .filter((record) => filter.includeRevoked || record.revokedAt === null)
        .filter((record) => filter.userId === undefined || record.userId === filter.userId)
        .map((record) => ({ ...record }));
    },
    async revoke(id) {
      const record = records.find((candidate) => candidate.id === id && candidate.revokedAt === null);
      if (!record) return false;
      record.revokedAt = now().toISOString();
      byHash.delete(record.hash);
      return true;
    },
  };
}
