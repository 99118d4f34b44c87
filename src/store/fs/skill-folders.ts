/**
 * @module Changes to skill folders on disk: making a folder hold exactly one revision (idempotent, so
 * recovery can repeat it), removing a folder with one rename, reading a folder's files, and copying a
 * library folder into place atomically. Paths come from validated locations only.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, isAbsolute, join, sep } from 'node:path';
import { AutoSkillError } from '../../shared/errors.js';
import { normalizeResourcePath } from '../safe-paths.js';
import {
  type Durability,
  fsyncDirectory,
  makeFolder,
  writeFileAtomic,
  writeFileDirect,
} from './atomic-write.js';
import type { BlobRef } from './blob-pack.js';
import type { LogEntry } from './revision-log.js';
import { listResources, SKILL_FILE } from './scan.js';

export interface FolderContext {
  /** Absolute store root. */
  root: string;
  /** Absolute `.autoskill/` folder (for `trash/` and `staging/`). */
  stateDir: string;
  durability: Durability;
}

/** Absolute path of a location (relative to the root, or absolute for extra libraries). */
export function absoluteLocation(root: string, location: string): string {
  if (isAbsolute(location)) return location;
  const full = join(root, ...location.split('/'));
  if (!full.startsWith(root + sep)) {
    throw new AutoSkillError('INVALID_PATH', `Location ${location} is outside the store`, {
      details: { location },
    });
  }
  return full;
}

/** Moves a folder into `trash/` with one rename (so it disappears at once), then deletes it. */
export function removeFolder(context: FolderContext, dir: string): void {
  const trash = join(context.stateDir, 'trash');
  mkdirSync(trash, { recursive: true });
  const target = join(trash, `${Date.now()}-${process.pid}-${Math.random().toString(36).slice(2)}`);
  renameSync(dir, target);
  if (context.durability === 'fsync') fsyncDirectory(dirname(dir));
  rmSync(target, { recursive: true, force: true });
}

/**
 * Makes the folder of `entry` hold exactly that revision: writes its files, removes the resources the
 * previous revision had and this one has not, or removes the folder for a delete. Idempotent.
 */
export function applyRevision(
  context: FolderContext,
  entry: LogEntry,
  previous: LogEntry | null,
  bytesOf: (ref: BlobRef) => Uint8Array,
): void {
  const dir = absoluteLocation(context.root, entry.location);
  if (entry.deleted) {
    if (existsSync(dir)) removeFolder(context, dir);
    return;
  }
  // Files of a folder this call creates need no temp + rename: nothing refers to the folder until the
  // write is over, and if it is killed half-way the journal makes the next lock holder write it again.
  const fresh = makeFolder(dir);
  if (fresh && context.durability === 'fsync') fsyncDirectory(dirname(dir));
  const write = fresh ? writeFileDirect : writeFileAtomic;
  for (const [path, ref] of Object.entries(entry.files)) {
    const target = join(dir, ...path.split('/'));
    mkdirSync(dirname(target), { recursive: true });
    write(target, bytesOf(ref), context.durability);
  }
  if (previous && !previous.deleted && previous.location === entry.location) {
    for (const path of Object.keys(previous.files)) {
      if (!(path in entry.files)) rmSync(join(dir, ...path.split('/')), { force: true });
    }
  }
  write(join(dir, SKILL_FILE), bytesOf(entry.skillMd), context.durability);
}

/** SKILL.md and resource files of a folder, or null when it has no SKILL.md. */
export function readSkillFolder(dir: string): Map<string, Uint8Array> | null {
  let skillMd: Buffer;
  try {
    skillMd = readFileSync(join(dir, SKILL_FILE));
  } catch {
    return null;
  }
  const content = new Map<string, Uint8Array>([[SKILL_FILE, skillMd]]);
  for (const path of listResources(dir)) {
    try {
      content.set(path, readFileSync(join(dir, ...path.split('/'))));
    } catch {
      // A file removed while we read: it is simply not part of the state.
    }
  }
  return content;
}

/** One folder for `writeLibrarySkills`: SKILL.md text (id already in it) and resources. */
export interface LibrarySkillWrite {
  /** Folder path below `Common/<library>/`. */
  rel: string;
  skillMd: string;
  files: Record<string, Uint8Array>;
}

export interface LibraryWriteResult {
  location: string;
  status: 'imported' | 'skipped' | 'failed';
  reason?: string;
  code?: string;
}

/**
 * Copies one skill folder to `<libraryLocation>/<rel>/`: assembled under `staging/`, then moved into
 * place with one rename, so a half-copied folder is never visible. Lock holder only.
 */
export function writeLibraryFolder(
  context: FolderContext,
  libraryLocation: string,
  item: LibrarySkillWrite,
  overwrite: boolean,
): LibraryWriteResult {
  const location = `${libraryLocation}/${item.rel}`;
  try {
    const target = absoluteLocation(context.root, `${libraryLocation}/${normalizeResourcePath(item.rel)}`);
    if (existsSync(target) && !overwrite) return { location, status: 'skipped', reason: 'exists' };
    const staging = join(
      context.stateDir,
      'staging',
      `${process.pid}-${Math.random().toString(36).slice(2)}`,
    );
    mkdirSync(staging, { recursive: true });
    for (const [rawPath, bytes] of Object.entries(item.files)) {
      const file = join(staging, ...normalizeResourcePath(rawPath).split('/'));
      mkdirSync(dirname(file), { recursive: true });
      writeFileAtomic(file, bytes, context.durability);
    }
    writeFileAtomic(join(staging, SKILL_FILE), item.skillMd, context.durability);
    mkdirSync(dirname(target), { recursive: true });
    if (existsSync(target)) removeFolder(context, target);
    renameSync(staging, target);
    return { location, status: 'imported' };
  } catch (error) {
    return {
      location,
      status: 'failed',
      reason: (error as Error).message,
      code: error instanceof AutoSkillError ? error.code : 'INTERNAL',
    };
  }
}
