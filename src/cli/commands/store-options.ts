/**
 * @module Flags every store command shares (`--store-dir`, `--library-dir`, `--user-id`, `--json`) and
 * opening the filesystem store from them.
 */
import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { AutoSkillError } from '../../shared/errors.js';
import { FileSkillStore } from '../../store/index.js';

export interface StoreFlags {
  storeDir: string;
  libraryDir: string[];
  userId: string;
  json?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Adds the shared flags to a command. */
export function withStoreFlags(command: Command): Command {
  return command
    .option('--store-dir <dir>', 'SkillBank folder of the filesystem store', 'SkillBank')
    .option(
      '--library-dir <dir>',
      'extra read-only library folder (repeatable; the library is named after the folder)',
      collect,
      [],
    )
    .option('--user-id <id>', 'the user whose skills to use', 'u1')
    .option('--json', 'print JSON (snake_case; lists as {"object": "list", "data": [...]})');
}

export function scopeOption(): Option {
  return new Option('--scope <scope>', 'which skills: the user\'s, the libraries\' ("common") or all')
    .choices(['user', 'common', 'library', 'all'])
    .default('user');
}

/** Opens the store named by the flags; problems found while loading are returned, not thrown. */
export async function openStore(flags: StoreFlags): Promise<FileSkillStore> {
  const store = new FileSkillStore({ root: resolve(flags.storeDir), libraryDirs: flags.libraryDir });
  await store.open();
  return store;
}

/** Parses a whole number flag or argument. */
export function wholeNumber(value: string, name: string, minimum = 0): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < minimum) {
    throw new AutoSkillError(
      'INVALID_INPUT',
      `${name} must be a whole number ≥ ${minimum}, not ${JSON.stringify(value)}`,
    );
  }
  return parsed;
}
