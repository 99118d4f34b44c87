/**
 * @module The `JobStore` contract: durable records of background extraction jobs and of the events each
 * one emits (`scheduled` → `running` → `completed` | `failed`, the original's statuses, plus an `outcome`
 * and a `reason`). Storage-neutral: the in-memory store (tests), the filesystem store (`.autoskill/jobs/`)
 * and a later PostgreSQL store implement it. Claiming is a store operation (`claimNext`) so that several
 * processes or replicas sharing one store run each job exactly once, in per-user FIFO order.
 */
import { z } from 'zod';

export const JOB_STATUSES = ['scheduled', 'running', 'completed', 'failed'] as const;
/** The original's statuses; `completed` and `failed` are terminal. */
export type JobStatus = (typeof JOB_STATUSES)[number];

/**
 * What a completed job did: `created` a skill, `merged` into one (version bump), `discarded` the
 * candidate (already covered, not durable…), or found `nothing` to learn.
 */
export const JOB_OUTCOMES = ['created', 'merged', 'discarded', 'nothing'] as const;
export type JobOutcome = (typeof JOB_OUTCOMES)[number];

export function isTerminalStatus(status: JobStatus): boolean {
  return status === 'completed' || status === 'failed';
}

/** One message of an extraction window (text only). */
export const JobMessageSchema = z.object({ role: z.string().min(1), content: z.string() });
export type JobMessage = z.infer<typeof JobMessageSchema>;

/** The top-1 retrieved skill handed to extraction as identity context (the seeds' `extraction_reference`). */
export const JobReferenceSchema = z.object({
  id: z.string().optional(),
  name: z.string().min(1),
  description: z.string().default(''),
  triggers: z.array(z.string()).default([]),
  resourcePaths: z.array(z.string()).default([]),
  scope: z.enum(['user', 'library', 'other']).default('user'),
  score: z.number().optional(),
});
export type JobReference = z.infer<typeof JobReferenceSchema>;

/** A skill as an event reports it (the original's skill summary). */
export const JobSkillSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  version: z.string(),
  owner: z.string(),
  tags: z.array(z.string()),
  triggers: z.array(z.string()),
  resourcePaths: z.array(z.string()),
  /** ISO 8601, when known. */
  updatedAt: z.string().nullable(),
});
export type JobSkillSummary = z.infer<typeof JobSkillSummarySchema>;

/** A skill with its content, as a `completed` event reports it (the original's `skills[]`). */
export const JobSkillDetailSchema = JobSkillSummarySchema.extend({
  instructions: z.string(),
  examples: z.array(
    z.object({ input: z.string(), output: z.string().nullable(), notes: z.string().nullable() }),
  ),
  skillMd: z.string(),
  skillMdTruncated: z.boolean(),
});
export type JobSkillDetail = z.infer<typeof JobSkillDetailSchema>;

export const JobRecordSchema = z.object({
  jobId: z.string().min(1),
  userId: z.string().min(1),
  /** Why the job exists: `proxy_chat_completion`, `proxy_extract_now`, `chat_auto`… */
  trigger: z.string().min(1),
  status: z.enum(JOB_STATUSES),
  /** The conversation the extractor reads. */
  window: z.array(JobMessageSchema),
  hint: z.string().nullable(),
  /** On demand (`/extract_now`): describe the capability even without an explicit rule. */
  forced: z.boolean(),
  reference: JobReferenceSchema.nullable(),
  /** Free-form labels (`channel`, `request_id`…), passed to ingest as metadata. */
  metadata: z.record(z.string(), z.string()),
  /** Identical windows share a key (user + window + hint + forced); used for de-duplication. */
  dedupeKey: z.string().nullable(),
  /** Epoch milliseconds. */
  createdAt: z.number(),
  updatedAt: z.number(),
  /** Runs started so far (a retry is a further run). */
  attempts: z.number().int().min(0),
  /** Times the job was taken over after the process owning it stopped. */
  recoveries: z.number().int().min(0),
  /** The worker whose queue holds the job while it waits. */
  scheduledBy: z.string(),
  /** The worker running it (`running` only). */
  claimedBy: z.string().nullable(),
  /** Earliest start, epoch ms (retry backoff). */
  notBefore: z.number(),
  outcome: z.enum(JOB_OUTCOMES).nullable(),
  reason: z.string().nullable(),
  error: z.string().nullable(),
});
export type JobRecord = z.infer<typeof JobRecordSchema>;

/** Fields a state change may set. */
export type JobUpdate = Partial<
  Pick<
    JobRecord,
    | 'status'
    | 'scheduledBy'
    | 'claimedBy'
    | 'notBefore'
    | 'attempts'
    | 'recoveries'
    | 'outcome'
    | 'reason'
    | 'error'
    | 'updatedAt'
  >
>;

/** One state change of a job (the original's event record, camelCase here, snake_case on the wire). */
export const JobEventSchema = z.object({
  /** 32 hex characters. */
  eventId: z.string().min(1),
  jobId: z.string().min(1),
  userId: z.string().min(1),
  trigger: z.string(),
  /** Epoch milliseconds. */
  eventTime: z.number(),
  status: z.enum(JOB_STATUSES),
  outcome: z.enum(JOB_OUTCOMES).nullable(),
  reason: z.string().nullable(),
  /** `''` when there is none (as the original). */
  error: z.string(),
  /** The run this event belongs to (1-based; 0 before the first run). */
  attempt: z.number().int().min(0),
  /** Skills written by the job. */
  upserted: z.array(JobSkillSummarySchema),
  /** Their content (at most a few). */
  skills: z.array(JobSkillDetailSchema),
});
export type JobEvent = z.infer<typeof JobEventSchema>;

export interface ClaimNextOptions {
  workerId: string;
  /** Epoch milliseconds; jobs whose `notBefore` is later wait. */
  now: number;
  /**
   * Only jobs queued by this worker (the filesystem store's processes each run their own queue; a
   * replica of a shared database passes nothing and takes any job).
   */
  scheduledBy?: string;
  /** Builds the `running` event recorded with the claim. */
  event: (job: JobRecord) => JobEvent;
}

export interface RecordEventInput {
  event: JobEvent;
  update: JobUpdate;
  /**
   * The write happens only when the job is in one of these statuses and (when given) claimed by, and
   * queued by, these workers.
   */
  expect?: { status?: readonly JobStatus[]; claimedBy?: string | null; scheduledBy?: string };
}

export interface ListJobsOptions {
  userId: string;
  /** @default 20 */
  limit?: number;
  /** `created`: newest first by creation; `updated`: most recently changed first. @default 'created' */
  orderBy?: 'created' | 'updated';
  /** Only jobs with this de-duplication key. */
  dedupeKey?: string;
  /** Only jobs in these statuses. */
  statuses?: readonly JobStatus[];
}

/**
 * Durable job and event records. Every job belongs to one user; every read names the user, so a caller
 * can never reach another user's jobs by id. Retention is bounded per user (the oldest finished jobs and
 * their events are dropped; unfinished jobs are always kept).
 */
export interface JobStore {
  open(): Promise<void>;
  close(): Promise<void>;
  /** Adds a job in status `scheduled` with its first event. `CONFLICT` when the id exists. */
  addJob(job: JobRecord, event: JobEvent): Promise<void>;
  /**
   * Claims the next runnable job exactly once, even with other processes claiming from the same store:
   * each user's oldest unfinished job is that user's head (nothing else of the user runs before it ends);
   * a head that is `scheduled`, due (`notBefore <= now`) and matches `scheduledBy` is a candidate; the
   * oldest candidate becomes `running`, claimed by `workerId`, with `attempts + 1`, and its event is
   * recorded. `null` when nothing is runnable.
   */
  claimNext(options: ClaimNextOptions): Promise<JobRecord | null>;
  /**
   * Appends the event and applies the update when `expect` holds; `null` (nothing written) otherwise.
   * The caller sets `updatedAt` in the update.
   */
  recordEvent(input: RecordEventInput): Promise<JobRecord | null>;
  getJob(userId: string, jobId: string): Promise<JobRecord | null>;
  listJobs(options: ListJobsOptions): Promise<JobRecord[]>;
  /** The job's events, oldest first (empty for an unknown job). */
  jobEvents(userId: string, jobId: string): Promise<JobEvent[]>;
  /** Every unfinished job of every user (recovery after a restart). */
  unfinishedJobs(): Promise<JobRecord[]>;
  /** Tells the store that `workerId` is alive (call it periodically while running jobs). */
  heartbeat(workerId: string, now: number): Promise<void>;
  /** Whether `workerId` may still be running; `staleAfterMs` bounds how old its last heartbeat may be. */
  isWorkerAlive(workerId: string, options: { now: number; staleAfterMs: number }): Promise<boolean>;
  /** Forgets a worker that stopped cleanly. */
  retireWorker(workerId: string): Promise<void>;
  /**
   * Optional cross-process feed: calls `listener` with events that other processes store (this instance's
   * own writes are not repeated). Returns the stop function. A store shared by several processes offers
   * it (files: `fs.watch`; PostgreSQL: LISTEN/NOTIFY); a store private to one process need not.
   */
  watchForeignEvents?(listener: (event: JobEvent) => void): () => void;
}
