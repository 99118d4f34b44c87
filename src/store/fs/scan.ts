/**
 * @module Finds skill folders in the SkillBank layout (core.md §3.1): `Common/<slug>/` (flat library
 * `Common`), `Common/<library>/…/<slug>/`, extra library folders, and `Users/<user>/…/<slug>/`.
 * A folder holding `SKILL.md` is a skill and is not searched further; folders starting with `.`
 * (the store's own `.autoskill/`), `node_modules` and `__pycache__` are skipped; depth is bounded.
 */
import { type Dirent, readdirSync } from 'node:fs';
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
  /** Other files of the folder, relative, `/`-separated, sorted. */
  resources: string[];
}

export interface ScanOptions {
  root: string;
  libraries: LibraryDir[];
  /** @default 6 */
  maxDepth?: number;
}

const SKIPPED_DIRS = new Set(['node_modules', '__pycache__']);
const MAX_RESOURCES = 1000;

function listDir(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
  } catch {
    return [];
  }
}

function isSkillDir(entries: Dirent[]): boolean {
  return entries.some((entry) => entry.name === SKILL_FILE && entry.isFile());
}

/** Resource files of a skill folder: every non-hidden file below it except the top SKILL.md. */
export function listResources(dir: string, entries: Dirent[] = listDir(dir)): string[] {
  const out: string[] = [];
  const walk = (path: string, prefix: string, items: Dirent[], depth: number): void => {
    for (const entry of items) {
      if (out.length >= MAX_RESOURCES) return;
      if (entry.name.startsWith('.')) continue;
      const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isFile()) {
        if (rel !== SKILL_FILE) out.push(rel);
      } else if (entry.isDirectory() && depth < 6 && !SKIPPED_DIRS.has(entry.name)) {
        const child = join(path, entry.name);
        walk(child, rel, listDir(child), depth + 1);
      }
    }
  };
  walk(dir, '', entries, 0);
  return out.sort();
}

/** Walks one tree; `visit` gets each skill folder with its path relative to `base`. */
function walkTree(
  base: string,
  maxDepth: number,
  visit: (dir: string, rel: string, entries: Dirent[]) => void,
): void {
  const walk = (dir: string, rel: string, depth: number): void => {
    const entries = listDir(dir);
    if (isSkillDir(entries)) {
      if (rel !== '') visit(dir, rel, entries);
      return;
    }
    if (depth >= maxDepth) return;
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name.startsWith('.') || SKIPPED_DIRS.has(entry.name)) continue;
      walk(join(dir, entry.name), rel === '' ? entry.name : `${rel}/${entry.name}`, depth + 1);
    }
  };
  walk(base, '', 0);
}

/** Every skill folder of the store, in load order: Common, extra libraries, Users (each sorted). */
export function scanSkillBank(options: ScanOptions): { found: FoundSkill[]; problems: StoreProblem[] } {
  const maxDepth = options.maxDepth ?? 6;
  const found: FoundSkill[] = [];
  const problems: StoreProblem[] = [];
  const common = join(options.root, COMMON_DIR);
  for (const entry of listDir(common)) {
    if (!entry.isDirectory() || entry.name.startsWith('.') || SKIPPED_DIRS.has(entry.name)) continue;
    const dir = join(common, entry.name);
    const entries = listDir(dir);
    if (isSkillDir(entries)) {
      found.push({
        dir,
        location: `${COMMON_DIR}/${entry.name}`,
        owner: libraryOwner(COMMON_DIR),
        relKey: entry.name,
        readOnly: true,
        resources: listResources(dir, entries),
      });
      continue;
    }
    walkTree(dir, maxDepth, (skillDir, rel, skillEntries) => {
      found.push({
        dir: skillDir,
        location: `${COMMON_DIR}/${entry.name}/${rel}`,
        owner: libraryOwner(entry.name),
        relKey: `${entry.name}/${rel}`,
        readOnly: true,
        resources: listResources(skillDir, skillEntries),
      });
    });
  }
  for (const library of options.libraries) {
    walkTree(library.path, maxDepth, (skillDir, rel, skillEntries) => {
      found.push({
        dir: skillDir,
        location: join(library.path, rel),
        owner: libraryOwner(library.name),
        relKey: `${library.name}/${rel}`,
        readOnly: true,
        resources: listResources(skillDir, skillEntries),
      });
    });
  }
  const users = join(options.root, USERS_DIR);
  for (const entry of listDir(users)) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const problem = nameProblem(entry.name);
    if (problem !== null) {
      problems.push({
        location: `${USERS_DIR}/${entry.name}`,
        code: 'INVALID_PATH',
        message: `Folder skipped: "${entry.name}" is not a valid user id (${problem})`,
      });
      continue;
    }
    walkTree(join(users, entry.name), maxDepth, (skillDir, rel, skillEntries) => {
      found.push({
        dir: skillDir,
        location: `${USERS_DIR}/${entry.name}/${rel}`,
        owner: entry.name,
        relKey: rel,
        readOnly: false,
        resources: listResources(skillDir, skillEntries),
      });
    });
  }
  return { found, problems };
}
