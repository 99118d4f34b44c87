/**
 * @module What `AutoSkill.open` builds from its options: the resolved product configuration, the store,
 * the chat and learning models and the embedder. Each may be given as an instance (used as it is) or as
 * a config object (built through the registries). Explicit options win over the environment, which wins
 * over the `config` object, which wins over the defaults.
 */
import { resolve } from 'node:path';
import { type AutoSkillConfig, type CliFlags, type ResolvedConfig, resolveConfig } from '../config/index.js';
import type { EmbeddingConfigInput } from '../embeddings/config.js';
import { createEmbeddingConnector } from '../embeddings/registry.js';
import type { EmbeddingConnector } from '../embeddings/types.js';
import type { FetchFunction } from '../http/index.js';
import { createLLMConnector, resolveLLMProviderName } from '../llm/builtin.js';
import type { LLMConfigInput } from '../llm/config.js';
import { resolveLearnLLMConfig } from '../llm/learn-config.js';
import type { LLMConnector } from '../llm/types.js';
import { AutoSkillError } from '../shared/errors.js';
import type { LibraryDir } from '../store/fs/scan.js';
import { FileSkillStore } from '../store/index.js';
import { MemorySkillStore } from '../store/memory-skill-store.js';
import { PostgresSkillStore } from '../store/postgres/postgres-skill-store.js';
import type { SkillStore } from '../store/types.js';

/** A store to build: the SkillBank folder (default), an in-memory store, or PostgreSQL. */
export type StoreConfig =
  | {
      provider?: 'filesystem';
      /** SkillBank folder, relative to `cwd`. @default 'SkillBank' */
      dir?: string;
      /** Extra read-only library folders. @default [] */
      libraryDirs?: Array<string | LibraryDir>;
      /** @default 'rename' */
      durability?: 'rename' | 'fsync';
      /** Open without writing anything (a SkillBank on a read-only mount). @default false */
      readOnly?: boolean;
    }
  | { provider: 'memory' }
  | {
      provider: 'postgres';
      /** `postgres://user:pass@host:port/db` */
      url: string;
      /** Schema of the tables. @default 'autoskill' */
      schema?: string;
    };

export interface ComponentOptions {
  /** A `SkillStore` (opened by the caller, never closed by the SDK) or a store config. */
  store?: SkillStore | StoreConfig;
  /** The chat model: a connector or its config (`{ provider: 'offline' }`, `{ provider: 'qwen' }`…). */
  llm?: LLMConnector | LLMConfigInput;
  /** The model for extraction, merging, rewriting, selection. @default `config.learnLlm`, else the chat model */
  learnLlm?: LLMConnector | LLMConfigInput;
  /** A connector or its config (`{ provider: 'hashing' }`, `{ provider: 'none' }`…). */
  embeddings?: EmbeddingConnector | EmbeddingConfigInput;
  /** Product configuration (the config file's shape): retrieval and extraction defaults, user id… */
  config?: AutoSkillConfig;
  /**
   * Command-line flags, for entry points: commander's camelCase names (`embeddingsProvider`, `storeDir`,
   * `minScore`…), resolved with the seeds' precedence flags > env > config. @default {}
   */
  flags?: CliFlags;
  /** Environment variables (API keys, `AUTOSKILL_*`). Pass `process.env` to use them. @default {} */
  env?: Readonly<Record<string, string | undefined>>;
  /** Base folder of relative paths (store dir, `"module:export"` factories). @default process.cwd() */
  cwd?: string;
  /** For every HTTP connector (tests). @default globalThis.fetch */
  fetch?: FetchFunction;
  /** Clock of the filesystem store (revision times). @default () => new Date() */
  clock?: () => Date;
}

export interface Components {
  config: ResolvedConfig;
  store: SkillStore;
  /** Whether the SDK created (and so closes) the store. */
  ownsStore: boolean;
  llm: LLMConnector;
  learnLlm: LLMConnector;
  embeddings: EmbeddingConnector;
}

function isConnector(value: unknown): boolean {
  return (
    value !== null &&
    typeof value === 'object' &&
    (value as { specificationVersion?: unknown }).specificationVersion === 'v1'
  );
}

function isStore(value: unknown): value is SkillStore {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as SkillStore).list === 'function' &&
    typeof (value as SkillStore).subscribe === 'function'
  );
}

async function buildStore(
  store: ComponentOptions['store'],
  config: ResolvedConfig,
  options: ComponentOptions,
): Promise<{ store: SkillStore; ownsStore: boolean }> {
  if (isStore(store)) return { store, ownsStore: false };
  const cwd = options.cwd ?? process.cwd();
  const settings: StoreConfig =
    store ??
    ({
      provider: config.store.provider,
      dir: config.store.dir,
      libraryDirs: config.store.libraryDirs as Array<string | LibraryDir>,
      durability: config.store.durability,
      ...(config.store.url ? { url: config.store.url } : {}),
    } as StoreConfig);
  if (settings.provider === 'memory') return { store: new MemorySkillStore(), ownsStore: true };
  if (settings.provider === 'postgres') {
    if (!settings.url) {
      throw new AutoSkillError('INVALID_CONFIG', 'The postgres store needs store.url (postgres://…)', {
        details: { provider: 'postgres' },
      });
    }
    const postgres = new PostgresSkillStore({
      url: settings.url,
      ...(settings.schema ? { schema: settings.schema } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    });
    await postgres.open();
    return { store: postgres, ownsStore: true };
  }
  const created = new FileSkillStore({
    root: resolve(cwd, settings.dir ?? config.store.dir),
    libraryDirs: (settings.libraryDirs ?? []).map((item) =>
      typeof item === 'string' ? resolve(cwd, item) : { name: item.name, path: resolve(cwd, item.path) },
    ),
    durability: settings.durability ?? config.store.durability,
    ...(settings.readOnly ? { readOnly: true } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  await created.open();
  return { store: created, ownsStore: true };
}

/** Resolves the configuration and builds every component (see the module comment). */
export async function buildComponents(options: ComponentOptions): Promise<Components> {
  const env = options.env ?? {};
  const file: AutoSkillConfig = { ...options.config };
  // Config objects given as options count as part of the configuration, so that defaults derived from
  // them (the embedder paired with the chat provider, the learning model) follow them.
  if (options.llm && !isConnector(options.llm))
    file.llm = { ...file.llm, ...(options.llm as LLMConfigInput) };
  if (options.embeddings && !isConnector(options.embeddings)) {
    file.embeddings = { ...file.embeddings, ...(options.embeddings as EmbeddingConfigInput) };
  }
  const config = resolveConfig({ flags: options.flags ?? {}, env, file });
  if (options.llm && !isConnector(options.llm)) config.llm = { ...config.llm, ...(options.llm as object) };
  if (options.embeddings && !isConnector(options.embeddings)) {
    config.embeddings = { ...config.embeddings, ...(options.embeddings as object) };
  }
  const factoryOptions = {
    env,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.cwd ? { cwd: options.cwd } : {}),
  };

  const llm = isConnector(options.llm)
    ? (options.llm as LLMConnector)
    : await createLLMConnector(config.llm, factoryOptions);

  let learnLlm: LLMConnector;
  if (isConnector(options.learnLlm)) learnLlm = options.learnLlm as LLMConnector;
  else if (options.learnLlm)
    learnLlm = await createLLMConnector(options.learnLlm as LLMConfigInput, factoryOptions);
  else if (!config.learnLlm.provider && !config.learnLlm.model) learnLlm = llm;
  else {
    const learnConfig = resolveLearnLLMConfig({
      chat: config.llm,
      ...(config.learnLlm.provider ? { learnProvider: config.learnLlm.provider } : {}),
      ...(config.learnLlm.model ? { learnModel: config.learnLlm.model } : {}),
      canonicalName: resolveLLMProviderName,
    });
    learnLlm = await createLLMConnector(learnConfig, factoryOptions);
  }

  const embeddings = isConnector(options.embeddings)
    ? (options.embeddings as EmbeddingConnector)
    : await createEmbeddingConnector(config.embeddings, factoryOptions);

  const { store, ownsStore } = await buildStore(options.store, config, options);
  return { config, store, ownsStore, llm, learnLlm, embeddings };
}
