/**
 * @module Exporting one skill: its SKILL.md text, a folder, or a zip. `strict` (the default for folders
 * and zips) converts to the agentskills.io form (lowercase hyphenated `name` equal to the folder, extra
 * fields under `metadata`); otherwise the stored SKILL.md and files are written unchanged.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { zipSync } from 'fflate';
import { AutoSkillError } from '../shared/errors.js';
import {
  exportAgentSkillFolder,
  exportAgentSkillZip,
  safeResourcePath,
  toAgentSkill,
} from '../skill/agent-skills.js';
import type { SkillFiles, StoredSkill } from '../store/types.js';

export type ExportFormat = 'skill-md' | 'folder' | 'zip';

export interface ExportSkillOptions {
  id: string;
  /** @default 'skill-md' */
  format?: ExportFormat;
  /** agentskills.io form instead of the stored files. @default false for skill-md, true otherwise */
  strict?: boolean;
  /** Folder to write into (required for `folder`; for `zip` the archive is also written there). */
  dir?: string;
  /** Replace an existing export folder. @default false */
  overwrite?: boolean;
}

export type ExportResult =
  | { format: 'skill-md'; id: string; fileName: 'SKILL.md'; text: string }
  | { format: 'folder'; id: string; path: string }
  | { format: 'zip'; id: string; fileName: string; bytes: Uint8Array; path: string | null };

const ZIP_MTIME = new Date('1980-01-01T00:00:00Z');

function folderName(skill: StoredSkill): string {
  return skill.location.split('/').pop() || skill.id;
}

function rawZip(skill: StoredSkill, files: SkillFiles): Uint8Array {
  const base = folderName(skill);
  const entries: Record<string, [Uint8Array, { mtime: Date }]> = {
    [`${base}/SKILL.md`]: [new TextEncoder().encode(files.skillMd), { mtime: ZIP_MTIME }],
  };
  for (const [path, bytes] of Object.entries(files.files)) {
    entries[`${base}/${safeResourcePath(path)}`] = [bytes, { mtime: ZIP_MTIME }];
  }
  return zipSync(entries, { level: 6 });
}

export async function exportSkill(
  skill: StoredSkill,
  files: SkillFiles,
  options: ExportSkillOptions,
): Promise<ExportResult> {
  const format = options.format ?? 'skill-md';
  if (format === 'skill-md') {
    const text = options.strict ? toAgentSkill(skill).text : files.skillMd;
    return { format, id: skill.id, fileName: 'SKILL.md', text };
  }
  const strict = options.strict ?? true;
  if (format === 'zip') {
    const bytes = strict ? exportAgentSkillZip(skill, files.files) : rawZip(skill, files);
    const fileName = `${strict ? toAgentSkill(skill).folderName : folderName(skill)}.zip`;
    let path: string | null = null;
    if (options.dir) {
      mkdirSync(resolve(options.dir), { recursive: true });
      path = join(resolve(options.dir), fileName);
      writeFileSync(path, bytes);
    }
    return { format, id: skill.id, fileName, bytes, path };
  }
  if (!options.dir) {
    throw new AutoSkillError('INVALID_INPUT', 'Exporting a folder needs `dir`, the folder to write into', {
      details: { id: skill.id },
    });
  }
  const target = resolve(options.dir);
  mkdirSync(target, { recursive: true });
  if (strict) {
    const path = await exportAgentSkillFolder(skill, files.files, target, {
      overwrite: options.overwrite ?? false,
    });
    return { format, id: skill.id, path };
  }
  const path = join(target, folderName(skill));
  if (existsSync(path)) {
    if (!options.overwrite) {
      throw new AutoSkillError('CONFLICT', `${path} already exists; pass overwrite to replace it`, {
        details: { path },
      });
    }
    rmSync(path, { recursive: true, force: true });
  }
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, 'SKILL.md'), files.skillMd);
  for (const [file, bytes] of Object.entries(files.files)) {
    const destination = join(path, ...safeResourcePath(file).split('/'));
    mkdirSync(join(destination, '..'), { recursive: true });
    writeFileSync(destination, bytes);
  }
  return { format, id: skill.id, path };
}
