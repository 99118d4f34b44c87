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
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AutoSkillError } from '../../shared/errors.js';
import type { Skill } from '../../skill/schema.js';
import { normalizeResourcePath, validateLibraryName, validateUserId } from '../safe-paths.js';
import { decodeSkillFile, upsertSkillMdId } from '../skill-codec.js';
import { SkillListView } from '../skill-list-view.js';
import {
  applyPatch,
  assertBaseRevision,
  assertWritableOwner,
  batchFailure,
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
  StoredSkill,
  StoreListener,
  WriteContext,
} from '../types.js';
import { writeFileAtomic } from './atomic-write.js';
import { FileStoreCore } from './file-store-core.js';
import { checkId, type Transaction } from './file-store-types.js';
import { revisionSummary, storedFromEntry } from './log-entry-views.js';
import type { LogEntry } from './revision-log.js';
import { COMMON_DIR, SKILL_FILE } from './scan.js';
import {
  type LibrarySkillWrite,
  type LibraryWriteResult,
  readSkillFolder,
  writeLibraryFolder,
} from './skill-folders.js';
import type { SkillRecord } from './skill-loader.js';

export { type FileSkillStoreOptions, STATE_DIR } from './file-store-types.js';

function* storedOf(records: Iterable<SkillRecord>): Iterable<StoredSkill> {
  for (const record of records) yield record.stored;
}

export type { LibrarySkillWrite, LibraryWriteResult } from './skill-folders.js';

export class FileSkillStore extends FileStoreCore implements SkillStore {
  /** Listing order kept between calls (skill-list-view.ts). */
  private readonly listView = new SkillListView();

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

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async get(id: string): Promise<StoredSkill | null> {
    await this.beforeRead();
    const record = this.records.get(id);
    return record ? cloneStored(this.withResources(record)) : null;
  }

  /**
   * The skill as of the last read, without looking for other processes' writes first: for callers that
   * have just called `sync()`, such as the store-side search reading its hits back (one `stat` and one
   * await fewer per hit).
   */
  peek(id: string): StoredSkill | null {
    const record = this.records.get(id);
    return record ? cloneStored(this.withResources(record)) : null;
  }

  async list(options: ListOptions): Promise<ListResult> {
    await this.beforeRead();
    if (options.deleted) return this.listDeleted(options);
    return this.listView.select(storedOf(this.records.values()), options, (skill) => {
      const record = this.records.get(skill.id);
      return record ? this.withResources(record) : skill;
    });
  }

  private listDeleted(options: ListOptions): ListResult {
    const userId = validateUserId(options.userId);
    const items: StoredSkill[] = [];
    for (const [id, index] of this.revisions.all()) {
      if (!index.head.deleted || index.head.owner !== userId || this.records.has(id)) continue;
      items.push(storedFromEntry(this.skillFromEntry(index.head), index.head));
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
      return revisionSummary(entry, entry.rev === index.head.rev && !entry.deleted && this.records.has(id));
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
      ...revisionSummary(entry, isCurrent),
      skill: this.skillFromEntry(entry, skillMd),
      skillMd,
      files,
    };
  }

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
          return batchFailure(error);
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
}

export interface NormalizeIdsReport {
  scanned: number;
  changed: Array<{ location: string; id: string }>;
  failed: Array<{ location: string; message: string }>;
}
