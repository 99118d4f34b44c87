/**
 * @module The service runtime every chat entry point shares: one engine (the SDK), one job store, one
 * queue, one event bus, and what the server plugs in — the skill-context provider, the extraction
 * scheduler (turn observer) and the extraction service behind the routes. `close()` drains the queue
 * (bounded), then ends event streams.
 */
import type { ResolvedConfig } from '../config/schema.js';
import type { JobStore } from '../store/job-store.js';
import type { ServiceEngine } from './engine.js';
import { createMemoryEventBus, type JobEventBus } from './event-bus.js';
import {
  createExtractionScheduler,
  type ExtractionScheduler,
  type ExtractionSettings,
} from './extraction-scheduler.js';
import { createExtractionService, type ExtractionService } from './extraction-service.js';
import { createIngestRunner } from './ingest-runner.js';
import {
  createJobQueue,
  type JobQueue,
  type JobQueueOptions,
  type JobRunner,
  type RecoveryReport,
  type ServiceLogger,
  type StopReport,
} from './job-queue.js';
import { createSkillContextProvider, type RetrievalSettings } from './skill-context.js';
import type { SkillContextProvider } from './turn-types.js';

export interface ServiceSettings {
  retrieval: RetrievalSettings;
  extraction: ExtractionSettings & {
    /** @default 2 */
    maxConcurrentJobs?: number;
    /** @default 2 */
    maxRetries?: number;
  };
}

/** The service settings of a resolved product configuration. */
export function serviceSettingsFromConfig(config: ResolvedConfig): ServiceSettings {
  return {
    retrieval: {
      scope: config.retrieval.scope,
      topK: config.retrieval.topK,
      minScore: config.retrieval.minScore,
      rewriteMode: config.retrieval.rewriteMode,
    },
    extraction: {
      mode: config.extraction.mode,
      turnLimit: config.extraction.turnLimit,
      window: config.extraction.window,
      maxConcurrentJobs: config.extraction.maxConcurrentJobs,
      maxRetries: config.extraction.maxRetries,
    },
  };
}

export interface ServiceRuntimeOptions {
  engine: ServiceEngine;
  jobStore: JobStore;
  settings: ServiceSettings;
  /** @default an in-process bus */
  bus?: JobEventBus;
  /** @default the ingest runner over `engine`, in this thread (`createWorkerJobRunner` runs it beside) */
  runner?: JobRunner;
  /** Queue tuning (retry delays, dedupe window, heartbeats, worker id, clock). */
  queue?: Omit<JobQueueOptions, 'store' | 'runner' | 'bus' | 'maxConcurrentJobs' | 'maxRetries' | 'logger'>;
  logger?: ServiceLogger;
  /** @default Date.now */
  now?: () => number;
}

export interface ServiceRuntime {
  readonly skillContext: SkillContextProvider;
  readonly turnObserver: ExtractionScheduler;
  readonly extractions: ExtractionService;
  readonly queue: JobQueue;
  readonly bus: JobEventBus;
  /** Recovers jobs of stopped processes and starts running jobs. */
  start(): Promise<RecoveryReport>;
  /** Drains running jobs (at most `drainTimeoutMs`), then ends event streams. @default drainTimeoutMs 10000 */
  close(options?: { drainTimeoutMs?: number }): Promise<StopReport>;
}

export function createServiceRuntime(options: ServiceRuntimeOptions): ServiceRuntime {
  const { engine, jobStore, settings, logger } = options;
  const now = options.now ?? options.queue?.now ?? Date.now;
  const bus =
    options.bus ??
    createMemoryEventBus({
      onListenerError: (error) => logger?.warn({ err: error }, 'an event subscriber failed'),
    });
  const runner = options.runner ?? createIngestRunner({ engine });
  const queue = createJobQueue({
    ...options.queue,
    store: jobStore,
    runner,
    bus,
    now,
    ...(settings.extraction.maxConcurrentJobs !== undefined
      ? { maxConcurrentJobs: settings.extraction.maxConcurrentJobs }
      : {}),
    ...(settings.extraction.maxRetries !== undefined ? { maxRetries: settings.extraction.maxRetries } : {}),
    ...(logger ? { logger } : {}),
  });
  const skillContext = createSkillContextProvider({
    engine,
    settings: settings.retrieval,
    now,
    ...(logger ? { logger } : {}),
  });
  const turnObserver = createExtractionScheduler({
    queue,
    settings: {
      mode: settings.extraction.mode,
      turnLimit: settings.extraction.turnLimit,
      window: settings.extraction.window,
    },
    ...(logger ? { logger } : {}),
  });
  const extractions = createExtractionService({
    engine,
    queue,
    store: jobStore,
    bus,
    retrieval: settings.retrieval,
    window: settings.extraction.window,
    ...(logger ? { logger } : {}),
  });
  // Events other processes store (web and proxy on one store) reach this process's subscribers too.
  const stopWatching = jobStore.watchForeignEvents?.((event) => bus.publish(event));
  let closing: Promise<StopReport> | undefined;
  return {
    skillContext,
    turnObserver,
    extractions,
    queue,
    bus,
    start: () => queue.start(),
    close({ drainTimeoutMs = 10_000 } = {}) {
      closing ??= (async () => {
        const report = await queue.stop({ timeoutMs: drainTimeoutMs });
        stopWatching?.();
        await runner
          .close?.()
          .catch((error: unknown) => logger?.warn({ err: error }, 'closing the job runner failed'));
        bus.close();
        return report;
      })();
      return closing;
    },
  };
}
