/**
 * @module Revisioned writes of the PostgreSQL skill store, inside a `WriteTransaction`: the head that may
 * be written (recording a baseline revision for a skill without history), appending a revision and
 * moving the head, and creating a skill in a free folder.
 */
import { AutoSkillError } from '../../shared/errors.js';
import type { Skill } from '../../skill/schema.js';
import { normalizeResourcePath } from '../safe-paths.js';
import {
  assertBaseRevision,
  assertWritableOwner,
  buildSkill,
  cloneStored,
  notFound,
  type SkillWithText,
} from '../skill-records.js';
import type {
  BatchWrite,
  CreateOptions,
  CreateSkillInput,
  RevisionOperation,
  StoredSkill,
  WriteContext,
} from '../types.js';
import { allocateLocation, readSkillRow } from './skill-queries.js';
import {
  type FileHashes,
  json,
  putBlobs,
  type SkillRow,
  SUMMARY_COLUMNS,
  storedFromRow,
} from './skill-rows.js';
import type { WriteTransaction } from './write-transaction.js';

const BASELINE_ACTOR = 'postgres';

export function readOnlyError(id: string): AutoSkillError {
  return new AutoSkillError('READ_ONLY', `Skill ${id} belongs to a read-only library`, { details: { id } });
}

/** Resource files keyed by their normalized path. */
export function resourceMap(files: Record<string, Uint8Array>): Map<string, Uint8Array> {
  return new Map(Object.entries(files).map(([path, bytes]) => [normalizeResourcePath(path), bytes]));
}

/** The head of a skill that may be written: visible, a user's, at the base revision if one is given. */
export async function writableHead(
  tx: WriteTransaction,
  id: string,
  context: WriteContext,
): Promise<SkillRow> {
  let head = await readSkillRow(tx.db, tx.client, id);
  if (head?.read_only) throw readOnlyError(id);
  if (!head?.visible) throw notFound(id);
  assertWritableOwner(head.owner);
  // An editor that saw revision 0 (no history yet) may still write: the baseline records what it saw.
  assertBaseRevision(id, head.revision, context.baseRevision);
  if (head.revision === 0) head = await recordBaseline(tx, head);
  return head;
}

/** Records the visible state of a skill without history as its revision 1. */
export async function recordBaseline(tx: WriteTransaction, head: SkillRow): Promise<SkillRow> {
  const at = head.skill.updatedAt ?? tx.now();
  await tx.client.query(
    `INSERT INTO ${tx.db.table('revisions')} (${SUMMARY_COLUMNS}, skill, skill_md, files)
     VALUES ($1, 1, 'baseline', $2, $3, NULL, $4, $5, $6, false, NULL, $7, $8, $9)`,
    [
      head.id,
      at,
      BASELINE_ACTOR,
      head.skill.version,
      head.skill.name,
      head.location,
      json(head.skill),
      head.skill_md,
      json(head.files),
    ],
  );
  await tx.client.query(`UPDATE ${tx.db.table('skills')} SET revision = 1 WHERE id = $1`, [head.id]);
  const stored = storedFromRow({ ...head, revision: 1 });
  tx.queueUpdate(stored, await tx.nextChange(head.id, head.owner, 1, 'upsert'));
  return { ...head, revision: 1 };
}

/** Appends a revision and moves the head (and the cache after the commit). */
export async function pushRevision(
  tx: WriteTransaction,
  head: SkillRow | null,
  built: SkillWithText,
  files: Map<string, Uint8Array> | FileHashes,
  operation: RevisionOperation,
  context: WriteContext,
  where: { location: string; deleted?: boolean; from?: number },
): Promise<StoredSkill> {
  const hashes = files instanceof Map ? await putBlobs(tx.db, tx.client, files) : { ...files };
  const resources = Object.keys(hashes).sort();
  const skill: Skill = { ...built.skill, resources };
  const revision = (head?.revision ?? 0) + 1;
  const deleted = where.deleted ?? false;
  const at = tx.now();
  await tx.client.query(
    `INSERT INTO ${tx.db.table('revisions')} (${SUMMARY_COLUMNS}, skill, skill_md, files)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
    [
      skill.id,
      revision,
      operation,
      at,
      context.actor,
      context.reason ?? null,
      skill.version,
      skill.name,
      where.location,
      deleted,
      where.from ?? null,
      json(skill),
      built.skillMd,
      json(hashes),
    ],
  );
  const change = await tx.nextChange(skill.id, skill.owner, revision, deleted ? 'delete' : 'upsert');
  await tx.client.query(
    `INSERT INTO ${tx.db.table('skills')} (id, owner, location, revision, visible, read_only, skill, skill_md, files, change_seq)
     VALUES ($1, $2, $3, $4, $5, false, $6, $7, $8, $9)
     ON CONFLICT (id) DO UPDATE SET owner = EXCLUDED.owner, location = EXCLUDED.location,
       revision = EXCLUDED.revision, visible = EXCLUDED.visible, read_only = false, skill = EXCLUDED.skill,
       skill_md = EXCLUDED.skill_md, files = EXCLUDED.files, change_seq = EXCLUDED.change_seq`,
    [
      skill.id,
      skill.owner,
      where.location,
      revision,
      !deleted,
      json(skill),
      built.skillMd,
      json(hashes),
      change.seq,
    ],
  );
  const stored: StoredSkill = { ...skill, revision, location: where.location, readOnly: false };
  tx.queueUpdate(deleted ? null : stored, change);
  return cloneStored(stored);
}

/** Creates skill `id` (a new one, or one deleted earlier by the same owner) in a free folder. */
export async function stageCreate(
  tx: WriteTransaction,
  id: string,
  input: CreateSkillInput,
  options: CreateOptions,
  context: WriteContext,
): Promise<StoredSkill> {
  const owner = assertWritableOwner(input.owner);
  const existing = await readSkillRow(tx.db, tx.client, id);
  if (existing?.visible) {
    throw new AutoSkillError('CONFLICT', `A skill with id ${id} already exists`, { details: { id } });
  }
  if (existing && existing.owner !== owner) {
    throw new AutoSkillError('CONFLICT', `Skill ${id} belongs to another owner`, { details: { id } });
  }
  const files = resourceMap(options.files ?? {});
  const built = buildSkill(
    { ...input, owner },
    { ...options, id, resources: [...files.keys()].sort(), now: tx.now() },
  );
  const location = await allocateLocation(tx.db, tx.client, owner, built.skill.name);
  return pushRevision(tx, existing, built, files, 'create', context, { location });
}

/** One write of `writeBatch`: a create, or a replace (an update when the skill is visible, else a create). */
export async function stageBatchWrite(
  tx: WriteTransaction,
  write: BatchWrite,
  context: WriteContext,
  newId: () => string,
): Promise<StoredSkill> {
  if (write.kind === 'replace') {
    const head = await readSkillRow(tx.db, tx.client, write.id);
    if (head?.visible) {
      if (head.read_only) throw readOnlyError(head.id);
      const owner = assertWritableOwner(write.input.owner);
      if (head.owner !== owner) {
        throw new AutoSkillError('CONFLICT', `Skill ${write.id} belongs to another owner`, {
          details: { id: write.id },
        });
      }
      const current = await writableHead(tx, write.id, context);
      const options = write.options ?? {};
      const files = resourceMap(options.files ?? {});
      const built = buildSkill(
        { ...write.input, owner, createdAt: current.skill.createdAt },
        { ...options, id: write.id, resources: [...files.keys()].sort(), now: tx.now() },
      );
      return pushRevision(tx, current, built, files, 'update', context, { location: current.location });
    }
    return stageCreate(tx, write.id, { ...write.input, id: write.id }, write.options ?? {}, context);
  }
  return stageCreate(tx, write.input.id ?? newId(), write.input, write.options ?? {}, context);
}
