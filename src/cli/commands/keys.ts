/**
 * @module `autoskill keys create|list|revoke`: API keys for the server, kept hashed where the store is:
 * `<store-dir>/.autoskill/api-keys.json` for the filesystem store, the `api_keys` table for PostgreSQL
 * (`--store-url` / `AUTOSKILL_STORE_URL` / config file, resolved as `serve` does), where every `serve`
 * replica over that database finds them. A per-user key pins its holder to that user; an admin key may
 * act for anyone. The secret is printed once, at creation, and never again: only its sha256 is stored.
 * A running server sees new and revoked keys on its next request.
 */
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { AutoSkillError } from '../../shared/errors.js';
import type { ApiKeyRecord, ApiKeyStore } from '../../store/api-key-store.js';
import { createFileApiKeyStore } from '../../store/fs/file-api-key-store.js';
import { STATE_DIR } from '../../store/index.js';
import { createPostgresApiKeyStore } from '../../store/postgres/postgres-api-key-store.js';
import { EXIT } from '../exit-codes.js';
import { printError, printJson, printLine, printList } from '../output.js';
import { storeConfig } from './store-options.js';

interface KeyFlags {
  storeDir?: string;
  storeUrl?: string;
  config?: string;
  json?: boolean;
}

/** A key store this command opened, to be closed when it is done. */
export type OpenedKeyStore = ApiKeyStore & { close(): Promise<void> };

/**
 * The key store of the store the flags name: PostgreSQL when a store URL is configured (flag > env >
 * config file), else the SkillBank folder's.
 */
export function openKeyStore(flags: KeyFlags, env: NodeJS.ProcessEnv = process.env): OpenedKeyStore {
  const config = storeConfig(
    {
      libraryDir: [],
      ...(flags.storeDir === undefined ? {} : { storeDir: flags.storeDir }),
      ...(flags.storeUrl === undefined ? {} : { storeUrl: flags.storeUrl }),
      ...(flags.config === undefined ? {} : { config: flags.config }),
    },
    env,
  );
  if (config.store.provider === 'postgres') {
    if (!config.store.url) {
      throw new AutoSkillError('INVALID_CONFIG', 'The postgres store needs store.url (postgres://…)');
    }
    return createPostgresApiKeyStore({ url: config.store.url, maxConnections: 1 });
  }
  const store = createFileApiKeyStore({ stateDir: join(resolve(config.store.dir), STATE_DIR) });
  return Object.assign(store, { close: async () => undefined });
}

/** Runs `work` on the key store the flags name and closes it. */
async function withKeyStore<T>(flags: KeyFlags, work: (store: ApiKeyStore) => Promise<T>): Promise<T> {
  const store = openKeyStore(flags);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

function describeKey(record: ApiKeyRecord): string {
  const who = record.admin ? 'admin (any user)' : `user ${record.userId}`;
  const label = record.label ? `  "${record.label}"` : '';
  const revoked = record.revokedAt ? `  revoked ${record.revokedAt}` : '';
  return `${record.id}  ${who}${label}  created ${record.createdAt}${revoked}`;
}

function withKeyFlags(command: Command): Command {
  return command
    .option(
      '--store-dir <dir>',
      'SkillBank folder whose keys to manage (default: $AUTOSKILL_STORE_DIR or SkillBank)',
    )
    .option(
      '--store-url <url>',
      'PostgreSQL store whose keys to manage, postgres://… (AUTOSKILL_STORE_URL; a --store-dir flag beats the variable)',
    )
    .option('--config <file>', 'config file (default: autoskill.config.json/.yaml in the current folder)')
    .option('--json', 'print JSON (snake_case)');
}

export function register(program: Command): void {
  const keys = program
    .command('keys')
    .description('API keys for `autoskill serve`/`proxy`: per-user keys and admin keys (stored hashed)');

  withKeyFlags(
    keys
      .command('create')
      .description('Create a key; the secret is printed once and cannot be shown again')
      .option('--user-id <id>', 'the user the key is pinned to')
      .option('--admin', 'an admin key, which may act for any user')
      .option('--label <text>', 'what the key is for, shown in `keys list`', ''),
  ).action(async (options: KeyFlags & { userId?: string; admin?: boolean; label: string }) => {
    if (Boolean(options.userId) === Boolean(options.admin)) {
      throw new AutoSkillError('INVALID_INPUT', 'Give either --user-id <id> or --admin');
    }
    const created = await withKeyStore(options, (store) =>
      store.create({
        ...(options.userId ? { userId: options.userId } : {}),
        ...(options.admin ? { admin: true } : {}),
        label: options.label,
      }),
    );
    if (options.json) {
      printJson({ object: 'api_key', key: created.key, ...withoutHash(created.record) });
      return;
    }
    printLine(`Created ${describeKey(created.record)}`);
    printLine(created.key);
    printError('This is the only time the key is shown: store it now (only its hash is kept).');
  });

  withKeyFlags(
    keys
      .command('list')
      .description('List keys (never their secrets)')
      .option('--user-id <id>', 'only the keys of this user')
      .option('--all', 'include revoked keys'),
  ).action(async (options: KeyFlags & { userId?: string; all?: boolean }) => {
    const records = await withKeyStore(options, (store) =>
      store.list({
        ...(options.userId ? { userId: options.userId } : {}),
        includeRevoked: options.all ?? false,
      }),
    );
    if (options.json) {
      printList(records.map(withoutHash));
      return;
    }
    if (records.length === 0) printLine('No keys.');
    for (const record of records) printLine(describeKey(record));
  });

  withKeyFlags(
    keys.command('revoke').description('Revoke a key by its id (key_…)').argument('<id>', 'key id'),
  ).action(async (id: string, options: KeyFlags) => {
    const revoked = await withKeyStore(options, (store) => store.revoke(id));
    if (options.json) printJson({ object: 'api_key', id, revoked });
    else printLine(revoked ? `Revoked ${id}.` : `No active key ${id}.`);
    if (!revoked) process.exitCode = EXIT.notFound;
  });
}

/** A record for output: the hash is not secret, but it is of no use to a reader either. */
function withoutHash(record: ApiKeyRecord): Omit<ApiKeyRecord, 'hash'> {
  const { hash: _hash, ...rest } = record;
  return rest;
}
