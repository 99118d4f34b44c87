/**
 * @module The wire contract of the skill routes: request schemas (query and body), response schemas and
 * the OpenAPI descriptions built from them. `skills-routes.ts` implements the handlers.
 */
import { z } from 'zod';
import type { RouteDescription } from '../openapi.js';
import { BodyUserSchema, queryFlag, queryInteger, ScopeSchema } from './request.js';
import { RevisionSchema, SkillDetailSchema, SkillSummarySchema } from './wire.js';

export const BASE = '/v1/autoskill';
const SKILL_PARAMETER = { skill_id: 'Skill id (percent-encode ids with `/`)' };

export const ListSkillsQuerySchema = z.object({
  scope: ScopeSchema.optional().describe('`user` (default), `library` (alias `common`) or `all`'),
  limit: queryInteger(1, 1000).optional().describe('Page size, 1–1000; default 100'),
  offset: queryInteger(0, 100_000_000).optional().describe('Skills to skip; default 0'),
  q: z
    .string()
    .max(500)
    .optional()
    .describe('Case-insensitive substring of name, description, id, tags or triggers'),
  include: z.enum(['deleted']).optional().describe('`deleted`: list this user’s deleted (restorable) skills'),
  user: z.string().optional().describe('The user to act for (shared/admin keys only)'),
});

export const GetSkillQuerySchema = z.object({
  include_md: queryFlag.optional().describe('Add the SKILL.md text (`1`/`true`)'),
  user: z.string().optional(),
});

export const SaveSkillMdBodySchema = z.object({
  skill_md: z.string().max(1_000_000).optional().describe('The whole SKILL.md text (required; alias `md`)'),
  md: z.string().max(1_000_000).optional().describe('Alias of `skill_md` (the original’s name)'),
  base_revision: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe('The revision this edit is based on; a newer current revision answers 409 `stale_revision`'),
  user: BodyUserSchema,
});

export const DeleteSkillQuerySchema = z.object({
  base_revision: queryInteger(0, Number.MAX_SAFE_INTEGER).optional(),
});

export const RestoreSkillBodySchema = z.object({
  base_revision: z.number().int().nonnegative().optional(),
  user: BodyUserSchema,
});

export const RollbackSkillBodySchema = z.object({
  to_revision: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('Revision whose content to restore; default: the one before the current'),
  base_revision: z.number().int().nonnegative().optional(),
  user: BodyUserSchema,
});

export const VersionsQuerySchema = z.object({
  limit: queryInteger(1, 1000).optional().describe('Most recent revisions returned; default 200'),
  user: z.string().optional(),
});

export const DiffQuerySchema = z.object({
  from: queryInteger(0, Number.MAX_SAFE_INTEGER)
    .optional()
    .describe('Older revision; `0` is the empty file; default: the one before `to`'),
  to: queryInteger(1, Number.MAX_SAFE_INTEGER).optional().describe('Newer revision; default: the latest'),
  user: z.string().optional(),
});

const SkillListResponseSchema = z.object({
  object: z.literal('list'),
  data: z.array(SkillSummarySchema),
  user: z.string(),
  scope: z.enum(['user', 'library', 'all']),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
  has_more: z.boolean(),
});
const SkillResponseSchema = z.object({ object: z.literal('skill'), data: SkillDetailSchema });
const SkillMdResponseSchema = z.object({
  object: z.literal('skill_md'),
  skill_id: z.string(),
  name: z.string(),
  version: z.string(),
  revision: z.number().int(),
  skill_md: z.string(),
});
const SkillWriteResponseSchema = z.object({
  ok: z.literal(true),
  object: z.literal('skill'),
  data: SkillDetailSchema,
  revision: z.number().int(),
  restored_from: z
    .object({ revision: z.number().int(), version: z.string(), at: z.string() })
    .optional()
    .describe('Rollback only'),
});
const DeleteResponseSchema = z.object({
  ok: z.literal(true),
  deleted: z.literal(true),
  skill_id: z.string(),
  restorable: z.literal(true),
});
const VersionsResponseSchema = z.object({
  object: z.literal('list'),
  skill_id: z.string(),
  name: z.string(),
  deleted: z.boolean(),
  total: z.number().int(),
  data: z.array(RevisionSchema),
});
const RevisionRefSchema = z.object({ revision: z.number().int(), version: z.string(), at: z.string() });
const DiffResponseSchema = z.object({
  object: z.literal('skill_diff'),
  skill_id: z.string(),
  from: RevisionRefSchema.nullable(),
  to: RevisionRefSchema,
  diff: z.string().describe('Unified diff of SKILL.md (`diff -u`), empty when equal'),
  files: z.object({ added: z.array(z.string()), removed: z.array(z.string()), changed: z.array(z.string()) }),
});

export const SKILL_ROUTE_DESCRIPTIONS: readonly RouteDescription[] = [
  {
    method: 'get',
    path: `${BASE}/skills`,
    operationId: 'listSkills',
    summary: 'List skills: the user’s, the libraries’ or both, paged',
    tags: ['skills'],
    query: ListSkillsQuerySchema,
    response: SkillListResponseSchema,
    errors: [400, 401, 403, 429],
  },
  {
    method: 'get',
    path: `${BASE}/skills/{skill_id}`,
    operationId: 'getSkill',
    summary: 'One skill (the user’s own or a library’s)',
    tags: ['skills'],
    pathParameters: SKILL_PARAMETER,
    query: GetSkillQuerySchema,
    response: SkillResponseSchema,
    errors: [400, 401, 403, 404],
  },
  {
    method: 'get',
    path: `${BASE}/skills/{skill_id}/md`,
    operationId: 'getSkillMd',
    summary: 'The SKILL.md text and the revision it is at',
    tags: ['skills'],
    pathParameters: SKILL_PARAMETER,
    response: SkillMdResponseSchema,
    errors: [400, 401, 403, 404],
  },
  {
    method: 'put',
    path: `${BASE}/skills/{skill_id}/md`,
    operationId: 'saveSkillMd',
    summary: 'Replace SKILL.md (validated; stale `base_revision` → 409; library skills → 403)',
    description:
      'The version the file declares is kept; a file without one keeps the current version; a lower ' +
      'version than the current is refused (400 `version_regression`): use rollback to go back.',
    tags: ['skills'],
    pathParameters: SKILL_PARAMETER,
    body: SaveSkillMdBodySchema,
    response: SkillWriteResponseSchema,
    errors: [400, 401, 403, 404, 409, 413],
  },
  {
    method: 'delete',
    path: `${BASE}/skills/{skill_id}`,
    operationId: 'deleteSkill',
    summary: 'Delete a skill (restorable; its history is kept)',
    tags: ['skills'],
    pathParameters: SKILL_PARAMETER,
    query: DeleteSkillQuerySchema,
    response: DeleteResponseSchema,
    errors: [400, 401, 403, 404, 409],
  },
  {
    method: 'post',
    path: `${BASE}/skills/{skill_id}/restore`,
    operationId: 'restoreSkill',
    summary: 'Restore a deleted skill',
    tags: ['skills'],
    pathParameters: SKILL_PARAMETER,
    body: RestoreSkillBodySchema,
    response: SkillWriteResponseSchema,
    errors: [400, 401, 403, 404, 409],
  },
  {
    method: 'post',
    path: `${BASE}/skills/{skill_id}/rollback`,
    operationId: 'rollbackSkill',
    summary: 'Restore an earlier revision’s content as a new revision (default: the previous one)',
    tags: ['skills'],
    pathParameters: SKILL_PARAMETER,
    body: RollbackSkillBodySchema,
    response: SkillWriteResponseSchema,
    errors: [400, 401, 403, 404, 409],
  },
  {
    method: 'get',
    path: `${BASE}/skills/{skill_id}/versions`,
    operationId: 'listSkillVersions',
    summary: 'Revision history, oldest first (also for deleted skills)',
    tags: ['skills'],
    pathParameters: SKILL_PARAMETER,
    query: VersionsQuerySchema,
    response: VersionsResponseSchema,
    errors: [400, 401, 403, 404],
  },
  {
    method: 'get',
    path: `${BASE}/skills/{skill_id}/diff`,
    operationId: 'diffSkillRevisions',
    summary: 'Unified diff of SKILL.md between two revisions',
    tags: ['skills'],
    pathParameters: SKILL_PARAMETER,
    query: DiffQuerySchema,
    response: DiffResponseSchema,
    errors: [400, 401, 403, 404],
  },
];
