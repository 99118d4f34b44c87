/**
 * @module The in-memory `JobStore` (tests, and a server run without a store folder): the same rules as
 * the filesystem store, nothing survives the process.
 */
import { AutoSkillError } from '../shared/errors.js';
import { JobBook, meetsExpectation, pickRunnableHead } from './job-book.js';
import type {
  ClaimNextOptions,
  JobEvent,
  JobRecord,
  JobStore,
  ListJobsOptions,
  RecordEventInput,
} from './job-store.js';

export interface MemoryJobStoreOptions {
  /** Jobs kept per user (the oldest finished ones are dropped first). @default 200 */
  retentionPerUser?: number;
}

export class MemoryJobStore implements JobStore {
  private readonly books = new Map<string, JobBook>();
  private readonly workers = new Map<string, number>();
  private readonly retention: number;

  constructor(options: MemoryJobStoreOptions = {}) {
    this.retention = options.retentionPerUser ?? 200;
  }

  async open(): Promise<void> {}

  async close(): Promise<void> {}

  private book(userId: string): JobBook {
    let book = this.books.get(userId);
    if (!book) {
      book = new JobBook();
      this.books.set(userId, book);
    }
    return book;
  }

  async addJob(job: JobRecord, event: JobEvent): Promise<void> {
    if (event.jobId !== job.jobId || event.userId !== job.userId) {
      throw new AutoSkillError('INVALID_INPUT', 'The first event must belong to the job', {
        details: { jobId: job.jobId },
      });
    }
    const book = this.book(job.userId);
    book.add(structuredClone(job), structuredClone(event));
    book.prune(this.retention);
  }

  async claimNext(options: ClaimNextOptions): Promise<JobRecord | null> {
    const head = pickRunnableHead(this.books.values(), options);
    if (!head) return null;
    const event = options.event({ ...head });
    const claimed = this.book(head.userId).apply(structuredClone(event), {
      status: 'running',
      claimedBy: options.workerId,
      attempts: head.attempts + 1,
      updatedAt: event.eventTime,
    });
    return claimed ? structuredClone(claimed) : null;
  }

  async recordEvent(input: RecordEventInput): Promise<JobRecord | null> {
    const book = this.books.get(input.event.userId);
    const job = book?.get(input.event.jobId);
    if (!book || !job || !meetsExpectation(job, input.expect)) return null;
    const next = book.apply(structuredClone(input.event), input.update);
    return next ? structuredClone(next) : null;
  }

  async getJob(userId: string, jobId: string): Promise<JobRecord | null> {
    const job = this.books.get(userId)?.get(jobId);
    return job ? structuredClone(job) : null;
  }

  async listJobs(options: ListJobsOptions): Promise<JobRecord[]> {
    return structuredClone(this.books.get(options.userId)?.list(options) ?? []);
  }

  async jobEvents(userId: string, jobId: string): Promise<JobEvent[]> {
    return structuredClone(this.books.get(userId)?.eventsOf(jobId) ?? []);
  }

  async unfinishedJobs(): Promise<JobRecord[]> {
    return structuredClone([...this.books.values()].flatMap((book) => book.unfinishedJobs()));
  }

  async heartbeat(workerId: string, now: number): Promise<void> {
    this.workers.set(workerId, now);
  }

  async isWorkerAlive(workerId: string, options: { now: number; staleAfterMs: number }): Promise<boolean> {
    const seen = this.workers.get(workerId);
    return seen !== undefined && options.now - seen <= options.staleAfterMs;
  }

  async retireWorker(workerId: string): Promise<void> {
    this.workers.delete(workerId);
  }
}
