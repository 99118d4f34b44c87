/**
 * @module Setting skill rows to a given state without touching history (library writes and `store copy`):
 * many rows in one statement, with their change feed entries and cache updates.
 */
import type { Skill } from '../../skill/schema.js';
import type { StoredSkill } from '../types.js';
import { hashesOf, json, putBlobs } from './skill-rows.js';
import type { CopiedSkillState } from './skill-store-types.js';
import type { WriteTransaction } from './write-transaction.js';

export async function putStates(tx: WriteTransaction, states: readonly CopiedSkillState[]): Promise<void> {
  const allFiles = states.flatMap((state) => Object.entries(state.files));
  await putBlobs(tx.db, tx.client, allFiles);
  const prepared = states.map((state) => {
    const hashes = hashesOf(state.files);
    const skill: Skill = {
      ...state.skill,
      id: state.id,
      owner: state.owner,
      resources: Object.keys(hashes).sort(),
    };
    return { state, hashes, skill };
  });
  const changes = await tx.nextChanges(
    states.map((state) => ({
      id: state.id,
      owner: state.owner,
      revision: state.revision,
      type: state.visible ? ('upsert' as const) : ('delete' as const),
    })),
  );
  await tx.client.query(
    `INSERT INTO ${tx.db.table('skills')} (id, owner, location, revision, visible, read_only, skill, skill_md, files, change_seq)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::bool[], $6::bool[], $7::json[],
       $8::text[], $9::json[], $10::bigint[])
     ON CONFLICT (id) DO UPDATE SET owner = EXCLUDED.owner, location = EXCLUDED.location,
       revision = EXCLUDED.revision, visible = EXCLUDED.visible, read_only = EXCLUDED.read_only,
       skill = EXCLUDED.skill, skill_md = EXCLUDED.skill_md, files = EXCLUDED.files, change_seq = EXCLUDED.change_seq`,
    [
      prepared.map((item) => item.state.id),
      prepared.map((item) => item.state.owner),
      prepared.map((item) => item.state.location),
      prepared.map((item) => item.state.revision),
      prepared.map((item) => item.state.visible),
      prepared.map((item) => item.state.readOnly),
      prepared.map((item) => json(item.skill)),
      prepared.map((item) => item.state.skillMd),
      prepared.map((item) => json(item.hashes)),
      changes.map((change) => change.seq),
    ],
  );
  prepared.forEach((item, index) => {
    const change = changes[index];
    if (!change) return;
    const stored: StoredSkill = {
      ...item.skill,
      revision: item.state.revision,
      location: item.state.location,
      readOnly: item.state.readOnly,
    };
    tx.queueUpdate(item.state.visible ? stored : null, change);
  });
}

/** Removes a library skill's row (libraries keep no deleted state). */
export async function dropLibraryRow(tx: WriteTransaction, id: string): Promise<void> {
  const removed = await tx.client.query<{ owner: string }>(
    `DELETE FROM ${tx.db.table('skills')} WHERE id = $1 AND read_only RETURNING owner`,
    [id],
  );
  const owner = removed.rows[0]?.owner;
  if (owner !== undefined) tx.queueUpdate(null, await tx.nextChange(id, owner, 0, 'delete'));
}
