/**
 * @module Loads every skill of a SkillBank into records: scans the folders, decodes and parses each
 * SKILL.md, matches it with its newest revision (state the file cannot hold, revision number, whether
 * the file still is that revision), and reports bad files and duplicate ids without stopping.
 */
import { basename, isAbsolute, join } from 'node:path';
import { isAutoSkillError } from '../../shared/errors.js';
import { decodeSkillFile, parseSkillMd } from '../skill-codec.js';
import type { StoreChange, StoredSkill, StoreProblem } from '../types.js';
import { sha256 } from './blob-pack.js';
import type { LogEntry } from './revision-log.js';
import { type FoundSkill, type LibraryDir, SKILL_FILE, scanSkillBank } from './scan.js';

/** A visible skill as the file store holds it in memory. */
export interface SkillRecord {
  stored: StoredSkill;
  /** Absolute folder. */
  dir: string;
  /** sha-256 of the SKILL.md bytes of the visible state. */
  hash: string;
  /** False until the folder's resource files have been listed (done on first access, not at open). */
  resourcesKnown: boolean;
}

export interface LoadSkillBankOptions {
  root: string;
  libraries: LibraryDir[];
  maxDepth: number;
  maxFileBytes: number;
  /** The newest revision of a skill id, if it has any. */
  headOf: (id: string) => LogEntry | null;
}

export function loadSkillBank(options: LoadSkillBankOptions): {
  records: Map<string, SkillRecord>;
  problems: StoreProblem[];
} {
  const records = new Map<string, SkillRecord>();
  const problems: StoreProblem[] = [];
  const { problems: scanProblems } = scanSkillBank({
    root: options.root,
    libraries: options.libraries,
    maxDepth: options.maxDepth,
    maxFileBytes: options.maxFileBytes,
    visit: (item, bytes) => {
      const loaded = loadFound(options, item, bytes, problems);
      if (loaded) addLoaded(records, loaded, problems);
    },
  });
  problems.unshift(...scanProblems);
  return { records, problems };
}

/** Users override libraries (as in the original); otherwise the first in scan order stays. Both reported. */
function addLoaded(records: Map<string, SkillRecord>, loaded: SkillRecord, problems: StoreProblem[]): void {
  const id = loaded.stored.id;
  const earlier = records.get(id);
  if (earlier) {
    const replace = earlier.stored.readOnly && !loaded.stored.readOnly;
    const [kept, dropped] = replace ? [loaded, earlier] : [earlier, loaded];
    problems.push({
      location: dropped.stored.location,
      code: 'DUPLICATE_ID',
      message: `Skill id ${id} is also used by ${kept.stored.location}; this copy is not loaded`,
    });
    if (!replace) return;
  }
  records.set(id, loaded);
}

function loadFound(
  options: LoadSkillBankOptions,
  item: FoundSkill,
  bytes: Uint8Array,
  problems: StoreProblem[],
): SkillRecord | null {
  const file = join(item.dir, SKILL_FILE);
  const source = isAbsolute(item.location) ? file : `${item.location}/${SKILL_FILE}`;
  try {
    const text = decodeSkillFile(bytes, { source, maxBytes: options.maxFileBytes });
    const skill = parseSkillMd(text, {
      owner: item.owner,
      source,
      fallbackName: basename(item.dir),
      deterministicIdKey: item.relKey,
    });
    const hash = sha256(bytes);
    const head = options.headOf(skill.id);
    const tracked =
      head !== null && !head.deleted && !item.readOnly && head.owner === item.owner ? head : null;
    const state = tracked
      ? {
          status: tracked.status,
          metadata: tracked.metadata,
          createdAt: tracked.createdAt,
          updatedAt: tracked.updatedAt,
        }
      : {};
    // Resources of a skill at its recorded revision are known from the log; others are listed on demand.
    const known = tracked !== null && tracked.location === item.location && tracked.skillMd.h === hash;
    const resources = known ? Object.keys(tracked.files).sort() : [];
    // The parsed object is ours: extend it in place instead of copying it twice per skill.
    const stored: StoredSkill = Object.assign(skill, state, {
      resources,
      revision: tracked?.rev ?? 0,
      location: item.location,
      readOnly: item.readOnly,
    });
    return { stored, dir: item.dir, hash, resourcesKnown: known };
  } catch (error) {
    const details = isAutoSkillError(error) ? error.details : {};
    problems.push({
      location: source,
      code: 'INVALID_SKILL_FILE',
      message: (error as Error).message,
      ...(typeof details.line === 'number' ? { line: details.line } : {}),
    });
    return null;
  }
}

/**
 * What a rescan changed: an `upsert` for each skill that is new or whose SKILL.md or folder changed, a
 * `delete` for each skill that is gone, and their counts.
 */
export function diffRecords(
  before: ReadonlyMap<string, SkillRecord>,
  after: ReadonlyMap<string, SkillRecord>,
): { changes: StoreChange[]; added: number; changed: number; removed: number } {
  const changes: StoreChange[] = [];
  let added = 0;
  let changed = 0;
  for (const [id, record] of after) {
    const previous = before.get(id);
    if (!previous) added += 1;
    else if (previous.hash !== record.hash || previous.stored.location !== record.stored.location)
      changed += 1;
    else continue;
    changes.push({
      type: 'upsert',
      id,
      owner: record.stored.owner,
      revision: record.stored.revision,
      origin: 'rescan',
    });
  }
  let removed = 0;
  for (const [id, record] of before) {
    if (after.has(id)) continue;
    removed += 1;
    changes.push({ type: 'delete', id, owner: record.stored.owner, revision: 0, origin: 'rescan' });
  }
  return { changes, added, changed, removed };
}
