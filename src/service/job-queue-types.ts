/**
 * @module The shapes of the background extraction queue (`job-queue.ts`): the runner it drives, schedule
 * requests and receipts, recovery and stop reports, the queue interface and its options.
 */
import type {
  JobEvent,
  JobMessage,
  JobOutcome,
  JobRecord,
  JobReference,
  JobSkillDetail,
  JobSkillSummary,
  JobStatus,
  JobStore,
} from '../store/job-store.js';
import type { JobEventBus } from './event-bus.js';

/** A pino-compatible logger subset. */
export interface ServiceLogger {
  info(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
  error(details: Record<string, unknown>, message: string): void;
}

export interface JobRunResult {
  outcome: JobOutcome;
  reason: string;
  upserted: JobSkillSummary[];
  skills: JobSkillDetail[];
}

/** Does the work of one job (the ingest runner). Throws on failure; retryable errors say so. */
export interface JobRunner {
  run(job: JobRecord, options: { signal: AbortSignal }): Promise<JobRunResult>;
  /** Releases what the runner holds (a worker thread); called by the runtime after the queue stopped. */
  close?(): Promise<void>;
}

export interface ScheduleRequest {
  userId: string;
  window: JobMessage[];
  /** `proxy_chat_completion`, `proxy_extract_now`, … */
  trigger: string;
  hint?: string | null;
  forced?: boolean;
  reference?: JobReference | null;
  metadata?: Record<string, string>;
}

export interface ScheduleReceipt {
  jobId: string;
  /** `scheduled` for a new job; the current status of the job it duplicates otherwise. */
  status: JobStatus;
  /** True when an identical window already had a job (`jobId` is that job). */
  duplicate: boolean;
  reason: string;
  /** Settles once the job is stored: the job's latest known event. */
  persisted: Promise<JobEvent | null>;
}

export interface RecoveryReport {
  /** Jobs taken over from stopped processes (queued ones, and running ones re-queued once). */
  requeued: string[];
  /** Jobs interrupted a second time, failed with a reason. */
  failed: string[];
}

export interface StopReport {
  /** True when every running job finished within the timeout. */
  drained: boolean;
  /** Jobs aborted at the timeout and put back to `scheduled`. */
  interrupted: string[];
}

export interface JobQueue {
  readonly workerId: string;
  /** Registers the worker, recovers jobs of stopped processes, starts claiming. */
  start(): Promise<RecoveryReport>;
  schedule(request: ScheduleRequest): ScheduleReceipt;
  /** Stops claiming, waits up to `timeoutMs` for running jobs, aborts the rest. @default timeoutMs 10000 */
  stop(options?: { timeoutMs?: number }): Promise<StopReport>;
  /** Resolves when every job this queue scheduled or took over has finished (tests, benches). */
  idle(options?: { timeoutMs?: number }): Promise<void>;
  stats(): { running: number; waiting: number };
}

export interface JobQueueOptions {
  store: JobStore;
  runner: JobRunner;
  bus?: JobEventBus;
  /** Jobs running at once in this process, across users. @default 2 */
  maxConcurrentJobs?: number;
  /** Re-runs after a retryable error. @default 2 */
  maxRetries?: number;
  /** First retry delay; doubles each time. @default 1000 */
  retryBaseMs?: number;
  /** @default 60000 */
  retryMaxMs?: number;
  /** How long a finished job still absorbs identical windows. @default 600000 (10 min) */
  dedupeWindowMs?: number;
  /** @default 10000 */
  heartbeatMs?: number;
  /** A worker silent this long (on another host) counts as stopped. @default 60000 */
  workerStaleMs?: number;
  /**
   * Claim only jobs this queue scheduled (each process of a filesystem store runs its own queue);
   * `false` lets replicas of a shared database take any job. @default true
   */
  ownJobsOnly?: boolean;
  /**
   * Also try to claim every this many ms (replicas of a shared database: jobs another replica queued,
   * and running jobs whose replica died once their lease expires). @default 0 (only on local events)
   */
  pollMs?: number;
  /** @default a random id naming host and pid */
  workerId?: string;
  /** Epoch milliseconds. @default Date.now */
  now?: () => number;
  /** @default randomUUID */
  generateJobId?: () => string;
  logger?: ServiceLogger;
}
