/**
 * @module What every part of one chat session service shares: its resolved options, the per-session
 * lock, the live watchers, and reading, saving and scheduling jobs for a session record.
 */
import { randomBytes } from 'node:crypto';
import {
  type ChatSessionRecord,
  type ChatSessionSettings,
  ChatSessionSettingsSchema,
  type ChatTurnRecord,
  DEFAULT_SESSION_LIMITS,
  fitSessionRecord,
  type SessionJob,
  sessionNotFound,
} from '../store/chat-session-store.js';
import type { JobEvent, JobMessage, JobReference } from '../store/job-store.js';
import { createKeyedLock } from './chat-session-lock.js';
import { asSessionEvent } from './chat-session-records.js';
import type {
  ChatSessionEvent,
  ChatSessionServiceOptions,
  SessionJobEvent,
  SessionWatcher,
} from './chat-session-types.js';
import type { JobQueue } from './job-queue.js';

const MAX_JOB_WAIT_MS = 2000;

export type Emit = (event: ChatSessionEvent) => void;
export type ScheduleReceipt = ReturnType<JobQueue['schedule']>;

/** A job scheduled for a session: the queue's receipt and the job as the record remembers it. */
export interface ScheduledJob {
  receipt: ScheduleReceipt;
  job: SessionJob;
}

export interface ScheduleRequest {
  window: JobMessage[];
  trigger: 'auto' | 'extract_now';
  turnId: string | null;
  hint: string | null;
  reference: JobReference | null;
}

export interface WatcherEntry {
  jobs: Map<string, SessionJob>;
  watcher: SessionWatcher;
}

export interface SessionRuntime {
  readonly options: ChatSessionServiceOptions;
  readonly now: () => number;
  readonly generateId: (prefix: 'ses' | 'turn') => string;
  /** Messages handed to the extractor. */
  readonly window: number;
  readonly historyTurns: number;
  readonly exportMaxChars: number;
  readonly maxSessions: number;
  readonly limits: { maxRecordBytes: number; maxVisibleBytes: number };
  readonly defaults: ChatSessionSettings;
  readonly modelName: string;
  readonly lock: ReturnType<typeof createKeyedLock>;
  /** Live watchers per session, so jobs scheduled from now on reach them. */
  readonly watchers: Map<string, Set<WatcherEntry>>;
  keyOf(userId: string, sessionId: string): string;
  /** The session, or `NOT_FOUND`. */
  require(userId: string, sessionId: string): Promise<ChatSessionRecord>;
  /** Stores the record cut to the size limits, and returns what was stored. */
  save(record: ChatSessionRecord): Promise<ChatSessionRecord>;
  /** Schedules a job for the session (no await); the caller stores the record. */
  schedule(record: ChatSessionRecord, request: ScheduleRequest): ScheduledJob;
  /** The job's first stored event (bounded wait: storing a job takes milliseconds). */
  firstEvent(userId: string, receipt: ScheduleReceipt): Promise<JobEvent | null>;
  latestJobEvents(userId: string, jobs: readonly SessionJob[]): Promise<SessionJobEvent[]>;
}

export function createSessionRuntime(options: ChatSessionServiceOptions): SessionRuntime {
  const { store, queue, jobs } = options;
  const now = options.now ?? Date.now;
  const channel = options.channel ?? 'web';
  const maxJobs = options.maxJobsPerSession ?? 100;
  const limits = {
    maxRecordBytes: options.maxRecordBytes ?? DEFAULT_SESSION_LIMITS.maxRecordBytes,
    maxVisibleBytes: options.maxVisibleBytes ?? DEFAULT_SESSION_LIMITS.maxVisibleBytes,
  };
  const watchers = new Map<string, Set<WatcherEntry>>();
  const keyOf = (userId: string, sessionId: string) => `${userId}\u0000${sessionId}`;

  const rememberJob = (record: ChatSessionRecord, job: SessionJob) => {
    record.jobs = [...record.jobs.filter((item) => item.jobId !== job.jobId), job].slice(-maxJobs);
    for (const entry of watchers.get(keyOf(record.userId, record.id)) ?? []) entry.jobs.set(job.jobId, job);
  };

  return {
    options,
    now,
    generateId: options.generateId ?? ((prefix) => `${prefix}_${randomBytes(12).toString('hex')}`),
    window: options.window ?? 6,
    historyTurns: options.historyTurns ?? 50,
    exportMaxChars: options.exportMaxChars ?? 20_000,
    maxSessions: options.maxSessionsPerUser ?? 500,
    limits,
    defaults: ChatSessionSettingsSchema.parse(options.defaults),
    modelName: options.modelName ?? options.model.defaultModel ?? 'autoskill',
    lock: createKeyedLock({ defaultTimeoutMs: options.lockTimeoutMs ?? 120_000 }),
    watchers,
    keyOf,

    async require(userId, sessionId) {
      const record = await store.get(userId, sessionId);
      if (!record) throw sessionNotFound(sessionId);
      return record;
    },

    async save(record) {
      const fitted = fitSessionRecord(record, limits);
      await store.save(fitted);
      return fitted;
    },

    schedule(record, request) {
      const receipt = queue.schedule({
        userId: record.userId,
        window: request.window,
        trigger: request.trigger,
        hint: request.hint,
        forced: request.trigger === 'extract_now',
        reference: request.reference,
        metadata: {
          channel,
          session_id: record.id,
          ...(request.turnId ? { turn_id: request.turnId } : {}),
        },
      });
      const job: SessionJob = {
        jobId: receipt.jobId,
        turnId: request.turnId,
        trigger: request.trigger,
        hint: request.hint,
        createdAt: now(),
      };
      rememberJob(record, job);
      return { receipt, job };
    },

    async firstEvent(userId, receipt) {
      const timeout = new Promise<null>((resolve) =>
        setTimeout(() => resolve(null), MAX_JOB_WAIT_MS).unref(),
      );
      const persisted = await Promise.race([receipt.persisted, timeout]);
      if (!receipt.duplicate) return persisted;
      return (await jobs.jobEvents(userId, receipt.jobId).catch(() => [])).at(-1) ?? persisted;
    },

    async latestJobEvents(userId, sessionJobs) {
      const events = await Promise.all(
        sessionJobs.map(async (job) => {
          const latest = (await jobs.jobEvents(userId, job.jobId).catch(() => [])).at(-1);
          return latest ? asSessionEvent('', job, latest) : null;
        }),
      );
      return events.filter((event): event is SessionJobEvent => event !== null);
    },
  };
}

/** Stores a finished turn, then reports the first event of the job it scheduled, if any. */
export async function storeTurn(
  runtime: SessionRuntime,
  record: ChatSessionRecord,
  turn: ChatTurnRecord,
  scheduled: ScheduledJob | null,
  emit: Emit,
): Promise<ChatSessionRecord> {
  record.turns.push(turn);
  record.updatedAt = runtime.now();
  const saved = await runtime.save(record);
  if (scheduled) {
    const event = await runtime.firstEvent(record.userId, scheduled.receipt);
    if (event) emit({ type: 'extraction', extraction: asSessionEvent(record.id, scheduled.job, event) });
  }
  return saved;
}
