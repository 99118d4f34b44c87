/**
 * @module The `SkillStore` contract shared by the in-memory, filesystem and (later) PostgreSQL stores:
 * reads, revisioned writes, history, change notifications. Every method is async so that a networked
 * store implements the same interface.
 */
import type { Skill, SkillInput, SkillStatus } from '../skill/schema.js';

/** Which skills a listing covers: one user's own, the read-only libraries, or both. */
export type ListScope = 'user' | 'library' | 'all';

/** A skill as the store holds it: the skill itself plus where and at which revision it lives. */
export interface StoredSkill extends Skill {
  /**
   * Number of the revision that produced the visible state (1, 2, …). `0` means the skill has no
   * recorded history yet (a file written by the original or by hand; a baseline is recorded the first
   * time the store needs one) — and always for read-only library skills.
   */
  revision: number;
  /** Folder of the skill relative to the store root, `/`-separated (e.g. `Users/u1/my-skill`). */
  location: string;
  /** Library skills are read-only: every write to them fails with `READ_ONLY`. */
  readOnly: boolean;
}

/** Who is writing and why; recorded in every revision. */
export interface WriteContext {
  /** The user, process or component making the change, e.g. `u1`, `maintainer`, `cli`. */
  actor: string;
  /** Free text shown in the history, e.g. `merge`, `edit from web UI`. */
  reason?: string;
  /**
   * The revision the caller based this write on. When given and no longer current the write fails with
   * `STALE_REVISION` (optimistic concurrency for editors).
   */
  baseRevision?: number;
}

/** Resource files keyed by path relative to the skill folder (`scripts/run.py`); `null` deletes. */
export type ResourceChanges = Record<string, Uint8Array | null>;

/** Fields of a new skill. `id` defaults to a fresh uuid4; `owner` must be a user id. */
export type CreateSkillInput = Omit<SkillInput, 'id' | 'owner' | 'resources'> & {
  id?: string;
  owner: string;
};

export interface CreateOptions {
  /** Resource files to write next to SKILL.md. */
  files?: Record<string, Uint8Array>;
  /**
   * SKILL.md text to store verbatim instead of rendering the fields (imports keep the original file).
   * The fields are then parsed from it, and the id is written into it.
   */
  skillMd?: string;
  /** Names the origin of `skillMd` in error messages (e.g. the imported file's path). */
  source?: string;
}

/** Fields an update may change; anything absent stays as it is. */
export type SkillPatch = Partial<
  Pick<
    Skill,
    | 'name'
    | 'description'
    | 'instructions'
    | 'version'
    | 'tags'
    | 'triggers'
    | 'examples'
    | 'status'
    | 'extraFrontMatter'
    | 'metadata'
  >
>;

export interface UpdateOptions {
  /** Resource files to add, replace (bytes) or delete (`null`). */
  files?: ResourceChanges;
}

/** Kind of change a revision records. */
export type RevisionOperation =
  | 'create'
  | 'update'
  | 'edit'
  | 'rollback'
  | 'delete'
  | 'restore'
  | 'baseline'
  | 'external-edit'
  | 'normalize-id';

/** One entry of a skill's history, without its content. */
export interface RevisionSummary {
  revision: number;
  operation: RevisionOperation;
  /** ISO-8601 time of the write. */
  at: string;
  actor: string;
  reason: string | null;
  version: string;
  name: string;
  /** Folder of the skill at that revision (relative to the root). */
  location: string;
  /** True for the revision that produced the visible state. */
  isCurrent: boolean;
  /** True when this revision deleted the skill. */
  deleted: boolean;
  /** For a rollback, the revision whose content it restored. */
  restoredFrom: number | null;
}

/** A revision with its full content. */
export interface RevisionContent extends RevisionSummary {
  skill: Skill;
  skillMd: string;
  /** Resource files of that revision (SKILL.md excluded). */
  files: Record<string, Uint8Array>;
}

/** SKILL.md plus resource files of the visible state. */
export interface SkillFiles {
  skillMd: string;
  files: Record<string, Uint8Array>;
}

export interface ListOptions {
  /** Whose skills `user` and `all` cover. Required for scope `user`. */
  userId?: string;
  /** @default 'user' when userId is given, else 'library' */
  scope?: ListScope;
  /** Include archived skills. @default false */
  includeArchived?: boolean;
  /** List deleted skills of `userId` (restorable) instead of visible ones. @default false */
  deleted?: boolean;
  /**
   * Only skills whose name, description, id, a tag or a trigger contains this text (case-insensitive;
   * trimmed; empty = no filter). `total` counts the matching skills. Implementations get it from the shared
   * `selectForList` / `SkillListView` (`skill-list-view.ts`), or may answer it themselves (e.g. in SQL) with
   * the same meaning. @default ''
   */
  query?: string;
  /** @default 100 */
  limit?: number;
  /** @default 0 */
  offset?: number;
}

export interface ListResult {
  items: StoredSkill[];
  total: number;
}

/** A change to the visible set of skills, from this process or (seen on a later read) another one. */
export interface StoreChange {
  type: 'upsert' | 'delete';
  id: string;
  owner: string;
  /** Revision that produced the change; 0 for changes found by a rescan (hand edits, libraries). */
  revision: number;
  /** `local`: this store instance wrote it; `remote`: another process did; `rescan`: found on disk. */
  origin: 'local' | 'remote' | 'rescan';
}

export type StoreListener = (change: StoreChange) => void;

/** A file the store could not load, or an inconsistency it found, with a reason a person can act on. */
export interface StoreProblem {
  /** Path relative to the store root (or an absolute path for extra libraries outside it). */
  location: string;
  code: 'INVALID_SKILL_FILE' | 'DUPLICATE_ID' | 'STORE_CORRUPT' | 'INVALID_PATH';
  message: string;
  line?: number;
}

export interface RefreshReport {
  loaded: number;
  added: number;
  changed: number;
  removed: number;
  problems: StoreProblem[];
}

/** One write of a batch (imports write many skills under one lock and one journal). */
export type BatchWrite =
  | { kind: 'create'; input: CreateSkillInput; options?: CreateOptions }
  | {
      kind: 'replace';
      id: string;
      input: CreateSkillInput;
      options?: CreateOptions;
    };

export type BatchResult =
  | { ok: true; skill: StoredSkill }
  | { ok: false; error: { code: string; message: string; details: Record<string, unknown> } };

/**
 * The store of skills. Implementations: in-memory (tests), filesystem (SkillBank layout), PostgreSQL
 * (later). Reads reflect writes made by other processes on the same store without a restart.
 */
export interface SkillStore {
  open(): Promise<RefreshReport>;
  close(): Promise<void>;

  get(id: string): Promise<StoredSkill | null>;
  list(options: ListOptions): Promise<ListResult>;
  /** SKILL.md text and resource bytes of the visible state; `SKILL_NOT_FOUND` if none. */
  readFiles(id: string): Promise<SkillFiles>;

  create(input: CreateSkillInput, context: WriteContext, options?: CreateOptions): Promise<StoredSkill>;
  /** Changes fields (a merge is an update) and re-renders SKILL.md. */
  update(id: string, patch: SkillPatch, context: WriteContext, options?: UpdateOptions): Promise<StoredSkill>;
  /** Replaces SKILL.md with edited text; the text is validated by the parser and must keep the id. */
  saveSkillMd(id: string, text: string, context: WriteContext): Promise<StoredSkill>;
  delete(id: string, context: WriteContext): Promise<void>;
  restore(id: string, context: WriteContext): Promise<StoredSkill>;
  /** Restores the content of revision `toRevision` as a new revision. */
  rollback(id: string, toRevision: number, context: WriteContext): Promise<StoredSkill>;
  /** Several creates/replaces under one lock; each result says whether that write succeeded. */
  writeBatch(writes: BatchWrite[], context: WriteContext): Promise<BatchResult[]>;

  /** History, oldest first (records a baseline first if the skill has none). */
  versions(id: string): Promise<RevisionSummary[]>;
  getRevision(id: string, revision: number): Promise<RevisionContent>;

  /**
   * Takes in writes other processes made since the last call (one `stat` when there are none) and
   * tells subscribers. Every read does this by itself; a component that only listens calls it on a timer.
   */
  sync(): Promise<void>;
  /** Rescans everything (hand edits, new library folders) and reports what changed. */
  refresh(): Promise<RefreshReport>;
  /** Problems found by the last open/refresh (bad files, duplicate ids). */
  problems(): StoreProblem[];
  subscribe(listener: StoreListener): () => void;
}

export type { SkillStatus };
