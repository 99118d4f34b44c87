/**
 * @module `autoskill ids normalize`: writes the id each skill is known by into SKILL.md files that have
 * none. User files get a revision; library files are changed only with `--include-libraries`. Filesystem
 * store only: with a PostgreSQL store configured it refuses (exit code 2) rather than open `./SkillBank`.
 */
import type { Command } from 'commander';
import { FileSkillStore } from '../../store/index.js';
import { EXIT } from '../exit-codes.js';
import { printError, printJson, printLine } from '../output.js';
import {
  openStore,
  requireFilesystemStore,
  type StoreFlags,
  storeConfig,
  withStoreFlags,
} from './store-options.js';

export function register(program: Command): void {
  const ids =
    program.commands.find((command) => command.name() === 'ids') ??
    program.command('ids').description('Skill id maintenance');
  withStoreFlags(ids.command('normalize'))
    .description(
      'Write missing ids into SKILL.md files (user skills; libraries only with --include-libraries)',
    )
    .option('--include-libraries', 'also write ids into read-only library files (Common/, --library-dir)')
    .action(async (flags: StoreFlags & { includeLibraries?: boolean }) => {
      // SKILL.md files on disk are what this rewrites; PostgreSQL keeps every skill's id in its row.
      requireFilesystemStore(storeConfig(flags), 'ids normalize', 'it rewrites SKILL.md files on disk');
      const { store } = await openStore(flags);
      try {
        if (!(store instanceof FileSkillStore)) return;
        const report = await store.normalizeIds({
          includeLibraries: flags.includeLibraries ?? false,
          actor: 'cli',
        });
        if (flags.json) {
          printJson({ object: 'ids.normalize', ...report });
        } else {
          printLine(`Scanned ${report.scanned} skill(s); wrote ${report.changed.length} id(s).`);
          for (const item of report.changed) printLine(`  ${item.location}: ${item.id}`);
          for (const item of report.failed) printError(`  failed ${item.location}: ${item.message}`);
        }
        if (report.failed.length > 0) process.exitCode = EXIT.problemsFound;
      } finally {
        await store.close();
      }
    });
}
