/**
 * @module Extraction jobs and events on the wire (snake_case, the original's event record plus `outcome`,
 * `reason` and `attempt`), with the zod schemas of the answers for `openapi.json`.
 */
import { z } from 'zod';
import type { Candidate } from '../../learn/candidate.js';
import type { JobEvent, JobRecord, JobSkillDetail, JobSkillSummary } from '../../store/job-store.js';

const SkillSummaryWireSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  version: z.string(),
  owner: z.string(),
  tags: z.array(z.string()),
  triggers: z.array(z.string()),
  resource_paths: z.array(z.string()),
  updated_at: z.string().nullable(),
});

export const ExtractionEventWireSchema = z
  .object({
    event_id: z.string(),
    job_id: z.string(),
    user_id: z.string(),
    trigger: z.string(),
    event_time: z.number().describe('Epoch milliseconds'),
    status: z.enum(['scheduled', 'running', 'completed', 'failed']),
    outcome: z.enum(['created', 'merged', 'discarded', 'nothing']).nullable(),
    reason: z.string().nullable(),
    error: z.string().describe('Empty when there is none'),
    attempt: z.number().int(),
    upserted: z.array(SkillSummaryWireSchema),
    skills: z.array(
      SkillSummaryWireSchema.extend({
        instructions: z.string(),
        examples: z.array(
          z.object({ input: z.string(), output: z.string().nullable(), notes: z.string().nullable() }),
        ),
        skill_md: z.string(),
        skill_md_truncated: z.boolean(),
      }),
    ),
    skill_mds: z.array(z.object({ id: z.string(), md: z.string(), truncated: z.boolean() })),
  })
  .meta({ id: 'ExtractionEvent' });

export const ExtractionJobWireSchema = z.object({
  job_id: z.string(),
  user_id: z.string(),
  trigger: z.string(),
  status: z.enum(['scheduled', 'running', 'completed', 'failed']),
  hint: z.string().nullable(),
  forced: z.boolean(),
  created_at: z.number(),
  updated_at: z.number(),
  attempts: z.number().int(),
  outcome: z.enum(['created', 'merged', 'discarded', 'nothing']).nullable(),
  reason: z.string().nullable(),
  error: z.string().nullable(),
  window_messages: z.number().int(),
  reference: z
    .object({ id: z.string().nullable(), name: z.string(), scope: z.string(), score: z.number().nullable() })
    .nullable(),
});

function summaryToWire(skill: JobSkillSummary) {
  return {
    id: skill.id,
    name: skill.name,
    description: skill.description,
    version: skill.version,
    owner: skill.owner,
    tags: skill.tags,
    triggers: skill.triggers,
    resource_paths: skill.resourcePaths,
    updated_at: skill.updatedAt,
  };
}

function detailToWire(skill: JobSkillDetail) {
  return {
    ...summaryToWire(skill),
    instructions: skill.instructions,
    examples: skill.examples,
    skill_md: skill.skillMd,
    skill_md_truncated: skill.skillMdTruncated,
  };
}

export function eventToWire(event: JobEvent): z.infer<typeof ExtractionEventWireSchema> {
  return {
    event_id: event.eventId,
    job_id: event.jobId,
    user_id: event.userId,
    trigger: event.trigger,
    event_time: event.eventTime,
    status: event.status,
    outcome: event.outcome,
    reason: event.reason,
    error: event.error,
    attempt: event.attempt,
    upserted: event.upserted.map(summaryToWire),
    skills: event.skills.map(detailToWire),
    skill_mds: event.skills.map((skill) => ({
      id: skill.id,
      md: skill.skillMd,
      truncated: skill.skillMdTruncated,
    })),
  };
}

export function jobToWire(job: JobRecord): z.infer<typeof ExtractionJobWireSchema> {
  return {
    job_id: job.jobId,
    user_id: job.userId,
    trigger: job.trigger,
    status: job.status,
    hint: job.hint,
    forced: job.forced,
    created_at: job.createdAt,
    updated_at: job.updatedAt,
    attempts: job.attempts,
    outcome: job.outcome,
    reason: job.reason,
    error: job.error,
    window_messages: job.window.length,
    reference: job.reference
      ? {
          id: job.reference.id ?? null,
          name: job.reference.name,
          scope: job.reference.scope,
          score: job.reference.score ?? null,
        }
      : null,
  };
}

export const SimulatedSkillWireSchema = z.object({
  name: z.string(),
  description: z.string(),
  instructions: z.string(),
  triggers: z.array(z.string()),
  tags: z.array(z.string()),
  resource_paths: z.array(z.string()),
  files: z.record(z.string(), z.string()),
  examples: z.array(z.unknown()),
  confidence: z.number(),
  source: z.string().describe('`offline` (rule-based) or `llm`'),
  language: z.string(),
  evidence: z.array(
    z.object({
      constraint: z.string(),
      source: z.string(),
      durability: z.string(),
      quote: z.string(),
      support: z.number(),
    }),
  ),
});

export function candidateToWire(candidate: Candidate): z.infer<typeof SimulatedSkillWireSchema> {
  const resources = candidate.resources ?? [];
  return {
    name: candidate.name,
    description: candidate.description,
    instructions: candidate.prompt,
    triggers: candidate.triggers,
    tags: candidate.tags,
    resource_paths: resources.map((file) => file.path),
    files: Object.fromEntries(resources.map((file) => [file.path, file.content])),
    examples: [],
    confidence: candidate.confidence,
    source: candidate.origin,
    language: candidate.language,
    evidence: candidate.evidence.map((item) => ({
      constraint: item.constraint,
      source: item.source,
      durability: item.durability,
      quote: item.quote,
      support: item.support,
    })),
  };
}
