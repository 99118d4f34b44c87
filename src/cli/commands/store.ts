/**
 * @module `autoskill store copy|migrate`: moving a SkillBank into PostgreSQL (and back) and migrating the
 * PostgreSQL schema. `copy` shows progress on stderr, is idempotent (a second run copies nothing) and
 * ends with a verification of counts, revisions and content; conflicts and mismatches exit non-zero.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { AutoSkillError } from '../../shared/errors.js';
import { FileSkillStore } from '../../store/fs/file-skill-store.js';
import { isPostgresUrl, PostgresDatabase, redactUrl } from '../../store/postgres/database.js';
import { migrationStatus, runMigrations } from '../../store/postgres/migrations.js';
import { PostgresSkillStore } from '../../store/postgres/postgres-skill-store.js';
import { type CopyReport, copySkillStore } from '../../store/postgres/store-copy.js';
import type { SkillStore } from '../../store/types.js';
import { EXIT } from '../exit-codes.js';
import { printError, printJson, printLine } from '../output.js';

interface CopyFlags {
  from: string;
  to: string;
  schema?: string;
  json?: boolean;
  progress?: boolean;
}

interface MigrateFlags {
  storeUrl?: string;
  schema?: string;
  status?: boolean;
  json?: boolean;
}

/** Opens one side of a copy: a PostgreSQL URL or a SkillBank folder (the source read-only). */
async function openSide(
  location: string,
  options: { schema?: string; source: boolean; clock?: () => Date },
): Promise<SkillStore> {
  if (isPostgresUrl(location)) {
    const store = new PostgresSkillStore({
      url: location,
      ...(options.schema ? { schema: options.schema } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    });
    await store.open();
    return store;
  }
  const root = resolve(location);
  if (options.source && !existsSync(root)) {
    throw new AutoSkillError('NOT_FOUND', `No SkillBank folder at ${root}`, { details: { path: root } });
  }
  const store = new FileSkillStore({
    root,
    ...(options.source ? { readOnly: true } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  await store.open();
  return store;
}

function describe(location: string): string {
  return isPostgresUrl(location) ? redactUrl(location) : resolve(location);
}

function printReport(report: CopyReport, flags: CopyFlags): void {
  if (flags.json) {
    printJson({ object: 'store.copy', from: describe(flags.from), to: describe(flags.to), ...report });
    return;
  }
  const check = report.verification;
  printLine(
    `Copied ${report.copied} of ${report.skills} skill(s) (${report.libraries} library), ` +
      `${report.revisions} revision(s); ${report.unchanged} already up to date.`,
  );
  printLine(
    `Verified: ${check.targetVisible}/${check.sourceVisible} visible skills, ` +
      `${check.targetRevisions}/${check.sourceRevisions} revisions — ${check.ok ? 'OK' : 'MISMATCH'}.`,
  );
  for (const conflict of report.conflicts) printError(`  conflict ${conflict.id}: ${conflict.reason}`);
  for (const mismatch of check.mismatches.slice(0, 50))
    printError(`  mismatch ${mismatch.id}: ${mismatch.problem}`);
}

export function register(program: Command): void {
  const store =
    program.commands.find((command) => command.name() === 'store') ??
    program.command('store').description('Move and migrate skill stores (SkillBank folders, PostgreSQL)');

  store
    .command('copy')
    .description('Copy every skill with its history between a SkillBank folder and PostgreSQL (either way)')
    .requiredOption('--from <dir|url>', 'source: a SkillBank folder or postgres://… (read only)')
    .requiredOption('--to <dir|url>', 'target: a SkillBank folder or postgres://…')
    .option('--schema <name>', 'PostgreSQL schema of the tables (default autoskill)')
    .option('--no-progress', 'do not print progress on stderr')
    .option('--json', 'print the report as JSON')
    .action(async (flags: CopyFlags) => {
      if (describe(flags.from) === describe(flags.to)) {
        throw new AutoSkillError('INVALID_INPUT', '--from and --to name the same store');
      }
      let replayTime: string | null = null;
      const clock = () => (replayTime ? new Date(replayTime) : new Date());
      const schema = flags.schema ? { schema: flags.schema } : {};
      const source = await openSide(flags.from, { ...schema, source: true });
      let target: SkillStore | undefined;
      try {
        target = await openSide(flags.to, { ...schema, source: false, clock });
        let lastShown = 0;
        const report = await copySkillStore({
          from: source,
          to: target,
          setTargetTime: (iso) => {
            replayTime = iso;
          },
          onProgress: (done, total) => {
            if (flags.progress === false) return;
            const now = Date.now();
            if (done !== total && now - lastShown < 500) return;
            lastShown = now;
            process.stderr.write(`\rcopying ${done}/${total} skills…${done === total ? '\n' : ''}`);
          },
        });
        printReport(report, flags);
        if (report.conflicts.length > 0 || !report.verification.ok) process.exitCode = EXIT.problemsFound;
      } finally {
        await target?.close();
        await source.close();
      }
    });

  store
    .command('migrate')
    .description('Create or upgrade the PostgreSQL schema (safe while replicas run; --status only reports)')
    .option('--store-url <url>', 'postgres://… (default AUTOSKILL_STORE_URL)')
    .option('--schema <name>', 'PostgreSQL schema of the tables (default autoskill)')
    .option('--status', 'report applied and pending migrations without changing anything')
    .option('--json', 'print JSON')
    .action(async (flags: MigrateFlags) => {
      const url = flags.storeUrl ?? process.env.AUTOSKILL_STORE_URL;
      if (!url || !isPostgresUrl(url)) {
        throw new AutoSkillError(
          'INVALID_INPUT',
          'store migrate needs --store-url postgres://… (or AUTOSKILL_STORE_URL)',
        );
      }
      const database = await PostgresDatabase.open({
        url,
        migrate: false,
        maxConnections: 2,
        ...(flags.schema ? { schema: flags.schema } : {}),
      });
      try {
        const before = await migrationStatus(database);
        const applied = flags.status ? [] : (await runMigrations(database)).applied;
        const after = flags.status ? before : await migrationStatus(database);
        const pending = after.latest - Math.max(0, ...after.applied);
        if (flags.json) {
          printJson({
            object: 'store.migrate',
            schema: database.schema,
            applied,
            current: Math.max(0, ...after.applied),
            latest: after.latest,
            pending: Math.max(0, pending),
          });
        } else {
          printLine(
            `Schema ${database.schema}: version ${Math.max(0, ...after.applied)} of ${after.latest}` +
              (flags.status
                ? ''
                : applied.length > 0
                  ? ` (applied ${applied.join(', ')})`
                  : ' (already current)'),
          );
        }
        if (flags.status && pending > 0) process.exitCode = EXIT.problemsFound;
      } finally {
        await database.close();
      }
    });
}
