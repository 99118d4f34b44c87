/**
 * @module The PostgreSQL `SkillStore`: the same behaviour as the filesystem store (immutable revisions,
 * rollback as a new revision, stale-write refusal, delete/restore, read-only libraries, change feed)
 * for N stateless replicas sharing one database.
 *
 * **Writes.** Each write is one transaction that first takes a transaction-scoped advisory lock (one
 * writer per store at a time, as the filesystem store's lock file), reads the head from the database
 * (never from this replica's cache, so a write is always based on the latest state), appends the
 * revision, moves the head, appends to the `changes` feed and sends a NOTIFY. Because writers take
 * turns, change numbers increase in commit order, which lets a reader follow the feed by number
 * without missing a change committed late (`write-transaction.ts`, `revision-writes.ts`, `skill-edits.ts`).
 *
 * **Reads.** Each replica caches the visible skills (as the filesystem store keeps its records) and
 * every read first takes in the feed since its last change number (one indexed query), so a read sees
 * every write committed before it, from any replica (`skill-cache.ts`). NOTIFY makes a replica that only
 * listens (the search index) hear changes without reading. Listing, ordering and paging are the shared
 * code of the other stores, so results are identical. SKILL.md text, resource bytes and history are read
 * from the database when asked for.
 */
import type { VectorBackend } from '../../index/vector/types.js';
import { AutoSkillError } from '../../shared/errors.js';
import { validateLibraryName, validateUserId } from '../safe-paths.js';
import { newSkillId } from '../skill-codec.js';
import { batchFailure, notFound, selectForList } from '../skill-records.js';
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
  RevisionSummary,
  SkillFiles,
  SkillPatch,
  SkillStore,
  StoredSkill,
  StoreListener,
  StoreProblem,
  WriteContext,
} from '../types.js';
import { PostgresDatabase } from './database.js';
import { readCopySnapshot, stageSkillHistories } from './history-copy.js';
import { stageLibrarySkills } from './library-writes.js';
import { PostgresVectorCache } from './postgres-vector-cache.js';
import { recordBaseline, stageBatchWrite, stageCreate } from './revision-writes.js';
import { SkillCache } from './skill-cache.js';
import { stageDelete, stageRestore, stageRollback, stageSkillMd, stageUpdate } from './skill-edits.js';
import { readRevisionRow, readSkillRow } from './skill-queries.js';
import {
  type RevisionRow,
  readBlobs,
  type SkillRow,
  SUMMARY_COLUMNS,
  storedFromRow,
  summaryFromRow,
} from './skill-rows.js';
import type {
  CopiedSkillState,
  CopySnapshotEntry,
  PostgresLibrarySkillWrite,
  PostgresLibraryWriteResult,
  PostgresSkillStoreOptions,
} from './skill-store-types.js';
import {
  createPostgresUserLock,
  type PostgresUserLock,
  type PostgresUserLockOptions,
  type UserLockLike,
} from './user-lock.js';
import { eachUnderSavepoint, runWrite, type WriteTransaction } from './write-transaction.js';

export type {
  CopiedSkillState,
  CopySnapshotEntry,
  PostgresLibrarySkillWrite,
  PostgresLibraryWriteResult,
  PostgresSkillStoreOptions,
} from './skill-store-types.js';

export class PostgresSkillStore implements SkillStore {
  private database: PostgresDatabase | undefined;
  private readonly ownsDatabase: boolean;
  private readonly options: PostgresSkillStoreOptions;
  private readonly clock: () => Date;
  private readonly newId: () => string;
  /** Tags this instance's rows in the change feed, so its own writes are not reported as remote. */
  private readonly writerId = `w-${newSkillId()}`;
  private readonly cache: SkillCache;
  private stopListening: (() => void) | undefined;
  private stopReconnect: (() => void) | undefined;
  private opened = false;
  /** The user locks handed out, by in-process lock and settings (one lock pool each, closed with the store). */
  private readonly userLocks = new Map<UserLockLike, Map<string, PostgresUserLock>>();

  constructor(options: PostgresSkillStoreOptions) {
    this.options = options;
    this.database = options.database;
    this.ownsDatabase = options.database === undefined;
    this.clock = options.clock ?? (() => new Date());
    this.newId = options.newId ?? newSkillId;
    this.cache = new SkillCache({
      database: () => this.database,
      writerId: this.writerId,
      ...(options.readConsistency ? { readConsistency: options.readConsistency } : {}),
      ...(options.onError ? { onError: options.onError } : {}),
    });
  }

  /** The database handle (for the job, key and vector stores of the same replica). */
  get db(): PostgresDatabase {
    if (!this.database) throw new AutoSkillError('INTERNAL', 'The PostgreSQL store is not open');
    return this.database;
  }

  get schema(): string {
    return this.db.schema;
  }

  async open(): Promise<RefreshReport> {
    if (!this.database) {
      this.database = await PostgresDatabase.open({
        ...this.options,
        ...(this.options.onError ? { onError: this.options.onError } : {}),
      });
    }
    const report = await this.cache.reload(false);
    this.stopListening = await this.db.listen(this.db.channel('skills'), () => this.cache.heard());
    this.stopReconnect = this.db.onReconnect(() => this.cache.heard());
    // Changes committed between loading and listening are taken in now.
    this.cache.markStale();
    this.opened = true;
    return report;
  }

  async close(): Promise<void> {
    if (!this.opened && !this.database) return;
    this.opened = false;
    this.stopListening?.();
    this.stopReconnect?.();
    await this.cache.settle();
    const locks = [...this.userLocks.values()].flatMap((bySettings) => [...bySettings.values()]);
    this.userLocks.clear();
    await Promise.all(locks.map((lock) => lock.close()));
    if (this.ownsDatabase) {
      await this.database?.close();
      this.database = undefined;
    }
  }

  sync(): Promise<void> {
    return this.cache.sync();
  }

  /**
   * A per-user ingest lock shared by every process on this database (`user-lock.ts`). Asking again with
   * the same options returns the same lock; its connections are closed with the store.
   */
  userLock(options: Omit<PostgresUserLockOptions, 'database'>): PostgresUserLock {
    const settings = JSON.stringify([options.timeoutMs ?? null, options.maxConnections ?? null]);
    let bySettings = this.userLocks.get(options.inProcess);
    if (!bySettings) {
      bySettings = new Map();
      this.userLocks.set(options.inProcess, bySettings);
    }
    let lock = bySettings.get(settings);
    if (!lock) {
      lock = createPostgresUserLock({ ...options, database: this.db });
      bySettings.set(settings, lock);
    }
    return lock;
  }

  async refresh(): Promise<RefreshReport> {
    return this.cache.reload(true);
  }

  problems(): StoreProblem[] {
    return [];
  }

  subscribe(listener: StoreListener): () => void {
    return this.cache.subscribe(listener);
  }

  /** Users with at least one visible skill (the search index loads them at open). */
  async listOwners(): Promise<string[]> {
    await this.sync();
    const owners = new Set<string>();
    for (const skill of this.cache.visible.values()) if (!skill.readOnly) owners.add(skill.owner);
    return [...owners].sort();
  }

  /**
   * The vector backend of the store-side search (see `vectors`); `config.exact` makes pgvector search
   * every vector exactly instead of through its HNSW index.
   */
  async createVectorBackend(request: {
    name: string;
    config: Record<string, unknown>;
  }): Promise<VectorBackend> {
    if (await this.usesPgvector()) {
      const { PgvectorIndex } = await import('../../index/vector/pgvector.js');
      return new PgvectorIndex({
        name: request.name,
        pool: this.db.pool,
        schema: this.db.schema,
        ...(request.config.exact === true ? { exact: true } : {}),
        ...(typeof request.config.efSearch === 'number' ? { efSearch: request.config.efSearch } : {}),
        ...(request.config.hnsw === false ? { hnsw: false } : {}),
      });
    }
    return new PostgresVectorCache({
      database: this.db,
      name: request.name,
      ...(this.options.onError ? { onError: this.options.onError } : {}),
    });
  }

  /** Whether vectors go to pgvector (`vectors` option, or the extension being available). */
  async usesPgvector(): Promise<boolean> {
    const choice = this.options.vectors ?? 'auto';
    if (choice !== 'auto') return choice === 'pgvector';
    const result = await this.db.query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'");
    return (result.rowCount ?? 0) > 0;
  }

  /**
   * The cached skill as of the last sync, without asking the database (callers that just called
   * `sync()`, such as the store-side search reading its hits back).
   */
  peek(id: string): StoredSkill | null {
    return this.cache.peek(id);
  }

  async get(id: string): Promise<StoredSkill | null> {
    await this.sync();
    return this.cache.peek(id);
  }

  async list(options: ListOptions): Promise<ListResult> {
    await this.sync();
    if (options.deleted) {
      const userId = validateUserId(options.userId);
      const result = await this.db.query<SkillRow>(
        `SELECT id, owner, location, revision, read_only, skill FROM ${this.db.table('skills')}
         WHERE owner = $1 AND NOT visible AND NOT read_only`,
        [userId],
      );
      return selectForList(
        result.rows.map((row) => storedFromRow(row)),
        { ...options, scope: 'user', includeArchived: true },
      );
    }
    return selectForList(this.cache.visible.values(), options);
  }

  async readFiles(id: string): Promise<SkillFiles> {
    const result = await this.db.query<Pick<SkillRow, 'skill_md' | 'files'>>(
      `SELECT skill_md, files FROM ${this.db.table('skills')} WHERE id = $1 AND visible`,
      [id],
    );
    const row = result.rows[0];
    if (!row) throw notFound(id);
    return { skillMd: row.skill_md, files: await readBlobs(this.db, this.db.pool, row.files) };
  }

  async create(
    input: CreateSkillInput,
    context: WriteContext,
    options: CreateOptions = {},
  ): Promise<StoredSkill> {
    return this.write((tx) => stageCreate(tx, input.id ?? this.newId(), input, options, context));
  }

  async writeBatch(writes: BatchWrite[], context: WriteContext): Promise<BatchResult[]> {
    return this.write((tx) =>
      eachUnderSavepoint(tx, {
        items: writes,
        prefix: 'batch',
        step: async (write): Promise<BatchResult> => ({
          ok: true,
          skill: await stageBatchWrite(tx, write, context, this.newId),
        }),
        failed: batchFailure,
      }),
    );
  }

  async update(
    id: string,
    patch: SkillPatch,
    context: WriteContext,
    options: { files?: ResourceChanges } = {},
  ): Promise<StoredSkill> {
    return this.write((tx) => stageUpdate(tx, id, patch, context, options.files ?? {}));
  }

  async saveSkillMd(id: string, text: string, context: WriteContext): Promise<StoredSkill> {
    return this.write((tx) => stageSkillMd(tx, id, text, context));
  }

  async rollback(id: string, toRevision: number, context: WriteContext): Promise<StoredSkill> {
    return this.write((tx) => stageRollback(tx, id, toRevision, context));
  }

  async delete(id: string, context: WriteContext): Promise<void> {
    await this.write((tx) => stageDelete(tx, id, context));
  }

  async restore(id: string, context: WriteContext): Promise<StoredSkill> {
    return this.write((tx) => stageRestore(tx, id, context));
  }

  async versions(id: string): Promise<RevisionSummary[]> {
    let head = await readSkillRow(this.db, this.db.pool, id);
    if (!head) throw notFound(id);
    if (head.read_only) return [];
    if (head.revision === 0) {
      await this.write(async (tx) => {
        const current = await readSkillRow(tx.db, tx.client, id);
        if (current && current.revision === 0 && !current.read_only) await recordBaseline(tx, current);
      });
      head = (await readSkillRow(this.db, this.db.pool, id)) ?? head;
    }
    return this.summaries(head);
  }

  /** Every skill row with its history summary and content fingerprint (`store copy` decides from it). */
  async copySnapshot(): Promise<Map<string, CopySnapshotEntry>> {
    return readCopySnapshot(this.db);
  }

  /** The recorded history as it is (no baseline is recorded); null for an unknown id. */
  async recordedVersions(id: string): Promise<RevisionSummary[] | null> {
    const head = await readSkillRow(this.db, this.db.pool, id);
    return head ? this.summaries(head) : null;
  }

  async getRevision(id: string, revision: number): Promise<RevisionContent> {
    const head = await readSkillRow(this.db, this.db.pool, id);
    if (!head) throw notFound(id);
    const row = await readRevisionRow(this.db, this.db.pool, id, revision);
    return {
      ...summaryFromRow(row, head.visible && head.revision === revision),
      skill: row.skill,
      skillMd: row.skill_md,
      files: await readBlobs(this.db, this.db.pool, row.files),
    };
  }

  /**
   * Writes skill folders into the read-only library `library:<library>` at `Common/<library>/<rel>`
   * (the explicit library import; libraries have no history). The id is the one the SKILL.md declares,
   * else the filesystem store's rule for that folder, so both stores give a library skill one id.
   * `skipUnchanged` (with `overwrite`) leaves skills whose content is already stored alone.
   */
  async writeLibrarySkills(
    library: string,
    items: PostgresLibrarySkillWrite[],
    options: { overwrite: boolean; skipUnchanged?: boolean },
  ): Promise<PostgresLibraryWriteResult[]> {
    const name = validateLibraryName(library);
    return this.write((tx) => stageLibrarySkills(tx, name, items, options));
  }

  /**
   * Copies one skill as another store holds it: its revisions (numbers, operations, times and actors
   * kept) after the ones this store already has, then its visible state. `autoskill store copy` only.
   * Fails with `CONFLICT` when the skill belongs to another owner here or its folder is taken.
   */
  async importSkillHistory(state: CopiedSkillState, revisions: readonly RevisionContent[]): Promise<void> {
    const [result] = await this.importSkillHistories([{ state, revisions }]);
    if (result?.error) {
      throw new AutoSkillError('CONFLICT', result.error, { details: { id: state.id } });
    }
  }

  /**
   * Many `importSkillHistory` in one transaction and a handful of statements (copies of thousands of
   * skills). Each result names the skill and, when it was not written, why.
   */
  async importSkillHistories(
    items: ReadonlyArray<{ state: CopiedSkillState; revisions: readonly RevisionContent[] }>,
  ): Promise<Array<{ id: string; error?: string }>> {
    if (items.length === 0) return [];
    return this.write((tx) => stageSkillHistories(tx, items));
  }

  private write<T>(work: (tx: WriteTransaction) => Promise<T>): Promise<T> {
    return runWrite({ db: this.db, cache: this.cache, writerId: this.writerId, clock: this.clock, work });
  }

  /** The recorded revisions of `head`'s skill, the current one marked. */
  private async summaries(head: SkillRow): Promise<RevisionSummary[]> {
    const result = await this.db.query<RevisionRow>(
      `SELECT ${SUMMARY_COLUMNS} FROM ${this.db.table('revisions')} WHERE skill_id = $1 ORDER BY revision`,
      [head.id],
    );
    return result.rows.map((row) => summaryFromRow(row, head.visible && row.revision === head.revision));
  }
}
