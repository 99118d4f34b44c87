/**
 * @module The PostgreSQL skill store's edits of one skill, each inside a `WriteTransaction`: patch and
 * resource changes, a SKILL.md save, rollback (as a new revision), delete and restore.
 */
import { AutoSkillError } from '../../shared/errors.js';
import { normalizeResourcePath } from '../safe-paths.js';
import { applyPatch, assertBaseRevision, notFound, parseEdit } from '../skill-records.js';
import type { ResourceChanges, SkillPatch, StoredSkill, WriteContext } from '../types.js';
import { pushRevision, writableHead } from './revision-writes.js';
import { allocateLocation, locationTaken, readRevisionRow, readSkillRow } from './skill-queries.js';
import { readBlobs } from './skill-rows.js';
import type { WriteTransaction } from './write-transaction.js';

const FILE = 'SKILL.md';

export async function stageUpdate(
  tx: WriteTransaction,
  id: string,
  patch: SkillPatch,
  context: WriteContext,
  changes: ResourceChanges,
): Promise<StoredSkill> {
  const head = await writableHead(tx, id, context);
  const files = new Map(Object.entries(await readBlobs(tx.db, tx.client, head.files)));
  for (const [path, bytes] of Object.entries(changes)) {
    const normalized = normalizeResourcePath(path);
    if (bytes === null) files.delete(normalized);
    else files.set(normalized, bytes);
  }
  const patched = applyPatch({ ...head.skill, resources: [...files.keys()].sort() }, patch, tx.now());
  return pushRevision(tx, head, patched, files, 'update', context, { location: head.location });
}

export async function stageSkillMd(
  tx: WriteTransaction,
  id: string,
  text: string,
  context: WriteContext,
): Promise<StoredSkill> {
  const head = await writableHead(tx, id, context);
  const edited = parseEdit(head.skill, text, tx.now(), `${head.location}/${FILE}`);
  return pushRevision(tx, head, edited, head.files, 'edit', context, { location: head.location });
}

export async function stageRollback(
  tx: WriteTransaction,
  id: string,
  toRevision: number,
  context: WriteContext,
): Promise<StoredSkill> {
  const head = await writableHead(tx, id, context);
  const target = await readRevisionRow(tx.db, tx.client, id, toRevision);
  const skill = { ...target.skill, createdAt: head.skill.createdAt, updatedAt: tx.now() };
  return pushRevision(tx, head, { skill, skillMd: target.skill_md }, target.files, 'rollback', context, {
    location: head.location,
    from: toRevision,
  });
}

export async function stageDelete(tx: WriteTransaction, id: string, context: WriteContext): Promise<void> {
  const head = await writableHead(tx, id, context);
  await pushRevision(tx, head, { skill: head.skill, skillMd: head.skill_md }, head.files, 'delete', context, {
    location: head.location,
    deleted: true,
  });
}

/** Restores a deleted skill, in its old folder or, when that is taken now, a free one. */
export async function stageRestore(
  tx: WriteTransaction,
  id: string,
  context: WriteContext,
): Promise<StoredSkill> {
  const head = await readSkillRow(tx.db, tx.client, id);
  if (!head) throw notFound(id);
  if (head.visible) throw new AutoSkillError('CONFLICT', `Skill ${id} is not deleted`, { details: { id } });
  assertBaseRevision(id, head.revision, context.baseRevision);
  const taken = await locationTaken(tx.db, tx.client, head.location);
  const location = taken
    ? await allocateLocation(tx.db, tx.client, head.owner, head.skill.name)
    : head.location;
  const skill = { ...head.skill, updatedAt: tx.now() };
  return pushRevision(tx, head, { skill, skillMd: head.skill_md }, head.files, 'restore', context, {
    location,
  });
}
