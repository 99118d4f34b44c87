/**
 * @module One write of the PostgreSQL skill store: a transaction holding the store's advisory lock (one
 * writer at a time, so change numbers grow in commit order), the change feed rows and NOTIFY it adds,
 * and the cache updates it applies once committed.
 */
import type { StoreChange, StoredSkill } from '../types.js';
import type { PostgresDatabase, Queryable } from './database.js';
import { lockKey } from './migrations.js';
import type { CacheUpdate, SkillCache } from './skill-cache.js';

/** A change feed row this transaction added. */
export interface FeedEntry {
  seq: number;
  change: StoreChange;
}

/** What one write transaction changes; applied to the cache after the commit. */
export class WriteTransaction {
  readonly updates: CacheUpdate[] = [];
  constructor(
    readonly client: Queryable,
    readonly db: PostgresDatabase,
    private readonly writerId: string,
    private readonly clock: () => Date,
  ) {}

  now(): string {
    return this.clock().toISOString();
  }

  /** The cache takes `stored` (null: no longer visible) once the transaction commits. */
  queueUpdate(stored: StoredSkill | null, entry: FeedEntry): void {
    this.updates.push({ id: entry.change.id, stored, seq: entry.seq, change: entry.change });
  }

  /** Appends to the change feed and notifies every replica (delivered at commit). */
  async nextChange(
    id: string,
    owner: string,
    revision: number,
    type: StoreChange['type'],
  ): Promise<FeedEntry> {
    const result = await this.client.query<{ seq: string }>(
      `WITH next AS (SELECT nextval('${this.db.schema}.change_seq') AS seq)
       INSERT INTO ${this.db.table('changes')} (seq, skill_id, owner, revision, type, writer)
       SELECT seq, $1, $2, $3, $4, $5 FROM next RETURNING seq`,
      [id, owner, revision, type, this.writerId],
    );
    const seq = Number(result.rows[0]?.seq);
    await this.client.query('SELECT pg_notify($1, $2)', [this.db.channel('skills'), String(seq)]);
    return { seq, change: { type, id, owner, revision, origin: 'local' } };
  }

  /** `nextChange` for many changes: one statement and one notification. */
  async nextChanges(
    items: ReadonlyArray<{ id: string; owner: string; revision: number; type: StoreChange['type'] }>,
  ): Promise<FeedEntry[]> {
    if (items.length === 0) return [];
    const result = await this.client.query<{ seq: string; ordinality: string }>(
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
    await this.client.query('SELECT pg_notify($1, $2)', [
      this.db.channel('skills'),
      String(seqs.at(-1) ?? 0),
    ]);
    return items.map((item, index) => ({
      seq: seqs[index] ?? 0,
      change: { type: item.type, id: item.id, owner: item.owner, revision: item.revision, origin: 'local' },
    }));
  }
}

/** Runs `work` as one locked write transaction, then applies its updates to `cache`. */
export async function runWrite<T>(options: {
  db: PostgresDatabase;
  cache: SkillCache;
  writerId: string;
  clock: () => Date;
  work: (tx: WriteTransaction) => Promise<T>;
}): Promise<T> {
  const { db, cache, writerId, clock, work } = options;
  let tx: WriteTransaction | undefined;
  const result = await db.transaction(async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [lockKey(`autoskill:write:${db.schema}`)]);
    tx = new WriteTransaction(client, db, writerId, clock);
    return work(tx);
  });
  if (tx) cache.apply(tx.updates);
  return result;
}

/**
 * Runs each item's step under its own savepoint: a failed step is rolled back (with the cache updates
 * it queued) and reported through `failed`, and the others still commit.
 */
export async function eachUnderSavepoint<Item, Result>(
  tx: WriteTransaction,
  options: {
    items: readonly Item[];
    prefix: string;
    step: (item: Item) => Promise<Result>;
    failed: (error: unknown, item: Item) => Result;
  },
): Promise<Result[]> {
  const results: Result[] = [];
  for (const [index, item] of options.items.entries()) {
    const savepoint = `${options.prefix}_${index}`;
    const mark = tx.updates.length;
    await tx.client.query(`SAVEPOINT ${savepoint}`);
    try {
      const result = await options.step(item);
      await tx.client.query(`RELEASE SAVEPOINT ${savepoint}`);
      results.push(result);
    } catch (error) {
      await tx.client.query(`ROLLBACK TO SAVEPOINT ${savepoint}`);
      tx.updates.splice(mark);
      results.push(options.failed(error, item));
    }
  }
  return results;
}
