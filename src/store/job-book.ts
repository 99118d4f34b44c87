/**
 * @module One user's jobs and events in memory, in creation order: the materialised view that both the
 * in-memory and the filesystem job stores keep (the latter rebuilds it from its log). Holds the rules
 * the stores share: applying a state change, the user's queue head (per-user FIFO), listing and
 * retention.
 */
import { AutoSkillError } from '../shared/errors.js';
import {
  isTerminalStatus,
  type JobEvent,
  type JobRecord,
  type JobUpdate,
  type ListJobsOptions,
  type RecordEventInput,
} from './job-store.js';

/** Whether `job` satisfies a `recordEvent` precondition. */
export function meetsExpectation(job: JobRecord, expect: RecordEventInput['expect']): boolean {
  if (!expect) return true;
  if (expect.status && !expect.status.includes(job.status)) return false;
  if (expect.claimedBy !== undefined && job.claimedBy !== expect.claimedBy) return false;
  if (expect.scheduledBy !== undefined && job.scheduledBy !== expect.scheduledBy) return false;
  return true;
}

export class JobBook {
  private readonly jobs = new Map<string, JobRecord>();
  private readonly events = new Map<string, JobEvent[]>();
  /** Job ids, oldest first. */
  private order: string[] = [];
  private unfinished = 0;

  get size(): number {
    return this.jobs.size;
  }

  get unfinishedCount(): number {
    return this.unfinished;
  }

  has(jobId: string): boolean {
    return this.jobs.has(jobId);
  }

  get(jobId: string): JobRecord | null {
    return this.jobs.get(jobId) ?? null;
  }

  eventsOf(jobId: string): JobEvent[] {
    return this.events.get(jobId) ?? [];
  }

  /** Adds a job (with its first event, when given). */
  add(job: JobRecord, event?: JobEvent): void {
    if (this.jobs.has(job.jobId)) {
      throw new AutoSkillError('CONFLICT', `Job ${job.jobId} already exists`, {
        details: { jobId: job.jobId },
      });
    }
    this.jobs.set(job.jobId, { ...job });
    this.events.set(job.jobId, event ? [event] : []);
    this.order.push(job.jobId);
    if (!isTerminalStatus(job.status)) this.unfinished += 1;
  }

  /** Appends an event and applies the update; returns the new state (null for an unknown job). */
  apply(event: JobEvent | null, update: JobUpdate): JobRecord | null {
    const jobId = event?.jobId;
    const current = jobId === undefined ? undefined : this.jobs.get(jobId);
    if (!current || jobId === undefined) return null;
    return this.applyTo(jobId, current, event, update);
  }

  /** Applies an update to a job by id (lines that carry no event). */
  update(jobId: string, update: JobUpdate): JobRecord | null {
    const current = this.jobs.get(jobId);
    return current ? this.applyTo(jobId, current, null, update) : null;
  }

  private applyTo(jobId: string, current: JobRecord, event: JobEvent | null, update: JobUpdate): JobRecord {
    const next: JobRecord = { ...current, ...definedOnly(update) };
    const wasOpen = !isTerminalStatus(current.status);
    const isOpen = !isTerminalStatus(next.status);
    if (wasOpen !== isOpen) this.unfinished += isOpen ? 1 : -1;
    this.jobs.set(jobId, next);
    if (event) this.events.get(jobId)?.push(event);
    return next;
  }

  /** The user's queue head: the oldest unfinished job (per-user FIFO), or null. */
  head(): JobRecord | null {
    if (this.unfinished === 0) return null;
    for (const jobId of this.order) {
      const job = this.jobs.get(jobId);
      if (job && !isTerminalStatus(job.status)) return job;
    }
    return null;
  }

  unfinishedJobs(): JobRecord[] {
    if (this.unfinished === 0) return [];
    return this.order
      .map((jobId) => this.jobs.get(jobId))
      .filter((job): job is JobRecord => job !== undefined && !isTerminalStatus(job.status));
  }

  list(options: Omit<ListJobsOptions, 'userId'>): JobRecord[] {
    const limit = options.limit ?? 20;
    const statuses = options.statuses ? new Set(options.statuses) : null;
    const out: JobRecord[] = [];
    const matches = (job: JobRecord) =>
      (options.dedupeKey === undefined || job.dedupeKey === options.dedupeKey) &&
      (statuses === null || statuses.has(job.status));
    if ((options.orderBy ?? 'created') === 'created') {
      for (let index = this.order.length - 1; index >= 0 && out.length < limit; index -= 1) {
        const job = this.jobs.get(this.order[index] ?? '');
        if (job && matches(job)) out.push(job);
      }
      return out;
    }
    const all = [...this.jobs.values()].filter(matches);
    // Most recently changed first; among equal times the newer job first.
    const rank = new Map(this.order.map((jobId, index) => [jobId, index]));
    all.sort((a, b) => b.updatedAt - a.updatedAt || (rank.get(b.jobId) ?? 0) - (rank.get(a.jobId) ?? 0));
    return all.slice(0, limit);
  }

  /**
   * Drops the oldest finished jobs (and their events) until at most `retention` jobs remain; unfinished
   * jobs are never dropped. Returns the ids dropped.
   */
  prune(retention: number): string[] {
    let excess = this.jobs.size - retention;
    if (excess <= 0) return [];
    const dropped: string[] = [];
    for (const jobId of this.order) {
      if (excess <= 0) break;
      const job = this.jobs.get(jobId);
      if (!job || !isTerminalStatus(job.status)) continue;
      this.jobs.delete(jobId);
      this.events.delete(jobId);
      dropped.push(jobId);
      excess -= 1;
    }
    if (dropped.length > 0) {
      const gone = new Set(dropped);
      this.order = this.order.filter((jobId) => !gone.has(jobId));
    }
    return dropped;
  }

  /** Every job with its events, oldest first (for rewriting a compacted log). */
  entries(): Array<{ job: JobRecord; events: JobEvent[] }> {
    return this.order.flatMap((jobId) => {
      const job = this.jobs.get(jobId);
      return job ? [{ job, events: this.events.get(jobId) ?? [] }] : [];
    });
  }
}

function definedOnly(update: JobUpdate): JobUpdate {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(update)) if (value !== undefined) out[key] = value;
  return out as JobUpdate;
}

/** Picks the oldest runnable head across users (shared by the stores' `claimNext`). */
export function pickRunnableHead(
  books: Iterable<JobBook>,
  options: { now: number; scheduledBy?: string },
): JobRecord | null {
  let best: JobRecord | null = null;
  for (const book of books) {
    const head = book.head();
    if (head?.status !== 'scheduled' || head.notBefore > options.now) continue;
    if (options.scheduledBy !== undefined && head.scheduledBy !== options.scheduledBy) continue;
    if (best === null || head.createdAt < best.createdAt) best = head;
  }
  return best;
}
