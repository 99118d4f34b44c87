/**
 * @module The shapes `FileStoreCore` works with: its options, the write transaction and the pending
 * revisions in it, the per-instance serial queue, and the id guard.
 */
import type { Skill } from '../../skill/schema.js';
import { notFound } from '../skill-records.js';
import type { Durability } from './atomic-write.js';
import type { LogEntry } from './revision-log.js';
import type { LibraryDir } from './scan.js';

export const STATE_DIR = '.autoskill';

export interface FileSkillStoreOptions {
  /** The SkillBank folder. */
  root: string;
  /** Extra read-only library folders; a bare path is named after its basename (`library:<name>`). */
  libraryDirs?: Array<string | LibraryDir>;
  /**
   * `rename` (default): atomic temp-file + rename writes and an append-only log; survives the process
   * being killed at any point, and costs no disk flush (a 5,000-skill import takes 1–2 s here).
   * `fsync`: also flushes every write to disk (survives power loss; milliseconds per write on real disks).
   * @default 'rename'
   */
  durability?: Durability;
  /** How long a write waits for another process's lock. @default 10000 */
  lockTimeoutMs?: number;
  /** Folder depth scanned below each library or user folder. @default 6 */
  maxDepth?: number;
  /** Largest SKILL.md accepted, in bytes. @default 1000000 */
  maxFileBytes?: number;
  /** @default () => new Date() */
  clock?: () => Date;
  /** @default newSkillId (uuid4) */
  newId?: () => string;
  /**
   * Open without taking the lock or creating `.autoskill/` (e.g. a SkillBank on a read-only mount);
   * every write fails with `READ_ONLY`. @default false
   */
  readOnly?: boolean;
  /**
   * After this many bytes of new log lines a writer saves `.autoskill/checkpoint.json` (every skill's
   * latest revision and the log offsets of its history), so opening reads the checkpoint plus the log's
   * tail instead of the whole history. @default 4194304
   */
  checkpointEveryBytes?: number;
}

/** A revision being written in the current transaction, with its content. */
export interface PendingRevision {
  entry: LogEntry;
  skill: Skill;
  /** The revision's bytes by sha-256, so applying it needs no pack reads. */
  blobs: Map<string, Uint8Array>;
  /** `false` for baselines and hand edits: the folder already holds this content. */
  apply: boolean;
}

/** Skill ids are looked up in memory only and never joined into paths; this only bounds their size. */
export function checkId(id: string): void {
  if (typeof id !== 'string' || id.length === 0 || id.length > 200) throw notFound(String(id).slice(0, 200));
}

export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.tail.then(work, work);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

export interface Transaction {
  revisions: PendingRevision[];
  /** Folders taken by this transaction (location → id). */
  reserved: Map<string, string>;
  /** Ids created in this transaction. */
  ids: Set<string>;
  /** Skills whose captured disk state is the content this instance had loaded (what callers saw). */
  unchangedCaptures: Set<string>;
  /** Newest revision staged per skill id. */
  lastEntry: Map<string, LogEntry>;
  /** Folder names present on disk per owner folder, read once per transaction. */
  existingFolders: Map<string, Set<string>>;
}
