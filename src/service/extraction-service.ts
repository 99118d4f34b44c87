/**
 * @module Extraction on demand and the read side of jobs, for the HTTP routes (and later the web UI and
 * chat commands): schedule an `/extract_now`-style job, dry-run an extraction, and read a user's jobs and
 * events. Every read names the user; a job of another user is simply not found.
 */
import type { Candidate } from '../learn/candidate.js';
import { AutoSkillError } from '../shared/errors.js';
import type { JobEvent, JobRecord, JobReference, JobStore } from '../store/job-store.js';
import type { ServiceEngine } from './engine.js';
import type { JobEventBus } from './event-bus.js';
import { buildWindow, referenceFromHit } from './extraction-window.js';
import type { JobQueue, ServiceLogger } from './job-queue.js';
import { narrowScope, type RetrievalSettings } from './skill-context.js';
import type { ChatMessage, SkillScope } from './turn-types.js';

export interface OnDemandRequest {
  userId: string;
  messages: readonly ChatMessage[];
  hint?: string;
  /** Narrows the configured scope for the reference lookup. */
  scope?: SkillScope;
  minScore?: number;
  abortSignal?: AbortSignal;
}

export interface ScheduledExtraction {
  job: JobRecord;
  /** The first event of a new job (`scheduled`); the latest one of the job a duplicate returns. */
  event: JobEvent;
  /** True when an identical request already had a job, which is returned instead. */
  duplicate: boolean;
}

export interface SimulatedExtraction {
  candidates: Candidate[];
  reason: string;
  reference: JobReference | null;
}

export interface ExtractionService {
  readonly bus: JobEventBus;
  extractNow(request: OnDemandRequest): Promise<ScheduledExtraction>;
  simulate(request: OnDemandRequest): Promise<SimulatedExtraction>;
  getJob(userId: string, jobId: string): Promise<JobRecord | null>;
  /** Oldest first. */
  jobEvents(userId: string, jobId: string): Promise<JobEvent[]>;
  /** Each job's latest event, newest job first. */
  listLatest(userId: string, limit: number): Promise<JobEvent[]>;
  /** The most recent event of any of the user's jobs. */
  latest(userId: string): Promise<JobEvent | null>;
}

export function createExtractionService(options: {
  engine: ServiceEngine;
  queue: JobQueue;
  store: JobStore;
  bus: JobEventBus;
  retrieval: RetrievalSettings;
  /** Messages handed to the extractor. */
  window: number;
  /** @default 'proxy_extract_now' */
  trigger?: string;
  /** @default 'proxy_api' */
  channel?: string;
  logger?: ServiceLogger;
}): ExtractionService {
  const { engine, queue, store, bus } = options;
  const trigger = options.trigger ?? 'proxy_extract_now';
  const channel = options.channel ?? 'proxy_api';

  const prepare = async (request: OnDemandRequest) => {
    const window = buildWindow({ messages: request.messages, size: options.window });
    if (!window.some((message) => message.role === 'user')) {
      throw new AutoSkillError('INVALID_INPUT', 'There is no user message to extract from', {
        details: { param: 'messages' },
      });
    }
    // Retrieval with top_k 1, only for the extraction reference (as the original does).
    let reference: JobReference | null = null;
    try {
      const context = await engine.prepareTurnContext({
        userId: request.userId,
        messages: request.messages,
        scope: narrowScope(options.retrieval.scope, request.scope),
        topK: 1,
        minScore: request.minScore ?? options.retrieval.minScore,
        rewriteMode: 'never',
        ...(request.abortSignal ? { abortSignal: request.abortSignal } : {}),
      });
      reference = referenceFromHit(context.retrieval.hits[0], request.userId);
    } catch (error) {
      options.logger?.warn({ err: error }, 'reference lookup failed; extracting without a reference');
    }
    const hint = request.hint?.trim() ? request.hint.trim() : undefined;
    return { window, reference, hint };
  };

  const lastEvent = async (userId: string, jobId: string): Promise<JobEvent | null> =>
    (await store.jobEvents(userId, jobId)).at(-1) ?? null;

  return {
    bus,

    async extractNow(request) {
      const { window, reference, hint } = await prepare(request);
      const receipt = queue.schedule({
        userId: request.userId,
        window,
        trigger,
        hint: hint ?? null,
        forced: true,
        reference,
        metadata: { channel },
      });
      const persisted = await receipt.persisted;
      const job = await store.getJob(request.userId, receipt.jobId);
      // A new job answers with its first event; a duplicate with where the existing job is now.
      const event = receipt.duplicate ? await lastEvent(request.userId, receipt.jobId) : persisted;
      if (!job || !event) {
        throw new AutoSkillError(
          'INTERNAL',
          'The extraction job could not be stored; nothing was scheduled',
          {
            details: { jobId: receipt.jobId },
          },
        );
      }
      return { job, event, duplicate: receipt.duplicate };
    },

    async simulate(request) {
      const { window, reference, hint } = await prepare(request);
      const result = await engine.extractCandidates({
        userId: request.userId,
        messages: window,
        ...(hint ? { hint } : {}),
        forced: true,
        reference,
        ...(request.abortSignal ? { abortSignal: request.abortSignal } : {}),
      });
      return { candidates: result.candidates.slice(0, 1), reason: result.reason, reference };
    },

    getJob: (userId, jobId) => store.getJob(userId, jobId),

    jobEvents: (userId, jobId) => store.jobEvents(userId, jobId),

    async listLatest(userId, limit) {
      const jobs = await store.listJobs({ userId, limit, orderBy: 'created' });
      const events = await Promise.all(jobs.map((job) => lastEvent(userId, job.jobId)));
      return events.filter((event): event is JobEvent => event !== null);
    },

    async latest(userId) {
      const [job] = await store.listJobs({ userId, limit: 1, orderBy: 'updated' });
      return job ? lastEvent(userId, job.jobId) : null;
    },
  };
}
