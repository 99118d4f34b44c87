/**
 * @module API keys in PostgreSQL (`<schema>.api_keys`): only sha-256 hashes are stored, every replica
 * sees a new or revoked key on its next lookup (each lookup is one indexed query), and a key's secret
 * can be registered only once (a unique hash).
 */
import { randomBytes } from 'node:crypto';
import { AutoSkillError } from '../../shared/errors.js';
import {
  type ApiKeyRecord,
  type ApiKeyStore,
  buildApiKeyRecord,
  type CreateApiKeyInput,
  type CreatedApiKey,
} from '../api-key-store.js';
import { PostgresDatabase, type PostgresDatabaseOptions } from './database.js';

export interface PostgresApiKeyStoreOptions extends PostgresDatabaseOptions {
  /** A database handle shared with the other stores of this process (not closed by `close`). */
  database?: PostgresDatabase;
  /** @default () => new Date() */
  now?: () => Date;
  /** @default crypto.randomBytes */
  random?: (size: number) => Buffer;
}

interface KeyRow {
  id: string;
  hash: string;
  user_id: string | null;
  admin: boolean;
  label: string;
  created_at: string;
  revoked_at: string | null;
}

export interface PostgresApiKeyStore extends ApiKeyStore {
  /** Ends the connections it opened (none when given a `database`). */
  close(): Promise<void>;
}

/** An `ApiKeyStore` over PostgreSQL; connects (and migrates) on first use. */
export function createPostgresApiKeyStore(options: PostgresApiKeyStoreOptions): PostgresApiKeyStore {
  const now = options.now ?? (() => new Date());
  const random = options.random ?? randomBytes;
  let opening: Promise<PostgresDatabase> | undefined;
  const database = (): Promise<PostgresDatabase> => {
    opening ??= options.database ? Promise.resolve(options.database) : PostgresDatabase.open(options);
    return opening;
  };
  const columns = 'id, hash, user_id, admin, label, created_at, revoked_at';

  return {
    async findByHash(hash) {
      const db = await database();
      const result = await db.query<KeyRow>(
        `SELECT ${columns} FROM ${db.table('api_keys')} WHERE hash = $1 AND revoked_at IS NULL`,
        [hash],
      );
      const row = result.rows[0];
      return row ? recordOf(row) : undefined;
    },
    async create(input: CreateApiKeyInput): Promise<CreatedApiKey> {
      const created = buildApiKeyRecord(input, { now: now(), random });
      const db = await database();
      const record = created.record;
      const inserted = await db.query(
        `INSERT INTO ${db.table('api_keys')} (${columns}) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT DO NOTHING`,
        [
          record.id,
          record.hash,
          record.userId,
          record.admin,
          record.label,
          record.createdAt,
          record.revokedAt,
        ],
      );
      if ((inserted.rowCount ?? 0) === 0) {
        throw new AutoSkillError('CONFLICT', 'This API key is already registered');
      }
      return { key: created.key, record: { ...record } };
    },
    async list(filter = {}) {
      const db = await database();
      const values: unknown[] = [];
      const where: string[] = [];
      if (!filter.includeRevoked) where.push('revoked_at IS NULL');
      if (filter.userId !== undefined) {
        values.push(filter.userId);
        where.push(`user_id = $${values.length}`);
      }
      const result = await db.query<KeyRow>(
        `SELECT ${columns} FROM ${db.table('api_keys')} ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY seq`,
        values,
      );
      return result.rows.map(recordOf);
    },
    async revoke(id) {
      const db = await database();
      const result = await db.query(
        `UPDATE ${db.table('api_keys')} SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`,
        [id, now().toISOString()],
      );
      return (result.rowCount ?? 0) > 0;
    },
    async close() {
      if (!opening || options.database) return;
      const db = await opening.catch(() => undefined);
      opening = undefined;
      await db?.close();
    },
  };
}

function recordOf(row: KeyRow): ApiKeyRecord {
  return {
    id: row.id,
    hash: row.hash,
    userId: row.user_id,
    admin: row.admin,
    label: row.label,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}
