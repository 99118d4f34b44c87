/**
 * @module One replica's cache of the visible skills, kept in step with the `changes` feed: every read
 * first takes in the feed since the last change number it saw (or, with `readConsistency: 'notify'`,
 * only after a NOTIFY), and reports other replicas' writes to subscribers as `remote` changes.
 */
import { AutoSkillError } from '../../shared/errors.js';
import { cloneStored } from '../skill-records.js';
import type { RefreshReport, StoreChange, StoredSkill, StoreListener } from '../types.js';
import type { PostgresDatabase } from './database.js';
import { type SkillRow, storedFromRow } from './skill-rows.js';

const SYNC_PAGE = 5000;

/** One skill's new state and the change that made it (`stored` null: no longer visible). */
export interface CacheUpdate {
  id: string;
  stored: StoredSkill | null;
  seq: number;
  change: StoreChange;
}

export interface SkillCacheOptions {
  /** The open database handle, if any (the cache is created before the store opens). */
  database: () => PostgresDatabase | undefined;
  /** Tags this replica's rows in the change feed, so its own writes are not reported as remote. */
  writerId: string;
  /** @default 'strict' */
  readConsistency?: 'strict' | 'notify';
  onError?: (error: unknown, context: string) => void;
}

export class SkillCache {
  readonly visible = new Map<string, StoredSkill>();
  /** Change number of the state cached per id (deleted ids too), so an older state never wins. */
  private readonly seqById = new Map<string, number>();
  private readonly listeners = new Set<StoreListener>();
  private lastSeq = 0;
  private syncRunning: Promise<void> | undefined;
  private syncQueued: Promise<void> | undefined;
  /** A notification arrived (or the listener reconnected) since the last sync started. */
  private dirty = true;

  constructor(private readonly options: SkillCacheOptions) {}

  /** The feed may have moved (a notification, a reconnect): the next read asks it. */
  markStale(): void {
    this.dirty = true;
  }

  /** `markStale` and take the feed in now (for a replica that only listens, such as the search index). */
  heard(): void {
    this.dirty = true;
    this.sync().catch((error: unknown) => this.options.onError?.(error, 'following the change feed'));
  }

  sync(): Promise<void> {
    if (
      this.options.readConsistency === 'notify' &&
      !this.dirty &&
      !this.syncRunning &&
      this.options.database()?.isListening()
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

  /** Waits for a running or queued sync to end (failures are left to whoever asked for it). */
  async settle(): Promise<void> {
    await this.syncRunning?.catch(() => undefined);
    await this.syncQueued?.catch(() => undefined);
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A copy of the cached skill as of the last sync. */
  peek(id: string): StoredSkill | null {
    const found = this.visible.get(id);
    return found ? cloneStored(found) : null;
  }

  /** Takes in a commit's updates (or a page of the feed) and tells the subscribers. */
  apply(updates: readonly CacheUpdate[]): void {
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

  /** Loads every visible skill (at open, and on refresh, reporting what changed as `rescan`). */
  async reload(report: boolean): Promise<RefreshReport> {
    const database = this.database();
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
    const origin = 'rescan';
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

  private database(): PostgresDatabase {
    const database = this.options.database();
    if (!database) throw new AutoSkillError('INTERNAL', 'The PostgreSQL store is not open');
    return database;
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
    const database = this.database();
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
      const foreign = feed.rows.filter((row) => row.writer !== this.options.writerId);
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
      this.apply(updates);
      if (feed.rows.length < SYNC_PAGE) return;
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
}
