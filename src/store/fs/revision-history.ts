/**
 * @module The in-memory index of the revision log: each skill's newest revision and the log offsets of
 * its whole history, kept in step with the log (including lines other processes append), plus the
 * checkpoint that lets an opening process skip the log's old lines.
 */
import { readFileSync } from 'node:fs';
import { AutoSkillError } from '../../shared/errors.js';
import { parseJsonValue } from '../../shared/json.js';
import { type Durability, writeFileAtomic } from './atomic-write.js';
import type { BlobPack } from './blob-pack.js';
import { createRevisionLog, type LogEntry, looksLikeEntry, type RevisionLog } from './revision-log.js';

export interface SkillHistory {
  head: LogEntry;
  /** Byte offset in the log of revision n at index n − 1. */
  offsets: number[];
}

export interface RevisionHistoryOptions {
  logPath: string;
  checkpointPath: string;
  durability: Durability;
  /** Blobs named by revisions are registered here so equal content is stored once. */
  pack: BlobPack;
  /** @default 4194304 */
  checkpointEveryBytes?: number;
}

export class RevisionHistory {
  readonly log: RevisionLog;
  private readonly checkpointPath: string;
  private readonly durability: Durability;
  private readonly pack: BlobPack;
  private readonly checkpointEveryBytes: number;
  private readonly skills = new Map<string, SkillHistory>();
  /** Offset just after the last line taken in. */
  private end = 0;
  private seq = 0;
  private checkpointOffset = 0;

  constructor(options: RevisionHistoryOptions) {
    this.log = createRevisionLog({ path: options.logPath, durability: options.durability });
    this.checkpointPath = options.checkpointPath;
    this.durability = options.durability;
    this.pack = options.pack;
    this.checkpointEveryBytes = options.checkpointEveryBytes ?? 4 * 1024 * 1024;
  }

  /** Offset up to which the log has been taken in. */
  get logEnd(): number {
    return this.end;
  }

  get lastSeq(): number {
    return this.seq;
  }

  /** Whether the log holds lines not taken in yet (one `stat`). */
  hasNewLines(): boolean {
    return this.log.size() !== this.end;
  }

  get(id: string): SkillHistory | undefined {
    return this.skills.get(id);
  }

  head(id: string): LogEntry | null {
    return this.skills.get(id)?.head ?? null;
  }

  all(): IterableIterator<[string, SkillHistory]> {
    return this.skills.entries();
  }

  /**
   * Takes in the log lines written since the last call, up to `until` when given (recovery stops at the
   * unfinished transaction). Returns the new entries and the lines that could not be parsed.
   */
  readNew(until?: number): { entries: LogEntry[]; bad: Array<{ offset: number; message: string }> } {
    const size = this.log.size();
    if (size < this.end) {
      // The log was replaced or truncated behind our back: start over.
      this.skills.clear();
      this.end = 0;
      this.seq = 0;
    }
    if (size === this.end) return { entries: [], bad: [] };
    if (this.end === 0) this.loadCheckpoint(until ?? size);
    const { entries, end, bad } = this.log.readFrom(this.end);
    const taken: LogEntry[] = [];
    for (const { entry, offset } of entries) {
      if (until !== undefined && offset >= until) break;
      this.remember(entry, offset);
      taken.push(entry);
    }
    this.end = until !== undefined && until < end ? until : end;
    return { entries: taken, bad };
  }

  /** Appends committed entries (lock holder only) and takes them in; saves a checkpoint when due. */
  append(entries: LogEntry[]): void {
    entries.forEach((entry, position) => {
      entry.seq = this.seq + 1 + position;
    });
    const offsets = this.log.append(entries);
    entries.forEach((entry, position) => {
      this.remember(entry, offsets[position]!);
    });
    this.end = this.log.size();
  }

  /** Writes a checkpoint when enough log has been added since the last one (lock holder only). */
  checkpointIfDue(): void {
    if (this.end - this.checkpointOffset < this.checkpointEveryBytes) return;
    const skills = [...this.skills].map(([id, index]) => [id, index.offsets, index.head]);
    try {
      writeFileAtomic(
        this.checkpointPath,
        JSON.stringify({ version: 1, logOffset: this.end, seq: this.seq, skills }),
        this.durability,
      );
      this.checkpointOffset = this.end;
    } catch {
      // A checkpoint only speeds up opening; the log stays the truth.
    }
  }

  /** Revision `revision` of skill `id`, or null when there is none. */
  entryAt(id: string, revision: number): LogEntry | null {
    const index = this.skills.get(id);
    if (!index || !Number.isInteger(revision) || revision < 1 || revision > index.offsets.length) return null;
    if (revision === index.head.rev) return index.head;
    return this.readEntry(index.offsets[revision - 1]!);
  }

  readEntry(offset: number): LogEntry {
    const entry = this.log.readAt(offset);
    if (entry === null) {
      throw new AutoSkillError('STORE_CORRUPT', `Revision log line at ${offset} is unreadable`, {
        details: { offset },
      });
    }
    return entry;
  }

  private remember(entry: LogEntry, offset: number): void {
    this.seq = Math.max(this.seq, entry.seq);
    const index = this.skills.get(entry.id);
    if (index) {
      if (entry.rev <= index.head.rev) return;
      index.head = entry;
      index.offsets.push(offset);
    } else {
      this.skills.set(entry.id, { head: entry, offsets: [offset] });
    }
    this.pack.remember(entry.skillMd);
    for (const ref of Object.values(entry.files)) this.pack.remember(ref);
  }

  /** Starts from the checkpoint when it is sound and covers no more than `limit` bytes of the log. */
  private loadCheckpoint(limit: number): void {
    let value: unknown;
    try {
      value = parseJsonValue(readFileSync(this.checkpointPath, 'utf8'));
    } catch {
      return;
    }
    const checkpoint = value as { version?: unknown; logOffset?: unknown; skills?: unknown } | null;
    if (
      checkpoint?.version !== 1 ||
      !Number.isInteger(checkpoint.logOffset) ||
      (checkpoint.logOffset as number) > limit ||
      !Array.isArray(checkpoint.skills)
    ) {
      return;
    }
    const loaded = new Map<string, SkillHistory>();
    let newest: { offset: number; seq: number } | null = null;
    for (const item of checkpoint.skills as unknown[]) {
      const [id, offsets, head] = Array.isArray(item) ? item : [];
      if (
        typeof id !== 'string' ||
        !Array.isArray(offsets) ||
        offsets.length !== (head as LogEntry | undefined)?.rev ||
        !offsets.every((offset) => Number.isInteger(offset)) ||
        !looksLikeEntry(head) ||
        head.id !== id
      ) {
        return;
      }
      loaded.set(id, { head, offsets: offsets as number[] });
      if (newest === null || head.seq > newest.seq)
        newest = { offset: offsets.at(-1) as number, seq: head.seq };
    }
    // The newest line it names must be in this log, at a line start, or it belongs to another log.
    const offset = checkpoint.logOffset as number;
    try {
      if (newest === null ? offset !== 0 : this.log.readAt(newest.offset)?.seq !== newest.seq) return;
      if (!this.log.isLineEnd(offset)) return;
    } catch {
      return;
    }
    for (const index of loaded.values()) {
      this.skills.set(index.head.id, index);
      this.seq = Math.max(this.seq, index.head.seq);
      this.pack.remember(index.head.skillMd);
      for (const ref of Object.values(index.head.files)) this.pack.remember(ref);
    }
    this.end = offset;
    this.checkpointOffset = offset;
  }
}
