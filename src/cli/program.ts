/**
 * @module The command tree. Each subcommand lives in `commands/<name>.ts` and is imported only when
 * it runs, so `autoskill --help` stays fast.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { errorMessage, isAutoSkillError } from '../shared/errors.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { printError } from './output.js';

function packageVersion(): string {
  const url = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

/** A subcommand module registers its commands on the root program. */
export type CommandModule = { register(program: Command): void };

const COMMAND_MODULES: Array<() => Promise<CommandModule>> = [
  () => import('./commands/skills-validate.js'),
  () => import('./commands/skills.js'),
  () => import('./commands/import.js'),
  () => import('./commands/import-conversations.js'),
  () => import('./commands/ids.js'),
  () => import('./commands/keys.js'),
  () => import('./commands/store.js'),
  () => import('./commands/search.js'),
  () => import('./commands/vectors.js'),
  () => import('./commands/serve.js'),
  () => import('./commands/proxy.js'),
  () => import('./commands/web.js'),
  () => import('./commands/chat.js'),
];

export async function buildProgram(): Promise<Command> {
  const program = new Command('autoskill')
    .description(
      'Learn reusable skills (SKILL.md) from LLM conversations and inject them into later requests.',
    )
    .version(packageVersion())
    .showHelpAfterError()
    .exitOverride();
  for (const load of COMMAND_MODULES) (await load()).register(program);
  return program;
}

/** Runs the CLI and returns the process exit code instead of exiting, so tests can call it in-process. */
export async function runCli(argv: string[]): Promise<number> {
  // Commands report "problems found" and similar outcomes through process.exitCode; start clean so
  // in-process callers (tests, the REPL) never inherit the previous command's code.
  process.exitCode = undefined;
  const program = await buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    const code = typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
    process.exitCode = undefined;
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.ok;
      if (error.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    const code = exitCodeFor(error);
    const prefix = isAutoSkillError(error) ? `error [${error.code}]` : 'error';
    printError(`${prefix}: ${errorMessage(error)}`);
    return code;
  }
}
