/** @module Writing skill folders into a read-only library of the PostgreSQL store (the explicit library import). */
import { isAutoSkillError } from '../../shared/errors.js';
import { libraryOwner } from '../../skill/schema.js';
import { normalizeResourcePath } from '../safe-paths.js';
import { parseSkillMd } from '../skill-codec.js';
import type { PostgresLibrarySkillWrite, PostgresLibraryWriteResult } from './skill-store-types.js';
import { dropLibraryRow, putStates } from './state-writes.js';
import { eachUnderSavepoint, type WriteTransaction } from './write-transaction.js';

const FILE = 'SKILL.md';

/**
 * Writes each item at `Common/<name>/<rel>` (`name` already validated), each under its own savepoint. The id is the one the
 * SKILL.md declares, else the filesystem store's rule for that folder, so both stores give a library
 * skill one id.
 */
export async function stageLibrarySkills(
  tx: WriteTransaction,
  name: string,
  items: readonly PostgresLibrarySkillWrite[],
  options: { overwrite: boolean },
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
      const existing = await tx.client.query<{ id: string }>(
        `SELECT id FROM ${tx.db.table('skills')} WHERE location = $1 AND visible`,
        [location],
      );
      const holder = existing.rows[0]?.id;
      if (holder !== undefined && !options.overwrite)
        return { location, status: 'skipped', reason: 'exists' };
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

/** The normalized path, or the path as given when it does not normalize (the failure being reported). */
function normalizedOr(rel: string): string {
  try {
    return normalizeResourcePath(rel);
  } catch {
    return rel;
  }
}
