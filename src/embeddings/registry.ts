/**
 * @module The embedding connector registry: provider names and aliases map to factories (functions, or
 * `"module:export"` strings loaded lazily through the same code path as the built-ins), and
 * `createEmbeddingConnector` turns a config into a connector or fails with a typed error listing what
 * exists. Built-in providers are imported only when first used.
 */
import type { FetchFunction, SleepFunction } from '../http/index.js';
import { AutoSkillError } from '../shared/errors.js';
import { createProviderTable } from '../shared/provider-table.js';
import {
  type EmbeddingConfig,
  type EmbeddingConfigInput,
  type EmbeddingEnv,
  resolveEmbeddingConfig,
} from './config.js';
import type { EmbeddingConnector } from './types.js';

/** What a factory receives besides the config: the injected I/O. */
export interface EmbeddingFactoryContext {
  /** Environment variables as data. */
  env: EmbeddingEnv;
  /** @default globalThis.fetch (through the HTTP client) */
  fetch?: FetchFunction | undefined;
  /** Backoff wait between retries; a test seam. @default an abortable setTimeout */
  sleep?: SleepFunction | undefined;
}

export type EmbeddingFactory = (
  config: EmbeddingConfig,
  context: EmbeddingFactoryContext,
) => EmbeddingConnector | Promise<EmbeddingConnector>;

export interface RegisterEmbeddingConnectorOptions {
  /** Other names that resolve to this provider, e.g. `['qwen']` for `dashscope`. */
  aliases?: readonly string[];
  /** Replace an existing registration under the same name. @default true */
  override?: boolean;
}

export interface CreateEmbeddingConnectorOptions {
  /** Environment variables as data. @default {} (nothing is read from `process.env` here) */
  env?: EmbeddingEnv;
  fetch?: FetchFunction;
  sleep?: SleepFunction;
  /** Base for relative `"module:export"` paths. @default process.cwd() */
  cwd?: string;
}

export interface EmbeddingConnectorRegistry {
  register(
    name: string,
    factory: EmbeddingFactory | string,
    options?: RegisterEmbeddingConnectorOptions,
  ): void;
  /** Canonical name for a name or alias, or `undefined` when nothing is registered under it. */
  resolveName(name: string): string | undefined;
  list(): Array<{ name: string; aliases: string[] }>;
  create(
    config?: EmbeddingConfigInput,
    options?: CreateEmbeddingConnectorOptions,
  ): Promise<EmbeddingConnector>;
}

interface Builtin {
  name: string;
  aliases: string[];
  factory: EmbeddingFactory;
}

/** Lazily imported built-ins: nothing of a provider loads until a config names it. */
const BUILTINS: Builtin[] = [
  {
    name: 'hashing',
    aliases: [],
    factory: async (config) =>
      (await import('./hashing.js')).createHashingEmbeddingConnector({
        model: config.model,
        dimensions: config.dimensions,
      }),
  },
  {
    name: 'openai',
    aliases: [],
    factory: async (config, context) =>
      (await import('./openai.js')).createOpenAIEmbeddingConnector(config, context),
  },
  {
    name: 'generic',
    aliases: ['universal', 'custom', 'openai-compatible', 'openai_compatible'],
    factory: async (config, context) =>
      (await import('./generic.js')).createGenericEmbeddingConnector(config, context),
  },
  {
    name: 'dashscope',
    aliases: ['qwen'],
    factory: async (config, context) =>
      (await import('./dashscope.js')).createDashScopeEmbeddingConnector(config, context),
  },
  {
    name: 'glm',
    aliases: ['bigmodel', 'zhipu'],
    factory: async (config, context) =>
      (await import('./glm.js')).createGlmEmbeddingConnector(config, context),
  },
  {
    name: 'ollama',
    aliases: [],
    factory: async (config, context) =>
      (await import('./ollama.js')).createOllamaEmbeddingConnector(config, context),
  },
  {
    name: 'none',
    aliases: ['off', 'disabled', 'null', 'no_embedding', 'no-embedding'],
    factory: async (config, context) =>
      (await import('./none.js')).createNoneEmbeddingConnector(config, context),
  },
];

function assertConnector(value: unknown, source: string): EmbeddingConnector {
  const candidate = value as Partial<EmbeddingConnector> | null;
  if (
    candidate &&
    candidate.specificationVersion === 'v1' &&
    typeof candidate.doEmbed === 'function' &&
    typeof candidate.signature?.provider === 'string' &&
    typeof candidate.signature.model === 'string'
  ) {
    return candidate as EmbeddingConnector;
  }
  throw new AutoSkillError(
    'INVALID_CONFIG',
    `Embedding connector factory ${source} did not return a v1 connector (specificationVersion 'v1', doEmbed, signature).`,
    { details: { source } },
  );
}

/** A registry; with `builtins` (the default) it knows every built-in provider and alias. */
export function createEmbeddingConnectorRegistry({
  builtins = true,
}: {
  builtins?: boolean;
} = {}): EmbeddingConnectorRegistry {
  const table = createProviderTable<EmbeddingFactory>({
    kind: 'embedding connector',
    providerLabel: 'embedding',
  });
  const register: EmbeddingConnectorRegistry['register'] = (name, factory, options = {}) =>
    table.register(name, factory, options);

  if (builtins)
    for (const builtin of BUILTINS) register(builtin.name, builtin.factory, { aliases: builtin.aliases });

  return {
    register,
    resolveName: table.resolveName,
    list: table.list,
    async create(input = {}, options = {}) {
      const config = resolveEmbeddingConfig(input);
      const context: EmbeddingFactoryContext = {
        env: options.env ?? {},
        fetch: options.fetch,
        sleep: options.sleep,
      };
      const { factory, source } = await table.resolveFactory(config, options.cwd ?? process.cwd());
      return assertConnector(await factory(config, context), source);
    },
  };
}

/** The process-wide registry behind the functions below. */
export const defaultEmbeddingRegistry: EmbeddingConnectorRegistry = createEmbeddingConnectorRegistry();

/** Registers a provider (a factory function or a `"module:export"` string) in the default registry. */
export function registerEmbeddingConnector(
  name: string,
  factory: EmbeddingFactory | string,
  options?: RegisterEmbeddingConnectorOptions,
): void {
  defaultEmbeddingRegistry.register(name, factory, options);
}

/** Builds the connector a config describes, from the default registry. */
export function createEmbeddingConnector(
  config?: EmbeddingConfigInput,
  options?: CreateEmbeddingConnectorOptions,
): Promise<EmbeddingConnector> {
  return defaultEmbeddingRegistry.create(config, options);
}

/** Registered providers and their aliases, sorted by name. */
export function listEmbeddingConnectors(): Array<{ name: string; aliases: string[] }> {
  return defaultEmbeddingRegistry.list();
}
