/**
 * @module An in-memory `SkillStore` with the same behaviour as the filesystem store (revisions,
 * stale-revision checks, delete/restore, read-only libraries), for tests and embedding without a disk.
 * Library skills can be seeded through `libraries`.
 */
import { AutoSkillError, isAutoSkillError } from '../shared/errors.js';
import type { Skill } from '../skill/schema.js';
import { normalizeResourcePath, safeFolderName, validateUserId } from './safe-paths.js';
import { newSkillId, slugify } from './skill-codec.js';
import { SkillListView } from './skill-list-view.js';
import {
  applyPatch,
  assertBaseRevision,
  assertWritableOwner,
  buildSkill,
  cloneStored,
  notFound,
  parseEdit,
  reparse,
  type SkillWithText,
  selectForList,
} from './skill-records.js';
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
} from './types.js';

export interface MemorySkillStoreOptions {
  /** Read-only library skills present from the start. */
  libraries?: Skill[];
  /** @default () => new Date() */
  clock?: () => Date;
  /** @default newSkillId (uuid4) */
  newId?: () => string;
}

interface Revision extends RevisionSummary {
  skill: Skill;
  skillMd: string;
  files: Map<string, Uint8Array>;
}

interface Entry {
  revisions: Revision[];
  visible: boolean;
}

export class MemorySkillStore implements SkillStore {
  private readonly entries = new Map<string, Entry>();
  private readonly libraries = new Map<string, StoredSkill>();
  private readonly listeners = new Set<StoreListener>();
  /** Listing order kept between calls, and one listed object per revision so that it can be kept. */
  private readonly listView = new SkillListView();
  private readonly listedRevisions = new WeakMap<Revision, StoredSkill>();
  private readonly clock: () => Date;
  private readonly newId: () => string;

  constructor(options: MemorySkillStoreOptions = {}) {
    this.clock = options.clock ?? (() => new Date());
    this.newId = options.newId ?? newSkillId;
    for (const skill of options.libraries ?? []) {
      this.libraries.set(skill.id, {
        ...structuredClone(skill),
        revision: 0,
        location: `Common/${safeFolderName(slugify(skill.name))}`,
        readOnly: true,
      });
    }
  }

  async open(): Promise<RefreshReport> {
    return { loaded: this.visible().length, added: 0, changed: 0, removed: 0, problems: [] };
  }

  async close(): Promise<void> {}

  async sync(): Promise<void> {}

  async refresh(): Promise<RefreshReport> {
    return this.open();
  }

  problems(): StoreProblem[] {
    return [];
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async get(id: string): Promise<StoredSkill | null> {
    const found = this.libraries.get(id) ?? this.current(id);
    return found ? cloneStored(found) : null;
  }

  async list(options: ListOptions): Promise<ListResult> {
    if (options.deleted) {
      const userId = validateUserId(options.userId);
      const deleted = [...this.entries.values()]
        .filter((entry) => !entry.visible && entry.revisions.at(-1)?.skill.owner === userId)
        .map((entry) => this.toStored(entry.revisions.at(-1)!));
      return selectForList(deleted, { ...options, scope: 'user', includeArchived: true });
    }
    return this.listView.select(this.listable(), options);
  }

  /** Visible skills for listing: the same object for a revision every time (listing copies what it returns). */
  private *listable(): Iterable<StoredSkill> {
    yield* this.libraries.values();
    for (const entry of this.entries.values()) {
      const head = entry.revisions.at(-1);
      if (!entry.visible || !head) continue;
      let stored = this.listedRevisions.get(head);
      if (!stored) {
        stored = this.toStored(head);
        this.listedRevisions.set(head, stored);
      }
      yield stored;
    }
  }

  async readFiles(id: string): Promise<SkillFiles> {
    const library = this.libraries.get(id);
    if (library) return { skillMd: reparse(library).skillMd, files: {} };
    const head = this.head(id);
    if (!head || !this.entries.get(id)?.visible) throw notFound(id);
    return { skillMd: head.skillMd, files: Object.fromEntries(head.files) };
  }

  async create(
    input: CreateSkillInput,
    context: WriteContext,
    options: CreateOptions = {},
  ): Promise<StoredSkill> {
    const id = input.id ?? this.newId();
    if (this.entries.has(id) || this.libraries.has(id)) {
      throw new AutoSkillError('CONFLICT', `A skill with id ${id} already exists`, { details: { id } });
    }
    const files = this.resourceMap(options.files ?? {});
    const built = buildSkill(input, { ...options, id, resources: [...files.keys()].sort(), now: this.now() });
    const location = this.allocate(built.skill.owner, built.skill.name);
    return this.push(id, built, files, 'create', context, { location });
  }

  async writeBatch(writes: BatchWrite[], context: WriteContext): Promise<BatchResult[]> {
    const results: BatchResult[] = [];
    for (const write of writes) {
      try {
        const skill =
          write.kind === 'replace' && this.current(write.id)
            ? await this.replace(write.id, write.input, context, write.options ?? {})
            : await this.create(
                { ...write.input, id: write.kind === 'replace' ? write.id : write.input.id },
                context,
                write.options,
              );
        results.push({ ok: true, skill });
      } catch (error) {
        const failure = isAutoSkillError(error) ? error : new AutoSkillError('INTERNAL', String(error));
        results.push({
          ok: false,
          error: { code: failure.code, message: failure.message, details: failure.details },
        });
      }
    }
    return results;
  }

  async update(
    id: string,
    patch: SkillPatch,
    context: WriteContext,
    options: { files?: ResourceChanges } = {},
  ): Promise<StoredSkill> {
    const head = this.writable(id, context);
    const files = new Map(head.files);
    for (const [path, bytes] of Object.entries(options.files ?? {})) {
      const normalized = normalizeResourcePath(path);
      if (bytes === null) files.delete(normalized);
      else files.set(normalized, bytes);
    }
    const patched = applyPatch({ ...head.skill, resources: [...files.keys()].sort() }, patch, this.now());
    return this.push(id, patched, files, 'update', context, { location: head.location });
  }

  async saveSkillMd(id: string, text: string, context: WriteContext): Promise<StoredSkill> {
    const head = this.writable(id, context);
    const edited = parseEdit(head.skill, text, this.now(), `${head.location}/SKILL.md`);
    return this.push(id, edited, new Map(head.files), 'edit', context, { location: head.location });
  }

  async rollback(id: string, toRevision: number, context: WriteContext): Promise<StoredSkill> {
    const head = this.writable(id, context);
    const target = this.revision(id, toRevision);
    const skill = { ...target.skill, createdAt: head.skill.createdAt, updatedAt: this.now() };
    return this.push(id, { skill, skillMd: target.skillMd }, new Map(target.files), 'rollback', context, {
      location: head.location,
      from: toRevision,
    });
  }

  async delete(id: string, context: WriteContext): Promise<void> {
    const head = this.writable(id, context);
    this.push(id, { skill: head.skill, skillMd: head.skillMd }, head.files, 'delete', context, {
      location: head.location,
      deleted: true,
    });
  }

  async restore(id: string, context: WriteContext): Promise<StoredSkill> {
    const entry = this.entries.get(id);
    if (!entry) throw notFound(id);
    if (entry.visible)
      throw new AutoSkillError('CONFLICT', `Skill ${id} is not deleted`, { details: { id } });
    const head = entry.revisions.at(-1)!;
    assertBaseRevision(id, head.revision, context.baseRevision);
    const taken = this.visible().some((skill) => skill.location === head.location);
    const location = taken ? this.allocate(head.skill.owner, head.skill.name) : head.location;
    const skill = { ...head.skill, updatedAt: this.now() };
    return this.push(id, { skill, skillMd: head.skillMd }, head.files, 'restore', context, { location });
  }

  async versions(id: string): Promise<RevisionSummary[]> {
    if (this.libraries.has(id)) return [];
    const entry = this.entries.get(id);
    if (!entry) throw notFound(id);
    const last = entry.revisions.length;
    return entry.revisions.map((revision) =>
      this.summary(revision, entry.visible && revision.revision === last),
    );
  }

  async getRevision(id: string, revision: number): Promise<RevisionContent> {
    const found = this.revision(id, revision);
    const entry = this.entries.get(id)!;
    const isCurrent = entry.visible && revision === entry.revisions.length;
    return {
      ...this.summary(found, isCurrent),
      skill: structuredClone(found.skill),
      skillMd: found.skillMd,
      files: Object.fromEntries(found.files),
    };
  }

  private async replace(
    id: string,
    input: CreateSkillInput,
    context: WriteContext,
    options: CreateOptions,
  ): Promise<StoredSkill> {
    const head = this.writable(id, context);
    const files = this.resourceMap(options.files ?? {});
    const built = buildSkill(
      { ...input, createdAt: head.skill.createdAt },
      { ...options, id, resources: [...files.keys()].sort(), now: this.now() },
    );
    return this.push(id, built, files, 'update', context, { location: head.location });
  }

  private push(
    id: string,
    built: SkillWithText,
    files: Map<string, Uint8Array>,
    operation: RevisionOperation,
    context: WriteContext,
    where: { location: string; deleted?: boolean; from?: number },
  ): StoredSkill {
    const entry = this.entries.get(id) ?? { revisions: [], visible: false };
    const revision: Revision = {
      revision: entry.revisions.length + 1,
      operation,
      at: this.now(),
      actor: context.actor,
      reason: context.reason ?? null,
      version: built.skill.version,
      name: built.skill.name,
      location: where.location,
      isCurrent: false,
      deleted: where.deleted ?? false,
      restoredFrom: where.from ?? null,
      skill: structuredClone({ ...built.skill, resources: [...files.keys()].sort() }),
      skillMd: built.skillMd,
      files: new Map(files),
    };
    entry.revisions.push(revision);
    entry.visible = !revision.deleted;
    this.entries.set(id, entry);
    const change: StoreChange = {
      type: revision.deleted ? 'delete' : 'upsert',
      id,
      owner: built.skill.owner,
      revision: revision.revision,
      origin: 'local',
    };
    for (const listener of this.listeners) listener(change);
    return this.toStored(revision);
  }

  private writable(id: string, context: WriteContext): Revision {
    if (this.libraries.has(id)) {
      throw new AutoSkillError('READ_ONLY', `Skill ${id} belongs to a read-only library`, {
        details: { id },
      });
    }
    const head = this.head(id);
    if (!head || !this.entries.get(id)?.visible) throw notFound(id);
    assertWritableOwner(head.skill.owner);
    assertBaseRevision(id, head.revision, context.baseRevision);
    return head;
  }

  private revision(id: string, revision: number): Revision {
    const entry = this.entries.get(id);
    if (!entry) throw notFound(id);
    const found = entry.revisions[revision - 1];
    if (!found) {
      throw new AutoSkillError('REVISION_NOT_FOUND', `Skill ${id} has no revision ${revision}`, {
        details: { id, revision },
      });
    }
    return found;
  }

  private head(id: string): Revision | undefined {
    return this.entries.get(id)?.revisions.at(-1);
  }

  private current(id: string): StoredSkill | undefined {
    const entry = this.entries.get(id);
    const head = entry?.revisions.at(-1);
    return entry?.visible && head ? this.toStored(head) : undefined;
  }

  private visible(): StoredSkill[] {
    const out: StoredSkill[] = [...this.libraries.values()];
    for (const id of this.entries.keys()) {
      const skill = this.current(id);
      if (skill) out.push(skill);
    }
    return out;
  }

  private toStored(revision: Revision): StoredSkill {
    return {
      ...structuredClone(revision.skill),
      revision: revision.revision,
      location: revision.location,
      readOnly: false,
    };
  }

  private summary(revision: Revision, isCurrent: boolean): RevisionSummary {
    const { skill: _skill, skillMd: _skillMd, files: _files, ...summary } = revision;
    return { ...summary, isCurrent };
  }

  private resourceMap(files: Record<string, Uint8Array>): Map<string, Uint8Array> {
    return new Map(Object.entries(files).map(([path, bytes]) => [normalizeResourcePath(path), bytes]));
  }

  private allocate(owner: string, name: string): string {
    const base = `Users/${validateUserId(owner)}/${safeFolderName(slugify(name))}`;
    const taken = new Set(this.visible().map((skill) => skill.location));
    for (let attempt = 1; ; attempt += 1) {
      const location = attempt === 1 ? base : `${base}-${attempt}`;
      if (!taken.has(location)) return location;
    }
  }

  private now(): string {
    return this.clock().toISOString();
  }
}
