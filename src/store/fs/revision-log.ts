/**
 * @module The append-only revision log `.autoskill/revisions.jsonl`: one JSON line per revision, the
 * durable history of every user skill and the change feed other processes follow. A line counts only
 * once its final newline is written; a torn last line (the writer was killed) is ignored by readers
 * and cut off by the next lock holder before it appends.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, statSync } from 'node:fs';
import { z } from 'zod';
import { parseJsonValue, validate } from '../../shared/json.js';
import { type Durability, writeAll } from './atomic-write.js';
import { BlobRefSchema } from './blob-pack.js';

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

export interface ReadLogResult {
  entries: Array<{ entry: LogEntry; offset: number }>;
  /** Offset just after the last complete line read. */
  end: number;
  /** Complete lines that failed to parse (reported, skipped). */
  bad: Array<{ offset: number; message: string }>;
}

const NEWLINE = 0x0a;

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

export class RevisionLog {
  readonly path: string;
  private readonly durability: Durability;

  constructor(options: { path: string; durability: Durability }) {
    this.path = options.path;
    this.durability = options.durability;
  }

  /** Current size in bytes, or 0 when the log does not exist yet (one stat). */
  size(): number {
    try {
      return statSync(this.path).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw error;
    }
  }

  /** Reads every complete line from `offset` on. */
  readFrom(offset: number): ReadLogResult {
    const result: ReadLogResult = { entries: [], end: offset, bad: [] };
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return result;
      throw error;
    }
    let buffer: Buffer;
    try {
      const size = fstatSync(fd).size;
      if (size <= offset) return result;
      buffer = Buffer.allocUnsafe(size - offset);
      let done = 0;
      while (done < buffer.length) {
        const count = readSync(fd, buffer, done, buffer.length - done, offset + done);
        if (count === 0) break;
        done += count;
      }
      buffer = buffer.subarray(0, done);
    } finally {
      closeSync(fd);
    }
    let start = 0;
    for (;;) {
      const newline = buffer.indexOf(NEWLINE, start);
      if (newline < 0) break;
      const lineOffset = offset + start;
      const text = buffer.toString('utf8', start, newline);
      start = newline + 1;
      if (text.trim() === '') continue;
      try {
        result.entries.push({ entry: parseEntry(text), offset: lineOffset });
      } catch (error) {
        result.bad.push({ offset: lineOffset, message: (error as Error).message });
      }
    }
    result.end = offset + start;
    return result;
  }

  /** Reads the one line that starts at `offset` (used to list a skill's history). */
  readAt(offset: number): LogEntry | null {
    const fd = openSync(this.path, 'r');
    try {
      let chunk = 4096;
      for (;;) {
        const buffer = Buffer.allocUnsafe(chunk);
        const count = readSync(fd, buffer, 0, chunk, offset);
        const newline = buffer.subarray(0, count).indexOf(NEWLINE);
        if (newline >= 0) {
          return parseEntry(buffer.toString('utf8', 0, newline));
        }
        if (count < chunk) return null;
        chunk *= 4;
      }
    } finally {
      closeSync(fd);
    }
  }

  /** Whether `offset` is 0 or just after a newline (a place where a line starts). */
  isLineEnd(offset: number): boolean {
    if (offset === 0) return true;
    const fd = openSync(this.path, 'r');
    try {
      const byte = Buffer.alloc(1);
      return readSync(fd, byte, 0, 1, offset - 1) === 1 && byte[0] === NEWLINE;
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Cuts a torn last line left by a killed writer. Only the lock holder may call this. Returns the new
   * size.
   */
  repairTail(): number {
    let fd: number;
    try {
      fd = openSync(this.path, 'r+');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw error;
    }
    try {
      const size = fstatSync(fd).size;
      let end = size;
      const buffer = Buffer.allocUnsafe(65536);
      while (end > 0) {
        const start = Math.max(0, end - buffer.length);
        const count = readSync(fd, buffer, 0, end - start, start);
        const newline = buffer.subarray(0, count).lastIndexOf(NEWLINE);
        if (newline >= 0) {
          end = start + newline + 1;
          break;
        }
        end = start;
      }
      if (end !== size) ftruncateSync(fd, end);
      return end;
    } finally {
      closeSync(fd);
    }
  }

  /** Appends entries with one write; returns the byte offset of each line. Lock holder only. */
  append(entries: LogEntry[]): number[] {
    const fd = openSync(this.path, 'a');
    try {
      let offset = fstatSync(fd).size;
      const offsets: number[] = [];
      const lines: string[] = [];
      for (const entry of entries) {
        const line = `${JSON.stringify(entry)}\n`;
        offsets.push(offset);
        offset += Buffer.byteLength(line);
        lines.push(line);
      }
      writeAll(fd, Buffer.from(lines.join(''), 'utf8'));
      if (this.durability === 'fsync') fsyncSync(fd);
      return offsets;
    } finally {
      closeSync(fd);
    }
  }
}
