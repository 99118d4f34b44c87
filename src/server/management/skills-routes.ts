/**
 * @module The skill routes: list (scopes, paging, substring filter, deleted ones), get, SKILL.md get and
 * save (stale-write check, parser validation naming the line, version policy in `edit-policy.ts`),
 * delete (restorable), restore, rollback (a new revision), versions and the diff between two revisions.
 * Every route checks the skill against the user the request acts for (`access.ts`).
 */
import type { Context, Hono } from 'hono';
import { diffLines } from '../../sdk/diff.js';
import { AutoSkillError } from '../../shared/errors.js';
import { parseSkillMd } from '../../skill/skill-md.js';
import type { RevisionSummary, SkillStore, StoredSkill } from '../../store/types.js';
import { resolveRequestUser } from '../auth/resolve-user.js';
import type { ServerEnv } from '../context.js';
import { readableHistory, readableSkill, writableSkill } from './access.js';
import { compareVersions, declaresVersion, withVersion } from './edit-policy.js';
import { parseBody, parseQuery, skillIdParam, withExtras } from './request.js';
import {
  BASE,
  DeleteSkillQuerySchema,
  DiffQuerySchema,
  GetSkillQuerySchema,
  ListSkillsQuerySchema,
  RestoreSkillBodySchema,
  RollbackSkillBodySchema,
  SaveSkillMdBodySchema,
  VersionsQuerySchema,
} from './skills-api.js';
import { revisionToWire, skillDetail, skillSummary } from './wire.js';

// The wire contract lives in skills-api.ts; these names stay importable from here.
export * from './skills-api.js';

export interface SkillRouteDependencies {
  store: SkillStore;
  maxBodyBytes: number;
}

/** Who to record in the revision: the user, or the admin credential acting for them. */
export function actorFor(c: Context<ServerEnv>, userId: string): string {
  const principal = c.get('principal');
  return principal.kind === 'admin' ? `${userId} (admin ${principal.credentialId})` : userId;
}

/** The write context of a management change: who (see `actorFor`), why, and the caller's base revision. */
function changeContext(
  c: Context<ServerEnv>,
  userId: string,
  reason: string,
  baseRevision: number | undefined,
): { actor: string; reason: string; baseRevision?: number } {
  return {
    actor: actorFor(c, userId),
    reason,
    ...(baseRevision !== undefined ? { baseRevision } : {}),
  };
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
  const saved = await deps.store.saveSkillMd(
    id,
    text,
    changeContext(c, userId, 'edit via management API', body.base_revision),
  );
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
  const restored = await deps.store.rollback(
    id,
    target,
    changeContext(c, userId, `rollback to revision ${target} via management API`, body.base_revision),
  );
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
      await store.delete(id, changeContext(c, userId, 'delete via management API', query.base_revision));
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
      const restored = await store.restore(
        id,
        changeContext(c, userId, 'restore via management API', body.base_revision),
      );
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
