/** @module Writing skill folders into a read-only library of the PostgreSQL store (the explicit library import). */
import { isAutoSkillError } from '../../shared/errors.js';
import { libraryOwner } from '../../skill/schema.js';
import { normalizeResourcePath } from '../safe-paths.js';
import { parseSkillMd } from '../skill-codec.js';
import { type FileHashes, hashesOf } from './skill-rows.js';
import type { PostgresLibrarySkillWrite, PostgresLibraryWriteResult } from './skill-store-types.js';
import { dropLibraryRow, putStates } from './state-writes.js';
import { eachUnderSavepoint, type WriteTransaction } from './write-transaction.js';

const FILE = 'SKILL.md';

/**
 * Writes each item at `Common/<name>/<rel>` (`name` already validated), each under its own savepoint. The id is the one the
 * SKILL.md declares, else the filesystem store's rule for that folder, so both stores give a library
 * skill one id. `skipUnchanged` leaves a row that already holds the same id, SKILL.md and files alone
 * (reported as skipped), so re-importing a library folder at every start writes only what changed.
 */
export async function stageLibrarySkills(
  tx: WriteTransaction,
  name: string,
  items: readonly PostgresLibrarySkillWrite[],
  options: { overwrite: boolean; skipUnchanged?: boolean },
): Promise<PostgresLibraryWriteResult[]> {
  const owner = libraryOwner(name);
  return eachUnderSavepoint(tx, {
    items,
    prefix: 'library',
    step: async (item): Promise<PostgresLibraryWriteResult> => {
      const rel = normalizeResourcePath(item.rel);
      const location = `Common/${name}/${rel}`;
      const skill = parseSkillMd(item.skillMd, {
        owner,
        source: `${location}/${FILE}`,
        fallbackName: rel.split('/').at(-1) ?? rel,
        deterministicIdKey: `${name}/${rel}`,
      });
      const existing = await tx.client.query<{ id: string; skill_md: string; files: FileHashes }>(
        `SELECT id, skill_md, files FROM ${tx.db.table('skills')} WHERE location = $1 AND visible`,
        [location],
      );
      const row = existing.rows[0];
      const holder = row?.id;
      if (holder !== undefined && !options.overwrite)
        return { location, status: 'skipped', reason: 'exists' };
      if (options.skipUnchanged && row && sameContent(row, skill.id, item))
        return { location, status: 'skipped', reason: 'unchanged' };
      if (holder !== undefined && holder !== skill.id) await dropLibraryRow(tx, holder);
      await putStates(tx, [
        {
          id: skill.id,
          owner,
          location,
          readOnly: true,
          revision: 0,
          skill,
          skillMd: item.skillMd,
          files: item.files,
          visible: true,
        },
      ]);
      return { location, status: 'imported' };
    },
    failed: (error, item) => ({
      location: `Common/${name}/${normalizedOr(item.rel)}`,
      status: 'failed',
      reason: (error as Error).message,
      code: isAutoSkillError(error) ? error.code : 'INTERNAL',
    }),
  });
}

function sameContent(
  row: { id: string; skill_md: string; files: FileHashes },
  id: string,
  item: PostgresLibrarySkillWrite,
): boolean {
  if (row.id !== id || row.skill_md !== item.skillMd) return false;
  const wanted = hashesOf(item.files);
  const paths = Object.keys(wanted);
  return (
    paths.length === Object.keys(row.files).length && paths.every((path) => row.files[path] === wanted[path])
  );
}

/** The normalized path, or the path as given when it does not normalize (the failure being reported). */
function normalizedOr(rel: string): string {
  try {
    return normalizeResourcePath(rel);
  } catch {
    return rel;
  }
}
