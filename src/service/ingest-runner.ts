/**
 * @module Runs one extraction job: completes the job's reference from the store (retrieval hits carry no
 * triggers — the original lost them, serving.md §11 item 32), calls `ingest` with the window, and
 * describes the result for the `completed` event (the skill written, with its SKILL.md). A failed model
 * call becomes an error (retryable when transient) instead of a job that "learnt nothing".
 */
import { AutoSkillError } from '../shared/errors.js';
import type { JobRecord, JobReference, JobSkillDetail, JobSkillSummary } from '../store/job-store.js';
import type { StoredSkill } from '../store/types.js';
import type { ServiceEngine } from './engine.js';
import type { JobRunner, JobRunResult } from './job-queue.js';

export interface IngestRunnerOptions {
  engine: ServiceEngine;
  /** Put the skill's content and SKILL.md into `completed` events. @default true */
  includeSkillDetails?: boolean;
  /** Cut SKILL.md in events to this many characters (0 = whole). @default 0 */
  maxSkillMdChars?: number;
}

export function skillSummary(skill: StoredSkill): JobSkillSummary {
  return {
    id: skill.id,
    name: skill.name,
    description: skill.description,
    version: skill.version,
    owner: skill.owner,
    tags: [...skill.tags],
    triggers: [...skill.triggers],
    resourcePaths: skill.resources.slice(0, 16),
    updatedAt: skill.updatedAt,
  };
}

export function skillDetail(skill: StoredSkill, skillMd: string, maxChars = 0): JobSkillDetail {
  const truncated = maxChars > 0 && skillMd.length > maxChars;
  return {
    ...skillSummary(skill),
    instructions: skill.instructions,
    examples: skill.examples.slice(0, 6).map((example) => ({
      input: example.input,
      output: example.output,
      notes: example.notes,
    })),
    skillMd: truncated ? skillMd.slice(0, maxChars) : skillMd,
    skillMdTruncated: truncated,
  };
}

/** Fills the reference's triggers and resource paths from the stored skill, when it still exists. */
async function completeReference(
  engine: ServiceEngine,
  reference: JobReference | null,
): Promise<JobReference | null> {
  if (!reference?.id) return reference;
  const skill = await engine.getSkill(reference.id).catch(() => null);
  if (!skill) return reference;
  return {
    ...reference,
    description: reference.description || skill.description,
    triggers: skill.triggers.slice(0, 20),
    resourcePaths: skill.resources.slice(0, 16),
  };
}

/**
 * Extraction reports a failed model call as "nothing to learn" with the reason `CODE: message`, after the
 * connector's own retries. Timeouts, rate limits, 5xx and a busy store lock may pass: the job is failed with
 * a retryable error, so the queue tries again later; anything else (a refused key, a bad request) fails it.
 */
function modelError(reason: string): AutoSkillError {
  const retryable =
    /^(UPSTREAM_TIMEOUT|RATE_LIMITED|LOCK_TIMEOUT)\b/.test(reason) ||
    (/^UPSTREAM_ERROR\b/.test(reason) && /\b(429|5\d\d)\b|timed? ?out|ECONN|socket|network/i.test(reason));
  return new AutoSkillError('UPSTREAM_ERROR', `The extraction model failed: ${reason}`, {
    isRetryable: retryable,
    details: { reason },
  });
}

export function createIngestRunner(options: IngestRunnerOptions): JobRunner {
  const { engine } = options;
  const includeDetails = options.includeSkillDetails ?? true;
  const maxChars = options.maxSkillMdChars ?? 0;
  return {
    async run(job: JobRecord, { signal }): Promise<JobRunResult> {
      const reference = await completeReference(engine, job.reference);
      const result = await engine.ingest({
        userId: job.userId,
        messages: job.window,
        ...(job.hint ? { hint: job.hint } : {}),
        forced: job.forced,
        reference,
        metadata: { ...job.metadata, trigger: job.trigger, job_id: job.jobId },
        abortSignal: signal,
      });
      if (result.extractionOutcome === 'model-error') throw modelError(result.reason);
      const wrote = result.outcome === 'created' || result.outcome === 'merged';
      if (!wrote || !result.skill) {
        return { outcome: result.outcome, reason: result.reason, upserted: [], skills: [] };
      }
      const skill = result.skill;
      const skillMd = includeDetails ? await engine.readSkillMd(skill.id).catch(() => null) : null;
      return {
        outcome: result.outcome,
        reason: result.reason,
        upserted: [skillSummary(skill)],
        skills: includeDetails ? [skillDetail(skill, skillMd ?? '', maxChars)] : [],
      };
    },
  };
}
