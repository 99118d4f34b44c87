/**
 * @module Who may see and change which skill. A user reads their own skills and the read-only library
 * skills; another user's skill answers exactly like an unknown id (404, so ids cannot be probed); a
 * library skill is never writable (403 `read_only`). Admin keys, the shared application key and callers
 * with auth off act for the user they name (`user` field, `X-AutoSkill-User`, `?user=` on GET) — the
 * check is the same for everyone, against the user the request acts for (serving.md §11.1 items 1–3).
 */
import { AutoSkillError } from '../../shared/errors.js';
import { isLibraryOwner } from '../../skill/schema.js';
import type { RevisionSummary, SkillStore, StoredSkill } from '../../store/types.js';

function notFound(id: string): AutoSkillError {
  return new AutoSkillError('SKILL_NOT_FOUND', `No skill with id ${JSON.stringify(id)}`, {
    details: { id, param: 'skill_id' },
  });
}

function isVisibleTo(owner: string, userId: string): boolean {
  return owner === userId || isLibraryOwner(owner);
}

/** A visible skill the user may read (their own or a library's); 404 otherwise. */
export async function readableSkill(store: SkillStore, id: string, userId: string): Promise<StoredSkill> {
  const skill = await store.get(id);
  if (!skill || !isVisibleTo(skill.owner, userId)) throw notFound(id);
  return skill;
}

/** A visible skill the user may change; 404 for other users' skills, 403 `read_only` for library skills. */
export async function writableSkill(store: SkillStore, id: string, userId: string): Promise<StoredSkill> {
  const skill = await readableSkill(store, id, userId);
  if (skill.readOnly || isLibraryOwner(skill.owner)) {
    throw new AutoSkillError('READ_ONLY', `Skill ${id} belongs to a read-only library`, {
      details: { id, owner: skill.owner },
    });
  }
  return skill;
}

/**
 * The history of a skill the user may see, including skills they deleted (restorable); 404 for unknown
 * ids and for other users' skills, visible or deleted.
 */
export async function readableHistory(
  store: SkillStore,
  id: string,
  userId: string,
): Promise<{ skill: StoredSkill | null; revisions: RevisionSummary[]; owner: string }> {
  const skill = await store.get(id);
  if (skill) {
    if (!isVisibleTo(skill.owner, userId)) throw notFound(id);
    return { skill, revisions: await store.versions(id), owner: skill.owner };
  }
  let revisions: RevisionSummary[];
  try {
    revisions = await store.versions(id);
  } catch (error) {
    if (error instanceof AutoSkillError && error.code === 'SKILL_NOT_FOUND') throw notFound(id);
    throw error;
  }
  const last = revisions.at(-1);
  if (!last) throw notFound(id);
  const owner = (await store.getRevision(id, last.revision)).skill.owner;
  if (owner !== userId) throw notFound(id);
  return { skill: null, revisions, owner };
}
