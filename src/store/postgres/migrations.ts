/**
 * @module The PostgreSQL schema, as numbered migrations recorded in `<schema>.schema_migrations`.
 * Every replica runs them at open; a transaction-scoped advisory lock makes concurrent runs take
 * turns, so the second replica finds the work done. A migration never changes once released: changes
 * are new migrations. A database migrated by a newer AutoSkill (a version we do not know) is refused.
 *
 * Tables (all in the configured schema):
 * - `skills`: one row per skill id (user and library skills): the visible state (or, when `visible` is
 *   false, the deleted state), its head revision and the change that produced it;
 * - `revisions`: immutable history, one row per (skill, revision) with the full content;
 * - `blobs`: resource files by sha-256, shared by every revision that holds the same bytes;
 * - `changes`: the change feed (`seq` increases in commit order: writes take one advisory lock);
 * - `jobs`, `job_events`, `workers`: extraction jobs (claims with `FOR UPDATE SKIP LOCKED`), their
 *   events and the heartbeats of the replicas running them;
 * - `api_keys`: hashes of API keys;
 * - `vectors`: embedding vectors as float32 bytes, per index name (the plain-column vector path);
 * - `chat_sessions`: the web UI's chat sessions, one JSON record per session.
 */
import type pg from 'pg';
import { AutoSkillError } from '../../shared/errors.js';
import type { PostgresDatabase } from './database.js';

export interface Migration {
  version: number;
  name: string;
  /** Statements, run in order inside the migration transaction; `$S` is the quoted schema. */
  statements: string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'skills, revisions, blobs and the change feed',
    statements: [
      `CREATE TABLE $S.skills (
        id text PRIMARY KEY,
        owner text NOT NULL,
        location text NOT NULL,
        revision integer NOT NULL,
        visible boolean NOT NULL,
        read_only boolean NOT NULL,
        skill json NOT NULL,
        skill_md text NOT NULL,
        files json NOT NULL,
        change_seq bigint NOT NULL
      )`,
      'CREATE UNIQUE INDEX skills_visible_location ON $S.skills (location) WHERE visible',
      'CREATE INDEX skills_owner ON $S.skills (owner, visible)',
      `CREATE TABLE $S.revisions (
        skill_id text NOT NULL,
        revision integer NOT NULL,
        operation text NOT NULL,
        at text NOT NULL,
        actor text NOT NULL,
        reason text,
        version text NOT NULL,
        name text NOT NULL,
        location text NOT NULL,
        deleted boolean NOT NULL,
        restored_from integer,
        skill json NOT NULL,
        skill_md text NOT NULL,
        files json NOT NULL,
        PRIMARY KEY (skill_id, revision)
      )`,
      'CREATE TABLE $S.blobs (hash text PRIMARY KEY, size integer NOT NULL, bytes bytea NOT NULL)',
      'CREATE SEQUENCE $S.change_seq',
      `CREATE TABLE $S.changes (
        seq bigint PRIMARY KEY,
        skill_id text NOT NULL,
        owner text NOT NULL,
        revision integer NOT NULL,
        type text NOT NULL,
        writer text NOT NULL,
        at timestamptz NOT NULL DEFAULT now()
      )`,
    ],
  },
  {
    version: 2,
    name: 'extraction jobs, events and worker heartbeats',
    statements: [
      `CREATE TABLE $S.jobs (
        job_id text PRIMARY KEY,
        user_id text NOT NULL,
        seq bigserial NOT NULL UNIQUE,
        status text NOT NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        not_before bigint NOT NULL,
        scheduled_by text NOT NULL,
        claimed_by text,
        dedupe_key text,
        record json NOT NULL
      )`,
      "CREATE INDEX jobs_unfinished ON $S.jobs (user_id, seq) WHERE status IN ('scheduled', 'running')",
      'CREATE INDEX jobs_by_user ON $S.jobs (user_id, seq)',
      `CREATE TABLE $S.job_events (
        event_seq bigserial PRIMARY KEY,
        event_id text NOT NULL,
        job_id text NOT NULL,
        user_id text NOT NULL,
        event json NOT NULL
      )`,
      'CREATE INDEX job_events_by_job ON $S.job_events (job_id, event_seq)',
      'CREATE TABLE $S.workers (worker_id text PRIMARY KEY, seen_at bigint NOT NULL)',
    ],
  },
  {
    version: 3,
    name: 'API keys',
    statements: [
      `CREATE TABLE $S.api_keys (
        seq bigserial PRIMARY KEY,
        id text NOT NULL UNIQUE,
        hash text NOT NULL UNIQUE,
        user_id text,
        admin boolean NOT NULL,
        label text NOT NULL,
        created_at text NOT NULL,
        revoked_at text
      )`,
    ],
  },
  {
    version: 4,
    name: 'embedding vectors in a plain column',
    statements: [
      'CREATE SEQUENCE $S.vector_seq',
      `CREATE TABLE $S.vectors (
        index_name text NOT NULL,
        id text NOT NULL,
        doc_hash text NOT NULL,
        dims integer NOT NULL,
        vector bytea NOT NULL,
        seq bigint NOT NULL,
        PRIMARY KEY (index_name, id)
      )`,
      'CREATE INDEX vectors_by_seq ON $S.vectors (index_name, seq)',
    ],
  },
  {
    version: 5,
    name: 'chat sessions of the web UI',
    statements: [
      `CREATE TABLE $S.chat_sessions (
        user_id text NOT NULL,
        id text NOT NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        record json NOT NULL,
        PRIMARY KEY (user_id, id)
      )`,
      'CREATE INDEX chat_sessions_recent ON $S.chat_sessions (user_id, updated_at DESC, created_at DESC)',
    ],
  },
];

export interface MigrationReport {
  /** Versions applied by this call (empty when another replica, or an earlier run, did them). */
  applied: number[];
  current: number;
}

/** A 64-bit advisory lock key derived from a text (same on every replica). */
export function lockKey(text: string): string {
  let high = 0x811c9dc5;
  let low = 0x01000193;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    high = Math.imul(high ^ code, 0x01000193) >>> 0;
    low = Math.imul(low ^ code, 0x811c9dc5) >>> 0;
  }
  return BigInt.asIntN(64, (BigInt(high) << 32n) | BigInt(low)).toString();
}

/** Applies the migrations this database lacks, under an advisory lock (safe from many replicas). */
export async function runMigrations(
  database: PostgresDatabase,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<MigrationReport> {
  const schema = `"${database.schema}"`;
  return database.transaction(async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [
      lockKey(`autoskill:migrate:${database.schema}`),
    ]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${schema}.schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`,
    );
    const done = new Set(await appliedVersions(client, schema));
    const newest = Math.max(0, ...migrations.map((migration) => migration.version));
    const unknown = [...done].filter((version) => version > newest);
    if (unknown.length > 0) {
      throw new AutoSkillError(
        'STORE_CORRUPT',
        `The PostgreSQL schema ${database.schema} was migrated by a newer AutoSkill (version ${Math.max(...unknown)}); upgrade this replica`,
        { details: { schema: database.schema, versions: unknown } },
      );
    }
    const applied: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(migration.version)) continue;
      for (const statement of migration.statements) await client.query(statement.replaceAll('$S', schema));
      await client.query(`INSERT INTO ${schema}.schema_migrations (version, name) VALUES ($1, $2)`, [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
    }
    return { applied, current: Math.max(0, ...done, ...applied) };
  });
}

/** Versions recorded in the schema (empty when it has never been migrated). */
export async function migrationStatus(
  database: PostgresDatabase,
): Promise<{ applied: number[]; latest: number }> {
  const exists = await database.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [
    `"${database.schema}".schema_migrations`,
  ]);
  const applied = exists.rows[0]?.present ? await appliedVersions(database.pool, `"${database.schema}"`) : [];
  return { applied, latest: Math.max(0, ...MIGRATIONS.map((migration) => migration.version)) };
}

async function appliedVersions(client: Pick<pg.Pool, 'query'>, schema: string): Promise<number[]> {
  const result = await client.query<{ version: number }>(
    `SELECT version FROM ${schema}.schema_migrations ORDER BY version`,
  );
  return result.rows.map((row) => row.version);
}
