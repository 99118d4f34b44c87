/**
 * @module The revision log `.autoskill/revisions.jsonl`: one JSON line per revision, the durable history
 * of every user skill and the change feed other processes follow (a `JsonLinesLog` of `LogEntry`).
 */
import { z } from 'zod';
import { parseJsonValue, validate } from '../../shared/json.js';
import type { Durability } from './atomic-write.js';
import { BlobRefSchema } from './blob-pack.js';
import { JsonLinesLog } from './json-lines-log.js';

export const REVISION_OPERATIONS = [
  'create',
  'update',
  'edit',
  'rollback',
  'delete',
  'restore',
  'baseline',
  'external-edit',
  'normalize-id',
] as const;

export const LogEntrySchema = z.object({
  /** Global sequence number, 1-based, one per line. */
  seq: z.number().int().positive(),
  id: z.string().min(1),
  /** Per-skill revision number, 1-based. */
  rev: z.number().int().positive(),
  op: z.enum(REVISION_OPERATIONS),
  at: z.string(),
  actor: z.string(),
  reason: z.string().nullable(),
  owner: z.string().min(1),
  location: z.string().min(1),
  deleted: z.boolean(),
  version: z.string(),
  name: z.string(),
  skillMd: BlobRefSchema,
  files: z.record(z.string(), BlobRefSchema),
  createdAt: z.string().nullable(),
  updatedAt: z.string().nullable(),
  status: z.enum(['active', 'archived']),
  metadata: z.record(z.string(), z.unknown()),
  from: z.number().int().nullable(),
});
export type LogEntry = z.infer<typeof LogEntrySchema>;

const OPERATIONS = new Set<string>(REVISION_OPERATIONS);

function isBlobRef(value: unknown): boolean {
  const ref = value as Record<string, unknown> | null;
  return (
    typeof ref === 'object' &&
    ref !== null &&
    typeof ref.h === 'string' &&
    Number.isInteger(ref.p) &&
    Number.isInteger(ref.o) &&
    Number.isInteger(ref.n)
  );
}

/**
 * The same check as `LogEntrySchema`, written out: opening a store reads thousands of lines and the
 * schema costs several times the JSON parse. A line that fails it goes through the schema for the message.
 */
export function looksLikeEntry(value: unknown): value is LogEntry {
  const entry = value as Record<string, unknown> | null;
  if (typeof entry !== 'object' || entry === null) return false;
  const nullableString = (key: string) => entry[key] === null || typeof entry[key] === 'string';
  const files = entry.files as Record<string, unknown> | null;
  return (
    Number.isInteger(entry.seq) &&
    (entry.seq as number) > 0 &&
    typeof entry.id === 'string' &&
    entry.id !== '' &&
    Number.isInteger(entry.rev) &&
    (entry.rev as number) > 0 &&
    OPERATIONS.has(entry.op as string) &&
    typeof entry.at === 'string' &&
    typeof entry.actor === 'string' &&
    nullableString('reason') &&
    typeof entry.owner === 'string' &&
    entry.owner !== '' &&
    typeof entry.location === 'string' &&
    entry.location !== '' &&
    typeof entry.deleted === 'boolean' &&
    typeof entry.version === 'string' &&
    typeof entry.name === 'string' &&
    isBlobRef(entry.skillMd) &&
    typeof files === 'object' &&
    files !== null &&
    !Array.isArray(files) &&
    Object.values(files).every(isBlobRef) &&
    nullableString('createdAt') &&
    nullableString('updatedAt') &&
    (entry.status === 'active' || entry.status === 'archived') &&
    typeof entry.metadata === 'object' &&
    entry.metadata !== null &&
    !Array.isArray(entry.metadata) &&
    (entry.from === null || Number.isInteger(entry.from))
  );
}

/** Parses one log line; throws `STORE_CORRUPT` naming the problem. */
export function parseEntry(text: string): LogEntry {
  const value = parseJsonValue(text, { code: 'STORE_CORRUPT' });
  if (looksLikeEntry(value)) return value;
  return validate(value, LogEntrySchema, { code: 'STORE_CORRUPT' });
}

export type RevisionLog = JsonLinesLog<LogEntry>;

export function createRevisionLog(options: { path: string; durability: Durability }): RevisionLog {
  return new JsonLinesLog({ ...options, parse: parseEntry });
}
