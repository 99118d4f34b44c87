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
 * without missing a change committed late.
 *
 * **Reads.** Each replica caches the visible skills (as the filesystem store keeps its records) and
 * every read first takes in the feed since its last change number (one indexed query), so a read sees
 * every write committed before it, from any replica. NOTIFY makes a replica that only listens (the
 * search index) hear changes without reading. Listing, ordering and paging are the shared code of the
 * other stores, so results are identical. SKILL.md text, resource bytes and history are read from the
 * database when asked for.
 */
import type { VectorBackend } from '../../index/vector/types.js';
import { AutoSkillError, isAutoSkillError } from '../../shared/errors.js';
import type { Skill } from '../../skill/schema.js';
import { libraryOwner } from '../../skill/schema.js';
import { normalizeResourcePath, safeFolderName, validateLibraryName, validateUserId } from '../safe-paths.js';
import { newSkillId, parseSkillMd, slugify } from '../skill-codec.js';
import {
  applyPatch,
  assertBaseRevision,
  assertWritableOwner,
  buildSkill,
  cloneStored,
  notFound,
  parseEdit,
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
import { PostgresDatabase, type PostgresDatabaseOptions, type Queryable } from './database.js';
import { lockKey } from './migrations.js';
import { PostgresVectorCache } from './postgres-vector-cache.js';
import {
  contentFingerprint,
  type FileHashes,
  json,
  putBlobs,
  type RevisionRow,
  readBlobs,
  type SkillRow,
  SUMMARY_COLUMNS,
  sha256Hex,
  storedFromRow,
  summaryFromRow,
} from './skill-rows.js';

export interface PostgresSkillStoreOptions extends Omit<PostgresDatabaseOptions, 'onError'> {
  /** A database handle shared with other stores of this process (not closed by `close`). */
  database?: PostgresDatabase;
  /** @default () => new Date() */
  clock?: () => Date;
  /** @default newSkillId (uuid4) */
  newId?: () => string;
  /** Told about failures in the background (a lost listening connection, a failed sync). */
  onError?: (error: unknown, context: string) => void;
  /**
   * Where the search index keeps vectors: `pgvector` (a `vector` column with an HNSW index, searched in
   * SQL), `column` (float32 bytes in a plain column, scored in the replica from a cache kept in step)
   * or `auto` (pgvector when the server has the extension). @default 'auto'
   */
  vectors?: 'auto' | 'pgvector' | 'column';
  /**
   * `strict`: every read first asks the change feed (one indexed query), so it sees every write committed
   * before it by any replica. `notify`: reads ask only after a NOTIFY arrived (or while the listening
   * connection is down), so a steady read costs no round trip; a write of another replica is seen once
   * its notification arrives (normally well under a millisecond after its commit). @default 'strict'
   */
  readConsistency?: 'strict' | 'notify';
}

/** What `copySnapshot` tells about one skill. */
export interface CopySnapshotEntry {
  owner: string;
  revision: number;
  visible: boolean;
  readOnly: boolean;
  location: string;
  /** `contentFingerprint` of the visible (or deleted) state. */
  fingerprint: string;
  history: Array<{ revision: number; at: string; operation: string }>;
}

/** One library skill to write (`Common/<library>/<rel>`); see `writeLibrarySkills`. */
export interface PostgresLibrarySkillWrite {
  rel: string;
  skillMd: string;
  files: Record<string, Uint8Array>;
}

export interface PostgresLibraryWriteResult {
  location: string;
  status: 'imported' | 'skipped' | 'failed';
  reason?: string;
  code?: string;
}

/** A skill's visible state exactly as another store holds it (for `autoskill store copy`). */
export interface CopiedSkillState {
  id: string;
  owner: string;
  location: string;
  readOnly: boolean;
  /** Revision of the visible state (0: no history). */
  revision: number;
  skill: Skill;
  skillMd: string;
  files: Record<string, Uint8Array>;
  /** False for a deleted skill (its last revision deleted it). */
  visible: boolean;
}

const FILE = 'SKILL.md';
const SYNC_PAGE = 5000;
const BASELINE_ACTOR = 'postgres';

interface CacheUpdate {
  id: string;
  stored: StoredSkill | null;
  seq: number;
  change: StoreChange;
}

/** What one write transaction changes; applied to the cache after the commit. */
class WriteTransaction {
  readonly updates: CacheUpdate[] = [];
  constructor(readonly client: Queryable) {}
}

export class PostgresSkillStore implements SkillStore {
  private database: PostgresDatabase | undefined;
  private readonly ownsDatabase: boolean;
  private readonly options: PostgresSkillStoreOptions;
  private readonly clock: () => Date;
  private readonly newId: () => string;
  /** Tags this instance's rows in the change feed, so its own writes are not reported as remote. */
  private readonly writerId = `w-${newSkillId()}`;
  private readonly visible = new Map<string, StoredSkill>();
  /** Change number of the state cached per id (deleted ids too), so an older state never wins. */
  private readonly seqById = new Map<string, number>();
  private readonly listeners = new Set<StoreListener>();
  private lastSeq = 0;
  private syncRunning: Promise<void> | undefined;
  private syncQueued: Promise<void> | undefined;
  private stopListening: (() => void) | undefined;
  private stopReconnect: (() => void) | undefined;
  private opened = false;
  /** A notification arrived (or the listener reconnected) since the last sync started. */
  private dirty = true;

  constructor(options: PostgresSkillStoreOptions) {
    this.options = options;
    this.database = options.database;
    this.ownsDatabase = options.database === undefined;
    this.clock = options.clock ?? (() => new Date());
    this.newId = options.newId ?? newSkillId;
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
    const report = await this.reload('rescan', false);
    this.stopListening = await this.db.listen(this.db.channel('skills'), () => {
      this.dirty = true;
      this.sync().catch((error: unknown) => this.options.onError?.(error, 'following the change feed'));
    });
    this.stopReconnect = this.db.onReconnect(() => {
      this.dirty = true;
      this.sync().catch((error: unknown) => this.options.onError?.(error, 'following the change feed'));
    });
    // Changes committed between loading and listening are taken in now.
    this.dirty = true;
    this.opened = true;
    return report;
  }

  async close(): Promise<void> {
    if (!this.opened && !this.database) return;
    this.opened = false;
    this.stopListening?.();
    this.stopReconnect?.();
    await this.syncRunning?.catch(() => undefined);
    await this.syncQueued?.catch(() => undefined);
    if (this.ownsDatabase) {
      await this.database?.close();
      this.database = undefined;
    }
  }

  sync(): Promise<void> {
    if (
      this.options.readConsistency === 'notify' &&
      !this.dirty &&
      !this.syncRunning &&
      this.database?.isListening()
    ) {
      return Promise.resolve();
    }
    if (this.syncQueued) return this.syncQueued;
    if (!this.syncRunning) return this.startSync();
    this.syncQueued = this.syncRunning
      .catch(() => undefined)
      .then(() => {
        this.syncQueued = undefined;
        return this.startSync();
      });
    return this.syncQueued;
  }

  async refresh(): Promise<RefreshReport> {
    return this.reload('rescan', true);
  }

  problems(): StoreProblem[] {
    return [];
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Users with at least one visible skill (the search index loads them at open). */
  async listOwners(): Promise<string[]> {
    await this.sync();
    const owners = new Set<string>();
    for (const skill of this.visible.values()) if (!skill.readOnly) owners.add(skill.owner);
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
    const found = this.visible.get(id);
    return found ? cloneStored(found) : null;
  }

  async get(id: string): Promise<StoredSkill | null> {
    await this.sync();
    const found = this.visible.get(id);
    return found ? cloneStored(found) : null;
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
    return selectForList(this.visible.values(), options);
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
    return this.write((tx) => this.stageCreate(tx, input.id ?? this.newId(), input, options, context));
  }

  async writeBatch(writes: BatchWrite[], context: WriteContext): Promise<BatchResult[]> {
    return this.write(async (tx) => {
      const results: BatchResult[] = [];
      for (const [index, write] of writes.entries()) {
        const savepoint = `batch_${index}`;
        const mark = tx.updates.length;
        await tx.client.query(`SAVEPOINT ${savepoint}`);
        try {
          const skill = await this.stageBatchWrite(tx, write, context);
          await tx.client.query(`RELEASE SAVEPOINT ${savepoint}`);
          results.push({ ok: true, skill });
        } catch (error) {
          await tx.client.query(`ROLLBACK TO SAVEPOINT ${savepoint}`);
          tx.updates.splice(mark);
          const failure = isAutoSkillError(error)
            ? error
            : new AutoSkillError('INTERNAL', (error as Error).message ?? String(error), { cause: error });
          results.push({
            ok: false,
            error: { code: failure.code, message: failure.message, details: failure.details },
          });
        }
      }
      return results;
    });
  }

  async update(
    id: string,
    patch: SkillPatch,
    context: WriteContext,
    options: { files?: ResourceChanges } = {},
  ): Promise<StoredSkill> {
    return this.write(async (tx) => {
      const head = await this.writable(tx, id, context);
      const files = await this.filesOf(tx, head.files);
      for (const [path, bytes] of Object.entries(options.files ?? {})) {
        const normalized = normalizeResourcePath(path);
        if (bytes === null) files.delete(normalized);
        else files.set(normalized, bytes);
      }
      const patched = applyPatch({ ...head.skill, resources: [...files.keys()].sort() }, patch, this.now());
      return this.push(tx, head, patched, files, 'update', context, { location: head.location });
    });
  }

  async saveSkillMd(id: string, text: string, context: WriteContext): Promise<StoredSkill> {
    return this.write(async (tx) => {
      const head = await this.writable(tx, id, context);
      const edited = parseEdit(head.skill, text, this.now(), `${head.location}/${FILE}`);
      return this.push(tx, head, edited, head.files, 'edit', context, { location: head.location });
    });
  }

  async rollback(id: string, toRevision: number, context: WriteContext): Promise<StoredSkill> {
    return this.write(async (tx) => {
      const head = await this.writable(tx, id, context);
      const target = await this.revisionRow(tx.client, id, toRevision);
      const skill = { ...target.skill, createdAt: head.skill.createdAt, updatedAt: this.now() };
      return this.push(tx, head, { skill, skillMd: target.skill_md }, target.files, 'rollback', context, {
        location: head.location,
        from: toRevision,
      });
    });
  }

  async delete(id: string, context: WriteContext): Promise<void> {
    await this.write(async (tx) => {
      const head = await this.writable(tx, id, context);
      await this.push(
        tx,
        head,
        { skill: head.skill, skillMd: head.skill_md },
        head.files,
        'delete',
        context,
        {
          location: head.location,
          deleted: true,
        },
      );
    });
  }

  async restore(id: string, context: WriteContext): Promise<StoredSkill> {
    return this.write(async (tx) => {
      const head = await this.row(tx.client, id);
      if (!head) throw notFound(id);
      if (head.visible)
        throw new AutoSkillError('CONFLICT', `Skill ${id} is not deleted`, { details: { id } });
      assertBaseRevision(id, head.revision, context.baseRevision);
      const taken = await this.locationTaken(tx.client, head.location);
      const location = taken ? await this.allocate(tx.client, head.owner, head.skill.name) : head.location;
      const skill = { ...head.skill, updatedAt: this.now() };
      return this.push(tx, head, { skill, skillMd: head.skill_md }, head.files, 'restore', context, {
        location,
      });
    });
  }

  async versions(id: string): Promise<RevisionSummary[]> {
    let head = await this.row(this.db.pool, id);
    if (!head) throw notFound(id);
    if (head.read_only) return [];
    if (head.revision === 0) {
      await this.write(async (tx) => {
        const current = await this.row(tx.client, id);
        if (current && current.revision === 0 && !current.read_only) await this.baseline(tx, current);
      });
      head = (await this.row(this.db.pool, id)) ?? head;
    }
    const result = await this.db.query<RevisionRow>(
      `SELECT ${SUMMARY_COLUMNS} FROM ${this.db.table('revisions')} WHERE skill_id = $1 ORDER BY revision`,
      [id],
    );
    const current = head;
    return result.rows.map((row) =>
      summaryFromRow(row, current.visible && row.revision === current.revision),
    );
  }

  /** Every skill row with its history summary and content fingerprint (`store copy` decides from it). */
  async copySnapshot(): Promise<Map<string, CopySnapshotEntry>> {
    const skills = await this.db.query<
      Pick<
        SkillRow,
        'id' | 'owner' | 'revision' | 'visible' | 'read_only' | 'location' | 'skill_md' | 'files'
      >
    >(
      `SELECT id, owner, revision, visible, read_only, location, skill_md, files FROM ${this.db.table('skills')}`,
    );
    const history = await this.db.query<{
      skill_id: string;
      revision: number;
      at: string;
      operation: string;
    }>(
      `SELECT skill_id, revision, at, operation FROM ${this.db.table('revisions')} ORDER BY skill_id, revision`,
    );
    const out = new Map<string, CopySnapshotEntry>();
    for (const row of skills.rows) {
      out.set(row.id, {
        owner: row.owner,
        revision: row.revision,
        visible: row.visible,
        readOnly: row.read_only,
        location: row.location,
        fingerprint: contentFingerprint(row.skill_md, row.files),
        history: [],
      });
    }
    for (const row of history.rows) {
      out.get(row.skill_id)?.history.push({ revision: row.revision, at: row.at, operation: row.operation });
    }
    return out;
  }

  /** The recorded history as it is (no baseline is recorded); null for an unknown id. */
  async recordedVersions(id: string): Promise<RevisionSummary[] | null> {
    const head = await this.row(this.db.pool, id);
    if (!head) return null;
    const result = await this.db.query<RevisionRow>(
      `SELECT ${SUMMARY_COLUMNS} FROM ${this.db.table('revisions')} WHERE skill_id = $1 ORDER BY revision`,
      [id],
    );
    return result.rows.map((row) => summaryFromRow(row, head.visible && row.revision === head.revision));
  }

  async getRevision(id: string, revision: number): Promise<RevisionContent> {
    const head = await this.row(this.db.pool, id);
    if (!head) throw notFound(id);
    const row = await this.revisionRow(this.db.pool, id, revision);
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
   */
  async writeLibrarySkills(
    library: string,
    items: PostgresLibrarySkillWrite[],
    options: { overwrite: boolean },
  ): Promise<PostgresLibraryWriteResult[]> {
    const name = validateLibraryName(library);
    return this.write(async (tx) => {
      const results: PostgresLibraryWriteResult[] = [];
      for (const [index, item] of items.entries()) {
        let location = `Common/${name}/${item.rel}`;
        const savepoint = `library_${index}`;
        await tx.client.query(`SAVEPOINT ${savepoint}`);
        const mark = tx.updates.length;
        try {
          const rel = normalizeResourcePath(item.rel);
          location = `Common/${name}/${rel}`;
          const owner = libraryOwner(name);
          const skill = parseSkillMd(item.skillMd, {
            owner,
            source: `${location}/${FILE}`,
            fallbackName: rel.split('/').at(-1) ?? rel,
            deterministicIdKey: `${name}/${rel}`,
          });
          const existing = await tx.client.query<{ id: string }>(
            `SELECT id FROM ${this.db.table('skills')} WHERE location = $1 AND visible`,
            [location],
          );
          const holder = existing.rows[0]?.id;
          if (holder !== undefined && !options.overwrite) {
            await tx.client.query(`RELEASE SAVEPOINT ${savepoint}`);
            results.push({ location, status: 'skipped', reason: 'exists' });
            continue;
          }
          if (holder !== undefined && holder !== skill.id) await this.dropLibraryRow(tx, holder);
          await this.putState(tx, {
            id: skill.id,
            owner,
            location,
            readOnly: true,
            revision: 0,
            skill,
            skillMd: item.skillMd,
            files: item.files,
            visible: true,
          });
          await tx.client.query(`RELEASE SAVEPOINT ${savepoint}`);
          results.push({ location, status: 'imported' });
        } catch (error) {
          await tx.client.query(`ROLLBACK TO SAVEPOINT ${savepoint}`);
          tx.updates.splice(mark);
          results.push({
            location,
            status: 'failed',
            reason: (error as Error).message,
            code: isAutoSkillError(error) ? error.code : 'INTERNAL',
          });
        }
      }
      return results;
    });
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
    return this.write(async (tx) => {
      const ids = items.map((item) => item.state.id);
      const heads = await tx.client.query<Pick<SkillRow, 'id' | 'owner' | 'read_only' | 'revision'>>(
        `SELECT id, owner, read_only, revision FROM ${this.db.table('skills')} WHERE id = ANY($1::text[])`,
        [ids],
      );
      const headById = new Map(heads.rows.map((row) => [row.id, row]));
      const locations = items.filter((item) => item.state.visible).map((item) => item.state.location);
      const holders = await tx.client.query<{ id: string; location: string }>(
        `SELECT id, location FROM ${this.db.table('skills')} WHERE visible AND location = ANY($1::text[])`,
        [locations],
      );
      const holderOf = new Map(holders.rows.map((row) => [row.location, row.id]));
      const results: Array<{ id: string; error?: string }> = [];
      const accepted: Array<{ state: CopiedSkillState; revisions: RevisionContent[] }> = [];
      const claimed = new Map<string, string>();
      for (const { state, revisions } of items) {
        const head = headById.get(state.id);
        const holder = claimed.get(state.location) ?? holderOf.get(state.location);
        let error: string | undefined;
        if (head && (head.owner !== state.owner || head.read_only !== state.readOnly)) {
          error = `skill ${state.id} belongs to ${head.owner} here`;
        } else if (state.visible && holder !== undefined && holder !== state.id) {
          error = `folder ${state.location} is taken by skill ${holder} here`;
        }
        results.push(error ? { id: state.id, error } : { id: state.id });
        if (error) continue;
        if (state.visible) claimed.set(state.location, state.id);
        const have = head?.revision ?? 0;
        accepted.push({ state, revisions: revisions.filter((revision) => revision.revision > have) });
      }
      if (accepted.length === 0) return results;
      const allFiles: Array<[string, Uint8Array]> = [];
      for (const { state, revisions } of accepted) {
        allFiles.push(...Object.entries(state.files));
        for (const revision of revisions) allFiles.push(...Object.entries(revision.files));
      }
      await putBlobs(this.db, tx.client, allFiles);
      const rows = accepted.flatMap(({ state, revisions }) =>
        revisions.map((revision) => ({ state, revision })),
      );
      if (rows.length > 0) {
        await tx.client.query(
          `INSERT INTO ${this.db.table('revisions')} (${SUMMARY_COLUMNS}, skill, skill_md, files)
           SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
             $8::text[], $9::text[], $10::bool[], $11::int[], $12::json[], $13::text[], $14::json[])`,
          [
            rows.map((row) => row.state.id),
            rows.map((row) => row.revision.revision),
            rows.map((row) => row.revision.operation),
            rows.map((row) => row.revision.at),
            rows.map((row) => row.revision.actor),
            rows.map((row) => row.revision.reason),
            rows.map((row) => row.revision.version),
            rows.map((row) => row.revision.name),
            rows.map((row) => row.revision.location),
            rows.map((row) => row.revision.deleted),
            rows.map((row) => row.revision.restoredFrom),
            rows.map((row) => json(row.revision.skill)),
            rows.map((row) => row.revision.skillMd),
            rows.map((row) => json(hashesOf(row.revision.files))),
          ],
        );
      }
      await this.putStates(
        tx,
        accepted.map((item) => item.state),
      );
      return results;
    });
  }

  // ---------------------------------------------------------------- internals: writes

  private async write<T>(work: (tx: WriteTransaction) => Promise<T>): Promise<T> {
    const database = this.db;
    let tx: WriteTransaction | undefined;
    const result = await database.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [
        lockKey(`autoskill:write:${database.schema}`),
      ]);
      tx = new WriteTransaction(client);
      return work(tx);
    });
    if (tx) this.applyUpdates(tx.updates, 'local');
    return result;
  }

  private async stageBatchWrite(
    tx: WriteTransaction,
    write: BatchWrite,
    context: WriteContext,
  ): Promise<StoredSkill> {
    if (write.kind === 'replace') {
      const head = await this.row(tx.client, write.id);
      if (head?.visible) {
        if (head.read_only) throw readOnlyError(head.id);
        const owner = assertWritableOwner(write.input.owner);
        if (head.owner !== owner) {
          throw new AutoSkillError('CONFLICT', `Skill ${write.id} belongs to another owner`, {
            details: { id: write.id },
          });
        }
        const current = await this.writable(tx, write.id, context);
        const options = write.options ?? {};
        const files = this.resourceMap(options.files ?? {});
        const built = buildSkill(
          { ...write.input, owner, createdAt: current.skill.createdAt },
          { ...options, id: write.id, resources: [...files.keys()].sort(), now: this.now() },
        );
        return this.push(tx, current, built, files, 'update', context, { location: current.location });
      }
      return this.stageCreate(tx, write.id, { ...write.input, id: write.id }, write.options ?? {}, context);
    }
    return this.stageCreate(tx, write.input.id ?? this.newId(), write.input, write.options ?? {}, context);
  }

  private async stageCreate(
    tx: WriteTransaction,
    id: string,
    input: CreateSkillInput,
    options: CreateOptions,
    context: WriteContext,
  ): Promise<StoredSkill> {
    const owner = assertWritableOwner(input.owner);
    const existing = await this.row(tx.client, id);
    if (existing?.visible) {
      throw new AutoSkillError('CONFLICT', `A skill with id ${id} already exists`, { details: { id } });
    }
    if (existing && existing.owner !== owner) {
      throw new AutoSkillError('CONFLICT', `Skill ${id} belongs to another owner`, { details: { id } });
    }
    const files = this.resourceMap(options.files ?? {});
    const built = buildSkill(
      { ...input, owner },
      { ...options, id, resources: [...files.keys()].sort(), now: this.now() },
    );
    const location = await this.allocate(tx.client, owner, built.skill.name);
    return this.push(tx, existing, built, files, 'create', context, { location });
  }

  /** The head of a skill that may be written: visible, a user's, at the base revision if one is given. */
  private async writable(tx: WriteTransaction, id: string, context: WriteContext): Promise<SkillRow> {
    let head = await this.row(tx.client, id);
    if (head?.read_only) throw readOnlyError(id);
    if (!head?.visible) throw notFound(id);
    assertWritableOwner(head.owner);
    // An editor that saw revision 0 (no history yet) may still write: the baseline records what it saw.
    assertBaseRevision(id, head.revision, context.baseRevision);
    if (head.revision === 0) head = await this.baseline(tx, head);
    return head;
  }

  /** Records the visible state of a skill without history as its revision 1. */
  private async baseline(tx: WriteTransaction, head: SkillRow): Promise<SkillRow> {
    const at = head.skill.updatedAt ?? this.now();
    await tx.client.query(
      `INSERT INTO ${this.db.table('revisions')} (${SUMMARY_COLUMNS}, skill, skill_md, files)
       VALUES ($1, 1, 'baseline', $2, $3, NULL, $4, $5, $6, false, NULL, $7, $8, $9)`,
      [
        head.id,
        at,
        BASELINE_ACTOR,
        head.skill.version,
        head.skill.name,
        head.location,
        json(head.skill),
        head.skill_md,
        json(head.files),
      ],
    );
    await tx.client.query(`UPDATE ${this.db.table('skills')} SET revision = 1 WHERE id = $1`, [head.id]);
    const stored = storedFromRow({ ...head, revision: 1 });
    this.queueUpdate(tx, stored, await this.nextChange(tx, head.id, head.owner, 1, 'upsert'));
    return { ...head, revision: 1 };
  }

  /** Appends a revision and moves the head (and the cache after the commit). */
  private async push(
    tx: WriteTransaction,
    head: SkillRow | null,
    built: SkillWithText,
    files: Map<string, Uint8Array> | FileHashes,
    operation: RevisionOperation,
    context: WriteContext,
    where: { location: string; deleted?: boolean; from?: number },
  ): Promise<StoredSkill> {
    const hashes = files instanceof Map ? await putBlobs(this.db, tx.client, files) : { ...files };
    const resources = Object.keys(hashes).sort();
    const skill: Skill = { ...built.skill, resources };
    const revision = (head?.revision ?? 0) + 1;
    const deleted = where.deleted ?? false;
    const at = this.now();
    await tx.client.query(
      `INSERT INTO ${this.db.table('revisions')} (${SUMMARY_COLUMNS}, skill, skill_md, files)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      [
        skill.id,
        revision,
        operation,
        at,
        context.actor,
        context.reason ?? null,
        skill.version,
        skill.name,
        where.location,
        deleted,
        where.from ?? null,
        json(skill),
        built.skillMd,
        json(hashes),
      ],
    );
    const change = await this.nextChange(tx, skill.id, skill.owner, revision, deleted ? 'delete' : 'upsert');
    await tx.client.query(
      `INSERT INTO ${this.db.table('skills')} (id, owner, location, revision, visible, read_only, skill, skill_md, files, change_seq)
       VALUES ($1, $2, $3, $4, $5, false, $6, $7, $8, $9)
       ON CONFLICT (id) DO UPDATE SET owner = EXCLUDED.owner, location = EXCLUDED.location,
         revision = EXCLUDED.revision, visible = EXCLUDED.visible, read_only = false, skill = EXCLUDED.skill,
         skill_md = EXCLUDED.skill_md, files = EXCLUDED.files, change_seq = EXCLUDED.change_seq`,
      [
        skill.id,
        skill.owner,
        where.location,
        revision,
        !deleted,
        json(skill),
        built.skillMd,
        json(hashes),
        change.seq,
      ],
    );
    const stored: StoredSkill = { ...skill, revision, location: where.location, readOnly: false };
    this.queueUpdate(tx, deleted ? null : stored, change);
    return cloneStored(stored);
  }

  /** Sets a skill's row to a given state (library writes and copies); history is not touched. */
  private async putState(tx: WriteTransaction, state: CopiedSkillState): Promise<void> {
    await this.putStates(tx, [state]);
  }

  private async putStates(tx: WriteTransaction, states: readonly CopiedSkillState[]): Promise<void> {
    const allFiles = states.flatMap((state) => Object.entries(state.files));
    await putBlobs(this.db, tx.client, allFiles);
    const prepared = states.map((state) => {
      const hashes = hashesOf(state.files);
      const skill: Skill = {
        ...state.skill,
        id: state.id,
        owner: state.owner,
        resources: Object.keys(hashes).sort(),
      };
      return { state, hashes, skill };
    });
    const changes = await this.nextChanges(
      tx,
      states.map((state) => ({
        id: state.id,
        owner: state.owner,
        revision: state.revision,
        type: state.visible ? ('upsert' as const) : ('delete' as const),
      })),
    );
    await tx.client.query(
      `INSERT INTO ${this.db.table('skills')} (id, owner, location, revision, visible, read_only, skill, skill_md, files, change_seq)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::bool[], $6::bool[], $7::json[],
         $8::text[], $9::json[], $10::bigint[])
       ON CONFLICT (id) DO UPDATE SET owner = EXCLUDED.owner, location = EXCLUDED.location,
         revision = EXCLUDED.revision, visible = EXCLUDED.visible, read_only = EXCLUDED.read_only,
         skill = EXCLUDED.skill, skill_md = EXCLUDED.skill_md, files = EXCLUDED.files, change_seq = EXCLUDED.change_seq`,
      [
        prepared.map((item) => item.state.id),
        prepared.map((item) => item.state.owner),
        prepared.map((item) => item.state.location),
        prepared.map((item) => item.state.revision),
        prepared.map((item) => item.state.visible),
        prepared.map((item) => item.state.readOnly),
        prepared.map((item) => json(item.skill)),
        prepared.map((item) => item.state.skillMd),
        prepared.map((item) => json(item.hashes)),
        changes.map((change) => change.seq),
      ],
    );
    prepared.forEach((item, index) => {
      const change = changes[index];
      if (!change) return;
      const stored: StoredSkill = {
        ...item.skill,
        revision: item.state.revision,
        location: item.state.location,
        readOnly: item.state.readOnly,
      };
      this.queueUpdate(tx, item.state.visible ? stored : null, change);
    });
  }

  private async dropLibraryRow(tx: WriteTransaction, id: string): Promise<void> {
    const removed = await tx.client.query<{ owner: string }>(
      `DELETE FROM ${this.db.table('skills')} WHERE id = $1 AND read_only RETURNING owner`,
      [id],
    );
    const owner = removed.rows[0]?.owner;
    if (owner !== undefined) this.queueUpdate(tx, null, await this.nextChange(tx, id, owner, 0, 'delete'));
  }

  /** `nextChange` for many changes: one statement and one notification. */
  private async nextChanges(
    tx: WriteTransaction,
    items: ReadonlyArray<{ id: string; owner: string; revision: number; type: StoreChange['type'] }>,
  ): Promise<Array<{ seq: number; change: StoreChange }>> {
    if (items.length === 0) return [];
    const result = await tx.client.query<{ seq: string; ordinality: string }>(
      `INSERT INTO ${this.db.table('changes')} (seq, skill_id, owner, revision, type, writer)
       SELECT nextval('${this.db.schema}.change_seq'), id, owner, revision, type, $5
       FROM unnest($1::text[], $2::text[], $3::int[], $4::text[]) WITH ORDINALITY AS input(id, owner, revision, type, ordinality)
       ORDER BY ordinality
       RETURNING seq`,
      [
        items.map((item) => item.id),
        items.map((item) => item.owner),
        items.map((item) => item.revision),
        items.map((item) => item.type),
        this.writerId,
      ],
    );
    const seqs = result.rows.map((row) => Number(row.seq)).sort((a, b) => a - b);
    await tx.client.query('SELECT pg_notify($1, $2)', [this.db.channel('skills'), String(seqs.at(-1) ?? 0)]);
    return items.map((item, index) => ({
      seq: seqs[index] ?? 0,
      change: { type: item.type, id: item.id, owner: item.owner, revision: item.revision, origin: 'local' },
    }));
  }

  /** Appends to the change feed and notifies every replica (delivered at commit). */
  private async nextChange(
    tx: WriteTransaction,
    id: string,
    owner: string,
    revision: number,
    type: StoreChange['type'],
  ): Promise<{ seq: number; change: StoreChange }> {
    const result = await tx.client.query<{ seq: string }>(
      `WITH next AS (SELECT nextval('${this.db.schema}.change_seq') AS seq)
       INSERT INTO ${this.db.table('changes')} (seq, skill_id, owner, revision, type, writer)
       SELECT seq, $1, $2, $3, $4, $5 FROM next RETURNING seq`,
      [id, owner, revision, type, this.writerId],
    );
    const seq = Number(result.rows[0]?.seq);
    await tx.client.query('SELECT pg_notify($1, $2)', [this.db.channel('skills'), String(seq)]);
    return { seq, change: { type, id, owner, revision, origin: 'local' } };
  }

  private queueUpdate(
    tx: WriteTransaction,
    stored: StoredSkill | null,
    change: { seq: number; change: StoreChange },
  ): void {
    tx.updates.push({ id: change.change.id, stored, seq: change.seq, change: change.change });
  }

  private async allocate(client: Queryable, owner: string, name: string): Promise<string> {
    const base = `Users/${validateUserId(owner)}/${safeFolderName(slugify(name))}`;
    const result = await client.query<{ location: string }>(
      `SELECT location FROM ${this.db.table('skills')} WHERE visible AND starts_with(location, $1)`,
      [base],
    );
    const taken = new Set(result.rows.map((row) => row.location));
    for (let attempt = 1; ; attempt += 1) {
      const location = attempt === 1 ? base : `${base}-${attempt}`;
      if (!taken.has(location)) return location;
    }
  }

  private async locationTaken(client: Queryable, location: string, except?: string): Promise<boolean> {
    const result = await client.query(
      `SELECT 1 FROM ${this.db.table('skills')} WHERE visible AND location = $1 AND id <> $2`,
      [location, except ?? ''],
    );
    return (result.rowCount ?? 0) > 0;
  }

  private async filesOf(tx: WriteTransaction, hashes: FileHashes): Promise<Map<string, Uint8Array>> {
    return new Map(Object.entries(await readBlobs(this.db, tx.client, hashes)));
  }

  private resourceMap(files: Record<string, Uint8Array>): Map<string, Uint8Array> {
    return new Map(Object.entries(files).map(([path, bytes]) => [normalizeResourcePath(path), bytes]));
  }

  // ---------------------------------------------------------------- internals: reads and the cache

  private async row(client: Queryable, id: string): Promise<SkillRow | null> {
    const result = await client.query<SkillRow>(`SELECT * FROM ${this.db.table('skills')} WHERE id = $1`, [
      id,
    ]);
    return result.rows[0] ?? null;
  }

  private async revisionRow(client: Queryable, id: string, revision: number): Promise<RevisionRow> {
    const result = await client.query<RevisionRow>(
      `SELECT * FROM ${this.db.table('revisions')} WHERE skill_id = $1 AND revision = $2`,
      [id, revision],
    );
    const row = result.rows[0];
    if (!row) {
      throw new AutoSkillError('REVISION_NOT_FOUND', `Skill ${id} has no revision ${revision}`, {
        details: { id, revision },
      });
    }
    return row;
  }

  private startSync(): Promise<void> {
    const running = this.followFeed()
      .catch((error: unknown) => {
        this.dirty = true;
        throw error;
      })
      .finally(() => {
        if (this.syncRunning === running) this.syncRunning = undefined;
      });
    this.syncRunning = running;
    return running;
  }

  /** Takes in the change feed after `lastSeq`: other replicas' writes become `remote` changes. */
  private async followFeed(): Promise<void> {
    const database = this.database;
    if (!database) throw new AutoSkillError('INTERNAL', 'The PostgreSQL store is not open');
    // Notifications arriving while the feed is read mark the store dirty again.
    this.dirty = false;
    for (;;) {
      const feed = await database.query<{
        seq: string;
        skill_id: string;
        owner: string;
        revision: number;
        type: 'upsert' | 'delete';
        writer: string;
      }>(
        `SELECT seq, skill_id, owner, revision, type, writer FROM ${database.table('changes')}
         WHERE seq > $1 ORDER BY seq LIMIT ${SYNC_PAGE}`,
        [this.lastSeq],
      );
      if (feed.rows.length === 0) return;
      const foreign = feed.rows.filter((row) => row.writer !== this.writerId);
      const ids = [...new Set(foreign.map((row) => row.skill_id))];
      const rows = new Map<string, SkillRow>();
      if (ids.length > 0) {
        const current = await database.query<SkillRow>(
          `SELECT id, owner, location, revision, visible, read_only, skill, change_seq FROM ${database.table('skills')}
           WHERE id = ANY($1::text[])`,
          [ids],
        );
        for (const row of current.rows) rows.set(row.id, row);
      }
      const updates: CacheUpdate[] = [];
      for (const change of foreign) {
        const row = rows.get(change.skill_id);
        const seq = Number(change.seq);
        const state = row && Number(row.change_seq) >= seq ? row : undefined;
        updates.push({
          id: change.skill_id,
          stored: state?.visible ? storedFromRow(state) : null,
          // The row's own number: a later change of the same skill in this page is the same state.
          seq: state ? Number(state.change_seq) : seq,
          change: {
            type: change.type,
            id: change.skill_id,
            owner: change.owner,
            revision: change.revision,
            origin: 'remote',
          },
        });
      }
      this.lastSeq = Number(feed.rows.at(-1)?.seq ?? this.lastSeq);
      this.applyUpdates(updates, 'remote');
      if (feed.rows.length < SYNC_PAGE) return;
    }
  }

  private applyUpdates(updates: readonly CacheUpdate[], _origin: 'local' | 'remote'): void {
    for (const update of updates) {
      const known = this.seqById.get(update.id) ?? 0;
      if (update.seq >= known) {
        this.seqById.set(update.id, update.seq);
        if (update.stored) this.visible.set(update.id, update.stored);
        else this.visible.delete(update.id);
      }
      this.emit(update.change);
    }
  }

  private emit(change: StoreChange): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(change);
      } catch (error) {
        this.options.onError?.(error, 'a store listener failed');
      }
    }
  }

  /** Loads every visible skill (at open, and on refresh, reporting what changed as `rescan`). */
  private async reload(origin: 'rescan', report: boolean): Promise<RefreshReport> {
    const database = this.db;
    const { rows, seq } = await database.transaction(async (client) => {
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const last = await client.query<{ seq: string | null }>(
        `SELECT max(seq) AS seq FROM ${database.table('changes')}`,
      );
      const all = await client.query<SkillRow>(
        `SELECT id, owner, location, revision, read_only, skill, change_seq FROM ${database.table('skills')} WHERE visible`,
      );
      return { rows: all.rows, seq: Number(last.rows[0]?.seq ?? 0) };
    });
    const before = new Map(this.visible);
    const counts = { added: 0, changed: 0, removed: 0 };
    this.visible.clear();
    const changes: StoreChange[] = [];
    for (const row of rows) {
      const stored = storedFromRow(row);
      this.visible.set(row.id, stored);
      this.seqById.set(row.id, Number(row.change_seq));
      const old = before.get(row.id);
      if (!old) counts.added += 1;
      else if (old.revision !== stored.revision || JSON.stringify(old) !== JSON.stringify(stored))
        counts.changed += 1;
      else continue;
      changes.push({ type: 'upsert', id: row.id, owner: row.owner, revision: row.revision, origin });
    }
    for (const [id, old] of before) {
      if (this.visible.has(id)) continue;
      counts.removed += 1;
      changes.push({ type: 'delete', id, owner: old.owner, revision: old.revision, origin });
    }
    this.lastSeq = Math.max(this.lastSeq, seq);
    if (report) for (const change of changes) this.emit(change);
    return { loaded: rows.length, ...(report ? counts : { added: 0, changed: 0, removed: 0 }), problems: [] };
  }

  private now(): string {
    return this.clock().toISOString();
  }
}

function hashesOf(files: Record<string, Uint8Array>): FileHashes {
  const hashes: FileHashes = {};
  for (const [path, bytes] of Object.entries(files)) hashes[path] = sha256Hex(bytes);
  return hashes;
}

function readOnlyError(id: string): AutoSkillError {
  return new AutoSkillError('READ_ONLY', `Skill ${id} belongs to a read-only library`, { details: { id } });
}
