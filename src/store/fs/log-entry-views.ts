/**
 * @module What a revision-log entry looks like to callers: the stored skill, the revision summary, the
 * change event, and the skill parsed from its SKILL.md. Pure functions over a `LogEntry`.
 */
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Skill } from '../../skill/schema.js';
import { parseSkillMd } from '../skill-codec.js';
import type { RevisionSummary, StoreChange, StoredSkill } from '../types.js';
import { sha256 } from './blob-pack.js';
import type { LogEntry } from './revision-log.js';
import { SKILL_FILE } from './scan.js';

export function storedFromEntry(skill: Skill, entry: LogEntry): StoredSkill {
  return { ...skill, revision: entry.rev, location: entry.location, readOnly: false };
}

export function revisionSummary(entry: LogEntry, isCurrent: boolean): RevisionSummary {
  return {
    revision: entry.rev,
    operation: entry.op,
    at: entry.at,
    actor: entry.actor,
    reason: entry.reason,
    version: entry.version,
    name: entry.name,
    location: entry.location,
    isCurrent,
    deleted: entry.deleted,
    restoredFrom: entry.from,
  };
}

export function changeForEntry(entry: LogEntry, origin: StoreChange['origin']): StoreChange {
  return {
    type: entry.deleted ? 'delete' : 'upsert',
    id: entry.id,
    owner: entry.owner,
    revision: entry.rev,
    origin,
  };
}

/** The skill a revision holds: parsed from its SKILL.md text, with the state the file cannot hold. */
export function skillFromEntryText(entry: LogEntry, skillMd: string): Skill {
  const parsed = parseSkillMd(skillMd, {
    owner: entry.owner,
    source: `${entry.location}/${SKILL_FILE}@${entry.rev}`,
    fallbackName: entry.name,
  });
  return {
    ...parsed,
    id: entry.id,
    owner: entry.owner,
    resources: Object.keys(entry.files).sort(),
    status: entry.status,
    metadata: entry.metadata,
    createdAt: entry.createdAt,
    updatedAt: entry.updatedAt,
  };
}

/** A user folder's SKILL.md parsed as the skill already stored at `location` (same id and owner). */
export function parseFolderText(text: string, stored: StoredSkill, location: string): Skill {
  const parsed = parseSkillMd(text, {
    owner: stored.owner,
    source: `${location}/${SKILL_FILE}`,
    fallbackName: basename(location),
    deterministicIdKey: location.split('/').slice(2).join('/'),
  });
  return { ...parsed, id: stored.id, owner: stored.owner };
}

/** Whether a folder's files are exactly the content a revision recorded. */
export function sameContent(head: LogEntry, disk: Map<string, Uint8Array>): boolean {
  if (disk.size !== Object.keys(head.files).length + 1) return false;
  for (const [path, bytes] of disk) {
    const ref = path === SKILL_FILE ? head.skillMd : head.files[path];
    if (!ref || ref.n !== bytes.length || sha256(bytes) !== ref.h) return false;
  }
  return true;
}

export function mtimeIso(path: string): string | null {
  try {
    return statSync(path).mtime.toISOString();
  } catch {
    return null;
  }
}
