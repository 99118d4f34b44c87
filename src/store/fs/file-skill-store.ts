/**
 * @module The filesystem `SkillStore` over the SkillBank layout, with durable revisions.
 *
 * On disk (`<root>/`): `Users/<user>/<folder>/SKILL.md` (+ resources), `Common/…` and extra library
 * folders (read-only, never modified on load), and the store's own state in `.autoskill/` (never
 * scanned): `lock`, `revisions.jsonl` (revision log), `checkpoint.json`, `objects/pack-*.dat` (revision
 * content), `intent.json` (the journal of the transaction in progress), `trash/` and `staging/`.
 *
 * **Why a crash never loses a revision or leaves a skill unreadable.** Every write runs under the
 * cross-process lock as one transaction:
 * 1. the new content is appended to a pack file (content-addressed; nothing refers to it yet);
 * 2. `intent.json` is written atomically (temp + rename) with the log size before the append;
 * 3. the revision lines are appended to `revisions.jsonl` — **the commit point**: a revision exists
 *    before any visible file changes, and a line counts only with its final newline;
 * 4. the skill folders are changed to match the new revisions: existing files are replaced by temp +
 *    rename, files of a folder this transaction creates are written in place, removed resources are
 *    deleted, a deleted skill's folder moves into `trash/` with one rename;
 * 5. `intent.json` is removed.
 * A process killed before 3 leaves unreferenced pack bytes and possibly an intent that the next lock
 * holder finds with no lines after its offset (nothing to do). Killed during 3, it leaves a torn last
 * line, which readers ignore and the next lock holder cuts off. Killed during or after 4, the next
 * lock holder (every writer, and `open`) sees `intent.json` and re-applies every complete line after
 * its offset — idempotent, since each line holds the full target state of its skill. A file can be torn
 * only in a folder created by the unfinished transaction, and that replay rewrites it. Scans (`open`,
 * `refresh`) hold the lock, and readers in other processes take content from the packs by the log, so
 * no reader sees a half-applied folder, and every visible state is one whose revision line is in the
 * log. If a commit fails without a crash (disk full, a file in the way), the journal stays, reads go on,
 * and the next lock holder finishes it. With `durability: 'fsync'` steps 1–4 also flush files and
 * folders to disk, which extends the argument to power loss.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { AutoSkillError, isAutoSkillError } from '../../shared/errors.js';
import type { Skill } from '../../skill/schema.js';
import { normalizeResourcePath, safeFolderName, validateLibraryName, validateUserId } from '../safe-paths.js';
import { decodeSkillFile, newSkillId, parseSkillMd, slugify, upsertSkillMdId } from '../skill-codec.js';
import {
  applyPatch,
  assertBaseRevision,
  assertWritableOwner,
  buildSkill,
  cloneStored,
  hasDeclaredId,
  notFound,
  parseEdit,
  reparse,
  type SkillWithText,
  selectForList,
} from '../skill-records.js';
import type {
  BatchResult,
  BatchWrite,
  CreateOptions,
  CreateSkillInput,
  ListOptions,
  ListResult,
  RefreshReport,
  ResourceChanges,
  RevisionContent,
  RevisionOperation,
  RevisionSummary,
  SkillFiles,
  SkillPatch,
  SkillStore,
  StoreChange,
  StoredSkill,
  StoreListener,
  StoreProblem,
  WriteContext,
} from '../types.js';
import { type Durability, writeFileAtomic } from './atomic-write.js';
import { BlobPack, type BlobRef, sha256 } from './blob-pack.js';
import { FileLock } from './file-lock.js';
import { IntentJournal } from './intent-journal.js';
import { RevisionHistory } from './revision-history.js';
import type { LogEntry } from './revision-log.js';
import { COMMON_DIR, type LibraryDir, listResources, SKILL_FILE, USERS_DIR } from './scan.js';
import {
  absoluteLocation,
  applyRevision,
  type FolderContext,
  type LibrarySkillWrite,
  type LibraryWriteResult,
  readSkillFolder,
  writeLibraryFolder,
} from './skill-folders.js';
import { loadSkillBank, type SkillRecord } from './skill-loader.js';

export type { LibrarySkillWrite, LibraryWriteResult } from './skill-folders.js';

export const STATE_DIR = '.autoskill';

export interface FileSkillStoreOptions {
  /** The SkillBank folder. */
  root: string;
  /** Extra read-only library folders; a bare path is named after its basename (`library:<name>`). */
  libraryDirs?: Array<string | LibraryDir>;
  /**
   * `rename` (default): atomic temp-file + rename writes and an append-only log; survives the process
   * being killed at any point, and costs no disk flush, so a 5,000-skill import takes about a second.
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
interface PendingRevision {
  entry: LogEntry;
  skill: Skill;
  /** The revision's bytes by sha-256, so applying it needs no pack reads. */
  blobs: Map<string, Uint8Array>;
  /** `false` for baselines and hand edits: the folder already holds this content. */
  apply: boolean;
}

/** Skill ids are looked up in memory only and never joined into paths; this only bounds their size. */
function checkId(id: string): void {
  if (typeof id !== 'string' || id.length === 0 || id.length > 200) throw notFound(String(id).slice(0, 200));
}

class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.tail.then(work, work);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

export class FileSkillStore implements SkillStore {
  readonly root: string;
  private readonly stateDir: string;
  private readonly libraries: LibraryDir[];
  private readonly durability: Durability;
  private readonly maxDepth: number;
  private readonly maxFileBytes: number;
  private readonly clock: () => Date;
  private readonly newId: () => string;
  private readonly readOnly: boolean;
  private readonly lock: FileLock;
  private readonly revisions: RevisionHistory;
  private readonly pack: BlobPack;
  private readonly journal: IntentJournal;
  private readonly folders: FolderContext;
  private readonly queue = new SerialQueue();
  private readonly listeners = new Set<StoreListener>();

  private records = new Map<string, SkillRecord>();
  private locations = new Map<string, string>();
  /** Problems of the last scan (bad files, duplicate ids). */
  private lastProblems: StoreProblem[] = [];
  /** Problems of the store's own state (unreadable log lines, unfinished recovery), kept across scans. */
  private stateProblems = new Map<string, StoreProblem>();
  private opened = false;
  /** Set when a commit failed half-way (e.g. disk full): memory may not match disk until a rescan. */
  private stale = false;

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

  // ---------------------------------------------------------------- lifecycle

  async open(): Promise<RefreshReport> {
    const report = await this.rescan();
    this.opened = true;
    return report;
  }

  async close(): Promise<void> {
    await this.queue.run(async () => {
      this.pack.close();
      this.opened = false;
    });
  }

  async sync(): Promise<void> {
    await this.beforeRead();
  }

  async refresh(): Promise<RefreshReport> {
    return this.rescan();
  }

  problems(): StoreProblem[] {
    return [...this.stateProblems.values(), ...this.lastProblems];
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---------------------------------------------------------------- reads

  async get(id: string): Promise<StoredSkill | null> {
    await this.beforeRead();
    const record = this.records.get(id);
    return record ? cloneStored(this.withResources(record)) : null;
  }

  async list(options: ListOptions): Promise<ListResult> {
    await this.beforeRead();
    if (options.deleted) return this.listDeleted(options);
    return selectForList(
      [...this.records.values()].map((record) => record.stored),
      options,
      (skill) => {
        const record = this.records.get(skill.id);
        return record ? this.withResources(record) : skill;
      },
    );
  }

  private listDeleted(options: ListOptions): ListResult {
    const userId = validateUserId(options.userId);
    const items: StoredSkill[] = [];
    for (const [id, index] of this.revisions.all()) {
      if (!index.head.deleted || index.head.owner !== userId || this.records.has(id)) continue;
      items.push(this.toStored(this.skillFromEntry(index.head), index.head));
    }
    return selectForList(items, { ...options, scope: 'user', includeArchived: true });
  }

  async readFiles(id: string): Promise<SkillFiles> {
    await this.beforeRead();
    const record = this.requireRecord(id);
    const head = this.revisions.get(id)?.head;
    if (head && !head.deleted && head.skillMd.h === record.hash && head.location === record.stored.location) {
      const files: Record<string, Uint8Array> = {};
      for (const [path, ref] of Object.entries(head.files)) files[path] = this.pack.read(ref);
      return { skillMd: this.pack.read(head.skillMd).toString('utf8'), files };
    }
    const disk = readSkillFolder(record.dir);
    if (disk === null) throw notFound(id);
    const files: Record<string, Uint8Array> = {};
    for (const [path, bytes] of disk) if (path !== SKILL_FILE) files[path] = bytes;
    return { skillMd: Buffer.from(disk.get(SKILL_FILE) ?? new Uint8Array()).toString('utf8'), files };
  }

  async versions(id: string): Promise<RevisionSummary[]> {
    checkId(id);
    await this.beforeRead();
    const record = this.records.get(id);
    if (record?.stored.readOnly) return [];
    if (record && !this.readOnly && this.needsCapture(record)) {
      await this.transaction((tx) => {
        this.captureDisk(tx, this.requireRecord(id));
      });
    }
    const index = this.revisions.get(id);
    if (!index) {
      if (record) return [];
      throw notFound(id);
    }
    return index.offsets.map((offset, position) => {
      const entry = position === index.offsets.length - 1 ? index.head : this.revisions.readEntry(offset);
      return this.summarize(entry, entry.rev === index.head.rev && !entry.deleted && this.records.has(id));
    });
  }

  async getRevision(id: string, revision: number): Promise<RevisionContent> {
    checkId(id);
    await this.beforeRead();
    const entry = this.entryAt(id, revision);
    const skillMd = this.pack.read(entry.skillMd).toString('utf8');
    const files: Record<string, Uint8Array> = {};
    for (const [path, ref] of Object.entries(entry.files)) files[path] = this.pack.read(ref);
    const index = this.revisions.get(id);
    const isCurrent = index?.head.rev === revision && !entry.deleted && this.records.has(id);
    return {
      ...this.summarize(entry, isCurrent),
      skill: this.skillFromEntry(entry, skillMd),
      skillMd,
      files,
    };
  }

  // ---------------------------------------------------------------- writes

  async create(
    input: CreateSkillInput,
    context: WriteContext,
    options: CreateOptions = {},
  ): Promise<StoredSkill> {
    return this.transaction((tx) =>
      this.stageCreate(tx, input.id ?? this.newId(), { kind: 'create', input, options }, context),
    );
  }

  async writeBatch(writes: BatchWrite[], context: WriteContext): Promise<BatchResult[]> {
    return this.transaction((tx) =>
      writes.map((write): BatchResult => {
        const mark = tx.revisions.length;
        try {
          const id = write.kind === 'replace' ? write.id : (write.input.id ?? this.newId());
          return { ok: true, skill: this.stageCreate(tx, id, write, context) };
        } catch (error) {
          // stageCreate reserves folder and id only once nothing can fail; drop what it staged before.
          for (const dropped of tx.revisions.splice(mark)) {
            tx.lastEntry.delete(dropped.entry.id);
            const earlier = tx.revisions.findLast((item) => item.entry.id === dropped.entry.id);
            if (earlier) tx.lastEntry.set(dropped.entry.id, earlier.entry);
          }
          const failure = isAutoSkillError(error)
            ? error
            : new AutoSkillError('INTERNAL', (error as Error).message ?? String(error), { cause: error });
          return {
            ok: false,
            error: { code: failure.code, message: failure.message, details: failure.details },
          };
        }
      }),
    );
  }

  async update(
    id: string,
    patch: SkillPatch,
    context: WriteContext,
    options: { files?: ResourceChanges } = {},
  ): Promise<StoredSkill> {
    return this.writeOne(id, context, (current, now) => ({
      next: applyPatch(current, patch, now),
      files: options.files,
      op: 'update',
    }));
  }

  async saveSkillMd(id: string, text: string, context: WriteContext): Promise<StoredSkill> {
    return this.writeOne(id, context, (current, now, record) => ({
      next: parseEdit(current, text, now, `${record.stored.location}/${SKILL_FILE}`),
      op: 'edit',
    }));
  }

  async rollback(id: string, toRevision: number, context: WriteContext): Promise<StoredSkill> {
    checkId(id);
    return this.writeOne(id, context, (current, now) => {
      const target = this.entryAt(id, toRevision);
      const skillMd = this.pack.read(target.skillMd).toString('utf8');
      const skill = this.skillFromEntry(target, skillMd);
      const files: ResourceChanges = {};
      for (const path of current.resources) files[path] = null;
      for (const [path, ref] of Object.entries(target.files)) files[path] = this.pack.read(ref);
      return {
        next: { skill: { ...skill, createdAt: current.createdAt, updatedAt: now }, skillMd },
        files,
        op: 'rollback',
        from: toRevision,
      };
    });
  }

  async delete(id: string, context: WriteContext): Promise<void> {
    checkId(id);
    await this.transaction((tx) => {
      const record = this.requireWritable(id);
      const seen = record.stored.revision;
      const head = this.captureDisk(tx, record);
      this.checkBase(tx, id, seen, head, context.baseRevision);
      this.pushRevision(tx, { ...head, op: 'delete', deleted: true, from: null }, context, head, {
        skill: this.skillFromEntry(head),
        content: this.contentOf(head),
      });
    });
  }

  async restore(id: string, context: WriteContext): Promise<StoredSkill> {
    checkId(id);
    return this.transaction((tx) => {
      if (this.records.has(id)) {
        throw new AutoSkillError('CONFLICT', `Skill ${id} is not deleted`, { details: { id } });
      }
      const index = this.revisions.get(id);
      if (!index) throw notFound(id);
      const head = index.head;
      assertBaseRevision(id, head.rev, context.baseRevision);
      const skill = this.skillFromEntry(head);
      const free = !this.locations.has(head.location) && !existsSync(this.absolute(head.location));
      const location = free ? head.location : this.allocateFolder(tx, head.owner, skill.name, id);
      tx.reserved.set(location, id);
      const stored = this.pushRevision(
        tx,
        { ...head, op: 'restore', deleted: false, location, from: null },
        context,
        head,
        { skill: { ...skill, updatedAt: this.now() }, content: this.contentOf(head) },
      );
      return stored;
    });
  }

  /**
   * Copies skill folders into the read-only library `Common/<library>/<rel>/` (the bootstrap import of
   * core.md §10). Each folder is assembled under `.autoskill/staging/` and moved into place with one
   * rename, so a half-copied folder is never visible. Libraries have no revision history.
   */
  async writeLibrarySkills(
    library: string,
    items: LibrarySkillWrite[],
    options: { overwrite: boolean },
  ): Promise<LibraryWriteResult[]> {
    const name = validateLibraryName(library);
    if (this.readOnly)
      throw new AutoSkillError('READ_ONLY', `The store at ${this.root} was opened read-only`);
    return this.queue.run(async () => {
      this.ensureStateDir();
      await this.lock.acquire();
      try {
        this.recover();
        this.syncFromLog('remote');
        // Staging folders are only used under the lock: any left now belong to a killed import.
        rmSync(join(this.stateDir, 'staging'), { recursive: true, force: true });
        rmSync(join(this.stateDir, 'trash'), { recursive: true, force: true });
        const results = items.map((item) =>
          writeLibraryFolder(this.folders, `${COMMON_DIR}/${name}`, item, options.overwrite),
        );
        if (results.some((result) => result.status === 'imported')) this.loadAll();
        return results;
      } finally {
        this.lock.release();
      }
    });
  }

  /**
   * Writes the id each skill is known by into SKILL.md files that declare none (`autoskill ids
   * normalize`). User skills get a `normalize-id` revision; library files are changed only with
   * `includeLibraries` (and have no history). Ids do not change: a file's id is the one it was loaded with.
   */
  async normalizeIds(
    options: { includeLibraries?: boolean; actor?: string } = {},
  ): Promise<NormalizeIdsReport> {
    const report: NormalizeIdsReport = { scanned: 0, changed: [], failed: [] };
    const libraryChanges: Array<{ record: SkillRecord; text: string }> = [];
    await this.transaction((tx) => {
      for (const record of [...this.records.values()]) {
        report.scanned += 1;
        const file = join(record.dir, SKILL_FILE);
        let text: string;
        try {
          text = decodeSkillFile(readFileSync(file), { source: file, maxBytes: this.maxFileBytes });
        } catch (error) {
          report.failed.push({ location: record.stored.location, message: (error as Error).message });
          continue;
        }
        if (hasDeclaredId(text)) continue;
        if (record.stored.readOnly) {
          if (options.includeLibraries) libraryChanges.push({ record, text });
          continue;
        }
        const head = this.captureDisk(tx, record);
        const skillMd = upsertSkillMdId(text, record.stored.id);
        const content = this.contentOf(head);
        content.set(SKILL_FILE, Buffer.from(skillMd, 'utf8'));
        const skill = { ...this.skillFromEntry(head), updatedAt: this.now() };
        this.pushRevision(
          tx,
          { ...head, op: 'normalize-id', deleted: false, from: null },
          {
            actor: options.actor ?? 'ids-normalize',
            reason: 'write the id into SKILL.md',
          },
          head,
          { skill, content },
        );
        report.changed.push({ location: record.stored.location, id: record.stored.id });
      }
      for (const { record, text } of libraryChanges) {
        try {
          writeFileAtomic(
            join(record.dir, SKILL_FILE),
            upsertSkillMdId(text, record.stored.id),
            this.durability,
          );
          report.changed.push({ location: record.stored.location, id: record.stored.id });
        } catch (error) {
          report.failed.push({ location: record.stored.location, message: (error as Error).message });
        }
      }
      if (libraryChanges.length > 0) this.loadAll();
    });
    return report;
  }

  // ---------------------------------------------------------------- write internals

  private async writeOne(
    id: string,
    context: WriteContext,
    change: (
      current: Skill,
      now: string,
      record: SkillRecord,
    ) => { next: SkillWithText; files?: ResourceChanges | undefined; op: RevisionOperation; from?: number },
  ): Promise<StoredSkill> {
    checkId(id);
    return this.transaction((tx) => {
      const record = this.requireWritable(id);
      const seen = record.stored.revision;
      const head = this.captureDisk(tx, record);
      this.checkBase(tx, id, seen, head, context.baseRevision);
      const current = this.skillFromEntry(head);
      const now = this.now();
      const { next, files, op, from } = change(current, now, record);
      const content = this.contentOf(head);
      for (const [rawPath, bytes] of Object.entries(files ?? {})) {
        const path = normalizeResourcePath(rawPath);
        if (bytes === null) content.delete(path);
        else content.set(path, bytes);
      }
      const resources = [...content.keys()].filter((path) => path !== SKILL_FILE).sort();
      const rendered =
        op === 'update' && resources.join('\n') !== next.skill.resources.join('\n')
          ? reparse({ ...next.skill, resources })
          : next;
      content.set(SKILL_FILE, Buffer.from(rendered.skillMd, 'utf8'));
      return this.pushRevision(tx, { ...head, op, deleted: false, from: from ?? null }, context, head, {
        skill: { ...rendered.skill, resources, updatedAt: now },
        content,
      });
    });
  }

  private stageCreate(tx: Transaction, id: string, write: BatchWrite, context: WriteContext): StoredSkill {
    checkId(id);
    const owner = assertWritableOwner(write.input.owner);
    const options = write.options ?? {};
    const content = new Map<string, Uint8Array>();
    for (const [rawPath, bytes] of Object.entries(options.files ?? {})) {
      content.set(normalizeResourcePath(rawPath), bytes);
    }
    const resources = [...content.keys()].sort();
    const now = this.now();
    const existing = this.records.get(id);
    if (write.kind === 'create' && (existing || tx.ids.has(id))) {
      throw new AutoSkillError('CONFLICT', `A skill with id ${id} already exists`, { details: { id } });
    }
    if (existing?.stored.readOnly) throw this.readOnlyError(existing.stored);
    let head: LogEntry | null = null;
    let createdAt = write.input.createdAt ?? now;
    if (existing) {
      if (existing.stored.owner !== owner) {
        throw new AutoSkillError('CONFLICT', `Skill ${id} belongs to another owner`, { details: { id } });
      }
      const seen = existing.stored.revision;
      head = this.captureDisk(tx, existing);
      this.checkBase(tx, id, seen, head, context.baseRevision);
      createdAt = existing.stored.createdAt ?? createdAt;
    } else {
      head = this.revisions.get(id)?.head ?? null;
    }
    const built = buildSkill({ ...write.input, owner, createdAt }, { ...options, id, resources, now });
    const location = existing
      ? existing.stored.location
      : this.allocateFolder(tx, owner, built.skill.name, id);
    // A replace holds exactly the given files: resources of the replaced state are not carried over.
    content.set(SKILL_FILE, Buffer.from(built.skillMd, 'utf8'));
    const op: RevisionOperation = existing ? 'update' : 'create';
    tx.reserved.set(location, id);
    tx.ids.add(id);
    return this.pushRevision(tx, { id, op, owner, location, deleted: false, from: null }, context, head, {
      skill: built.skill,
      content,
    });
  }

  /**
   * Adds a revision to the transaction: stores its content in the pack and returns the stored skill as
   * it will be visible once committed.
   */
  private pushRevision(
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
    return this.toStored(skill, entry);
  }

  /**
   * Makes sure the visible state of a user skill has a revision: records a baseline for a skill with
   * no history, or an `external-edit` when its files were changed by hand. Returns the head.
   */
  private captureDisk(tx: Transaction, record: SkillRecord): LogEntry {
    const id = record.stored.id;
    const head = this.revisions.get(id)?.head ?? null;
    const disk = readSkillFolder(record.dir);
    if (disk === null) {
      if (head && !head.deleted) return head;
      throw notFound(id);
    }
    if (head && !head.deleted && head.location === record.stored.location && this.sameContent(head, disk)) {
      if (sha256(disk.get(SKILL_FILE)!) !== record.hash) this.installEntry(head, null);
      return head;
    }
    const text = Buffer.from(disk.get(SKILL_FILE)!).toString('utf8');
    const parsed = this.parseFolderText(text, record.stored, record.stored.location);
    const mtime = this.mtimeIso(join(record.dir, SKILL_FILE));
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
  private checkBase(
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

  private withResources(record: SkillRecord): StoredSkill {
    if (!record.resourcesKnown) {
      record.stored.resources = listResources(record.dir);
      record.resourcesKnown = true;
    }
    return record.stored;
  }

  private needsCapture(record: SkillRecord): boolean {
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

  private sameContent(head: LogEntry, disk: Map<string, Uint8Array>): boolean {
    if (disk.size !== Object.keys(head.files).length + 1) return false;
    for (const [path, bytes] of disk) {
      const ref = path === SKILL_FILE ? head.skillMd : head.files[path];
      if (!ref || ref.n !== bytes.length || sha256(bytes) !== ref.h) return false;
    }
    return true;
  }

  private async transaction<T>(work: (tx: Transaction) => T): Promise<T> {
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

  private addStateProblem(problem: StoreProblem): void {
    this.stateProblems.set(`${problem.location}\n${problem.message}`, problem);
  }

  private commitOrMarkStale(tx: Transaction): void {
    try {
      this.commit(tx);
    } catch (error) {
      // The journal stays, so the next lock holder finishes the folders; this process rescans then.
      this.stale = true;
      throw error;
    }
  }

  /** After a failed commit: finish it from the journal and reload everything from disk (lock held). */
  private reloadAfterFailure(): void {
    this.recover();
    this.loadAll();
    this.stale = false;
  }

  private commit(tx: Transaction): void {
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
      changes.push(this.changeFor(entry, 'local'));
    });
    this.journal.end();
    this.revisions.checkpointIfDue();
    this.emit(changes);
  }

  /** Replays the transaction a killed writer left half-applied. Lock holder only. */
  private recover(): void {
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

  private allocateFolder(tx: Transaction, owner: string, name: string, id: string): string {
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

  private folderExists(tx: Transaction, user: string, folder: string): boolean {
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

  // ---------------------------------------------------------------- loading

  private async beforeRead(): Promise<void> {
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
  private syncFromLog(origin: StoreChange['origin'], until?: number): void {
    const { entries, bad } = this.revisions.readNew(until);
    const changes: StoreChange[] = [];
    if (this.opened) {
      for (const entry of entries) {
        this.installEntry(entry, null);
        changes.push(this.changeFor(entry, origin));
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
  private installEntry(entry: LogEntry, skill: Skill | null): void {
    const old = this.records.get(entry.id);
    if (old && !old.stored.readOnly) this.locations.delete(old.stored.location);
    if (entry.deleted) {
      if (old && !old.stored.readOnly) this.records.delete(entry.id);
      return;
    }
    if (old?.stored.readOnly) return;
    const resolved = skill ?? this.skillFromEntry(entry);
    this.records.set(entry.id, {
      stored: this.toStored(resolved, entry),
      dir: this.absolute(entry.location),
      hash: entry.skillMd.h,
      resourcesKnown: true,
    });
    this.locations.set(entry.location, entry.id);
  }

  /** Full scan of the SkillBank under the lock (so no writer is half-way), then the in-memory swap. */
  private async rescan(): Promise<RefreshReport> {
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
  private async tryLockForScan(): Promise<boolean> {
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

  private loadAll(): RefreshReport {
    const { records, problems } = loadSkillBank({
      root: this.root,
      libraries: this.libraries,
      maxDepth: this.maxDepth,
      maxFileBytes: this.maxFileBytes,
      headOf: (id) => this.revisions.head(id),
    });
    // Skills whose folder a writer has not created yet cannot exist here: the scan holds the lock.
    const changes: StoreChange[] = [];
    let added = 0;
    let changed = 0;
    if (!this.opened) added = records.size;
    else
      for (const [id, record] of records) {
        const before = this.records.get(id);
        if (!before) added += 1;
        else if (before.hash !== record.hash || before.stored.location !== record.stored.location)
          changed += 1;
        else continue;
        changes.push({
          type: 'upsert',
          id,
          owner: record.stored.owner,
          revision: record.stored.revision,
          origin: 'rescan',
        });
      }
    let removed = 0;
    for (const [id, record] of this.records) {
      if (records.has(id)) continue;
      removed += 1;
      changes.push({ type: 'delete', id, owner: record.stored.owner, revision: 0, origin: 'rescan' });
    }
    this.records = records;
    this.locations = new Map();
    for (const record of records.values()) {
      if (!record.stored.readOnly) this.locations.set(record.stored.location, record.stored.id);
    }
    this.lastProblems = problems;
    if (this.opened) this.emit(changes);
    return { loaded: records.size, added, changed, removed, problems: this.problems() };
  }

  // ---------------------------------------------------------------- helpers

  /** The skill a revision holds: parsed from its SKILL.md, with the state the file cannot hold. */
  private skillFromEntry(entry: LogEntry, text?: string): Skill {
    const skillMd = text ?? this.pack.read(entry.skillMd).toString('utf8');
    const parsed = parseSkillMd(skillMd, {
      owner: entry.owner,
      source: `${entry.location}/${SKILL_FILE}@${entry.rev}`,
      fallbackName: entry.name,
    });
    return {
      ...parsed,
      id: entry.id,
      owner: entry.owner,
      resources: Object.keys(entry.files).sort(),
      status: entry.status,
      metadata: entry.metadata,
      createdAt: entry.createdAt,
      updatedAt: entry.updatedAt,
    };
  }

  private parseFolderText(text: string, stored: StoredSkill, location: string): Skill {
    const parsed = parseSkillMd(text, {
      owner: stored.owner,
      source: `${location}/${SKILL_FILE}`,
      fallbackName: basename(location),
      deterministicIdKey: location.split('/').slice(2).join('/'),
    });
    return { ...parsed, id: stored.id, owner: stored.owner };
  }

  private toStored(skill: Skill, entry: LogEntry): StoredSkill {
    return { ...skill, revision: entry.rev, location: entry.location, readOnly: false };
  }

  private contentOf(entry: LogEntry): Map<string, Uint8Array> {
    const content = new Map<string, Uint8Array>();
    content.set(SKILL_FILE, this.pack.read(entry.skillMd));
    for (const [path, ref] of Object.entries(entry.files)) content.set(path, this.pack.read(ref));
    return content;
  }

  /** SKILL.md and resources of a folder, or null when it has no SKILL.md. */
  private entryAt(id: string, revision: number): LogEntry {
    const entry = this.revisions.entryAt(id, revision);
    if (entry === null) {
      if (!this.revisions.get(id) !== undefined && !this.records.has(id)) throw notFound(id);
      throw new AutoSkillError('REVISION_NOT_FOUND', `Skill ${id} has no revision ${revision}`, {
        details: { id, revision },
      });
    }
    return entry;
  }

  private summarize(entry: LogEntry, isCurrent: boolean): RevisionSummary {
    return {
      revision: entry.rev,
      operation: entry.op,
      at: entry.at,
      actor: entry.actor,
      reason: entry.reason,
      version: entry.version,
      name: entry.name,
      location: entry.location,
      isCurrent,
      deleted: entry.deleted,
      restoredFrom: entry.from,
    };
  }

  private changeFor(entry: LogEntry, origin: StoreChange['origin']): StoreChange {
    return {
      type: entry.deleted ? 'delete' : 'upsert',
      id: entry.id,
      owner: entry.owner,
      revision: entry.rev,
      origin,
    };
  }

  private emit(changes: StoreChange[]): void {
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

  private requireRecord(id: string): SkillRecord {
    checkId(id);
    const record = this.records.get(id);
    if (!record) throw notFound(id);
    return record;
  }

  private requireWritable(id: string): SkillRecord {
    const record = this.requireRecord(id);
    if (record.stored.readOnly) throw this.readOnlyError(record.stored);
    return record;
  }

  private readOnlyError(stored: StoredSkill): AutoSkillError {
    return new AutoSkillError('READ_ONLY', `Skill ${stored.id} belongs to the read-only ${stored.owner}`, {
      details: { id: stored.id, owner: stored.owner },
    });
  }

  private absolute(location: string): string {
    return absoluteLocation(this.root, location);
  }

  private ensureStateDir(): void {
    mkdirSync(this.stateDir, { recursive: true });
  }

  private mtimeIso(path: string): string | null {
    try {
      return statSync(path).mtime.toISOString();
    } catch {
      return null;
    }
  }

  private now(): string {
    return this.clock().toISOString();
  }
}

export interface NormalizeIdsReport {
  scanned: number;
  changed: Array<{ location: string; id: string }>;
  failed: Array<{ location: string; message: string }>;
}

interface Transaction {
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
