/**
 * @module Finds skill folders in the SkillBank layout (core.md §3.1): `Common/<slug>/` (flat library
 * `Common`), `Common/<library>/…/<slug>/`, extra library folders, and `Users/<user>/…/<slug>/`.
 * A folder holding `SKILL.md` is a skill and is not searched further; folders starting with `.`
 * (the store's own `.autoskill/`), `node_modules` and `__pycache__` are skipped; depth is bounded.
 */
import { closeSync, type Dirent, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { libraryOwner } from '../../skill/schema.js';
import { nameProblem } from '../safe-paths.js';
import type { StoreProblem } from '../types.js';

export const USERS_DIR = 'Users';
export const COMMON_DIR = 'Common';
export const SKILL_FILE = 'SKILL.md';

/** An extra read-only library folder. */
export interface LibraryDir {
  name: string;
  path: string;
}

export interface FoundSkill {
  /** Absolute folder path. */
  dir: string;
  /** Relative to the store root (`/`-separated), or absolute for extra libraries outside it. */
  location: string;
  owner: string;
  /** Key of the deterministic id rule for id-less files (core.md §2.5). */
  relKey: string;
  readOnly: boolean;
}

export interface ScanOptions {
  root: string;
  libraries: LibraryDir[];
  /** @default 6 */
  maxDepth?: number;
  /** SKILL.md files are read up to this size plus one byte (larger ones are refused by the decoder). */
  maxFileBytes: number;
  /**
   * Called for each skill folder with its SKILL.md bytes. The bytes live in a buffer that the next call
   * reuses: copy what must be kept.
   */
  visit: (found: FoundSkill, bytes: Uint8Array) => void;
}

const SKIPPED_DIRS = new Set(['node_modules', '__pycache__']);
const MAX_RESOURCES = 1000;

function names(dir: string): string[] {
  try {
    return readdirSync(dir).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  } catch {
    return [];
  }
}

function listDir(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
  } catch {
    return [];
  }
}

/** Resource files of a skill folder: every non-hidden file below it except the top SKILL.md. */
export function listResources(dir: string): string[] {
  const out: string[] = [];
  const walk = (path: string, prefix: string, depth: number): void => {
    for (const entry of listDir(path)) {
      if (out.length >= MAX_RESOURCES) return;
      if (entry.name.startsWith('.')) continue;
      const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isFile()) {
        if (rel !== SKILL_FILE) out.push(rel);
      } else if (entry.isDirectory() && depth < 6 && !SKIPPED_DIRS.has(entry.name)) {
        walk(join(path, entry.name), rel, depth + 1);
      }
    }
  };
  walk(dir, '', 0);
  return out.sort();
}

/**
 * Reads `<dir>/SKILL.md` into a shared buffer: the folder is a skill exactly when the file opens. One
 * open per folder finds skills and reads them, with no separate listing or stat of each folder.
 */
class SkillFileReader {
  private buffer = Buffer.allocUnsafe(1 << 16);
  constructor(private readonly maxBytes: number) {}

  /** The file's bytes, `absent` (no SKILL.md: maybe a folder to search) or `not-folder`. */
  read(dir: string): Uint8Array | 'absent' | 'not-folder' {
    let fd: number;
    try {
      fd = openSync(join(dir, SKILL_FILE), 'r');
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ENOTDIR' ? 'not-folder' : 'absent';
    }
    try {
      const stat = fstatSync(fd);
      if (!stat.isFile()) return 'absent';
      const size = Math.min(stat.size, this.maxBytes + 1);
      if (this.buffer.length < size) this.buffer = Buffer.allocUnsafe(Math.max(size, this.buffer.length * 2));
      let done = 0;
      while (done < size) {
        const count = readSync(fd, this.buffer, done, size - done, done);
        if (count === 0) break;
        done += count;
      }
      return this.buffer.subarray(0, done);
    } catch {
      return 'absent';
    } finally {
      closeSync(fd);
    }
  }
}

/** Walks one tree; `visit` gets each skill folder (relative to `base`) with its SKILL.md bytes. */
function walkTree(
  reader: SkillFileReader,
  base: string,
  maxDepth: number,
  visit: (dir: string, rel: string, bytes: Uint8Array) => void,
): void {
  const walk = (dir: string, rel: string, depth: number): void => {
    if (depth >= maxDepth) return;
    for (const name of names(dir)) {
      if (name.startsWith('.') || SKIPPED_DIRS.has(name)) continue;
      const child = join(dir, name);
      const childRel = rel === '' ? name : `${rel}/${name}`;
      const bytes = reader.read(child);
      if (bytes === 'not-folder') continue;
      if (bytes === 'absent') walk(child, childRel, depth + 1);
      else visit(child, childRel, bytes);
    }
  };
  walk(base, '', 0);
}

/** Every skill folder of the store, in load order: Common, extra libraries, Users (each sorted). */
export function scanSkillBank(options: ScanOptions): { problems: StoreProblem[] } {
  const maxDepth = options.maxDepth ?? 6;
  const problems: StoreProblem[] = [];
  const reader = new SkillFileReader(options.maxFileBytes);
  const common = join(options.root, COMMON_DIR);
  for (const name of names(common)) {
    if (name.startsWith('.') || SKIPPED_DIRS.has(name)) continue;
    const dir = join(common, name);
    const bytes = reader.read(dir);
    if (bytes === 'not-folder') continue;
    if (bytes !== 'absent') {
      const found = { dir, location: `${COMMON_DIR}/${name}`, owner: libraryOwner(COMMON_DIR), relKey: name };
      options.visit({ ...found, readOnly: true }, bytes);
      continue;
    }
    walkTree(reader, dir, maxDepth, (skillDir, rel, skillBytes) => {
      options.visit(
        {
          dir: skillDir,
          location: `${COMMON_DIR}/${name}/${rel}`,
          owner: libraryOwner(name),
          relKey: `${name}/${rel}`,
          readOnly: true,
        },
        skillBytes,
      );
    });
  }
  for (const library of options.libraries) {
    walkTree(reader, library.path, maxDepth, (skillDir, rel, bytes) => {
      options.visit(
        {
          dir: skillDir,
          location: join(library.path, rel),
          owner: libraryOwner(library.name),
          relKey: `${library.name}/${rel}`,
          readOnly: true,
        },
        bytes,
      );
    });
  }
  const users = join(options.root, USERS_DIR);
  for (const name of names(users)) {
    if (name.startsWith('.')) continue;
    const problem = nameProblem(name);
    if (problem !== null) {
      problems.push({
        location: `${USERS_DIR}/${name}`,
        code: 'INVALID_PATH',
        message: `Folder skipped: "${name}" is not a valid user id (${problem})`,
      });
      continue;
    }
    walkTree(reader, join(users, name), maxDepth, (skillDir, rel, bytes) => {
      options.visit(
        { dir: skillDir, location: `${USERS_DIR}/${name}/${rel}`, owner: name, relKey: rel, readOnly: false },
        bytes,
      );
    });
  }
  return { problems };
}
