/**
 * @module `autoskill import skills <folder|zip>`: imports Agent Skill folders into a user's skills
 * (each gets its first revision) or into a read-only library (`--library <name>` → `Common/<name>/`).
 * Exit code 0 when everything imported or was skipped, 5 when some skills failed (they are listed).
 * Works on the filesystem and the PostgreSQL store alike (`--store-url` / `AUTOSKILL_STORE_URL`).
 */
import type { Command } from 'commander';
import { importSkills } from '../../store/index.js';
import { EXIT } from '../exit-codes.js';
import { printError, printJson, printLine } from '../output.js';
import { openStore, type StoreFlags, wholeNumber, withStoreFlags } from './store-options.js';

interface ImportFlags extends StoreFlags {
  library?: string;
  overwrite?: boolean;
  includeFiles: boolean;
  maxDepth: string;
  maxFileBytes: string;
  maxTotalBytes: string;
}

function importCommand(program: Command): Command {
  return (
    program.commands.find((command) => command.name() === 'import') ??
    program.command('import').description('Import skills or conversations')
  );
}

export function register(program: Command): void {
  withStoreFlags(importCommand(program).command('skills <source>'))
    .description('Import Agent Skill folders from a folder tree or a .zip into --user-id (or --library)')
    .option('--library <name>', 'import into the read-only library Common/<name>/ instead of a user')
    .option('--overwrite', 'replace skills that already exist')
    .option('--no-include-files', 'import SKILL.md only, not the other files of each skill folder')
    .option('--max-depth <n>', 'folder levels searched for SKILL.md', '6')
    .option('--max-file-bytes <n>', 'largest single file accepted', '1000000')
    .option('--max-total-bytes <n>', 'largest total (zip: uncompressed) size accepted', '200000000')
    .action(async (source: string, flags: ImportFlags) => {
      const { store, flags: resolved } = await openStore(flags);
      try {
        const report = await importSkills(store, {
          source,
          target: flags.library ? { library: flags.library } : { userId: resolved.userId },
          overwrite: flags.overwrite ?? false,
          includeFiles: flags.includeFiles,
          maxDepth: wholeNumber(flags.maxDepth, '--max-depth'),
          maxFileBytes: wholeNumber(flags.maxFileBytes, '--max-file-bytes', 1),
          maxTotalBytes: wholeNumber(flags.maxTotalBytes, '--max-total-bytes', 1),
          actor: 'cli',
        });
        if (flags.json) {
          printJson({ object: 'import.result', ...report });
        } else {
          const where = flags.library ? `library ${flags.library}` : `user ${resolved.userId}`;
          printLine(
            `Imported ${report.imported.length} skill(s) into ${where}; skipped ${report.skipped.length}; failed ${report.errors.length}.`,
          );
          for (const item of report.skipped) printLine(`  skipped ${item.from}: ${item.reason}`);
          for (const item of report.errors) printError(`  failed ${item.from}: ${item.message}`);
        }
        if (report.errors.length > 0) process.exitCode = EXIT.problemsFound;
      } finally {
        await store.close();
      }
    });
}
