/**
 * @module The snake_case shapes of the management API (serving.md §4.7: skill summary `S`, detail `D`,
 * retrieval hit `H`, plus revisions), each with the zod schema that documents it in `openapi.json` and
 * that the tests check answers against, and the functions that build them from store objects.
 */
import { z } from 'zod';
import type { SearchHitParts } from '../../index/search.js';
import { isLibraryOwner } from '../../skill/schema.js';
import type { RevisionSummary, StoredSkill } from '../../store/types.js';

/** The original capped `resource_paths` at 16 in summaries and 12 in hits. */
const SUMMARY_RESOURCE_LIMIT = 16;
const HIT_RESOURCE_LIMIT = 12;

export const SkillSummarySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    version: z.string(),
    owner: z.string().describe('A user id, or `library:<name>` for read-only library skills'),
    source: z.string().describe('`user:<id>` or `library:<name>`'),
    tags: z.array(z.string()),
    triggers: z.array(z.string()),
    resource_paths: z.array(z.string()).describe('At most 16'),
    updated_at: z.string().nullable(),
    revision: z.number().int().describe('Revision that produced this state; 0 = no recorded history yet'),
    read_only: z.boolean(),
    status: z.enum(['active', 'archived']),
    deleted: z.boolean().optional().describe('Present (true) in `include=deleted` listings'),
  })
  .meta({ id: 'SkillSummary' });
export type SkillSummaryWire = z.infer<typeof SkillSummarySchema>;

export const SkillDetailSchema = SkillSummarySchema.extend({
  instructions: z.string(),
  examples: z.array(
    z.object({ input: z.string(), output: z.string().nullable(), notes: z.string().nullable() }),
  ),
  metadata: z.record(z.string(), z.unknown()),
  front_matter: z.record(z.string(), z.unknown()).describe('Front-matter keys AutoSkill does not model'),
  created_at: z.string().nullable(),
  skill_md: z.string().optional().describe('With `include_md=1`'),
}).meta({ id: 'SkillDetail' });
export type SkillDetailWire = z.infer<typeof SkillDetailSchema>;

export const ScorePartsSchema = z
  .object({
    keyword: z.number(),
    vector: z.number().nullable(),
    coverage: z.number(),
    summary_coverage: z.number(),
    bm25: z.number(),
    cosine: z.number().nullable(),
    cosine_z: z.number().nullable(),
  })
  .meta({ id: 'ScoreParts', description: 'How the calibrated score was made (docs/retrieval.md)' });

/**
 * The fields every retrieval hit carries on the wire after its `rank` (search results, retrieval
 * previews, a chat turn's retrieval info).
 */
export const HIT_WIRE_FIELDS = {
  score: z.number(),
  id: z.string(),
  name: z.string(),
  description: z.string(),
  resource_paths: z.array(z.string()),
  source: z.string(),
  owner: z.string(),
  version: z.string(),
};

export const SearchHitSchema = z
  .object({
    rank: z.number().int(),
    ...HIT_WIRE_FIELDS,
    score_parts: ScorePartsSchema,
    skill: SkillSummarySchema,
  })
  .meta({ id: 'SearchHit' });

export const RevisionSchema = z
  .object({
    revision: z.number().int(),
    operation: z.string().describe('create, update (merge), edit, rollback, delete, restore, baseline, …'),
    actor: z.string(),
    reason: z.string().nullable(),
    at: z.string(),
    version: z.string(),
    name: z.string(),
    description: z.string(),
    updated_at: z.string(),
    is_current: z.boolean(),
    deleted: z.boolean(),
    restored_from: z.number().int().nullable(),
  })
  .meta({ id: 'Revision' });
export type RevisionWire = z.infer<typeof RevisionSchema>;

/** `user:<id>` or `library:<name>`, as retrieval hits name a skill's origin. */
export function sourceOf(skill: Pick<StoredSkill, 'owner'>): string {
  return isLibraryOwner(skill.owner) ? skill.owner : `user:${skill.owner}`;
}

export function skillSummary(skill: StoredSkill, options: { deleted?: boolean } = {}): SkillSummaryWire {
  return {
    id: skill.id,
    name: skill.name,
    description: skill.description,
    version: skill.version,
    owner: skill.owner,
    source: sourceOf(skill),
    tags: [...skill.tags],
    triggers: [...skill.triggers],
    resource_paths: skill.resources.slice(0, SUMMARY_RESOURCE_LIMIT),
    updated_at: skill.updatedAt,
    revision: skill.revision,
    read_only: skill.readOnly,
    status: skill.status,
    ...(options.deleted ? { deleted: true } : {}),
  };
}

export function skillDetail(skill: StoredSkill, skillMd?: string): SkillDetailWire {
  return {
    ...skillSummary(skill),
    instructions: skill.instructions,
    examples: skill.examples.map((example) => ({
      input: example.input,
      output: example.output,
      notes: example.notes,
    })),
    metadata: skill.metadata,
    front_matter: skill.extraFrontMatter,
    created_at: skill.createdAt,
    ...(skillMd === undefined ? {} : { skill_md: skillMd }),
  };
}

export function scorePartsToWire(parts: SearchHitParts): z.infer<typeof ScorePartsSchema> {
  return {
    keyword: parts.keyword,
    vector: parts.vector,
    coverage: parts.coverage,
    summary_coverage: parts.summaryCoverage,
    bm25: parts.bm25,
    cosine: parts.cosine,
    cosine_z: parts.cosineZ,
  };
}

export function searchHit(
  rank: number,
  hit: { skill: StoredSkill; score: number; parts: SearchHitParts },
): z.infer<typeof SearchHitSchema> {
  return {
    rank,
    score: hit.score,
    id: hit.skill.id,
    name: hit.skill.name,
    description: hit.skill.description,
    resource_paths: hit.skill.resources.slice(0, HIT_RESOURCE_LIMIT),
    source: sourceOf(hit.skill),
    owner: hit.skill.owner,
    version: hit.skill.version,
    score_parts: scorePartsToWire(hit.parts),
    skill: skillSummary(hit.skill),
  };
}

export function revisionToWire(summary: RevisionSummary, description: string): RevisionWire {
  return {
    revision: summary.revision,
    operation: summary.operation,
    actor: summary.actor,
    reason: summary.reason,
    at: summary.at,
    version: summary.version,
    name: summary.name,
    description,
    updated_at: summary.at,
    is_current: summary.isCurrent,
    deleted: summary.deleted,
    restored_from: summary.restoredFrom,
  };
}

/** Recursively converts camelCase keys to snake_case (for reports of services written in camelCase). */
export function toSnakeCase(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toSnakeCase);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    out[key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase()] = toSnakeCase(inner);
  }
  return out;
}
