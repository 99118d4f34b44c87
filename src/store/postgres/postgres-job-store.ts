/**
 * @module The PostgreSQL `JobStore`: extraction jobs and their events shared by every replica.
 *
 * - **Exactly-once claims.** `claimNext` locks the chosen job row with `FOR UPDATE SKIP LOCKED`: two
 *   replicas claiming at once never wait for each other and never take the same job. The row is
 *   re-checked (`status = 'scheduled'`) after the lock, so a job another replica claimed and committed
 *   in between is skipped. Per-user FIFO: only a user's oldest unfinished job is a candidate.
 * - **Leases.** A replica heartbeats while it runs jobs. A running job whose replica has not been seen
 *   for `leaseMs` has lost its lease: the next claim on any replica puts it back to `scheduled` once
 *   (`recoveries + 1`), or fails it when it was already recovered once (the same rule as the queue's
 *   recovery at start), so a job whose replica died is retried by another and never runs twice at once.
 * - **Events on every replica.** Every stored event is announced with NOTIFY (job id, user, status and
 *   the event's row number; the event itself is read from `job_events`, as NOTIFY payloads are small).
 *   `onEvent` hands other replicas' events to this replica's event bus; `onRunnable` tells its queue
 *   that a job may be claimed (a job was added or re-queued anywhere).
 */
import { randomBytes } from 'node:crypto';
import { AutoSkillError } from '../../shared/errors.js';
import { meetsExpectation } from '../job-book.js';
import type {
  ClaimNextOptions,
  JobEvent,
  JobRecord,
  JobStore,
  JobUpdate,
  ListJobsOptions,
  RecordEventInput,
} from '../job-store.js';
import { validateUserId } from '../safe-paths.js';
import { PostgresDatabase, type PostgresDatabaseOptions, type Queryable } from './database.js';
import { json } from './skill-rows.js';

export interface PostgresJobStoreOptions extends Omit<PostgresDatabaseOptions, 'onError'> {
  /** A database handle shared with the other stores of this process (not closed by `close`). */
  database?: PostgresDatabase;
  /** Jobs kept per user (the oldest finished ones are dropped first). @default 200 */
  retentionPerUser?: number;
  /**
   * A running job whose replica sent no heartbeat for this long is taken back (see the module
   * comment). Keep it above the queue's heartbeat interval. @default 60000
   */
  leaseMs?: number;
  onError?: (error: unknown, context: string) => void;
}

/** An event stored by any replica, as announced to the others. */
export interface JobEventNotice {
  event: JobEvent;
  /** True when this store instance wrote it. */
  local: boolean;
}

interface Notice {
  seq: number;
  jobId: string;
  userId: string;
  status: string;
  writer: string;
}

const UNFINISHED = "('scheduled', 'running')";

export class PostgresJobStore implements JobStore {
  private database: PostgresDatabase | undefined;
  private readonly ownsDatabase: boolean;
  private readonly options: PostgresJobStoreOptions;
  private readonly retention: number;
  private readonly leaseMs: number;
  private readonly writerId = `jobs-${randomBytes(8).toString('hex')}`;
  private readonly eventListeners = new Set<(notice: JobEventNotice) => void>();
  private readonly runnableListeners = new Set<() => void>();
  private stopListening: (() => void) | undefined;
  private listening: Promise<void> | undefined;
  /** Other replicas' events are read and delivered one at a time, in the order they were announced. */
  private deliveries: Promise<void> = Promise.resolve();

  constructor(options: PostgresJobStoreOptions) {
    this.options = options;
    this.database = options.database;
    this.ownsDatabase = options.database === undefined;
    this.retention = options.retentionPerUser ?? 200;
    this.leaseMs = options.leaseMs ?? 60_000;
  }

  private get db(): PostgresDatabase {
    if (!this.database) throw new AutoSkillError('INTERNAL', 'The PostgreSQL job store is not open');
    return this.database;
  }

  async open(): Promise<void> {
    if (!this.database) {
      this.database = await PostgresDatabase.open({
        ...this.options,
        ...(this.options.onError ? { onError: this.options.onError } : {}),
      });
    }
  }

  async close(): Promise<void> {
    this.stopListening?.();
    this.stopListening = undefined;
    this.listening = undefined;
    if (this.ownsDatabase) {
      await this.database?.close();
      this.database = undefined;
    }
  }

  /** Every event stored by any replica (this one's too, marked `local`). Returns the unsubscribe function. */
  async onEvent(listener: (notice: JobEventNotice) => void): Promise<() => void> {
    this.eventListeners.add(listener);
    await this.listen();
    return () => this.eventListeners.delete(listener);
  }

  /** Called when a job may have become claimable anywhere (added, retried, re-queued, lease lost). */
  async onRunnable(listener: () => void): Promise<() => void> {
    this.runnableListeners.add(listener);
    await this.listen();
    return () => this.runnableListeners.delete(listener);
  }

  async addJob(job: JobRecord, event: JobEvent): Promise<void> {
    if (event.jobId !== job.jobId || event.userId !== job.userId) {
      throw new AutoSkillError('INVALID_INPUT', 'The first event must belong to the job', {
        details: { jobId: job.jobId },
      });
    }
    validateUserId(job.userId);
    await this.db.transaction(async (client) => {
      const inserted = await client.query(
        `INSERT INTO ${this.db.table('jobs')}
           (job_id, user_id, status, created_at, updated_at, not_before, scheduled_by, claimed_by, dedupe_key, record)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (job_id) DO NOTHING`,
        [
          job.jobId,
          job.userId,
          job.status,
          job.createdAt,
          job.updatedAt,
          job.notBefore,
          job.scheduledBy,
          job.claimedBy,
          job.dedupeKey,
          json(job),
        ],
      );
      if ((inserted.rowCount ?? 0) === 0) {
        throw new AutoSkillError('CONFLICT', `Job ${job.jobId} already exists`, {
          details: { jobId: job.jobId },
        });
      }
      await this.appendEvent(client, event);
      await this.prune(client, job.userId);
    });
  }

  async claimNext(options: ClaimNextOptions): Promise<JobRecord | null> {
    await this.expireLeases(options.now);
    return this.db.transaction(async (client) => {
      const values: unknown[] = [options.now];
      if (options.scheduledBy !== undefined) values.push(options.scheduledBy);
      const picked = await client.query<{ record: JobRecord }>(
        `WITH heads AS (
           SELECT DISTINCT ON (user_id) job_id, status FROM ${this.db.table('jobs')}
           WHERE status IN ${UNFINISHED} ORDER BY user_id, seq
         )
         SELECT j.record FROM ${this.db.table('jobs')} j JOIN heads h ON h.job_id = j.job_id
         WHERE h.status = 'scheduled' AND j.status = 'scheduled' AND j.not_before <= $1
           ${options.scheduledBy !== undefined ? 'AND j.scheduled_by = $2' : ''}
         ORDER BY j.created_at, j.seq
         LIMIT 1
         FOR UPDATE OF j SKIP LOCKED`,
        values,
      );
      const head = picked.rows[0]?.record;
      if (!head) return null;
      const event = options.event({ ...head });
      const claimed: JobRecord = {
        ...head,
        status: 'running',
        claimedBy: options.workerId,
        attempts: head.attempts + 1,
        updatedAt: event.eventTime,
      };
      await this.saveRecord(client, claimed);
      await this.appendEvent(client, event);
      return claimed;
    });
  }

  async recordEvent(input: RecordEventInput): Promise<JobRecord | null> {
    return this.db.transaction(async (client) => {
      const found = await client.query<{ record: JobRecord }>(
        `SELECT record FROM ${this.db.table('jobs')} WHERE job_id = $1 AND user_id = $2 FOR UPDATE`,
        [input.event.jobId, input.event.userId],
      );
      const job = found.rows[0]?.record;
      if (!job || !meetsExpectation(job, input.expect)) return null;
      const next: JobRecord = { ...job, ...definedOnly(input.update) };
      await this.saveRecord(client, next);
      await this.appendEvent(client, input.event);
      return next;
    });
  }

  async getJob(userId: string, jobId: string): Promise<JobRecord | null> {
    const result = await this.db.query<{ record: JobRecord }>(
      `SELECT record FROM ${this.db.table('jobs')} WHERE job_id = $1 AND user_id = $2`,
      [jobId, userId],
    );
    return result.rows[0]?.record ?? null;
  }

  async listJobs(options: ListJobsOptions): Promise<JobRecord[]> {
    const values: unknown[] = [options.userId, Math.max(0, options.limit ?? 20)];
    const where = ['user_id = $1'];
    if (options.dedupeKey !== undefined) {
      values.push(options.dedupeKey);
      where.push(`dedupe_key = $${values.length}`);
    }
    if (options.statuses) {
      values.push([...options.statuses]);
      where.push(`status = ANY($${values.length}::text[])`);
    }
    const order = (options.orderBy ?? 'created') === 'created' ? 'seq DESC' : 'updated_at DESC, seq DESC';
    const result = await this.db.query<{ record: JobRecord }>(
      `SELECT record FROM ${this.db.table('jobs')} WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT $2`,
      values,
    );
    return result.rows.map((row) => row.record);
  }

  async jobEvents(userId: string, jobId: string): Promise<JobEvent[]> {
    const result = await this.db.query<{ event: JobEvent }>(
      `SELECT event FROM ${this.db.table('job_events')} WHERE job_id = $1 AND user_id = $2 ORDER BY event_seq`,
      [jobId, userId],
    );
    return result.rows.map((row) => row.event);
  }

  async unfinishedJobs(): Promise<JobRecord[]> {
    const result = await this.db.query<{ record: JobRecord }>(
      `SELECT record FROM ${this.db.table('jobs')} WHERE status IN ${UNFINISHED} ORDER BY seq`,
    );
    return result.rows.map((row) => row.record);
  }

  async heartbeat(workerId: string, now: number): Promise<void> {
    await this.db.query(
      `INSERT INTO ${this.db.table('workers')} (worker_id, seen_at) VALUES ($1, $2)
       ON CONFLICT (worker_id) DO UPDATE SET seen_at = GREATEST(${this.db.table('workers')}.seen_at, EXCLUDED.seen_at)`,
      [workerId, now],
    );
  }

  async isWorkerAlive(workerId: string, options: { now: number; staleAfterMs: number }): Promise<boolean> {
    const result = await this.db.query<{ seen_at: string }>(
      `SELECT seen_at FROM ${this.db.table('workers')} WHERE worker_id = $1`,
      [workerId],
    );
    const seen = result.rows[0]?.seen_at;
    return seen !== undefined && options.now - Number(seen) <= options.staleAfterMs;
  }

  async retireWorker(workerId: string): Promise<void> {
    await this.db.query(`DELETE FROM ${this.db.table('workers')} WHERE worker_id = $1`, [workerId]);
  }

  // ---------------------------------------------------------------- internals

  /** Takes back running jobs whose replica stopped heartbeating (see the module comment). */
  private async expireLeases(now: number): Promise<void> {
    const cutoff = now - this.leaseMs;
    await this.db.transaction(async (client) => {
      const expired = await client.query<{ record: JobRecord }>(
        `SELECT j.record FROM ${this.db.table('jobs')} j
         LEFT JOIN ${this.db.table('workers')} w ON w.worker_id = j.claimed_by
         WHERE j.status = 'running' AND COALESCE(w.seen_at, j.updated_at) < $1
         FOR UPDATE OF j SKIP LOCKED`,
        [cutoff],
      );
      for (const { record: job } of expired.rows) {
        const again = job.recoveries < 1;
        const reason = again
          ? 're-queued once: the replica running it stopped (lease expired)'
          : 'interrupted twice by a stopped replica; not run again';
        const next: JobRecord = again
          ? {
              ...job,
              status: 'scheduled',
              claimedBy: null,
              recoveries: job.recoveries + 1,
              notBefore: 0,
              updatedAt: now,
            }
          : { ...job, status: 'failed', claimedBy: null, reason, error: 'interrupted', updatedAt: now };
        await this.saveRecord(client, next);
        await this.appendEvent(client, {
          eventId: randomBytes(16).toString('hex'),
          jobId: job.jobId,
          userId: job.userId,
          trigger: job.trigger,
          eventTime: now,
          status: next.status,
          outcome: null,
          reason,
          error: 'interrupted',
          attempt: job.attempts,
          upserted: [],
          skills: [],
        });
      }
    });
  }

  private async saveRecord(client: Queryable, job: JobRecord): Promise<void> {
    await client.query(
      `UPDATE ${this.db.table('jobs')} SET status = $2, updated_at = $3, not_before = $4, scheduled_by = $5,
         claimed_by = $6, record = $7 WHERE job_id = $1`,
      [job.jobId, job.status, job.updatedAt, job.notBefore, job.scheduledBy, job.claimedBy, json(job)],
    );
  }

  private async appendEvent(client: Queryable, event: JobEvent): Promise<void> {
    const inserted = await client.query<{ event_seq: string }>(
      `INSERT INTO ${this.db.table('job_events')} (event_id, job_id, user_id, event) VALUES ($1, $2, $3, $4)
       RETURNING event_seq`,
      [event.eventId, event.jobId, event.userId, json(event)],
    );
    const notice: Notice = {
      seq: Number(inserted.rows[0]?.event_seq),
      jobId: event.jobId,
      userId: event.userId,
      status: event.status,
      writer: this.writerId,
    };
    await client.query('SELECT pg_notify($1, $2)', [this.db.channel('jobs'), JSON.stringify(notice)]);
  }

  /** Drops the user's oldest finished jobs (and their events) beyond the retention. */
  private async prune(client: Queryable, userId: string): Promise<void> {
    await client.query(
      `WITH doomed AS (
         SELECT job_id FROM ${this.db.table('jobs')} WHERE user_id = $1 AND status NOT IN ${UNFINISHED}
         ORDER BY seq
         LIMIT GREATEST(0, (SELECT count(*) FROM ${this.db.table('jobs')} WHERE user_id = $1) - $2)
       ), gone AS (
         DELETE FROM ${this.db.table('jobs')} WHERE job_id IN (SELECT job_id FROM doomed) RETURNING job_id
       )
       DELETE FROM ${this.db.table('job_events')} WHERE job_id IN (SELECT job_id FROM gone)`,
      [userId, this.retention],
    );
  }

  private listen(): Promise<void> {
    this.listening ??= this.db
      .listen(this.db.channel('jobs'), (payload) => this.onNotice(payload))
      .then((stop) => {
        this.stopListening = stop;
      });
    return this.listening;
  }

  private onNotice(payload: string): void {
    let notice: Notice;
    try {
      notice = JSON.parse(payload) as Notice;
    } catch {
      return;
    }
    if (notice.status === 'scheduled') for (const listener of [...this.runnableListeners]) listener();
    if (this.eventListeners.size === 0) return;
    const local = notice.writer === this.writerId;
    this.deliveries = this.deliveries.then(async () => {
      try {
        const result = await this.db.query<{ event: JobEvent }>(
          `SELECT event FROM ${this.db.table('job_events')} WHERE event_seq = $1`,
          [notice.seq],
        );
        const event = result.rows[0]?.event;
        if (!event) return;
        for (const listener of [...this.eventListeners]) listener({ event, local });
      } catch (error) {
        this.options.onError?.(error, 'reading a job event of another replica');
      }
    });
  }
}

function definedOnly(update: JobUpdate): JobUpdate {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(update)) if (value !== undefined) out[key] = value;
  return out as JobUpdate;
}
