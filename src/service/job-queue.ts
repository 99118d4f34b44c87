/**
 * @module The background extraction queue. Jobs are persisted in a `JobStore` before they run and every
 * state change is stored, then published on the event bus. Order and limits:
 *
 * - **per-user FIFO** and **exactly-once claims** come from the store's `claimNext` (a user's oldest
 *   unfinished job runs first and alone, whichever process claims it);
 * - a **global concurrency limit** (`maxConcurrentJobs`) bounds jobs running in this process;
 * - **de-duplication**: a window identical to one queued, running, or finished within `dedupeWindowMs`
 *   (same user, messages, hint and mode) returns that job instead of a new one (client retries, a
 *   regenerated answer, stream and non-stream twins);
 * - **retries**: a run that throws an error marked `isRetryable` (429, 5xx, timeouts, a busy store lock)
 *   is re-queued with exponential backoff (or the error's `retryAfterSeconds`), at most `maxRetries`
 *   times; other errors fail the job;
 * - **recovery** on `start()`: a job queued by a process that is gone is taken over; a job that was
 *   *running* in a process that is gone is re-queued **once** (its run may have been what killed the
 *   process, so a second interruption fails it with a reason instead of looping);
 * - **graceful stop**: no new claims, running jobs get `timeoutMs` to finish, then are aborted and put
 *   back to `scheduled` (they run again at the next start).
 *
 * `schedule` is synchronous (a chat turn's observer must not wait): it returns the job id and persists in
 * the background; `persisted` settles when the first event is stored.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { AutoSkillError, errorMessage, isAutoSkillError } from '../shared/errors.js';
import type { JobEvent, JobRecord, JobStatus, JobStore, JobUpdate } from '../store/job-store.js';
import { isTerminalStatus } from '../store/job-store.js';
import { dedupeKey } from './extraction-window.js';
import type {
  JobQueue,
  JobQueueOptions,
  JobRunResult,
  RecoveryReport,
  ServiceLogger,
} from './job-queue-types.js';
import { jobEvent, newJobRecord, recoveryStep, retryDelayMs } from './job-records.js';

export type {
  JobQueue,
  JobQueueOptions,
  JobRunner,
  JobRunResult,
  RecoveryReport,
  ScheduleReceipt,
  ScheduleRequest,
  ServiceLogger,
  StopReport,
} from './job-queue-types.js';

interface DedupeEntry {
  jobId: string;
  status: JobStatus;
  finishedAt: number | null;
  persisted: Promise<JobEvent | null>;
}

const silentLogger: ServiceLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

export function createJobQueue(options: JobQueueOptions): JobQueue {
  const { store, runner, bus } = options;
  const now = options.now ?? Date.now;
  const logger = options.logger ?? silentLogger;
  const maxConcurrent = Math.max(1, options.maxConcurrentJobs ?? 2);
  const maxRetries = Math.max(0, options.maxRetries ?? 2);
  const retryBaseMs = options.retryBaseMs ?? 1000;
  const retryMaxMs = options.retryMaxMs ?? 60_000;
  const dedupeWindowMs = options.dedupeWindowMs ?? 600_000;
  const heartbeatMs = options.heartbeatMs ?? 10_000;
  const workerStaleMs = options.workerStaleMs ?? 60_000;
  const ownJobsOnly = options.ownJobsOnly ?? true;
  const workerId = options.workerId ?? `worker-${randomBytes(6).toString('hex')}-${process.pid}`;
  const generateJobId = options.generateJobId ?? randomUUID;

  const running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  /** Jobs this queue is responsible for until they finish. */
  const inFlight = new Set<string>();
  const persisting = new Set<Promise<unknown>>();
  const dedupe = new Map<string, DedupeEntry>();
  const jobKeys = new Map<string, string>();
  const idleWaiters = new Set<() => void>();
  const timers = new Set<NodeJS.Timeout>();
  let heartbeatTimer: NodeJS.Timeout | undefined;
  let pollTimer: NodeJS.Timeout | undefined;
  let stopRunnable: (() => void) | undefined;
  let pumping = false;
  let pumpAgain = false;
  let stopping = false;

  const makeEvent = (job: JobRecord, status: JobStatus, extra: Partial<JobEvent> = {}): JobEvent =>
    jobEvent(job, status, now(), extra);

  const settle = (jobId: string) => {
    inFlight.delete(jobId);
    if (inFlight.size === 0) for (const resolve of [...idleWaiters]) resolve();
  };

  const noteStatus = (event: JobEvent) => {
    const key = jobKeys.get(event.jobId);
    const entry = key === undefined ? undefined : dedupe.get(key);
    if (entry && entry.jobId === event.jobId) {
      entry.status = event.status;
      entry.finishedAt = isTerminalStatus(event.status) ? event.eventTime : null;
    }
    if (isTerminalStatus(event.status)) {
      jobKeys.delete(event.jobId);
      settle(event.jobId);
    }
  };

  const publish = (event: JobEvent) => {
    noteStatus(event);
    try {
      bus?.publish(event);
    } catch (error) {
      logger.warn({ err: error, jobId: event.jobId }, 'publishing a job event failed');
    }
  };

  const later = (delayMs: number, action: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      action();
    }, delayMs);
    timer.unref();
    timers.add(timer);
  };

  /**
   * Pumps once `time` has passed on the clock the store compares with. Timers run on the event loop's
   * cached time and can fire a little before `Date.now()` reaches the deadline; then they wait again.
   */
  const wakeAt = (time: number) => {
    const wait = time - now();
    if (wait <= 0) void pump();
    else later(wait + 1, () => wakeAt(time));
  };

  /** Stores a state change of a job this worker runs, then publishes it. */
  const record = async (job: JobRecord, event: JobEvent, update: JobUpdate): Promise<boolean> => {
    const stored = await store.recordEvent({
      event,
      update: { ...update, updatedAt: event.eventTime },
      expect: { status: ['running'], claimedBy: workerId },
    });
    if (!stored) {
      logger.warn(
        { jobId: job.jobId, status: event.status },
        'job changed hands; its result was not recorded',
      );
      return false;
    }
    publish(event);
    return true;
  };

  const handleFailure = async (job: JobRecord, error: unknown, interrupted: boolean) => {
    const message = errorMessage(error);
    if (interrupted) {
      await record(
        job,
        makeEvent(job, 'scheduled', {
          reason: 'interrupted by shutdown; it runs again at the next start',
          error: message,
        }),
        { status: 'scheduled', claimedBy: null, notBefore: 0 },
      );
      return;
    }
    const retryable = isAutoSkillError(error) && error.isRetryable;
    if (retryable && job.attempts <= maxRetries) {
      const delay = retryDelayMs(error, job.attempts, { baseMs: retryBaseMs, maxMs: retryMaxMs });
      const notBefore = now() + delay;
      const stored = await record(
        job,
        makeEvent(job, 'scheduled', {
          reason: `retry ${job.attempts} of ${maxRetries} in ${delay} ms after a transient error`,
          error: message,
        }),
        { status: 'scheduled', claimedBy: null, notBefore, error: message },
      );
      if (stored) wakeAt(notBefore);
      return;
    }
    const code = isAutoSkillError(error) ? error.code : 'INTERNAL';
    const reason = retryable
      ? `gave up after ${job.attempts} attempts (${code})`
      : `extraction failed (${code})`;
    logger.warn({ jobId: job.jobId, code, attempts: job.attempts }, `extraction job failed: ${message}`);
    await record(job, makeEvent(job, 'failed', { reason, error: message }), {
      status: 'failed',
      claimedBy: null,
      reason,
      error: message,
    });
  };

  const execute = (job: JobRecord) => {
    const controller = new AbortController();
    const done = (async () => {
      try {
        let result: JobRunResult;
        try {
          result = await runner.run(job, { signal: controller.signal });
        } catch (error) {
          await handleFailure(job, error, controller.signal.aborted && stopping);
          return;
        }
        await record(
          job,
          makeEvent(job, 'completed', {
            outcome: result.outcome,
            reason: result.reason,
            upserted: result.upserted,
            skills: result.skills,
          }),
          {
            status: 'completed',
            claimedBy: null,
            outcome: result.outcome,
            reason: result.reason,
            error: null,
          },
        );
      } catch (error) {
        logger.error({ err: error, jobId: job.jobId }, 'recording a job result failed');
      } finally {
        running.delete(job.jobId);
        void pump();
      }
    })();
    running.set(job.jobId, { controller, done });
  };

  async function pump(): Promise<void> {
    if (pumping) {
      pumpAgain = true;
      return;
    }
    pumping = true;
    try {
      do {
        pumpAgain = false;
        while (!stopping && running.size < maxConcurrent) {
          let claimEvent: JobEvent | undefined;
          const job = await store.claimNext({
            workerId,
            now: now(),
            ...(ownJobsOnly ? { scheduledBy: workerId } : {}),
            event: (candidate) => {
              claimEvent = makeEvent({ ...candidate, attempts: candidate.attempts + 1 }, 'running');
              return claimEvent;
            },
          });
          if (!job) break;
          inFlight.add(job.jobId);
          if (claimEvent) publish(claimEvent);
          execute(job);
        }
      } while (pumpAgain && !stopping);
    } catch (error) {
      logger.error({ err: error }, 'claiming the next job failed; retrying in 1 s');
      later(1000, () => void pump());
    } finally {
      pumping = false;
    }
  }

  const forgetOldDuplicates = () => {
    const cutoff = now() - dedupeWindowMs;
    for (const [key, entry] of dedupe) {
      if (entry.finishedAt !== null && entry.finishedAt < cutoff) dedupe.delete(key);
    }
  };

  const recover = async (): Promise<RecoveryReport> => {
    const report: RecoveryReport = { requeued: [], failed: [] };
    for (const job of await store.unfinishedJobs()) {
      const owner = job.status === 'running' ? job.claimedBy : job.scheduledBy;
      if (owner === workerId) continue;
      if (owner && (await store.isWorkerAlive(owner, { now: now(), staleAfterMs: workerStaleMs }))) continue;
      const { event, update, expect } = recoveryStep(job, workerId, now());
      const stored = await store.recordEvent({
        event,
        update: { ...update, updatedAt: event.eventTime },
        expect,
      });
      if (!stored) continue;
      if (event.status === 'failed') {
        report.failed.push(job.jobId);
      } else {
        report.requeued.push(job.jobId);
        inFlight.add(job.jobId);
        if (job.dedupeKey) jobKeys.set(job.jobId, job.dedupeKey);
      }
      publish(event);
    }
    if (report.requeued.length + report.failed.length > 0)
      logger.info({ ...report }, 'recovered extraction jobs');
    return report;
  };

  return {
    workerId,

    async start() {
      await store.heartbeat(workerId, now());
      heartbeatTimer = setInterval(() => {
        store.heartbeat(workerId, now()).catch((error: unknown) => {
          logger.warn({ err: error }, 'job worker heartbeat failed');
        });
      }, heartbeatMs);
      heartbeatTimer.unref();
      const report = await recover();
      // A store shared by replicas says when a job may have become claimable anywhere (PostgreSQL NOTIFY).
      const runnable = (store as JobStore & { onRunnable?: (listener: () => void) => Promise<() => void> })
        .onRunnable;
      if (typeof runnable === 'function') stopRunnable = await runnable.call(store, () => void pump());
      if ((options.pollMs ?? 0) > 0) {
        pollTimer = setInterval(() => void pump(), options.pollMs);
        pollTimer.unref();
      }
      void pump();
      return report;
    },

    schedule(request) {
      if (stopping) {
        throw new AutoSkillError(
          'ABORTED',
          'The extraction queue is shutting down; no new jobs are accepted',
        );
      }
      const hint = request.hint?.trim() ? request.hint.trim() : null;
      const forced = request.forced ?? false;
      const key = dedupeKey({ userId: request.userId, window: request.window, hint, forced });
      forgetOldDuplicates();
      const existing = dedupe.get(key);
      if (existing) {
        return {
          jobId: existing.jobId,
          status: existing.status,
          duplicate: true,
          reason: 'the same conversation window already has a job',
          persisted: existing.persisted,
        };
      }
      const at = now();
      const job = newJobRecord({
        jobId: generateJobId(),
        request,
        hint,
        forced,
        dedupeKey: key,
        at,
        workerId,
      });
      const event = makeEvent(job, 'scheduled', { reason: `queued (${request.trigger})` });
      inFlight.add(job.jobId);
      jobKeys.set(job.jobId, key);
      const persisted = store.addJob(job, event).then(
        () => {
          publish(event);
          void pump();
          return event;
        },
        (error: unknown) => {
          logger.error({ err: error, jobId: job.jobId }, 'storing an extraction job failed; it will not run');
          dedupe.delete(key);
          jobKeys.delete(job.jobId);
          settle(job.jobId);
          return null;
        },
      );
      persisting.add(persisted);
      void persisted.finally(() => persisting.delete(persisted));
      dedupe.set(key, { jobId: job.jobId, status: 'scheduled', finishedAt: null, persisted });
      return {
        jobId: job.jobId,
        status: 'scheduled',
        duplicate: false,
        reason: event.reason ?? '',
        persisted,
      };
    },

    async stop({ timeoutMs = 10_000 } = {}) {
      stopping = true;
      if (pollTimer) clearInterval(pollTimer);
      stopRunnable?.();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.allSettled([...persisting]);
      const jobs = [...running.entries()];
      const all = Promise.allSettled(jobs.map(([, entry]) => entry.done)).then(() => true);
      const drained = await Promise.race([all, sleep(timeoutMs).then(() => false)]);
      const interrupted: string[] = [];
      if (!drained) {
        for (const [jobId, entry] of running) {
          interrupted.push(jobId);
          entry.controller.abort(new AutoSkillError('ABORTED', 'The server is shutting down'));
        }
        await Promise.race([
          Promise.allSettled([...running.values()].map((entry) => entry.done)),
          sleep(2000),
        ]);
      }
      if (heartbeatTimer) clearInterval(heartbeatTimer);
      await store.retireWorker(workerId).catch(() => undefined);
      return { drained, interrupted };
    },

    async idle({ timeoutMs = 30_000 } = {}) {
      if (inFlight.size === 0) return;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          idleWaiters.delete(done);
          reject(
            new AutoSkillError('ABORTED', `Jobs still unfinished after ${timeoutMs} ms`, {
              details: { jobs: [...inFlight] },
            }),
          );
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          idleWaiters.delete(done);
          resolve();
        };
        idleWaiters.add(done);
      });
    },

    stats() {
      return { running: running.size, waiting: Math.max(0, inFlight.size - running.size) };
    },
  };
}
