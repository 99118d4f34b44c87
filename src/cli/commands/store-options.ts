/**
 * @module Flags every store command shares (`--store-dir`, `--store-url`, `--library-dir`, `--user-id`,
 * `--config`, `--json`) and opening the store they name. The store resolves as `serve`'s does: flag >
 * environment (`AUTOSKILL_STORE_URL`, `AUTOSKILL_STORE_DIR`) > config file > the `SkillBank` default, so
 * a command never acts on `./SkillBank` while a PostgreSQL store is configured.
 */
import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { loadConfigFile, type ResolvedConfig, resolveConfig } from '../../config/index.js';
import { redactUrl } from '../../http/index.js';
import { AutoSkillError } from '../../shared/errors.js';
import { FileSkillStore, PostgresSkillStore, type SkillStore } from '../../store/index.js';
import { collect } from '../shared-flags.js';

export interface StoreFlags {
  storeDir?: string;
  storeUrl?: string;
  libraryDir: string[];
  userId?: string;
  config?: string;
  json?: boolean;
}

/** `StoreFlags` after resolution: the user id is always known. */
export type ResolvedStoreFlags = StoreFlags & { userId: string };

/** Adds the shared flags to a command. */
export function withStoreFlags(command: Command): Command {
  return command
    .option(
      '--store-dir <dir>',
      'SkillBank folder of the filesystem store (AUTOSKILL_STORE_DIR; default SkillBank)',
    )
    .option(
      '--store-url <url>',
      'PostgreSQL store, postgres://… (AUTOSKILL_STORE_URL; a --store-dir flag beats the variable)',
    )
    .option(
      '--library-dir <dir>',
      'extra read-only library folder (repeatable; the library is named after the folder; filesystem store only)',
      collect,
      [],
    )
    .option('--user-id <id>', 'the user whose skills to use (AUTOSKILL_USER_ID; default u1)')
    .option('--config <file>', 'config file (default: autoskill.config.json/.yaml in the current folder)')
    .option('--json', 'print JSON (snake_case; lists as {"object": "list", "data": [...]})');
}

/** The `--store-url` option for commands that build their own flag set (search, vectors, …). */
export function storeUrlOption(): Option {
  return new Option(
    '--store-url <url>',
    'PostgreSQL store, postgres://… (AUTOSKILL_STORE_URL; a --store-dir flag beats the variable)',
  );
}

export function scopeOption(): Option {
  return new Option('--scope <scope>', 'which skills: the user\'s, the libraries\' ("common") or all')
    .choices(['user', 'common', 'library', 'all'])
    .default('user');
}

/** The configuration the store flags resolve to (flags > environment > config file > defaults). */
export function storeConfig(flags: StoreFlags, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  const file = loadConfigFile(flags.config ? { path: flags.config } : {});
  return resolveConfig({
    flags: {
      storeDir: flags.storeDir,
      storeUrl: flags.storeUrl,
      libraryDir: flags.libraryDir,
      userId: flags.userId,
    },
    env,
    file,
  });
}

/**
 * Refuses flags that only mean something for the filesystem store when the store is PostgreSQL (exit
 * code 2), instead of quietly leaving them out. Library folders named by `AUTOSKILL_LIBRARY_DIRS` or the
 * config file are not refused: `serve` imports them into the database at startup.
 */
export function refuseFilesystemOnlyFlags(config: ResolvedConfig, flags: { libraryDir?: string[] }): void {
  if (config.store.provider !== 'postgres' || (flags.libraryDir ?? []).length === 0) return;
  throw new AutoSkillError(
    'INVALID_INPUT',
    '--library-dir mounts a folder into the filesystem store; the PostgreSQL store keeps libraries in the ' +
      'database: import the folder with `autoskill import skills <folder> --library <name>` ' +
      '(or list it in AUTOSKILL_LIBRARY_DIRS, which `serve` imports at startup)',
    { details: { libraryDirs: flags.libraryDir } },
  );
}

/**
 * Refuses a command that works on the filesystem store only (exit code 2), naming the store it would
 * otherwise have had to guess.
 */
export function requireFilesystemStore(config: ResolvedConfig, command: string, why: string): void {
  if (config.store.provider === 'filesystem') return;
  throw new AutoSkillError(
    'INVALID_INPUT',
    `\`autoskill ${command}\` works on the filesystem store only (${why}); the configured store is ` +
      `PostgreSQL (${redactUrl(config.store.url ?? '')}), named by --store-url, AUTOSKILL_STORE_URL or the ` +
      'config file’s store.url; leave those out or pass --store-dir to use a SkillBank folder.',
    { details: { command, provider: config.store.provider } },
  );
}

/** Where a store lives, for messages (a PostgreSQL URL without its password). */
export function describeStore(store: SkillStore, config: ResolvedConfig): string {
  if (store instanceof FileSkillStore) return store.root;
  return redactUrl(config.store.url ?? config.store.dir);
}

/**
 * Opens the store the flags name (the filesystem store, or PostgreSQL when a store URL is configured);
 * problems found while loading are returned by `problems()`, not thrown.
 */
export async function openStore(
  flags: StoreFlags,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ store: SkillStore; config: ResolvedConfig; flags: ResolvedStoreFlags }> {
  const config = storeConfig(flags, env);
  refuseFilesystemOnlyFlags(config, flags);
  const resolved: ResolvedStoreFlags = { ...flags, userId: config.userId };
  if (config.store.provider === 'postgres') {
    if (!config.store.url) {
      throw new AutoSkillError('INVALID_CONFIG', 'The postgres store needs store.url (postgres://…)');
    }
    const store = new PostgresSkillStore({ url: config.store.url, maxConnections: 2 });
    await store.open();
    return { store, config, flags: resolved };
  }
  const store = new FileSkillStore({
    root: resolve(config.store.dir),
    libraryDirs: config.store.libraryDirs.map((item) => {
      if (typeof item === 'string') return resolve(item);
      return item.name ? { name: item.name, path: resolve(item.path) } : resolve(item.path);
    }),
    durability: config.store.durability,
  });
  await store.open();
  return { store, config, flags: resolved };
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
