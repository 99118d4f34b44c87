/**
 * @module Imports Agent Skill folders or zips into a user (revisioned user skills, one batch under one
 * lock) or into a read-only library `Common/<library>/…` (core.md §9.1, §10). A bad skill is reported
 * and the rest still import. Unlike the original, hidden folders and symlinks are never read and sizes
 * are bounded.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { AutoSkillError, isAutoSkillError } from '../../shared/errors.js';
import type { LibrarySkillWrite, LibraryWriteResult } from '../fs/file-skill-store.js';
import { validateLibraryName, validateUserId } from '../safe-paths.js';
import {
  commonImportSkillId,
  decodeSkillFile,
  deterministicSkillId,
  upsertSkillMdId,
} from '../skill-codec.js';
import type { BatchWrite, SkillStore } from '../types.js';
import { readFolderSource, readZipSource, type SourceContents, type SourceLimits } from './skill-sources.js';

export type ImportTarget = { userId: string } | { library: string };

/**
 * A store that can write read-only library skills: the filesystem store (`Common/<library>/` folders)
 * and the PostgreSQL store (library rows) both can.
 */
export interface LibraryWriter {
  writeLibrarySkills(
    library: string,
    items: LibrarySkillWrite[],
    options: { overwrite: boolean; skipUnchanged?: boolean },
  ): Promise<LibraryWriteResult[]>;
}

/** Whether `store` can take library imports. */
export function canWriteLibraries(store: SkillStore): store is SkillStore & LibraryWriter {
  return typeof (store as Partial<LibraryWriter>).writeLibrarySkills === 'function';
}

export interface ImportSkillsOptions {
  /** A folder holding skill folders (or one skill folder), or a `.zip` of them. */
  source: string;
  target: ImportTarget;
  /** Replace skills that already exist (same id, or same library folder). @default false */
  overwrite?: boolean;
  /** Import the skill folders' other files too. @default true */
  includeFiles?: boolean;
  /** @default 6 */
  maxDepth?: number;
  /** Largest single file, in bytes. @default 1000000 */
  maxFileBytes?: number;
  /** Largest total size read (zip: uncompressed), in bytes. @default 200000000 */
  maxTotalBytes?: number;
  /** Recorded in each revision. @default 'import' */
  actor?: string;
  /**
   * With `overwrite`, report library skills whose SKILL.md and files are already what the source holds as
   * skipped instead of writing them again (keeping a library in step with a folder at each start). Only
   * stores that can tell (PostgreSQL) honour it. @default false
   */
  skipUnchanged?: boolean;
}

export interface ImportedSkill {
  id: string;
  name: string;
  location: string;
  /** Folder in the source, relative to it. */
  from: string;
}

export interface ImportReport {
  source: string;
  target: ImportTarget;
  imported: ImportedSkill[];
  skipped: Array<{ from: string; id: string | null; reason: string }>;
  errors: Array<{ from: string; code: string; message: string }>;
}

export const DEFAULT_IMPORT_LIMITS: SourceLimits = {
  maxDepth: 6,
  includeFiles: true,
  maxFileBytes: 1_000_000,
  maxTotalBytes: 200_000_000,
};

/** Reads the source with the limits; a missing or unreadable source fails as a whole. */
export function readImportSource(options: ImportSkillsOptions): SourceContents {
  const limits: SourceLimits = {
    maxDepth: options.maxDepth ?? DEFAULT_IMPORT_LIMITS.maxDepth,
    includeFiles: options.includeFiles ?? DEFAULT_IMPORT_LIMITS.includeFiles,
    maxFileBytes: options.maxFileBytes ?? DEFAULT_IMPORT_LIMITS.maxFileBytes,
    maxTotalBytes: options.maxTotalBytes ?? DEFAULT_IMPORT_LIMITS.maxTotalBytes,
  };
  const path = resolve(options.source);
  let isDirectory: boolean;
  let size: number;
  try {
    const stat = statSync(path);
    isDirectory = stat.isDirectory();
    size = stat.size;
  } catch (cause) {
    throw new AutoSkillError('NOT_FOUND', `Import source ${options.source} does not exist`, {
      cause,
      details: { source: options.source },
    });
  }
  if (isDirectory) return readFolderSource(path, limits);
  if (!path.toLowerCase().endsWith('.zip')) {
    throw new AutoSkillError(
      'INVALID_INPUT',
      `Import source ${options.source} is neither a folder nor a .zip`,
      {
        details: { source: options.source },
      },
    );
  }
  if (size > limits.maxTotalBytes) {
    throw new AutoSkillError(
      'PAYLOAD_TOO_LARGE',
      `${options.source} is larger than ${limits.maxTotalBytes} bytes`,
      {
        details: { source: options.source, maxTotalBytes: limits.maxTotalBytes },
      },
    );
  }
  return readZipSource(readFileSync(path), limits, options.source);
}

/** Skills read, decoded and written per transaction: bounds memory for large imports. */
const BATCH_SIZE = 512;

interface DecodedSkill {
  from: string;
  text: string;
  files: Record<string, Uint8Array>;
}

/** Imports every skill folder of `options.source` into the target. */
export async function importSkills(store: SkillStore, options: ImportSkillsOptions): Promise<ImportReport> {
  const contents = readImportSource(options);
  const report: ImportReport = {
    source: options.source,
    target: options.target,
    imported: [],
    skipped: [],
    errors: [],
  };
  const library = 'library' in options.target ? validateLibraryName(options.target.library) : null;
  const userId = 'userId' in options.target ? validateUserId(options.target.userId) : null;
  if (library !== null && !canWriteLibraries(store)) {
    throw new AutoSkillError(
      'INVALID_INPUT',
      'Importing into a library needs the filesystem or the PostgreSQL store',
    );
  }
  const rootName = basename(resolve(options.source)).replace(/\.zip$/i, '');
  const seen = new Set<string>();
  for (let start = 0; start < contents.skills.length; start += BATCH_SIZE) {
    const batch: DecodedSkill[] = [];
    for (const entry of contents.skills.slice(start, start + BATCH_SIZE)) {
      const from = entry.rel === '.' ? rootName : entry.rel;
      if (seen.has(from)) continue;
      seen.add(from);
      try {
        const skill = entry.load();
        if (!skill) continue;
        const text = decodeSkillFile(skill.skillMd, {
          source: `${from}/SKILL.md`,
          maxBytes: options.maxFileBytes,
        });
        batch.push({ from, text, files: skill.files });
      } catch (error) {
        report.errors.push(describeError(from, error));
      }
    }
    if (library !== null) {
      await importIntoLibrary(store as SkillStore & LibraryWriter, library, batch, options, report);
    } else if (userId !== null) {
      await importIntoUser(store, userId, batch, options, report);
    }
  }
  // Problems of the source itself (unsafe zip entries, oversized files) come first in the report.
  report.errors.unshift(
    ...contents.problems.map((problem) => ({
      from: problem.path,
      code: problem.code,
      message: problem.message,
    })),
  );
  return report;
}

async function importIntoUser(
  store: SkillStore,
  userId: string,
  batch: DecodedSkill[],
  options: ImportSkillsOptions,
  report: ImportReport,
): Promise<void> {
  // As the original: the id comes from the user and the folder's path in the source, so importing the
  // same source again finds the same skills. Without overwrite an existing id fails as CONFLICT: skipped.
  const writes: BatchWrite[] = batch.map((item) => {
    const id = deterministicSkillId(userId, item.from);
    const input = { owner: userId, name: item.from, description: '', instructions: '' };
    const createOptions = { skillMd: item.text, files: item.files, source: `${item.from}/SKILL.md` };
    return options.overwrite
      ? { kind: 'replace', id, input, options: createOptions }
      : { kind: 'create', input: { ...input, id }, options: createOptions };
  });
  const context = { actor: options.actor ?? 'import', reason: `import from ${options.source}` };
  const results = await store.writeBatch(writes, context);
  results.forEach((result, index) => {
    const from = batch[index]?.from ?? '';
    if (result.ok) {
      report.imported.push({
        id: result.skill.id,
        name: result.skill.name,
        location: result.skill.location,
        from,
      });
    } else if (result.error.code === 'CONFLICT' && !options.overwrite) {
      const id = deterministicSkillId(userId, from);
      report.skipped.push({ from, id, reason: 'exists (use overwrite to replace it)' });
    } else {
      report.errors.push({ from, code: result.error.code, message: result.error.message });
    }
  });
}

async function importIntoLibrary(
  store: SkillStore & LibraryWriter,
  library: string,
  batch: DecodedSkill[],
  options: ImportSkillsOptions,
  report: ImportReport,
): Promise<void> {
  const writes: LibrarySkillWrite[] = batch.map((item) => ({
    rel: item.from,
    skillMd: upsertSkillMdId(item.text, commonImportSkillId(library, item.from)),
    files: item.files,
  }));
  const results = await store.writeLibrarySkills(library, writes, {
    overwrite: options.overwrite ?? false,
    ...(options.skipUnchanged ? { skipUnchanged: true } : {}),
  });
  for (const [index, result] of results.entries()) {
    const from = batch[index]?.from ?? '';
    const id = commonImportSkillId(library, from);
    if (result.status === 'imported') {
      report.imported.push({
        id,
        name: (await store.get(id))?.name ?? from,
        location: result.location,
        from,
      });
    } else if (result.status === 'skipped') {
      report.skipped.push({ from, id, reason: result.reason ?? 'exists' });
    } else {
      report.errors.push({ from, code: result.code ?? 'INTERNAL', message: result.reason ?? 'failed' });
    }
  }
}

function describeError(from: string, error: unknown): { from: string; code: string; message: string } {
  if (isAutoSkillError(error)) return { from, code: error.code, message: error.message };
  return { from, code: 'INTERNAL', message: (error as Error).message ?? String(error) };
}
