/**
 * @module `autoskill skills validate <dir>`: checks one Agent Skill folder, or every skill folder under
 * `<dir>`, against the agentskills.io rules and prints each problem with its place
 * (`path:line: field: message`). Exit code 0 when valid, 5 (`EXIT.problemsFound`) when problems exist.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { AutoSkillError } from '../../shared/errors.js';
import {
  type AgentSkillProblem,
  findAgentSkillDirs,
  validateAgentSkillDir,
} from '../../skill/agent-skills.js';
import { EXIT } from '../exit-codes.js';
import { printLine, printList } from '../output.js';

interface ValidateFlags {
  json?: boolean;
  maxDepth: string;
}

/** The `skills` command group, shared with the other `skills …` subcommand modules. */
function skillsCommand(program: Command): Command {
  return (
    program.commands.find((command) => command.name() === 'skills') ??
    program.command('skills').description('Work with skills: list, show, export, validate, …')
  );
}

export function formatProblem(problem: AgentSkillProblem): string {
  const place = problem.line === undefined ? problem.path : `${problem.path}:${problem.line}`;
  return `${place}: ${problem.field}: ${problem.message}`;
}

async function validateTarget(
  dir: string,
  maxDepth: number,
): Promise<{ folders: number; problems: AgentSkillProblem[] }> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new AutoSkillError('NOT_FOUND', `No such folder: ${dir}`, { details: { path: dir } });
  }
  const single = await stat(join(dir, 'SKILL.md')).catch(() => undefined);
  const folders = single ? [dir] : await findAgentSkillDirs(dir, { maxDepth });
  if (folders.length === 0) {
    return {
      folders: 0,
      problems: [{ path: dir, field: 'file', message: 'no SKILL.md found in this folder or below it' }],
    };
  }
  const problems: AgentSkillProblem[] = [];
  for (const folder of folders) problems.push(...(await validateAgentSkillDir(folder)));
  return { folders: folders.length, problems };
}

export function register(program: Command): void {
  skillsCommand(program)
    .command('validate <dir>')
    .description(
      'Check an Agent Skill folder (or every skill folder under <dir>) against the agentskills.io rules',
    )
    .option('--json', 'print {"object": "list", "data": [problems]}')
    .option('--max-depth <n>', 'folder levels to search below <dir>', '6')
    .action(async (dir: string, flags: ValidateFlags) => {
      const maxDepth = Number.parseInt(flags.maxDepth, 10);
      if (!Number.isInteger(maxDepth) || maxDepth < 0) {
        throw new AutoSkillError(
          'INVALID_INPUT',
          `--max-depth must be a whole number, not ${flags.maxDepth}`,
        );
      }
      const { folders, problems } = await validateTarget(dir, maxDepth);
      if (flags.json) {
        printList(problems);
      } else {
        for (const problem of problems) printLine(formatProblem(problem));
        const noun = folders === 1 ? 'skill folder' : 'skill folders';
        printLine(
          problems.length === 0
            ? `OK: ${folders} ${noun} valid`
            : `${problems.length} problem${problems.length === 1 ? '' : 's'} in ${folders} ${noun}`,
        );
      }
      process.exitCode = problems.length === 0 ? EXIT.ok : EXIT.problemsFound;
    });
}
