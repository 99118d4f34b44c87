/**
 * @module Imports Agent Skill folders or zips into a user (revisioned user skills, one batch under one
 * lock) or into a read-only library `Common/<library>/…` (core.md §9.1, §10). A bad skill is reported
 * and the rest still import. Unlike the original, hidden folders and symlinks are never read and sizes
 * are bounded.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { AutoSkillError, isAutoSkillError } from '../../shared/errors.js';
import { FileSkillStore, type LibrarySkillWrite } from '../fs/file-skill-store.js';
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

/** Imports every skill folder of `options.source` into the target. */
export async function importSkills(store: SkillStore, options: ImportSkillsOptions): Promise<ImportReport> {
  const contents = readImportSource(options);
  const report: ImportReport = {
    source: options.source,
    target: options.target,
    imported: [],
    skipped: [],
    errors: contents.problems.map((problem) => ({
      from: problem.path,
      code: problem.code,
      message: problem.message,
    })),
  };
  const rootName = basename(resolve(options.source)).replace(/\.zip$/i, '');
  const relOf = (rel: string) => (rel === '.' ? rootName : rel);
  const decoded: Array<{ from: string; text: string; files: Record<string, Uint8Array> }> = [];
  for (const skill of contents.skills) {
    const from = relOf(skill.rel);
    try {
      const text = decodeSkillFile(skill.skillMd, {
        source: `${from}/SKILL.md`,
        maxBytes: options.maxFileBytes,
      });
      decoded.push({ from, text, files: skill.files });
    } catch (error) {
      report.errors.push(describeError(from, error));
    }
  }
  if ('library' in options.target) {
    await importIntoLibrary(store, options.target.library, decoded, options, report);
  } else {
    await importIntoUser(store, options.target.userId, decoded, options, report);
  }
  return report;
}

async function importIntoUser(
  store: SkillStore,
  rawUserId: string,
  decoded: Array<{ from: string; text: string; files: Record<string, Uint8Array> }>,
  options: ImportSkillsOptions,
  report: ImportReport,
): Promise<void> {
  const userId = validateUserId(rawUserId);
  const writes: BatchWrite[] = [];
  const origins: string[] = [];
  const seen = new Set<string>();
  for (const item of decoded) {
    // As the original: the id comes from the user and the folder's path in the source, so importing the
    // same source again finds the same skills.
    const id = deterministicSkillId(userId, item.from);
    if (seen.has(id)) continue;
    seen.add(id);
    const existing = await store.get(id);
    if (existing && !options.overwrite) {
      report.skipped.push({ from: item.from, id, reason: 'exists (use overwrite to replace it)' });
      continue;
    }
    const input = { owner: userId, name: item.from, description: '', instructions: '' };
    const createOptions = { skillMd: item.text, files: item.files, source: `${item.from}/SKILL.md` };
    writes.push(
      existing
        ? { kind: 'replace', id, input, options: createOptions }
        : { kind: 'create', input: { ...input, id }, options: createOptions },
    );
    origins.push(item.from);
  }
  const context = { actor: options.actor ?? 'import', reason: `import from ${options.source}` };
  const results = await store.writeBatch(writes, context);
  results.forEach((result, index) => {
    const from = origins[index] ?? '';
    if (result.ok) {
      report.imported.push({
        id: result.skill.id,
        name: result.skill.name,
        location: result.skill.location,
        from,
      });
    } else {
      report.errors.push({ from, code: result.error.code, message: result.error.message });
    }
  });
}

async function importIntoLibrary(
  store: SkillStore,
  rawLibrary: string,
  decoded: Array<{ from: string; text: string; files: Record<string, Uint8Array> }>,
  options: ImportSkillsOptions,
  report: ImportReport,
): Promise<void> {
  const library = validateLibraryName(rawLibrary);
  if (!(store instanceof FileSkillStore)) {
    throw new AutoSkillError('INVALID_INPUT', 'Importing into a library needs the filesystem store');
  }
  const writes: LibrarySkillWrite[] = decoded.map((item) => ({
    rel: item.from,
    skillMd: upsertSkillMdId(item.text, commonImportSkillId(library, item.from)),
    files: item.files,
  }));
  const results = await store.writeLibrarySkills(library, writes, { overwrite: options.overwrite ?? false });
  results.forEach((result, index) => {
    const from = decoded[index]?.from ?? '';
    const id = commonImportSkillId(library, from);
    if (result.status === 'imported') {
      report.imported.push({ id, name: from, location: result.location, from });
    } else if (result.status === 'skipped') {
      report.skipped.push({ from, id, reason: result.reason ?? 'exists' });
    } else {
      report.errors.push({ from, code: result.code ?? 'INTERNAL', message: result.reason ?? 'failed' });
    }
  });
  for (const item of report.imported) {
    const stored = await store.get(item.id);
    if (stored) item.name = stored.name;
  }
}

function describeError(from: string, error: unknown): { from: string; code: string; message: string } {
  if (isAutoSkillError(error)) return { from, code: error.code, message: error.message };
  return { from, code: 'INTERNAL', message: (error as Error).message ?? String(error) };
}
