/**
 * @module Store-side search: the calibrated hybrid index of `src/index/` opened over a store's skills
 * and kept in step with the store's change feed, returning hits with the `StoredSkill` attached.
 *
 * - **Lazy.** Nothing is read or embedded until the first `search`, `vectorStatus`, `rebuildVectors`
 *   or `open`, so commands that never search pay nothing at `store.open()`.
 * - **In step.** A listener queues every change (this process's writes, other processes' writes that
 *   `store.sync()` takes in, rescans); each search first calls `store.sync()` (one `stat` when nothing
 *   changed) and applies the queue, so a search never misses a committed write of any process.
 * - **Every skill, not one user's.** The vector file holds one row per skill of the whole store, and
 *   repairing it drops rows of unknown ids, so the index is opened over every owner's skills. The
 *   filesystem store's owners are its `Users/` folders; for other stores owners are followed from the
 *   change feed and loaded on their first search (their vectors then live in memory by default).
 * - **Vector files under the store's write lock.** Each write to the vector files (load, upsert,
 *   remove, reset) takes the store's cross-process lock for the write only — never while a provider
 *   embeds — and the flat backend re-reads files another process wrote before it writes.
 *   Scope rules are the index's: a user sees their own skills plus libraries, never another user's;
 *   hits are checked once more here before they are returned.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { embeddingIndexName } from '../embeddings/signature.js';
import type { EmbeddingConnector } from '../embeddings/types.js';
import { backgroundCachePath } from '../index/background/vectors.js';
import type { SearchScope, VectorSyncReport } from '../index/search.js';
import { type IndexedSkill, SkillSearchIndex } from '../index/search.js';
import { normaliseScope } from '../index/search-filter.js';
import { MemoryVectorIndex } from '../index/vector/memory.js';
import { createVectorBackend } from '../index/vector/registry.js';
import type { VectorBackend, VectorLoadReport } from '../index/vector/types.js';
import { AutoSkillError } from '../shared/errors.js';
import { isLibraryOwner } from '../skill/schema.js';
import { FileLock } from './fs/file-lock.js';
import { FileSkillStore, STATE_DIR } from './fs/file-skill-store.js';
import { LockedVectorBackend } from './locked-vector-backend.js';
import { nameProblem } from './safe-paths.js';
import type {
  CreateSkillSearchOptions,
  RebuildVectorsOptions,
  SkillSearch,
  SkillSearchHit,
  SkillSearchOpenReport,
  SkillSearchQuery,
  VectorRebuildReport,
  VectorStatus,
  VectorStatusOptions,
} from './skill-search-types.js';

export type * from './skill-search-types.js';

import type { SkillStore, StoreChange, StoredSkill } from './types.js';

/** What the index needs of a stored skill (a slim copy: the store keeps the full one). */
export function toIndexedSkill(skill: StoredSkill): IndexedSkill {
  return {
    id: skill.id,
    owner: skill.owner,
    name: skill.name,
    description: skill.description,
    instructions: skill.instructions,
    triggers: [...skill.triggers],
    tags: [...skill.tags],
    status: skill.status,
    resources: [...skill.resources],
  };
}

/** `library:<name>` for library skills, `user:<owner>` for a user's. */
export function skillSource(owner: string): string {
  return isLibraryOwner(owner) ? owner : `user:${owner}`;
}

/** Whether `owner`'s skill may be shown to `userId` in `scope` (the seeds' rule). */
export function visibleTo(owner: string, userId: string | undefined, scope: SearchScope): boolean {
  if (isLibraryOwner(owner)) return scope !== 'user';
  return scope !== 'library' && userId !== undefined && owner === userId;
}

const LIST_PAGE = 10_000;

class StoreSkillSearch implements SkillSearch {
  private readonly store: SkillStore;
  private readonly embeddings: EmbeddingConnector | undefined;
  private readonly options: CreateSkillSearchOptions;
  private readonly vectorsDir: string | null;
  private readonly fileStoreRoot: string | undefined;
  /** Owners whose skills are in the index; for a listable store, every owner. */
  private readonly loadedOwners = new Set<string>();
  private readonly ownersListable: boolean;
  private readonly pending = new Map<string, StoreChange>();
  private index: SkillSearchIndex | undefined;
  private backend: VectorBackend | undefined;
  private opening: Promise<SkillSearchOpenReport> | undefined;
  private applying: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | undefined;
  private vectorLoad: VectorLoadReport | null = null;
  private lastSync: VectorSyncReport | null = null;
  private closed = false;

  constructor(options: CreateSkillSearchOptions) {
    this.options = options;
    this.store = options.store;
    this.embeddings = options.embeddings && !options.embeddings.disabled ? options.embeddings : undefined;
    const fileStore = options.store instanceof FileSkillStore ? options.store : undefined;
    this.ownersListable = fileStore !== undefined || typeof listOwnersOf(options.store) === 'function';
    this.vectorsDir =
      options.vectorsDir === undefined
        ? fileStore
          ? join(fileStore.root, 'vectors')
          : null
        : options.vectorsDir;
    this.fileStoreRoot = fileStore?.root;
  }

  get isOpen(): boolean {
    return this.index !== undefined;
  }

  open(): Promise<SkillSearchOpenReport> {
    if (this.closed) return Promise.reject(new AutoSkillError('INTERNAL', 'The skill search is closed'));
    this.opening ??= this.build().catch((error: unknown) => {
      this.opening = undefined;
      this.unsubscribe?.();
      this.unsubscribe = undefined;
      throw error;
    });
    return this.opening;
  }

  async search(query: string, options: SkillSearchQuery = {}): Promise<SkillSearchHit[]> {
    const index = await this.ready(options.userId);
    const scope = normaliseScope(options.scope);
    const hits = await index.search(query, { ...options, scope });
    const results: SkillSearchHit[] = [];
    for (const hit of hits) {
      if (!visibleTo(hit.owner, options.userId, scope)) continue;
      // A store that keeps a synced cache answers from it without another round trip (PostgreSQL).
      const skill = peekOf(this.store)?.call(this.store, hit.id) ?? (await this.store.get(hit.id));
      // Gone or moved to another owner since the index saw it: the queued change will fix the index.
      if (!skill || skill.owner !== hit.owner) continue;
      results.push({ skill, score: hit.score, parts: hit.parts, source: skillSource(skill.owner) });
    }
    return results;
  }

  async vectorStatus(options: VectorStatusOptions = {}): Promise<VectorStatus> {
    const index = await this.ready(options.userId);
    return this.status(index, options);
  }

  async rebuildVectors(options: RebuildVectorsOptions = {}): Promise<VectorRebuildReport> {
    const started = performance.now();
    const index = await this.ready(undefined);
    const report = await index.syncVectors({
      ...(options.force ? { force: true } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
    });
    this.lastSync = report;
    return { ...report, durationMs: Math.round(performance.now() - started), status: this.status(index, {}) };
  }

  async catchUp(): Promise<void> {
    if (!this.index) return;
    await this.store.sync();
    await this.drain();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.opening?.catch(() => undefined);
    await this.applying;
    await this.backend?.close();
  }

  // ---------------------------------------------------------------- internals

  private async ready(userId: string | undefined): Promise<SkillSearchIndex> {
    await this.open();
    const index = this.index as SkillSearchIndex;
    await this.store.sync();
    if (userId !== undefined && !this.ownersListable && !this.loadedOwners.has(userId)) {
      await this.loadOwner(index, userId);
    }
    await this.drain();
    return index;
  }

  private async build(): Promise<SkillSearchOpenReport> {
    const started = performance.now();
    this.unsubscribe = this.store.subscribe((change) => {
      this.pending.set(change.id, change);
      if (this.index) this.schedule();
    });
    const skills = await this.listEverything();
    const backend = await this.createBackend();
    const vectorLoad = await backend.load();
    // The background corpus's vectors are cached beside the flat files (remote embedders embed it once).
    const backgroundCacheFile =
      backend instanceof LockedVectorBackend && this.vectorsDir !== null
        ? backgroundCachePath(this.vectorsDir, backend.name)
        : undefined;
    const index = new SkillSearchIndex({
      ...(backgroundCacheFile !== undefined ? { backgroundCacheFile } : {}),
      ...this.options.index,
      vectors: backend,
      ...(this.embeddings ? { embeddings: this.embeddings } : {}),
    });
    index.upsertKeywordsOnly(skills);
    const vectorSync =
      this.options.repairOnOpen === false
        ? null
        : await index.syncVectors(this.options.onProgress ? { onProgress: this.options.onProgress } : {});
    this.backend = backend;
    this.vectorLoad = vectorLoad;
    this.lastSync = vectorSync;
    this.index = index;
    // Changes committed while the skills were being listed are applied now (idempotently).
    if (this.pending.size > 0) this.schedule();
    return {
      skills: skills.length,
      vectorLoad,
      vectorSync,
      durationMs: Math.round(performance.now() - started),
    };
  }

  private async createBackend(): Promise<VectorBackend> {
    if (!this.embeddings) return new MemoryVectorIndex();
    const name = this.options.indexName ?? embeddingIndexName(this.embeddings.signature);
    // A store that keeps vectors itself (PostgreSQL) provides the backend unless the caller chose one.
    const fromStore = storeVectorBackendOf(this.store);
    if (fromStore && this.options.vectorsDir === undefined && this.options.vectorBackend === undefined) {
      return fromStore.call(this.store, {
        name,
        config: { unitNorm: this.embeddings.provider === 'hashing', ...this.options.vectorBackendConfig },
      });
    }
    // A store opened read-only must not be written to: its vectors stay in memory.
    const readOnlyStore = this.options.vectorsDir === undefined && this.isReadOnlyFileStore();
    if (this.vectorsDir === null || readOnlyStore) return new MemoryVectorIndex({ name });
    const inner = await createVectorBackend({
      backend: this.options.vectorBackend ?? 'flat',
      directory: this.vectorsDir,
      name,
      // Offline hashing embedders return unit (or all-zero) vectors, so other rows are corrupt.
      config: { unitNorm: this.embeddings.provider === 'hashing', ...this.options.vectorBackendConfig },
    });
    const lockPath = this.lockPath();
    const lock =
      lockPath === null
        ? null
        : new FileLock({ path: lockPath, timeoutMs: this.options.lockTimeoutMs ?? 10_000 });
    return new LockedVectorBackend(inner, lock);
  }

  /** `FileSkillStore` keeps `readOnly` to itself (protected); it is a plain field at run time. */
  private isReadOnlyFileStore(): boolean {
    return (
      this.fileStoreRoot !== undefined && (this.store as unknown as { readOnly?: unknown }).readOnly === true
    );
  }

  /** The store's write lock (its state folder is created, as the store's first write would). */
  private lockPath(): string | null {
    if (this.options.lockPath !== undefined) return this.options.lockPath;
    if (this.fileStoreRoot === undefined || this.isReadOnlyFileStore()) return null;
    const stateDir = join(this.fileStoreRoot, STATE_DIR);
    mkdirSync(stateDir, { recursive: true });
    return join(stateDir, 'lock');
  }

  /** Libraries plus every owner's skills (archived ones too: the index filters by status). */
  private async listEverything(): Promise<IndexedSkill[]> {
    const skills: IndexedSkill[] = [];
    await this.listInto(skills, { scope: 'library' });
    const owners = new Set([...(this.options.userIds ?? []), ...(await this.discoverOwners())]);
    for (const owner of owners) {
      await this.listInto(skills, { scope: 'user', userId: owner });
      this.loadedOwners.add(owner);
    }
    return skills;
  }

  private async listInto(
    into: IndexedSkill[],
    selection: { scope: 'user' | 'library'; userId?: string },
  ): Promise<void> {
    for (let offset = 0; ; offset += LIST_PAGE) {
      const page = await this.store.list({ ...selection, includeArchived: true, limit: LIST_PAGE, offset });
      for (const skill of page.items) into.push(toIndexedSkill(skill));
      if (offset + LIST_PAGE >= page.total || page.items.length === 0) return;
    }
  }

  private async discoverOwners(): Promise<string[]> {
    const listOwners = listOwnersOf(this.store);
    if (typeof listOwners === 'function') return listOwners.call(this.store);
    if (!(this.store instanceof FileSkillStore)) return [];
    let names: string[];
    try {
      names = readdirSync(join(this.store.root, 'Users'), { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name);
    } catch {
      return [];
    }
    return names.filter((name) => nameProblem(name) === null).sort();
  }

  private async loadOwner(index: SkillSearchIndex, owner: string): Promise<void> {
    const skills: IndexedSkill[] = [];
    await this.listInto(skills, { scope: 'user', userId: owner });
    this.loadedOwners.add(owner);
    if (skills.length > 0) this.report(await index.upsert(skills), 'indexing the skills of a user');
  }

  private schedule(): void {
    this.applying = this.applying.then(
      () => this.applyPending().catch((error: unknown) => this.options.onError?.(error, 'applying changes')),
      () => undefined,
    );
  }

  private async drain(): Promise<void> {
    if (this.pending.size > 0) this.schedule();
    await this.applying;
  }

  private async applyPending(): Promise<void> {
    const index = this.index;
    if (!index || this.closed) return;
    while (this.pending.size > 0) {
      const changes = [...this.pending.values()];
      this.pending.clear();
      if (
        changes.some((change) => change.origin !== 'local') &&
        this.backend instanceof LockedVectorBackend
      ) {
        // Vectors another process wrote for these changes are taken as they are, not re-embedded.
        await this.backend.refreshFromDisk();
      } else if (changes.some((change) => change.origin !== 'local')) {
        await (this.backend as (VectorBackend & { refresh?: () => Promise<void> }) | undefined)?.refresh?.();
      }
      const removed: string[] = [];
      const upserted: IndexedSkill[] = [];
      for (const change of changes) {
        const skill = change.type === 'delete' ? null : await this.store.get(change.id);
        if (skill) {
          upserted.push(toIndexedSkill(skill));
          if (!isLibraryOwner(skill.owner)) this.loadedOwners.add(skill.owner);
        } else removed.push(change.id);
      }
      if (removed.length > 0) await index.remove(removed);
      if (upserted.length > 0) this.report(await index.upsert(upserted), 'embedding changed skills');
    }
  }

  private report(sync: VectorSyncReport, context: string): void {
    if (sync.failed.length === 0 && !sync.error) return;
    const message = sync.error ?? `${sync.failed.length} skill(s) could not be embedded`;
    this.options.onError?.(
      new AutoSkillError('UPSTREAM_ERROR', `${context}: ${message}`, {
        details: { failed: sync.failed.slice(0, 20) },
      }),
      context,
    );
  }

  private status(index: SkillSearchIndex, options: VectorStatusOptions): VectorStatus {
    const scope = normaliseScope(options.scope);
    const counts = (owner: string) => options.userId === undefined || visibleTo(owner, options.userId, scope);
    const onlyLibraries = options.userId === undefined && scope === 'library';
    const inScope = (id: string): boolean => {
      const owner = index.get(id)?.owner;
      if (owner === undefined) return false;
      return onlyLibraries ? isLibraryOwner(owner) : counts(owner);
    };
    const health = index.vectorHealth();
    const skills = index.ids().filter(inScope).length;
    const missing = health.missing.filter(inScope).length;
    const stale = health.stale.filter(inScope).length;
    const enabled = this.embeddings !== undefined;
    const embeddings = this.embeddings
      ? {
          provider: this.embeddings.provider,
          model: this.embeddings.modelId,
          dimensions: this.embeddings.dimensions ?? index.vectors.dimensions() ?? null,
        }
      : null;
    return {
      enabled,
      backend: enabled ? index.vectors.kind : 'none',
      indexName: enabled ? index.vectors.name : null,
      directory: enabled && index.vectors.kind !== 'memory' ? this.vectorsDir : null,
      embeddings,
      skills,
      vectors: enabled ? skills - missing - stale : 0,
      missing: enabled ? missing : 0,
      stale: enabled ? stale : 0,
      extra: enabled ? health.extra.length : 0,
      healthy: !enabled || (missing === 0 && stale === 0 && health.extra.length === 0),
      load: this.vectorLoad,
      lastSync: this.lastSync,
    };
  }
}

/** What a store that keeps vectors itself offers: a backend for an index name. */
type StoreVectorBackend = (request: {
  name: string;
  config: Record<string, unknown>;
}) => Promise<VectorBackend>;

function storeVectorBackendOf(store: SkillStore): StoreVectorBackend | undefined {
  const candidate = (store as SkillStore & { createVectorBackend?: unknown }).createVectorBackend;
  return typeof candidate === 'function' ? (candidate as StoreVectorBackend) : undefined;
}

function peekOf(store: SkillStore): ((id: string) => StoredSkill | null) | undefined {
  const candidate = (store as SkillStore & { peek?: unknown }).peek;
  return typeof candidate === 'function' ? (candidate as (id: string) => StoredSkill | null) : undefined;
}

function listOwnersOf(store: SkillStore): (() => Promise<string[]>) | undefined {
  const candidate = (store as SkillStore & { listOwners?: unknown }).listOwners;
  return typeof candidate === 'function' ? (candidate as () => Promise<string[]>) : undefined;
}

/**
 * Search over a store's skills (see the module comment). Nothing happens until the first use.
 * @example
 * const search = createSkillSearch({ store, embeddings });
 * const hits = await search.search('safe release', { userId: 'u1', limit: 1, minScore: 0.4 });
 */
export function createSkillSearch(options: CreateSkillSearchOptions): SkillSearch {
  return new StoreSkillSearch(options);
}
