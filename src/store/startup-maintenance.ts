/**
 * @module What the entry points run when a service starts (core.md §10): write missing ids into user
 * SKILL.md files, import skill folders named by `AUTOSKILL_AUTO_IMPORT_*`, bring library folders into a
 * database store, and rescan. The environment is passed in, never read here. Errors are collected in the
 * report, not thrown.
 *
 * Variables (booleans accept 1/true/yes/on and 0/false/no/off):
 * - `AUTOSKILL_AUTO_NORMALIZE_IDS` (on): write missing ids into **user** files (filesystem store only: the
 *   PostgreSQL store keeps every id in its row). Unlike the original, library files are never modified at
 *   startup (`autoskill ids normalize --include-libraries` does it on request).
 * - `AUTOSKILL_AUTO_IMPORT_DIRS`: comma-separated folders or zips to import (plus `autoImport.dirs`).
 * - `AUTOSKILL_AUTO_IMPORT_SCOPE` `common` (default: into the library `Common/<library>/`) or `user`.
 * - `AUTOSKILL_AUTO_IMPORT_LIBRARY`: library name (default: the source's folder name, else `Imported`).
 * - `AUTOSKILL_AUTO_IMPORT_OVERWRITE` (off), `AUTOSKILL_AUTO_IMPORT_INCLUDE_FILES` (on),
 *   `AUTOSKILL_AUTO_IMPORT_MAX_DEPTH` (6).
 * - `AUTOSKILL_AUTO_REFRESH_SKILLS` (on): rescan the store at the end (filesystem store only: the
 *   PostgreSQL store's replicas follow its change feed).
 *
 * The filesystem store reads `libraryDirs` (`--library-dir`, `AUTOSKILL_LIBRARY_DIRS`) in place. The
 * PostgreSQL store has no folders to read, so each library folder is imported into the library named
 * after it (overwriting what changed, leaving unchanged skills alone); a skill folder removed from it
 * stays in the database until removed there. Stores with neither (memory) are left alone.
 * Whether the entry point awaits this (the seeds' `AUTOSKILL_STARTUP_MAINTENANCE_ASYNC`) is its choice.
 */
import { basename, resolve } from 'node:path';
import { errorMessage } from '../shared/errors.js';
import { FileSkillStore, type NormalizeIdsReport } from './fs/file-skill-store.js';
import { canWriteLibraries, type ImportReport, importSkills } from './import/import-skills.js';
import { nameProblem, safeFolderName } from './safe-paths.js';
import type { RefreshReport, SkillStore } from './types.js';

export interface StartupMaintenanceOptions {
  store: SkillStore;
  /** The process environment (or a test's). */
  env: Record<string, string | undefined>;
  /** User that `user`-scope imports go to. @default 'u1' */
  defaultUserId?: string;
  /** Config-file equivalents of the variables (the variables win). */
  autoImport?: {
    dirs?: string[];
    scope?: 'common' | 'user';
    library?: string;
    overwrite?: boolean;
    includeFiles?: boolean;
    maxDepth?: number;
    userId?: string;
  };
  /**
   * Library folders of the configuration (`store.libraryDirs`): imported into a store that keeps libraries
   * itself (PostgreSQL); the filesystem store reads them in place. @default []
   */
  libraryDirs?: ReadonlyArray<string | { name?: string; path: string }>;
}

export interface StartupMaintenanceReport {
  ran: boolean;
  reason: string | null;
  normalize: NormalizeIdsReport | null;
  imports: ImportReport[];
  /** The library folders imported into a PostgreSQL store (one report per folder). */
  libraries: ImportReport[];
  refresh: RefreshReport | null;
  errors: string[];
}

/** Reads a boolean variable the way the seeds do; anything else gives `fallback`. */
export function envFlag(value: string | undefined, fallback: boolean): boolean {
  const text = (value ?? '').trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(text)) return true;
  if (['0', 'false', 'no', 'off'].includes(text)) return false;
  return fallback;
}

function libraryNameFor(source: string, configured: string | undefined): string {
  if (configured && nameProblem(configured) === null) return configured;
  const base = basename(resolve(source)).replace(/\.zip$/i, '');
  const safe = safeFolderName(base);
  return base !== '' && safe !== 'skill' ? safe : 'Imported';
}

export async function runStartupMaintenance(
  options: StartupMaintenanceOptions,
): Promise<StartupMaintenanceReport> {
  const { store, env } = options;
  const report: StartupMaintenanceReport = {
    ran: false,
    reason: null,
    normalize: null,
    imports: [],
    libraries: [],
    refresh: null,
    errors: [],
  };
  const filesystem = store instanceof FileSkillStore;
  if (!filesystem && !canWriteLibraries(store)) {
    report.reason = 'startup maintenance applies to the filesystem and PostgreSQL stores only';
    return report;
  }
  report.ran = true;
  const config = options.autoImport ?? {};
  if (store instanceof FileSkillStore && envFlag(env.AUTOSKILL_AUTO_NORMALIZE_IDS, true)) {
    try {
      report.normalize = await store.normalizeIds({ includeLibraries: false, actor: 'startup' });
    } catch (error) {
      report.errors.push(`normalize ids: ${errorMessage(error)}`);
    }
  }
  const fromEnv = (env.AUTOSKILL_AUTO_IMPORT_DIRS ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  const seen = new Set<string>();
  const dirs = [...(config.dirs ?? []), ...fromEnv].filter((dir) => {
    const key = resolve(dir);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const scopeText = (env.AUTOSKILL_AUTO_IMPORT_SCOPE ?? config.scope ?? 'common').trim().toLowerCase();
  const scope = scopeText === 'user' ? 'user' : 'common';
  const overwrite = envFlag(env.AUTOSKILL_AUTO_IMPORT_OVERWRITE, config.overwrite ?? false);
  const includeFiles = envFlag(env.AUTOSKILL_AUTO_IMPORT_INCLUDE_FILES, config.includeFiles ?? true);
  const depthText = Number.parseInt(env.AUTOSKILL_AUTO_IMPORT_MAX_DEPTH ?? '', 10);
  const maxDepth = Number.isInteger(depthText) && depthText > 0 ? depthText : (config.maxDepth ?? 6);
  for (const dir of dirs) {
    try {
      const target =
        scope === 'user'
          ? { userId: config.userId ?? options.defaultUserId ?? 'u1' }
          : { library: libraryNameFor(dir, env.AUTOSKILL_AUTO_IMPORT_LIBRARY ?? config.library) };
      report.imports.push(
        await importSkills(store, {
          source: dir,
          target,
          overwrite,
          // Each start re-imports the same folders: only what changed is written (PostgreSQL can tell).
          ...(overwrite && scope === 'common' ? { skipUnchanged: true } : {}),
          includeFiles,
          maxDepth,
          actor: 'startup',
        }),
      );
    } catch (error) {
      report.errors.push(`import ${dir}: ${errorMessage(error)}`);
    }
  }
  if (!filesystem) {
    for (const item of options.libraryDirs ?? []) {
      const path = typeof item === 'string' ? item : item.path;
      try {
        const library = typeof item === 'string' || !item.name ? basename(resolve(path)) : item.name;
        report.libraries.push(
          await importSkills(store, {
            source: path,
            target: { library },
            overwrite: true,
            skipUnchanged: true,
            maxDepth,
            actor: 'startup',
          }),
        );
      } catch (error) {
        report.errors.push(`library ${path}: ${errorMessage(error)}`);
      }
    }
  }
  if (store instanceof FileSkillStore && envFlag(env.AUTOSKILL_AUTO_REFRESH_SKILLS, true)) {
    try {
      report.refresh = await store.refresh();
    } catch (error) {
      report.errors.push(`refresh: ${errorMessage(error)}`);
    }
  }
  return report;
}
