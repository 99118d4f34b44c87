/**
 * @module What `autoskill store copy` reads from and writes to the PostgreSQL store: a snapshot of every
 * skill row with its history, and skills copied with their revisions (numbers, operations, times and
 * actors kept) in a handful of statements.
 */
import type { RevisionContent } from '../types.js';
import type { PostgresDatabase } from './database.js';
import {
  contentFingerprint,
  hashesOf,
  json,
  putBlobs,
  type SkillRow,
  SUMMARY_COLUMNS,
} from './skill-rows.js';
import type { CopiedSkillState, CopySnapshotEntry } from './skill-store-types.js';
import { putStates } from './state-writes.js';
import type { WriteTransaction } from './write-transaction.js';

/** Every skill row with its history summary and content fingerprint. */
export async function readCopySnapshot(db: PostgresDatabase): Promise<Map<string, CopySnapshotEntry>> {
  const skills = await db.query<
    Pick<SkillRow, 'id' | 'owner' | 'revision' | 'visible' | 'read_only' | 'location' | 'skill_md' | 'files'>
  >(`SELECT id, owner, revision, visible, read_only, location, skill_md, files FROM ${db.table('skills')}`);
  const history = await db.query<{
    skill_id: string;
    revision: number;
    at: string;
    operation: string;
  }>(`SELECT skill_id, revision, at, operation FROM ${db.table('revisions')} ORDER BY skill_id, revision`);
  const out = new Map<string, CopySnapshotEntry>();
  for (const row of skills.rows) {
    out.set(row.id, {
      owner: row.owner,
      revision: row.revision,
      visible: row.visible,
      readOnly: row.read_only,
      location: row.location,
      fingerprint: contentFingerprint(row.skill_md, row.files),
      history: [],
    });
  }
  for (const row of history.rows) {
    out.get(row.skill_id)?.history.push({ revision: row.revision, at: row.at, operation: row.operation });
  }
  return out;
}

type CopyItem = { state: CopiedSkillState; revisions: readonly RevisionContent[] };

/**
 * Copies each skill's revisions after the ones this store already has, then its visible state. A skill
 * that belongs to another owner here, or whose folder is taken, is not written; its result says why.
 */
export async function stageSkillHistories(
  tx: WriteTransaction,
  items: ReadonlyArray<CopyItem>,
): Promise<Array<{ id: string; error?: string }>> {
  const { results, accepted } = await acceptCopies(tx, items);
  if (accepted.length === 0) return results;
  const allFiles: Array<[string, Uint8Array]> = [];
  for (const { state, revisions } of accepted) {
    allFiles.push(...Object.entries(state.files));
    for (const revision of revisions) allFiles.push(...Object.entries(revision.files));
  }
  await putBlobs(tx.db, tx.client, allFiles);
  const rows = accepted.flatMap(({ state, revisions }) => revisions.map((revision) => ({ state, revision })));
  if (rows.length > 0) {
    await tx.client.query(
      `INSERT INTO ${tx.db.table('revisions')} (${SUMMARY_COLUMNS}, skill, skill_md, files)
       SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
         $8::text[], $9::text[], $10::bool[], $11::int[], $12::json[], $13::text[], $14::json[])`,
      [
        rows.map((row) => row.state.id),
        rows.map((row) => row.revision.revision),
        rows.map((row) => row.revision.operation),
        rows.map((row) => row.revision.at),
        rows.map((row) => row.revision.actor),
        rows.map((row) => row.revision.reason),
        rows.map((row) => row.revision.version),
        rows.map((row) => row.revision.name),
        rows.map((row) => row.revision.location),
        rows.map((row) => row.revision.deleted),
        rows.map((row) => row.revision.restoredFrom),
        rows.map((row) => json(row.revision.skill)),
        rows.map((row) => row.revision.skillMd),
        rows.map((row) => json(hashesOf(row.revision.files))),
      ],
    );
  }
  await putStates(
    tx,
    accepted.map((item) => item.state),
  );
  return results;
}

/** Which copies may be written (owner and folder checks) and, for those, the revisions still missing. */
async function acceptCopies(
  tx: WriteTransaction,
  items: ReadonlyArray<CopyItem>,
): Promise<{ results: Array<{ id: string; error?: string }>; accepted: CopyItem[] }> {
  const ids = items.map((item) => item.state.id);
  const heads = await tx.client.query<Pick<SkillRow, 'id' | 'owner' | 'read_only' | 'revision'>>(
    `SELECT id, owner, read_only, revision FROM ${tx.db.table('skills')} WHERE id = ANY($1::text[])`,
    [ids],
  );
  const headById = new Map(heads.rows.map((row) => [row.id, row]));
  const locations = items.filter((item) => item.state.visible).map((item) => item.state.location);
  const holders = await tx.client.query<{ id: string; location: string }>(
    `SELECT id, location FROM ${tx.db.table('skills')} WHERE visible AND location = ANY($1::text[])`,
    [locations],
  );
  const holderOf = new Map(holders.rows.map((row) => [row.location, row.id]));
  const results: Array<{ id: string; error?: string }> = [];
  const accepted: CopyItem[] = [];
  const claimed = new Map<string, string>();
  for (const { state, revisions } of items) {
    const head = headById.get(state.id);
    const holder = claimed.get(state.location) ?? holderOf.get(state.location);
    let error: string | undefined;
    if (head && (head.owner !== state.owner || head.read_only !== state.readOnly)) {
      error = `skill ${state.id} belongs to ${head.owner} here`;
    } else if (state.visible && holder !== undefined && holder !== state.id) {
      error = `folder ${state.location} is taken by skill ${holder} here`;
    }
    results.push(error ? { id: state.id, error } : { id: state.id });
    if (error) continue;
    if (state.visible) claimed.set(state.location, state.id);
    const have = head?.revision ?? 0;
    accepted.push({ state, revisions: revisions.filter((revision) => revision.revision > have) });
  }
  return { results, accepted };
}
