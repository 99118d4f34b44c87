/**
 * @module The skill routes: list (scopes, paging, substring filter, deleted ones), get, SKILL.md get and
 * save (stale-write check, parser validation naming the line, version policy in `edit-policy.ts`),
 * delete (restorable), restore, rollback (a new revision), versions and the diff between two revisions.
 * Every route checks the skill against the user the request acts for (`access.ts`).
 */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { diffLines } from '../../sdk/diff.js';
import { AutoSkillError } from '../../shared/errors.js';
import { parseSkillMd } from '../../skill/skill-md.js';
import type { RevisionSummary, SkillStore, StoredSkill } from '../../store/types.js';
import { resolveRequestUser } from '../auth/resolve-user.js';
import type { ServerEnv } from '../context.js';
import type { RouteDescription } from '../openapi.js';
import { readableHistory, readableSkill, writableSkill } from './access.js';
import { compareVersions, declaresVersion, withVersion } from './edit-policy.js';
import {
  BodyUserSchema,
  parseBody,
  parseQuery,
  queryFlag,
  queryInteger,
  ScopeSchema,
  skillIdParam,
  withExtras,
} from './request.js';
import {
  RevisionSchema,
  revisionToWire,
  SkillDetailSchema,
  SkillSummarySchema,
  skillDetail,
  skillSummary,
} from './wire.js';

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

export interface SkillRouteDependencies {
  store: SkillStore;
  maxBodyBytes: number;
}

/** Who to record in the revision: the user, or the admin credential acting for them. */
export function actorFor(c: Context<ServerEnv>, userId: string): string {
  const principal = c.get('principal');
  return principal.kind === 'admin' ? `${userId} (admin ${principal.credentialId})` : userId;
}

async function listSkills(c: Context<ServerEnv>, store: SkillStore): Promise<Response> {
  const query = parseQuery(c, ListSkillsQuerySchema);
  const userId = resolveRequestUser(c);
  const deleted = query.include === 'deleted';
  const scope = deleted ? 'user' : (query.scope ?? 'user');
  const limit = query.limit ?? 100;
  const offset = query.offset ?? 0;
  // The store filters (name, description, id, tags, triggers) and copies only the page it returns.
  const { items, total } = await store.list({
    userId,
    scope,
    deleted,
    limit,
    offset,
    query: query.q?.trim() ?? '',
  });
  return c.json({
    object: 'list',
    data: items.map((skill) => skillSummary(skill, { deleted })),
    user: userId,
    scope,
    total,
    limit,
    offset,
    has_more: offset + items.length < total,
  });
}

async function writeResponse(
  c: Context<ServerEnv>,
  store: SkillStore,
  skill: StoredSkill,
  extra: Record<string, unknown> = {},
): Promise<Response> {
  const { skillMd } = await store.readFiles(skill.id);
  return c.json({
    ok: true,
    object: 'skill',
    data: skillDetail(skill, skillMd),
    revision: skill.revision,
    ...extra,
  });
}

async function saveSkillMd(c: Context<ServerEnv>, deps: SkillRouteDependencies): Promise<Response> {
  const id = skillIdParam(c);
  const { data: body } = await parseBody(c, SaveSkillMdBodySchema, { maxBytes: deps.maxBodyBytes });
  const userId = resolveRequestUser(c, { bodyUser: body.user });
  const given = body.skill_md ?? body.md;
  if (given === undefined || given.trim() === '') {
    throw new AutoSkillError('INVALID_INPUT', 'skill_md is required: the whole SKILL.md text', {
      details: { param: 'skill_md' },
    });
  }
  const skill = await writableSkill(deps.store, id, userId);
  const text = declaresVersion(given) ? given : withVersion(given, skill.version);
  // Parsed here first so a bad file names the request field and line (`skill_md:12: …`).
  const parsed = parseSkillMd(text, { owner: skill.owner, source: 'skill_md', deterministicIdKey: id });
  if ((compareVersions(parsed.version, skill.version) ?? 0) < 0) {
    throw new AutoSkillError(
      'INVALID_INPUT',
      `The edited SKILL.md has version ${parsed.version}, lower than the current ${skill.version}; ` +
        'to go back to an earlier state use rollback',
      { details: { param: 'skill_md', wireCode: 'version_regression', currentVersion: skill.version } },
    );
  }
  const saved = await deps.store.saveSkillMd(id, text, {
    actor: actorFor(c, userId),
    reason: 'edit via management API',
    ...(body.base_revision !== undefined ? { baseRevision: body.base_revision } : {}),
  });
  return writeResponse(c, deps.store, saved);
}

function previousRevision(revisions: readonly RevisionSummary[], current: number): number {
  const earlier = revisions.filter((revision) => revision.revision < current && !revision.deleted);
  const target = earlier.at(-1);
  if (!target) {
    throw new AutoSkillError('INVALID_INPUT', 'This skill has no earlier revision to roll back to', {
      details: { param: 'to_revision', wireCode: 'no_previous_revision' },
    });
  }
  return target.revision;
}

async function rollbackSkill(c: Context<ServerEnv>, deps: SkillRouteDependencies): Promise<Response> {
  const id = skillIdParam(c);
  const { data: body } = await parseBody(c, RollbackSkillBodySchema, {
    maxBytes: deps.maxBodyBytes,
    allowEmpty: true,
  });
  const userId = resolveRequestUser(c, { bodyUser: body.user });
  await writableSkill(deps.store, id, userId);
  const revisions = await deps.store.versions(id);
  const current = revisions.at(-1)?.revision ?? 0;
  const target = body.to_revision ?? previousRevision(revisions, current);
  if (target >= current) {
    throw new AutoSkillError(
      'INVALID_INPUT',
      `to_revision must be an earlier revision than the current ${current}`,
      {
        details: { param: 'to_revision' },
      },
    );
  }
  const source = revisions.find((revision) => revision.revision === target);
  if (!source || source.deleted) {
    throw new AutoSkillError('REVISION_NOT_FOUND', `Skill ${id} has no revision ${target} to restore`, {
      details: { param: 'to_revision' },
    });
  }
  const restored = await deps.store.rollback(id, target, {
    actor: actorFor(c, userId),
    reason: `rollback to revision ${target} via management API`,
    ...(body.base_revision !== undefined ? { baseRevision: body.base_revision } : {}),
  });
  return writeResponse(c, deps.store, restored, {
    restored_from: { revision: source.revision, version: source.version, at: source.at },
  });
}

async function listVersions(c: Context<ServerEnv>, store: SkillStore): Promise<Response> {
  const id = skillIdParam(c);
  const query = parseQuery(c, VersionsQuerySchema);
  const userId = resolveRequestUser(c);
  const { skill, revisions } = await readableHistory(store, id, userId);
  const shown = revisions.slice(-(query.limit ?? 200));
  const data = [];
  for (const summary of shown) {
    // The summary has no description; the revision's content does.
    const description = (await store.getRevision(id, summary.revision)).skill.description;
    data.push(revisionToWire(summary, description));
  }
  return c.json({
    object: 'list',
    skill_id: id,
    name: skill?.name ?? revisions.at(-1)?.name ?? '',
    deleted: skill === null,
    total: revisions.length,
    data,
  });
}

function changedFiles(from: Record<string, Uint8Array>, to: Record<string, Uint8Array>) {
  const added = Object.keys(to).filter((path) => !(path in from));
  const removed = Object.keys(from).filter((path) => !(path in to));
  const changed = Object.keys(to).filter((path) => {
    const before = from[path];
    return before !== undefined && !Buffer.from(before).equals(Buffer.from(to[path] as Uint8Array));
  });
  return { added: added.sort(), removed: removed.sort(), changed: changed.sort() };
}

async function diffRevisions(c: Context<ServerEnv>, store: SkillStore): Promise<Response> {
  const id = skillIdParam(c);
  const query = parseQuery(c, DiffQuerySchema);
  const userId = resolveRequestUser(c);
  const { revisions } = await readableHistory(store, id, userId);
  const latest = revisions.at(-1);
  if (!latest) {
    throw new AutoSkillError(
      'REVISION_NOT_FOUND',
      `Skill ${id} has no revision history (library skills have none)`,
      {
        details: { id },
      },
    );
  }
  const toNumber = query.to ?? latest.revision;
  const fromNumber = query.from ?? toNumber - 1;
  if (fromNumber >= toNumber) {
    throw new AutoSkillError('INVALID_INPUT', '`from` must be an earlier revision than `to`', {
      details: { param: 'from' },
    });
  }
  const to = await store.getRevision(id, toNumber);
  const from = fromNumber === 0 ? null : await store.getRevision(id, fromNumber);
  const reference = (revision: typeof to) => ({
    revision: revision.revision,
    version: revision.version,
    at: revision.at,
  });
  return c.json({
    object: 'skill_diff',
    skill_id: id,
    from: from ? reference(from) : null,
    to: reference(to),
    diff: diffLines({
      oldText: from?.skillMd ?? '',
      newText: to.skillMd,
      oldLabel: from ? `a/SKILL.md (revision ${from.revision}, version ${from.version})` : '/dev/null',
      newLabel: `b/SKILL.md (revision ${to.revision}, version ${to.version})`,
    }).unified,
    files: changedFiles(from?.files ?? {}, to.files),
  });
}

export function registerSkillRoutes(app: Hono<ServerEnv>, deps: SkillRouteDependencies): void {
  const { store } = deps;
  app.get(`${BASE}/skills`, (c) => listSkills(c, store));
  app.get(`${BASE}/skills/:skill_id`, async (c) => {
    const id = skillIdParam(c);
    const query = parseQuery(c, GetSkillQuerySchema);
    const skill = await readableSkill(store, id, resolveRequestUser(c));
    const skillMd = query.include_md ? (await store.readFiles(id)).skillMd : undefined;
    return c.json({ object: 'skill', data: skillDetail(skill, skillMd) });
  });
  app.get(`${BASE}/skills/:skill_id/md`, async (c) => {
    const id = skillIdParam(c);
    const skill = await readableSkill(store, id, resolveRequestUser(c));
    const { skillMd } = await store.readFiles(id);
    return c.json({
      object: 'skill_md',
      skill_id: id,
      name: skill.name,
      version: skill.version,
      revision: skill.revision,
      skill_md: skillMd,
    });
  });
  app.put(
    `${BASE}/skills/:skill_id/md`,
    withExtras((c) => saveSkillMd(c, deps)),
  );
  app.delete(
    `${BASE}/skills/:skill_id`,
    withExtras(async (c) => {
      const id = skillIdParam(c);
      const query = parseQuery(c, DeleteSkillQuerySchema);
      const userId = resolveRequestUser(c);
      await writableSkill(store, id, userId);
      await store.delete(id, {
        actor: actorFor(c, userId),
        reason: 'delete via management API',
        ...(query.base_revision !== undefined ? { baseRevision: query.base_revision } : {}),
      });
      return c.json({ ok: true, deleted: true, skill_id: id, restorable: true });
    }),
  );
  app.post(
    `${BASE}/skills/:skill_id/restore`,
    withExtras(async (c) => {
      const id = skillIdParam(c);
      const { data: body } = await parseBody(c, RestoreSkillBodySchema, {
        maxBytes: deps.maxBodyBytes,
        allowEmpty: true,
      });
      const userId = resolveRequestUser(c, { bodyUser: body.user });
      const { skill } = await readableHistory(store, id, userId);
      if (skill) {
        throw new AutoSkillError('CONFLICT', `Skill ${id} is not deleted`, {
          details: { wireCode: 'not_deleted' },
        });
      }
      const restored = await store.restore(id, {
        actor: actorFor(c, userId),
        reason: 'restore via management API',
        ...(body.base_revision !== undefined ? { baseRevision: body.base_revision } : {}),
      });
      return writeResponse(c, store, restored);
    }),
  );
  app.post(
    `${BASE}/skills/:skill_id/rollback`,
    withExtras((c) => rollbackSkill(c, deps)),
  );
  app.get(`${BASE}/skills/:skill_id/versions`, (c) => listVersions(c, store));
  app.get(`${BASE}/skills/:skill_id/diff`, (c) => diffRevisions(c, store));
}
