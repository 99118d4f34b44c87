/**
 * @module `autoskill skills list|show|versions|rollback|delete|restore|export`: the store's skills from
 * the command line. Human output by default, `--json` for scripts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { AutoSkillError } from '../../shared/errors.js';
import { exportAgentSkillFolder, exportAgentSkillZip, toAgentSkill } from '../../skill/agent-skills.js';
import type { ListScope, RevisionSummary, SkillStore, StoredSkill, StoreProblem } from '../../store/index.js';
import { printError, printJson, printLine, printList } from '../output.js';
import {
  describeStore,
  openStore,
  type ResolvedStoreFlags,
  type StoreFlags,
  scopeOption,
  wholeNumber,
  withStoreFlags,
} from './store-options.js';

const CLI_ACTOR = 'cli';

function skillsCommand(program: Command): Command {
  return (
    program.commands.find((command) => command.name() === 'skills') ??
    program.command('skills').description('Work with skills: list, show, export, validate, …')
  );
}

/** The fields a listing shows (the full skill is `skills show --json`). */
function listItem(skill: StoredSkill): Record<string, unknown> {
  return {
    id: skill.id,
    name: skill.name,
    description: skill.description,
    version: skill.version,
    owner: skill.owner,
    revision: skill.revision,
    location: skill.location,
    readOnly: skill.readOnly,
    status: skill.status,
    tags: skill.tags,
    updatedAt: skill.updatedAt,
  };
}

function printProblems(problems: StoreProblem[]): void {
  if (problems.length === 0) return;
  printError(`warning: ${problems.length} skill file(s) could not be loaded:`);
  for (const problem of problems.slice(0, 20)) printError(`  ${problem.message}`);
  if (problems.length > 20) printError(`  … and ${problems.length - 20} more (use --json to see all)`);
}

/** Runs `work` on the store the flags name (filesystem or PostgreSQL) and closes it. */
async function withStore<T>(
  flags: StoreFlags,
  work: (store: SkillStore, where: string, resolved: ResolvedStoreFlags) => Promise<T>,
): Promise<T> {
  const { store, config, flags: resolved } = await openStore(flags);
  try {
    return await work(store, describeStore(store, config), resolved);
  } finally {
    await store.close();
  }
}

function describeRevision(item: RevisionSummary): string {
  const current = item.isCurrent ? ' (current)' : '';
  const from = item.restoredFrom === null ? '' : ` from r${item.restoredFrom}`;
  const why = item.reason ? ` — ${item.reason}` : '';
  return `r${item.revision}${current}  ${item.at}  ${item.operation}${from}  v${item.version}  ${item.name}  by ${item.actor}${why}`;
}

function describeSkill(skill: StoredSkill): string[] {
  return [
    `id:        ${skill.id}`,
    `name:      ${skill.name}`,
    `version:   ${skill.version}`,
    `owner:     ${skill.owner}${skill.readOnly ? ' (read-only library)' : ''}`,
    `revision:  ${skill.revision === 0 ? 'none recorded yet' : skill.revision}`,
    `location:  ${skill.location}`,
    `status:    ${skill.status}`,
  ];
}

function toScope(value: string): ListScope {
  return value === 'common' || value === 'library' ? 'library' : (value as ListScope);
}

export function register(program: Command): void {
  const skills = skillsCommand(program);

  withStoreFlags(skills.command('list'))
    .description("List skills (the user's by default; --scope common|all for libraries)")
    .addOption(scopeOption())
    .option('--limit <n>', 'at most this many', '100')
    .option('--offset <n>', 'skip this many', '0')
    .option('--deleted', "list the user's deleted skills (restorable)")
    .option('--include-archived', 'include archived skills')
    .action(
      async (
        flags: StoreFlags & {
          scope: string;
          limit: string;
          offset: string;
          deleted?: boolean;
          includeArchived?: boolean;
        },
      ) => {
        await withStore(flags, async (store, where, resolved) => {
          const result = await store.list({
            userId: resolved.userId,
            scope: toScope(flags.scope),
            limit: wholeNumber(flags.limit, '--limit'),
            offset: wholeNumber(flags.offset, '--offset'),
            deleted: flags.deleted ?? false,
            includeArchived: flags.includeArchived ?? false,
          });
          if (flags.json) {
            printList(result.items.map(listItem), { total: result.total, problems: store.problems() });
            return;
          }
          if (result.total === 0) {
            printLine(
              `No skills in ${where} for scope "${flags.scope}"${flags.scope === 'user' ? ` and user ${resolved.userId}` : ''}.`,
            );
            printLine('Import some with: autoskill import skills <folder|zip>');
          }
          for (const skill of result.items) {
            const where = skill.readOnly ? ` [${skill.owner}]` : '';
            printLine(`${skill.id}  v${skill.version}  ${skill.name}${where}`);
          }
          if (result.total > result.items.length) {
            printLine(`(${result.items.length} of ${result.total}; use --limit/--offset for more)`);
          }
          printProblems(store.problems());
        });
      },
    );

  withStoreFlags(skills.command('show <id>'))
    .description('Show a skill: its fields and its SKILL.md')
    .action(async (id: string, flags: StoreFlags) => {
      await withStore(flags, async (store) => {
        const skill = await store.get(id);
        if (!skill) throw notFoundError(id);
        const files = await store.readFiles(id);
        if (flags.json) {
          printJson({ object: 'skill', ...skill, skillMd: files.skillMd });
          return;
        }
        for (const line of describeSkill(skill)) printLine(line);
        if (skill.resources.length > 0) printLine(`files:     ${skill.resources.join(', ')}`);
        printLine();
        process.stdout.write(files.skillMd.endsWith('\n') ? files.skillMd : `${files.skillMd}\n`);
      });
    });

  withStoreFlags(skills.command('versions <id>'))
    .description('List the revisions of a skill, oldest first')
    .action(async (id: string, flags: StoreFlags) => {
      await withStore(flags, async (store) => {
        const versions = await store.versions(id);
        if (flags.json) {
          printList(versions);
          return;
        }
        if (versions.length === 0) printLine('No history: library skills are read-only and have none.');
        for (const item of versions) printLine(describeRevision(item));
      });
    });

  withStoreFlags(skills.command('rollback <id> <revision>'))
    .description('Restore the content of an earlier revision as a new revision')
    .option('--base-revision <n>', 'refuse if the skill is no longer at this revision')
    .action(async (id: string, revision: string, flags: StoreFlags & { baseRevision?: string }) => {
      await withStore(flags, async (store) => {
        const skill = await store.rollback(id, wholeNumber(revision, '<revision>', 1), {
          actor: CLI_ACTOR,
          reason: `rollback to r${revision}`,
          ...(flags.baseRevision === undefined
            ? {}
            : { baseRevision: wholeNumber(flags.baseRevision, '--base-revision') }),
        });
        if (flags.json) printJson({ object: 'skill', ...skill });
        else
          printLine(
            `Rolled back ${skill.name} to the content of r${revision}; now at r${skill.revision} (v${skill.version}).`,
          );
      });
    });

  withStoreFlags(skills.command('delete <id>'))
    .description('Delete a skill (its history is kept; `skills restore` brings it back)')
    .action(async (id: string, flags: StoreFlags) => {
      await withStore(flags, async (store) => {
        const skill = await store.get(id);
        await store.delete(id, { actor: CLI_ACTOR, reason: 'deleted via CLI' });
        if (flags.json) printJson({ object: 'skill.deleted', id, deleted: true });
        else
          printLine(`Deleted ${skill?.name ?? id} (${id}); restore it with: autoskill skills restore ${id}`);
      });
    });

  withStoreFlags(skills.command('restore <id>'))
    .description('Bring a deleted skill back (same id, new revision)')
    .action(async (id: string, flags: StoreFlags) => {
      await withStore(flags, async (store) => {
        const skill = await store.restore(id, { actor: CLI_ACTOR, reason: 'restored via CLI' });
        if (flags.json) printJson({ object: 'skill', ...skill });
        else printLine(`Restored ${skill.name} at ${skill.location} (r${skill.revision}).`);
      });
    });

  withStoreFlags(skills.command('export <id>'))
    .description('Export a skill as a strict agentskills.io folder (or zip, or the stored files as they are)')
    .option('--out <dir>', 'folder to write into', '.')
    .option('--zip', 'write <name>.zip instead of a folder')
    .option('--raw', 'write the stored SKILL.md and files unchanged instead of the strict spec form')
    .option('--overwrite', 'replace an existing export folder')
    .action(
      async (
        id: string,
        flags: StoreFlags & { out: string; zip?: boolean; raw?: boolean; overwrite?: boolean },
      ) => {
        await withStore(flags, async (store) => {
          const skill = await store.get(id);
          if (!skill) throw notFoundError(id);
          const files = await store.readFiles(id);
          const out = resolve(flags.out);
          mkdirSync(out, { recursive: true });
          let path: string;
          if (flags.raw) {
            path = join(out, skill.location.split(/[\\/]/).pop() ?? skill.id);
            mkdirSync(path, { recursive: true });
            writeFileSync(join(path, 'SKILL.md'), files.skillMd);
            for (const [file, bytes] of Object.entries(files.files)) {
              const target = join(path, ...file.split('/'));
              mkdirSync(join(target, '..'), { recursive: true });
              writeFileSync(target, bytes);
            }
          } else if (flags.zip) {
            path = join(out, `${toAgentSkill(skill).folderName}.zip`);
            writeFileSync(path, exportAgentSkillZip(skill, files.files));
          } else {
            path = await exportAgentSkillFolder(skill, files.files, out, {
              overwrite: flags.overwrite ?? false,
            });
          }
          if (flags.json) printJson({ object: 'skill.export', id, path });
          else printLine(`Exported ${skill.name} to ${path}`);
        });
      },
    );
}

function notFoundError(id: string): AutoSkillError {
  return new AutoSkillError('SKILL_NOT_FOUND', `No skill with id ${JSON.stringify(id)}`, { details: { id } });
}
