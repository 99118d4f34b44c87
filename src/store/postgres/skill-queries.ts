/** @module Single-purpose reads of the skill tables: a head row, a revision row, free and taken folders. */
import { AutoSkillError } from '../../shared/errors.js';
import { safeFolderName, validateUserId } from '../safe-paths.js';
import { slugify } from '../skill-codec.js';
import type { PostgresDatabase, Queryable } from './database.js';
import type { RevisionRow, SkillRow } from './skill-rows.js';

export async function readSkillRow(
  db: PostgresDatabase,
  client: Queryable,
  id: string,
): Promise<SkillRow | null> {
  const result = await client.query<SkillRow>(`SELECT * FROM ${db.table('skills')} WHERE id = $1`, [id]);
  return result.rows[0] ?? null;
}

/** A revision's row; `REVISION_NOT_FOUND` when the skill has no such revision. */
export async function readRevisionRow(
  db: PostgresDatabase,
  client: Queryable,
  id: string,
  revision: number,
): Promise<RevisionRow> {
  const result = await client.query<RevisionRow>(
    `SELECT * FROM ${db.table('revisions')} WHERE skill_id = $1 AND revision = $2`,
    [id, revision],
  );
  const row = result.rows[0];
  if (!row) {
    throw new AutoSkillError('REVISION_NOT_FOUND', `Skill ${id} has no revision ${revision}`, {
      details: { id, revision },
    });
  }
  return row;
}

/** A free folder `Users/<owner>/<slug>` (then `-2`, `-3`, … when taken by a visible skill). */
export async function allocateLocation(
  db: PostgresDatabase,
  client: Queryable,
  owner: string,
  name: string,
): Promise<string> {
  const base = `Users/${validateUserId(owner)}/${safeFolderName(slugify(name))}`;
  const result = await client.query<{ location: string }>(
    `SELECT location FROM ${db.table('skills')} WHERE visible AND starts_with(location, $1)`,
    [base],
  );
  const taken = new Set(result.rows.map((row) => row.location));
  for (let attempt = 1; ; attempt += 1) {
    const location = attempt === 1 ? base : `${base}-${attempt}`;
    if (!taken.has(location)) return location;
  }
}

/** Whether a visible skill other than `except` holds `location`. */
export async function locationTaken(
  db: PostgresDatabase,
  client: Queryable,
  location: string,
  except?: string,
): Promise<boolean> {
  const result = await client.query(
    `SELECT 1 FROM ${db.table('skills')} WHERE visible AND location = $1 AND id <> $2`,
    [location, except ?? ''],
  );
  return (result.rowCount ?? 0) > 0;
}
