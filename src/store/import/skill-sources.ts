/**
 * @module Reads Agent Skill folders to import, from a folder tree or a zip, into memory with limits:
 * bounded depth, hidden folders and symlinks skipped, a per-file size limit and a total limit (for zips
 * the total uncompressed size, checked before anything is inflated), zip entries that would escape the
 * target refused. Problems are collected per entry; they never abort the rest.
 */
import { closeSync, type Dirent, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { AutoSkillError } from '../../shared/errors.js';

const SKILL_FILE = 'SKILL.md';
const SKIPPED_DIRS = new Set(['node_modules', '__pycache__']);

export interface SourceLimits {
  /** Folder depth searched for SKILL.md below the source root. @default 6 */
  maxDepth: number;
  /** Also read the skill folders' other files. @default true */
  includeFiles: boolean;
  /** Largest single file, in bytes. @default 1000000 */
  maxFileBytes: number;
  /** Largest total read (zip: total uncompressed), in bytes. @default 200000000 */
  maxTotalBytes: number;
}

/** One skill folder found in the source. */
export interface SourceSkill {
  /** Folder path relative to the source root, `/`-separated (`.` when the root itself is the skill). */
  rel: string;
  skillMd: Uint8Array;
  files: Record<string, Uint8Array>;
}

export interface SourceProblem {
  /** Path relative to the source root. */
  path: string;
  code: string;
  message: string;
}

/** A skill folder found in the source; `load` reads it (so an import can work in bounded batches). */
export interface SourceEntry {
  rel: string;
  /** The folder's contents, or null when it could not be read (the reason is added to `problems`). */
  load: () => SourceSkill | null;
}

export interface SourceContents {
  skills: SourceEntry[];
  /** Problems found so far; loading entries may add more. */
  problems: SourceProblem[];
}

function tooLarge(path: string, size: number, limit: number, what: string): SourceProblem {
  return {
    path,
    code: 'PAYLOAD_TOO_LARGE',
    message: `${path}: ${what} is ${size} bytes, over the limit of ${limit}`,
  };
}

/** Reads a folder tree of skills. */
export function readFolderSource(root: string, limits: SourceLimits): SourceContents {
  const result: SourceContents = { skills: [], problems: [] };
  let total = 0;
  const entriesOf = (dir: string): Dirent[] => {
    try {
      return readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    } catch {
      return [];
    }
  };
  const readLimited = (path: string, rel: string): Uint8Array | null => {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size > limits.maxFileBytes) {
        result.problems.push(tooLarge(rel, size, limits.maxFileBytes, 'the file'));
        return null;
      }
      if (total + size > limits.maxTotalBytes) {
        result.problems.push(tooLarge(rel, total + size, limits.maxTotalBytes, 'the import'));
        return null;
      }
      total += size;
      const bytes = Buffer.allocUnsafe(size);
      let done = 0;
      while (done < size) {
        const count = readSync(fd, bytes, done, size - done, done);
        if (count === 0) break;
        done += count;
      }
      return bytes.subarray(0, done);
    } finally {
      closeSync(fd);
    }
  };
  const collectFiles = (
    dir: string,
    prefix: string,
    depth: number,
    into: Record<string, Uint8Array>,
    relBase: string,
  ) => {
    for (const entry of entriesOf(dir)) {
      if (entry.name.startsWith('.') || entry.isSymbolicLink()) continue;
      const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory()) {
        if (depth < limits.maxDepth && !SKIPPED_DIRS.has(entry.name)) {
          collectFiles(join(dir, entry.name), rel, depth + 1, into, relBase);
        }
      } else if (entry.isFile() && rel !== SKILL_FILE) {
        const bytes = readLimited(join(dir, entry.name), `${relBase}/${rel}`);
        if (bytes) into[rel] = bytes;
      }
    }
  };
  const walk = (dir: string, rel: string, depth: number): void => {
    const entries = entriesOf(dir);
    if (entries.some((entry) => entry.name === SKILL_FILE && entry.isFile())) {
      const relPath = rel === '' ? '.' : rel;
      result.skills.push({
        rel: relPath,
        load: () => {
          const skillMd = readLimited(join(dir, SKILL_FILE), `${relPath}/${SKILL_FILE}`);
          if (!skillMd) return null;
          const files: Record<string, Uint8Array> = {};
          if (limits.includeFiles) collectFiles(dir, '', 0, files, relPath);
          return { rel: relPath, skillMd, files };
        },
      });
      return;
    }
    if (depth >= limits.maxDepth) return;
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name.startsWith('.') || SKIPPED_DIRS.has(entry.name)) continue;
      walk(join(dir, entry.name), rel === '' ? entry.name : `${rel}/${entry.name}`, depth + 1);
    }
  };
  walk(root, '', 0);
  return result;
}

/** Reads a zip of skills; every entry name is checked before its data is inflated. */
export function readZipSource(bytes: Uint8Array, limits: SourceLimits, source = 'zip'): SourceContents {
  const result: SourceContents = { skills: [], problems: [] };
  const accepted = new Map<string, string>();
  let declaredTotal = 0;
  let inflated: Record<string, Uint8Array>;
  try {
    inflated = unzipSync(bytes, {
      filter: (file) => {
        if (file.name.endsWith('/')) return false;
        let path: string;
        try {
          path = normalizeZipPath(file.name);
        } catch (error) {
          result.problems.push({ path: file.name, code: 'INVALID_PATH', message: (error as Error).message });
          return false;
        }
        if (path.split('/').some((segment) => segment.startsWith('.') || SKIPPED_DIRS.has(segment)))
          return false;
        if (file.originalSize > limits.maxFileBytes) {
          result.problems.push(tooLarge(path, file.originalSize, limits.maxFileBytes, 'the entry'));
          return false;
        }
        declaredTotal += file.originalSize;
        if (declaredTotal > limits.maxTotalBytes) {
          throw new AutoSkillError(
            'PAYLOAD_TOO_LARGE',
            `${source}: uncompressed size passes the limit of ${limits.maxTotalBytes} bytes`,
            { details: { source, maxTotalBytes: limits.maxTotalBytes } },
          );
        }
        accepted.set(file.name, path);
        return true;
      },
    });
  } catch (error) {
    if (error instanceof AutoSkillError) throw error;
    throw new AutoSkillError(
      'INVALID_INPUT',
      `${source} is not a readable zip: ${(error as Error).message}`,
      {
        cause: error,
        details: { source },
      },
    );
  }
  const files = new Map<string, Uint8Array>();
  for (const [name, data] of Object.entries(inflated)) {
    const path = accepted.get(name);
    // fflate sizes the output from the header, so a lying header cannot inflate past the limits.
    if (path !== undefined) files.set(path, data);
  }
  const skillDirs = [...files.keys()]
    .filter((path) => path === SKILL_FILE || path.endsWith(`/${SKILL_FILE}`))
    .map((path) => path.slice(0, -SKILL_FILE.length).replace(/\/$/, ''))
    .filter((dir) => (dir === '' ? 0 : dir.split('/').length) <= limits.maxDepth)
    .sort();
  // A skill folder is a leaf: skip SKILL.md files nested inside another skill.
  const leaves = skillDirs.filter((dir) => !skillDirs.some((other) => other !== dir && isInside(dir, other)));
  for (const dir of leaves) {
    const prefix = dir === '' ? '' : `${dir}/`;
    const skillFiles: Record<string, Uint8Array> = {};
    if (limits.includeFiles) {
      for (const [path, data] of files) {
        if (path.startsWith(prefix) && path !== `${prefix}${SKILL_FILE}`)
          skillFiles[path.slice(prefix.length)] = data;
      }
    }
    const skill = {
      rel: dir === '' ? '.' : dir,
      skillMd: files.get(`${prefix}${SKILL_FILE}`)!,
      files: skillFiles,
    };
    result.skills.push({ rel: skill.rel, load: () => skill });
  }
  return result;
}

function isInside(dir: string, parent: string): boolean {
  return parent === '' ? dir !== '' : dir.startsWith(`${parent}/`);
}

/** A zip entry name as a safe relative path, or an `INVALID_PATH` error (absolute, `..`, drive letters). */
export function normalizeZipPath(name: string): string {
  const slashed = name.replace(/\\/g, '/');
  const escapes = () =>
    new AutoSkillError('INVALID_PATH', `Zip entry ${JSON.stringify(name)} escapes the target folder`, {
      details: { entry: name },
    });
  if (/^([A-Za-z]:|\/)/.test(slashed) || slashed.split('/').includes('..')) throw escapes();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(slashed)) {
    throw new AutoSkillError('INVALID_PATH', `Zip entry ${JSON.stringify(name)} has control characters`, {
      details: { entry: name },
    });
  }
  const segments = slashed.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.length === 0) throw escapes();
  return segments.join('/');
}
