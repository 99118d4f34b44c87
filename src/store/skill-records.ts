/**
 * @module Logic every store implementation shares: building a new skill from create input, applying
 * a patch, the stale-revision check; list selection (filter, order, page) is re-exported from
 * `skill-list-view.ts`.
 */
import { AutoSkillError, isAutoSkillError } from '../shared/errors.js';
import { isLibraryOwner, type Skill, SkillSchema } from '../skill/schema.js';
import { validateUserId } from './safe-paths.js';
import { parseSkillMd, renderSkillMd, upsertSkillMdId } from './skill-codec.js';
import type { BatchResult, CreateSkillInput, SkillPatch, StoredSkill } from './types.js';

/** A skill plus the exact SKILL.md text that stores it. */
export interface SkillWithText {
  skill: Skill;
  skillMd: string;
}

/** Refuses writes to library owners and checks the user id. */
export function assertWritableOwner(owner: string): string {
  if (isLibraryOwner(owner)) {
    throw new AutoSkillError('READ_ONLY', `Library skills are read-only (owner ${owner})`, {
      details: { owner },
    });
  }
  return validateUserId(owner);
}

/**
 * Builds the skill and SKILL.md of a create. With `options.skillMd` the text is kept (id written into
 * it) and the fields are parsed from it; otherwise the fields are rendered. Either way the returned
 * skill is what parsing the stored text gives, so every process reads the same skill back.
 */
export function buildSkill(
  input: CreateSkillInput,
  options: { skillMd?: string; source?: string; resources: string[]; id: string; now: string },
): SkillWithText {
  const owner = assertWritableOwner(input.owner);
  const state = {
    status: input.status ?? 'active',
    metadata: input.metadata ?? {},
    createdAt: input.createdAt ?? options.now,
    updatedAt: options.now,
  };
  if (options.skillMd !== undefined) {
    const skillMd = upsertSkillMdId(options.skillMd, options.id);
    const parsed = parseSkillMd(skillMd, { owner, source: options.source ?? 'SKILL.md' });
    return { skill: { ...parsed, ...state, id: options.id, owner, resources: options.resources }, skillMd };
  }
  const draft = SkillSchema.parse({ ...input, id: options.id, owner, resources: options.resources });
  return reparse({ ...draft, ...state });
}

/** Renders a skill and reads it back, so the result is exactly what the stored file holds. */
export function reparse(skill: Skill): SkillWithText {
  const skillMd = renderSkillMd(skill);
  const parsed = parseSkillMd(skillMd, { owner: skill.owner, source: 'SKILL.md' });
  return {
    skill: {
      ...parsed,
      id: skill.id,
      owner: skill.owner,
      resources: skill.resources,
      status: skill.status,
      metadata: skill.metadata,
      createdAt: skill.createdAt,
      updatedAt: skill.updatedAt,
    },
    skillMd,
  };
}

/** Applies a patch; fields that SKILL.md holds are re-rendered. */
export function applyPatch(current: Skill, patch: SkillPatch, now: string): SkillWithText {
  const next = SkillSchema.parse({ ...current, ...stripUndefined(patch), updatedAt: now });
  return reparse({ ...next, id: current.id, owner: current.owner });
}

/** Parses an edited SKILL.md for skill `current`; the text must keep the skill's id (or have none). */
export function parseEdit(current: Skill, text: string, now: string, source: string): SkillWithText {
  const parsed = parseSkillMd(text, { owner: current.owner, source, deterministicIdKey: current.id });
  if (parsed.id !== current.id && hasDeclaredId(text)) {
    throw new AutoSkillError(
      'INVALID_INPUT',
      `The edited SKILL.md declares id ${parsed.id}, not ${current.id}`,
      {
        details: { id: current.id, declared: parsed.id },
      },
    );
  }
  const skillMd = upsertSkillMdId(text, current.id);
  return {
    skill: {
      ...parsed,
      id: current.id,
      owner: current.owner,
      resources: current.resources,
      status: current.status,
      metadata: current.metadata,
      createdAt: current.createdAt,
      updatedAt: now,
    },
    skillMd,
  };
}

/** Whether the front matter of `text` declares a non-empty top-level `id:`. */
export function hasDeclaredId(text: string): boolean {
  const match = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---/.exec(text);
  return match !== null && /^id[ \t]*:[ \t]*\S/im.test(match[1] ?? '');
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, inner]) => inner !== undefined)) as Partial<T>;
}

export function assertBaseRevision(id: string, current: number, base: number | undefined): void {
  if (base !== undefined && base !== current) {
    throw new AutoSkillError(
      'STALE_REVISION',
      `Skill ${id} is at revision ${current}, not ${base}: reload it and apply the change again`,
      { details: { id, currentRevision: current, baseRevision: base } },
    );
  }
}

/** The failed result of one batch item: its `AutoSkillError`, or `INTERNAL` for anything else. */
export function batchFailure(error: unknown): BatchResult {
  const failure = isAutoSkillError(error)
    ? error
    : new AutoSkillError('INTERNAL', (error as Error).message ?? String(error), { cause: error });
  return { ok: false, error: { code: failure.code, message: failure.message, details: failure.details } };
}

export function notFound(id: string): AutoSkillError {
  return new AutoSkillError('SKILL_NOT_FOUND', `No skill with id ${JSON.stringify(id)}`, { details: { id } });
}

// Listing (order, filter, page) lives in skill-list-view.ts; these names stay importable from here.
export { compareStored, selectForList } from './skill-list-view.js';

export function cloneStored(skill: StoredSkill): StoredSkill {
  return structuredClone(skill);
}
