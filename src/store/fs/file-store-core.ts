/**
 * @module The state and machinery under `FileSkillStore`: in-memory records, the write transaction
 * (lock, journal, revision log, folder changes, recovery), loading and syncing with other processes.
 * `file-skill-store.ts` builds the public operations on it and explains the crash-safety argument; the
 * options and transaction shapes are in `file-store-types.ts`, the pure views of a log entry in
 * `log-entry-views.ts`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { AutoSkillError } from '../../shared/errors.js';
import type { Skill } from '../../skill/schema.js';
import { safeFolderName, validateLibraryName, validateUserId } from '../safe-paths.js';
import { newSkillId, slugify } from '../skill-codec.js';
import { assertBaseRevision, notFound } from '../skill-records.js';
import type {
  RefreshReport,
  RevisionOperation,
  StoreChange,
  StoredSkill,
  StoreListener,
  StoreProblem,
  WriteContext,
} from '../types.js';
import type { Durability } from './atomic-write.js';
import { BlobPack, type BlobRef, sha256 } from './blob-pack.js';
import { FileLock } from './file-lock.js';
import {
  checkId,
  type FileSkillStoreOptions,
  SerialQueue,
  STATE_DIR,
  type Transaction,
} from './file-store-types.js';
import { IntentJournal } from './intent-journal.js';
import {
  changeForEntry,
  mtimeIso,
  parseFolderText,
  sameContent,
  skillFromEntryText,
  storedFromEntry,
} from './log-entry-views.js';
import { RevisionHistory } from './revision-history.js';
import type { LogEntry } from './revision-log.js';
import { type LibraryDir, listResources, SKILL_FILE, USERS_DIR } from './scan.js';
import { absoluteLocation, applyRevision, type FolderContext, readSkillFolder } from './skill-folders.js';
import { diffRecords, loadSkillBank, type SkillRecord } from './skill-loader.js';

export abstract class FileStoreCore {
  /** Problems found by the last open/refresh (bad files, duplicate ids) and in the store's own state. */
  problems(): StoreProblem[] {
    return [...this.stateProblems.values(), ...this.lastProblems];
  }

  readonly root: string;
  protected readonly stateDir: string;
  protected readonly libraries: LibraryDir[];
  protected readonly durability: Durability;
  protected readonly maxDepth: number;
  protected readonly maxFileBytes: number;
  protected readonly clock: () => Date;
  protected readonly newId: () => string;
  protected readonly readOnly: boolean;
  protected readonly lock: FileLock;
  protected readonly revisions: RevisionHistory;
  protected readonly pack: BlobPack;
  protected readonly journal: IntentJournal;
  protected readonly folders: FolderContext;
  protected readonly queue = new SerialQueue();
  protected readonly listeners = new Set<StoreListener>();

  protected records = new Map<string, SkillRecord>();
  protected locations = new Map<string, string>();
  /** Problems of the last scan (bad files, duplicate ids). */
  protected lastProblems: StoreProblem[] = [];
  /** Problems of the store's own state (unreadable log lines, unfinished recovery), kept across scans. */
  protected stateProblems = new Map<string, StoreProblem>();
  protected opened = false;
  /** Set when a commit failed half-way (e.g. disk full): memory may not match disk until a rescan. */
  protected stale = false;

  constructor(options: FileSkillStoreOptions) {
    this.root = resolve(options.root);
    this.stateDir = join(this.root, STATE_DIR);
    this.libraries = (options.libraryDirs ?? []).map((item) => {
      const library = typeof item === 'string' ? { name: basename(resolve(item)), path: item } : item;
      return { name: validateLibraryName(library.name), path: resolve(library.path) };
    });
    this.durability = options.durability ?? 'rename';
    this.maxDepth = options.maxDepth ?? 6;
    this.maxFileBytes = options.maxFileBytes ?? 1_000_000;
    this.clock = options.clock ?? (() => new Date());
    this.newId = options.newId ?? newSkillId;
    this.readOnly = options.readOnly ?? false;
    this.lock = new FileLock({
      path: join(this.stateDir, 'lock'),
      timeoutMs: options.lockTimeoutMs ?? 10_000,
    });

    this.pack = new BlobPack({ dir: join(this.stateDir, 'objects'), durability: this.durability });
    this.revisions = new RevisionHistory({
      logPath: join(this.stateDir, 'revisions.jsonl'),
      checkpointPath: join(this.stateDir, 'checkpoint.json'),
      durability: this.durability,
      pack: this.pack,
      ...(options.checkpointEveryBytes === undefined
        ? {}
        : { checkpointEveryBytes: options.checkpointEveryBytes }),
    });
    this.journal = new IntentJournal(join(this.stateDir, 'intent.json'), this.durability);
    this.folders = { root: this.root, stateDir: this.stateDir, durability: this.durability };
  }

  /**
   * Adds a revision to the transaction: stores its content in the pack and returns the stored skill as
   * it will be visible once committed.
   */
  protected pushRevision(
    tx: Transaction,
    base: Pick<LogEntry, 'id' | 'op' | 'owner' | 'location' | 'deleted' | 'from'>,
    context: WriteContext,
    previous: LogEntry | null,
    payload: { skill: Skill; content: Map<string, Uint8Array> },
    apply = true,
  ): StoredSkill {
    const files: Record<string, BlobRef> = {};
    const blobs = new Map<string, Uint8Array>();
    let skillMd: BlobRef | undefined;
    for (const [path, bytes] of payload.content) {
      const ref = this.pack.put(bytes);
      blobs.set(ref.h, bytes);
      if (path === SKILL_FILE) skillMd = ref;
      else files[path] = ref;
    }
    if (!skillMd) throw new AutoSkillError('INTERNAL', 'A revision needs a SKILL.md');
    const pendingPrevious = tx.lastEntry.get(base.id);
    const rev = (pendingPrevious ?? previous)?.rev ?? 0;
    const skill = payload.skill;
    const entry: LogEntry = {
      seq: 0,
      id: base.id,
      rev: rev + 1,
      op: base.op,
      at: this.now(),
      actor: context.actor,
      reason: context.reason ?? null,
      owner: base.owner,
      location: base.location,
      deleted: base.deleted,
      version: skill.version,
      name: skill.name,
      skillMd,
      files,
      createdAt: skill.createdAt,
      updatedAt: skill.updatedAt,
      status: skill.status,
      metadata: skill.metadata,
      from: base.from,
    };
    tx.revisions.push({ entry, skill, blobs, apply });
    tx.lastEntry.set(entry.id, entry);
    return storedFromEntry(skill, entry);
  }

  /**
   * Makes sure the visible state of a user skill has a revision: records a baseline for a skill with
   * no history, or an `external-edit` when its files were changed by hand. Returns the head.
   */
  protected captureDisk(tx: Transaction, record: SkillRecord): LogEntry {
    const id = record.stored.id;
    const head = this.revisions.get(id)?.head ?? null;
    const disk = readSkillFolder(record.dir);
    if (disk === null) {
      if (head && !head.deleted) return head;
      throw notFound(id);
    }
    if (head && !head.deleted && head.location === record.stored.location && sameContent(head, disk)) {
      if (sha256(disk.get(SKILL_FILE)!) !== record.hash) this.installEntry(head, null);
      return head;
    }
    const text = Buffer.from(disk.get(SKILL_FILE)!).toString('utf8');
    const parsed = parseFolderText(text, record.stored, record.stored.location);
    const mtime = mtimeIso(join(record.dir, SKILL_FILE));
    const skill: Skill = {
      ...parsed,
      resources: [...disk.keys()].filter((path) => path !== SKILL_FILE).sort(),
      status: head?.status ?? record.stored.status,
      metadata: head?.metadata ?? record.stored.metadata,
      createdAt: head?.createdAt ?? record.stored.createdAt ?? mtime,
      updatedAt: mtime,
    };
    const op: RevisionOperation = head ? 'external-edit' : 'baseline';
    const base = {
      id,
      op,
      owner: record.stored.owner,
      location: record.stored.location,
      deleted: false,
      version: skill.version,
      name: skill.name,
      skillMd: { h: '', p: 0, o: 0, n: 0 },
      files: {},
      createdAt: skill.createdAt,
      updatedAt: skill.updatedAt,
      status: skill.status,
      metadata: skill.metadata,
      from: null,
    };
    const context = {
      actor: 'filesystem',
      reason: head ? 'SKILL.md changed outside the store' : 'first revision',
    };
    this.pushRevision(tx, base, context, head, { skill, content: disk }, false);
    const pending = tx.revisions[tx.revisions.length - 1]!.entry;
    if (record.hash === pending.skillMd.h) tx.unchangedCaptures.add(id);
    return pending;
  }

  /**
   * The stale-revision rule: the caller's base must be the current revision, or the revision it read
   * when the only newer one is a capture of the very content it read (a baseline or an earlier hand edit).
   */
  protected checkBase(
    tx: Transaction,
    id: string,
    seen: number,
    head: LogEntry,
    base: number | undefined,
  ): void {
    if (base === undefined || base === head.rev) return;
    // A baseline records the state that existed before any history: the state a caller at 0 saw.
    if (base === 0 && head.rev === 1 && head.op === 'baseline') return;
    if (base === seen && head.rev === seen + 1 && !head.deleted && tx.unchangedCaptures.has(id)) return;
    assertBaseRevision(id, head.rev, base);
  }

  protected withResources(record: SkillRecord): StoredSkill {
    if (!record.resourcesKnown) {
      record.stored.resources = listResources(record.dir);
      record.resourcesKnown = true;
    }
    return record.stored;
  }

  protected needsCapture(record: SkillRecord): boolean {
    if (record.stored.readOnly) return false;
    const head = this.revisions.get(record.stored.id)?.head;
    if (!head || head.deleted) return true;
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(record.dir, SKILL_FILE));
    } catch {
      return false;
    }
    if (sha256(bytes) !== head.skillMd.h) return true;
    const onDisk = listResources(record.dir);
    const recorded = Object.keys(head.files).sort();
    return onDisk.length !== recorded.length || onDisk.some((path, index) => path !== recorded[index]);
  }

  protected async transaction<T>(work: (tx: Transaction) => T): Promise<T> {
    if (!this.opened) throw new AutoSkillError('INTERNAL', 'The store is not open: call open() first');
    if (this.readOnly) {
      throw new AutoSkillError('READ_ONLY', `The store at ${this.root} was opened read-only`, {
        details: { root: this.root },
      });
    }
    return this.queue.run(async () => {
      this.ensureStateDir();
      await this.lock.acquire();
      try {
        this.recover();
        this.syncFromLog('remote');
        if (this.stale) this.reloadAfterFailure();
        this.pack.begin();
        const tx: Transaction = {
          revisions: [],
          reserved: new Map(),
          ids: new Set(),
          unchangedCaptures: new Set(),
          lastEntry: new Map(),
          existingFolders: new Map(),
        };
        let result: T;
        try {
          result = work(tx);
        } catch (error) {
          // Baselines and hand edits found before the failure are still worth keeping.
          tx.revisions = tx.revisions.filter((item) => !item.apply);
          if (tx.revisions.length > 0) this.commitOrMarkStale(tx);
          else this.pack.discardPending();
          throw error;
        }
        this.commitOrMarkStale(tx);
        return result;
      } finally {
        this.lock.release();
      }
    });
  }

  protected addStateProblem(problem: StoreProblem): void {
    this.stateProblems.set(`${problem.location}\n${problem.message}`, problem);
  }

  protected commitOrMarkStale(tx: Transaction): void {
    try {
      this.commit(tx);
    } catch (error) {
      // The journal stays, so the next lock holder finishes the folders; this process rescans then.
      this.stale = true;
      throw error;
    }
  }

  /** After a failed commit: finish it from the journal and reload everything from disk (lock held). */
  protected reloadAfterFailure(): void {
    this.recover();
    this.loadAll();
    this.stale = false;
  }

  protected commit(tx: Transaction): void {
    if (tx.revisions.length === 0) return;
    this.pack.flush();
    this.journal.begin(this.revisions.logEnd);
    // Each entry's previous state: the one before it in this transaction, else the committed head.
    const latest = new Map<string, LogEntry | null>();
    const previous = tx.revisions.map((item) => {
      const before = latest.has(item.entry.id)
        ? latest.get(item.entry.id)!
        : this.revisions.head(item.entry.id);
      latest.set(item.entry.id, item.entry);
      return before;
    });
    this.revisions.append(tx.revisions.map((item) => item.entry));
    const changes: StoreChange[] = [];
    tx.revisions.forEach((item, position) => {
      const entry = item.entry;
      if (item.apply)
        applyRevision(
          this.folders,
          entry,
          previous[position] ?? null,
          (ref) => item.blobs.get(ref.h) ?? this.pack.read(ref),
        );
      this.installEntry(entry, item.skill);
      changes.push(changeForEntry(entry, 'local'));
    });
    this.journal.end();
    this.revisions.checkpointIfDue();
    this.emit(changes);
  }

  /** Replays the transaction a killed writer left half-applied. Lock holder only. */
  protected recover(): void {
    if (!this.journal.pending()) return;
    const intent = this.journal.read();
    this.revisions.log.repairTail();
    let finished = true;
    if (intent !== null) {
      this.syncFromLog('remote', intent.logOffset);
      const { entries } = this.revisions.log.readFrom(intent.logOffset);
      const replayed = new Map<string, LogEntry>();
      for (const { entry } of entries) {
        const previous =
          replayed.get(entry.id) ?? (entry.rev > 1 ? this.revisions.entryAt(entry.id, entry.rev - 1) : null);
        replayed.set(entry.id, entry);
        if (entry.op === 'baseline' || entry.op === 'external-edit') continue;
        try {
          applyRevision(this.folders, entry, previous, (ref) => this.pack.read(ref));
          // A line this process already took in (its own failed commit) is shown now that it is on disk.
          if (this.opened && this.revisions.head(entry.id)?.seq === entry.seq) this.installEntry(entry, null);
        } catch (error) {
          // Keep the journal so the next lock holder tries again; reads go on meanwhile.
          finished = false;
          this.addStateProblem({
            location: entry.location,
            code: 'STORE_CORRUPT',
            message: `Could not finish revision ${entry.rev} of ${entry.id}: ${(error as Error).message}`,
          });
        }
      }
    }
    rmSync(join(this.stateDir, 'trash'), { recursive: true, force: true });
    rmSync(join(this.stateDir, 'staging'), { recursive: true, force: true });
    if (finished) {
      this.journal.end();
      for (const [key, problem] of this.stateProblems) {
        if (problem.message.startsWith('Could not finish revision')) this.stateProblems.delete(key);
      }
    }
  }

  protected allocateFolder(tx: Transaction, owner: string, name: string, id: string): string {
    const user = validateUserId(owner);
    const base = safeFolderName(slugify(name));
    for (let attempt = 1; ; attempt += 1) {
      const folder = attempt === 1 ? base : `${base}-${attempt}`;
      const location = `${USERS_DIR}/${user}/${folder}`;
      const holder = this.locations.get(location) ?? tx.reserved.get(location);
      if (holder !== undefined && holder !== id) continue;
      if (holder === undefined && this.folderExists(tx, user, folder)) continue;
      return location;
    }
  }

  protected folderExists(tx: Transaction, user: string, folder: string): boolean {
    let names = tx.existingFolders.get(user);
    if (!names) {
      try {
        names = new Set(readdirSync(this.absolute(`${USERS_DIR}/${user}`)));
      } catch {
        names = new Set();
      }
      tx.existingFolders.set(user, names);
    }
    return names.has(folder);
  }

  protected async beforeRead(): Promise<void> {
    if (!this.opened) {
      throw new AutoSkillError('INTERNAL', 'The store is not open: call open() first');
    }
    await this.queue.run(async () => {
      if (this.revisions.hasNewLines()) this.syncFromLog('remote');
      if (this.stale && !this.readOnly) {
        this.ensureStateDir();
        await this.lock.acquire();
        try {
          this.recover();
          this.syncFromLog('remote');
          this.reloadAfterFailure();
        } finally {
          this.lock.release();
        }
      }
    });
  }

  /** Reads log lines written since the last read (by other processes) and applies them in memory. */
  protected syncFromLog(origin: StoreChange['origin'], until?: number): void {
    const { entries, bad } = this.revisions.readNew(until);
    const changes: StoreChange[] = [];
    if (this.opened) {
      for (const entry of entries) {
        this.installEntry(entry, null);
        changes.push(changeForEntry(entry, origin));
      }
    }
    for (const item of bad) {
      this.addStateProblem({
        location: `${STATE_DIR}/revisions.jsonl@${item.offset}`,
        code: 'STORE_CORRUPT',
        message: item.message,
      });
    }
    this.emit(changes);
  }

  /** Makes the in-memory view follow a committed revision. */
  protected installEntry(entry: LogEntry, skill: Skill | null): void {
    const old = this.records.get(entry.id);
    if (old && !old.stored.readOnly) this.locations.delete(old.stored.location);
    if (entry.deleted) {
      if (old && !old.stored.readOnly) this.records.delete(entry.id);
      return;
    }
    if (old?.stored.readOnly) return;
    const resolved = skill ?? this.skillFromEntry(entry);
    this.records.set(entry.id, {
      stored: storedFromEntry(resolved, entry),
      dir: this.absolute(entry.location),
      hash: entry.skillMd.h,
      resourcesKnown: true,
    });
    this.locations.set(entry.location, entry.id);
  }

  /** Full scan of the SkillBank under the lock (so no writer is half-way), then the in-memory swap. */
  protected async rescan(): Promise<RefreshReport> {
    return this.queue.run(async () => {
      const locked = await this.tryLockForScan();
      try {
        if (locked) this.recover();
        this.syncFromLog('remote');
        return this.loadAll();
      } finally {
        if (locked) this.lock.release();
      }
    });
  }

  /** Takes the lock when the state folder can be created; read-only SkillBanks are scanned without it. */
  protected async tryLockForScan(): Promise<boolean> {
    if (this.readOnly || !existsSync(this.root)) return false;
    try {
      this.ensureStateDir();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM') return false;
      throw error;
    }
    await this.lock.acquire();
    return true;
  }

  protected loadAll(): RefreshReport {
    const { records, problems } = loadSkillBank({
      root: this.root,
      libraries: this.libraries,
      maxDepth: this.maxDepth,
      maxFileBytes: this.maxFileBytes,
      headOf: (id) => this.revisions.head(id),
    });
    // Skills whose folder a writer has not created yet cannot exist here: the scan holds the lock.
    // Before open (or after close) every loaded skill counts as added; changes are emitted only when open.
    const { changes, removed, ...diff } = diffRecords(this.records, records);
    const added = this.opened ? diff.added : records.size;
    const changed = this.opened ? diff.changed : 0;
    this.records = records;
    this.locations = new Map();
    for (const record of records.values()) {
      if (!record.stored.readOnly) this.locations.set(record.stored.location, record.stored.id);
    }
    this.lastProblems = problems;
    if (this.opened) this.emit(changes);
    return { loaded: records.size, added, changed, removed, problems: this.problems() };
  }

  /** The skill a revision holds: parsed from its SKILL.md, with the state the file cannot hold. */
  protected skillFromEntry(entry: LogEntry, text?: string): Skill {
    return skillFromEntryText(entry, text ?? this.pack.read(entry.skillMd).toString('utf8'));
  }

  protected contentOf(entry: LogEntry): Map<string, Uint8Array> {
    const content = new Map<string, Uint8Array>();
    content.set(SKILL_FILE, this.pack.read(entry.skillMd));
    for (const [path, ref] of Object.entries(entry.files)) content.set(path, this.pack.read(ref));
    return content;
  }

  /** SKILL.md and resources of a folder, or null when it has no SKILL.md. */
  protected entryAt(id: string, revision: number): LogEntry {
    const entry = this.revisions.entryAt(id, revision);
    if (entry === null) {
      if (this.revisions.get(id) === undefined && !this.records.has(id)) throw notFound(id);
      throw new AutoSkillError('REVISION_NOT_FOUND', `Skill ${id} has no revision ${revision}`, {
        details: { id, revision },
      });
    }
    return entry;
  }

  protected emit(changes: StoreChange[]): void {
    for (const change of changes) {
      for (const listener of this.listeners) {
        try {
          listener(change);
        } catch {
          // A failing listener must not break the write that already committed.
        }
      }
    }
  }

  protected requireRecord(id: string): SkillRecord {
    checkId(id);
    const record = this.records.get(id);
    if (!record) throw notFound(id);
    return record;
  }

  protected requireWritable(id: string): SkillRecord {
    const record = this.requireRecord(id);
    if (record.stored.readOnly) throw this.readOnlyError(record.stored);
    return record;
  }

  protected readOnlyError(stored: StoredSkill): AutoSkillError {
    return new AutoSkillError('READ_ONLY', `Skill ${stored.id} belongs to the read-only ${stored.owner}`, {
      details: { id: stored.id, owner: stored.owner },
    });
  }

  protected absolute(location: string): string {
    return absoluteLocation(this.root, location);
  }

  protected ensureStateDir(): void {
    mkdirSync(this.stateDir, { recursive: true });
  }

  protected now(): string {
    return this.clock().toISOString();
  }
}
