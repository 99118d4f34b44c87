/**
 * @module Rows of the skill tables and their mapping to the store's types: the `skills` row (visible or
 * deleted head), `revisions` rows, and resource files kept once per content hash in `blobs`.
 */
import { createHash } from 'node:crypto';
import type { Skill } from '../../skill/schema.js';
import type { RevisionOperation, RevisionSummary, StoredSkill } from '../types.js';
import type { PostgresDatabase, Queryable } from './database.js';

/** Resource files of one state: path → sha-256 hex of the bytes in `blobs`. */
export type FileHashes = Record<string, string>;

export interface SkillRow {
  id: string;
  owner: string;
  location: string;
  revision: number;
  visible: boolean;
  read_only: boolean;
  skill: Skill;
  skill_md: string;
  files: FileHashes;
  change_seq: string;
}

export interface RevisionRow {
  skill_id: string;
  revision: number;
  operation: RevisionOperation;
  at: string;
  actor: string;
  reason: string | null;
  version: string;
  name: string;
  location: string;
  deleted: boolean;
  restored_from: number | null;
  skill: Skill;
  skill_md: string;
  files: FileHashes;
}

export const SUMMARY_COLUMNS =
  'skill_id, revision, operation, at, actor, reason, version, name, location, deleted, restored_from';

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The cached form of a skill row. */
export function storedFromRow(
  row: Pick<SkillRow, 'skill' | 'revision' | 'location' | 'read_only'>,
): StoredSkill {
  return { ...row.skill, revision: row.revision, location: row.location, readOnly: row.read_only };
}

export function summaryFromRow(
  row: Omit<RevisionRow, 'skill' | 'skill_md' | 'files'>,
  isCurrent: boolean,
): RevisionSummary {
  return {
    revision: row.revision,
    operation: row.operation,
    at: row.at,
    actor: row.actor,
    reason: row.reason,
    version: row.version,
    name: row.name,
    location: row.location,
    isCurrent,
    deleted: row.deleted,
    restoredFrom: row.restored_from,
  };
}

/** Stores the bytes of `files` (once per hash) and returns their hashes. */
export async function putBlobs(
  database: PostgresDatabase,
  client: Queryable,
  files: Iterable<[string, Uint8Array]>,
): Promise<FileHashes> {
  const hashes: FileHashes = {};
  const byHash = new Map<string, Uint8Array>();
  for (const [path, bytes] of files) {
    const hash = sha256Hex(bytes);
    hashes[path] = hash;
    byHash.set(hash, bytes);
  }
  if (byHash.size > 0) {
    const keys = [...byHash.keys()];
    await client.query(
      `INSERT INTO ${database.table('blobs')} (hash, size, bytes)
       SELECT hash, size, bytes FROM unnest($1::text[], $2::int[], $3::bytea[]) AS input(hash, size, bytes)
       ON CONFLICT (hash) DO NOTHING`,
      [
        keys,
        keys.map((key) => byHash.get(key)?.length ?? 0),
        keys.map((key) => Buffer.from(byHash.get(key) ?? [])),
      ],
    );
  }
  return hashes;
}

/** The bytes of the files named by `hashes`. */
export async function readBlobs(
  database: PostgresDatabase,
  client: Queryable,
  hashes: FileHashes,
): Promise<Record<string, Uint8Array>> {
  const wanted = [...new Set(Object.values(hashes))];
  if (wanted.length === 0) return {};
  const result = await client.query<{ hash: string; bytes: Buffer }>(
    `SELECT hash, bytes FROM ${database.table('blobs')} WHERE hash = ANY($1::text[])`,
    [wanted],
  );
  const bytes = new Map(result.rows.map((row) => [row.hash, new Uint8Array(row.bytes)]));
  const files: Record<string, Uint8Array> = {};
  for (const [path, hash] of Object.entries(hashes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    files[path] = bytes.get(hash) ?? new Uint8Array();
  }
  return files;
}

/** A json column value (kept as text so key order survives, unlike jsonb). */
export function json(value: unknown): string {
  return JSON.stringify(value);
}

/** A fingerprint of SKILL.md plus resource files (the same from bytes or from stored hashes). */
export function contentFingerprint(skillMd: string, fileHashes: FileHashes): string {
  const parts = [sha256Hex(Buffer.from(skillMd, 'utf8'))];
  for (const path of Object.keys(fileHashes).sort()) parts.push(`${path}:${fileHashes[path]}`);
  return parts.join('|');
}

/** The hashes of `files` without storing them (bytes stored elsewhere). */
export function hashesOf(files: Record<string, Uint8Array>): FileHashes {
  const hashes: FileHashes = {};
  for (const [path, bytes] of Object.entries(files)) hashes[path] = sha256Hex(bytes);
  return hashes;
}
