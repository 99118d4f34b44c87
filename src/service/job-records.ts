/**
 * @module The records the extraction queue writes, as pure functions: a new job, a job event, the retry
 * delay after a transient error, and what recovery does with a job a stopped process left behind.
 */
import { randomBytes } from 'node:crypto';
import { isAutoSkillError } from '../shared/errors.js';
import type { JobEvent, JobRecord, JobStatus, JobUpdate } from '../store/job-store.js';
import type { ScheduleRequest } from './job-queue-types.js';

/** An event of `job` at `eventTime`; `extra` overrides the empty defaults. */
export function jobEvent(
  job: JobRecord,
  status: JobStatus,
  eventTime: number,
  extra: Partial<JobEvent> = {},
): JobEvent {
  return {
    eventId: randomBytes(16).toString('hex'),
    jobId: job.jobId,
    userId: job.userId,
    trigger: job.trigger,
    eventTime,
    status,
    outcome: null,
    reason: null,
    error: '',
    attempt: job.attempts,
    upserted: [],
    skills: [],
    ...extra,
  };
}

/** A freshly scheduled job, not yet tried. */
export function newJobRecord(options: {
  jobId: string;
  request: ScheduleRequest;
  hint: string | null;
  forced: boolean;
  dedupeKey: string;
  /** Epoch milliseconds. */
  at: number;
  workerId: string;
}): JobRecord {
  const { request } = options;
  return {
    jobId: options.jobId,
    userId: request.userId,
    trigger: request.trigger,
    status: 'scheduled',
    window: request.window,
    hint: options.hint,
    forced: options.forced,
    reference: request.reference ?? null,
    metadata: request.metadata ?? {},
    dedupeKey: options.dedupeKey,
    createdAt: options.at,
    updatedAt: options.at,
    attempts: 0,
    recoveries: 0,
    scheduledBy: options.workerId,
    claimedBy: null,
    notBefore: 0,
    outcome: null,
    reason: null,
    error: null,
  };
}

/** The error's `retryAfterSeconds` when it gives one, else exponential backoff; capped at `maxMs`. */
export function retryDelayMs(
  error: unknown,
  attempts: number,
  limits: { baseMs: number; maxMs: number },
): number {
  const retryAfter = isAutoSkillError(error) ? error.details['retryAfterSeconds'] : undefined;
  return typeof retryAfter === 'number' && retryAfter >= 0
    ? Math.min(limits.maxMs, retryAfter * 1000)
    : Math.min(limits.maxMs, limits.baseMs * 2 ** (attempts - 1));
}

export interface RecoveryStep {
  event: JobEvent;
  update: JobUpdate;
  /** The state the job must still be in for the step to apply (another process may have taken it). */
  expect: { status: JobStatus[]; claimedBy?: string | null; scheduledBy?: string };
}

/**
 * What `workerId` does with an unfinished job of a stopped process: takes a queued one over, re-queues
 * a running one once, fails it on the second interruption.
 */
export function recoveryStep(job: JobRecord, workerId: string, at: number): RecoveryStep {
  if (job.status === 'scheduled') {
    return {
      event: jobEvent(job, 'scheduled', at, { reason: 'taken over: the process that queued it stopped' }),
      update: { scheduledBy: workerId },
      expect: { status: ['scheduled'], scheduledBy: job.scheduledBy },
    };
  }
  if (job.recoveries < 1) {
    return {
      event: jobEvent(job, 'scheduled', at, {
        reason: 're-queued once: the process running it stopped',
        error: 'interrupted',
      }),
      update: {
        status: 'scheduled',
        scheduledBy: workerId,
        claimedBy: null,
        recoveries: job.recoveries + 1,
        notBefore: 0,
      },
      expect: { status: ['running'], claimedBy: job.claimedBy },
    };
  }
  const reason = 'interrupted twice by a stopped process; not run again';
  return {
    event: jobEvent(job, 'failed', at, { reason, error: 'interrupted' }),
    update: { status: 'failed', claimedBy: null, reason, error: 'interrupted' },
    expect: { status: ['running'], claimedBy: job.claimedBy },
  };
}
