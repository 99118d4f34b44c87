/**
 * @module The embedding connector registry: provider names and aliases map to factories (functions, or
 * `"module:export"` strings loaded lazily through the same code path as the built-ins), and
 * `createEmbeddingConnector` turns a config into a connector or fails with a typed error listing what
 * exists. Built-in providers are imported only when first used.
 */
import type { FetchFunction, SleepFunction } from '../http/index.js';
import { AutoSkillError } from '../shared/errors.js';
import { loadModuleExport } from '../shared/module-export.js';
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

function normalizeName(name: string): string {
  return name.trim().toLowerCase();
}

function loadFactoryString(spec: string, cwd: string): Promise<EmbeddingFactory> {
  return loadModuleExport(spec, { kind: 'embedding connector', cwd }) as Promise<EmbeddingFactory>;
}

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
  const factories = new Map<string, EmbeddingFactory | string>();
  const aliasTargets = new Map<string, string>();

  const resolveName = (name: string): string | undefined => {
    const key = normalizeName(name);
    if (factories.has(key)) return key;
    return aliasTargets.get(key);
  };

  const list = () =>
    [...factories.keys()].sort().map((name) => ({
      name,
      aliases: [...aliasTargets.entries()].filter(([, target]) => target === name).map(([alias]) => alias),
    }));

  const register: EmbeddingConnectorRegistry['register'] = (name, factory, options = {}) => {
    const key = normalizeName(name);
    if (!key) throw new AutoSkillError('INVALID_INPUT', 'An embedding connector needs a non-empty name.');
    if (options.override === false && factories.has(key)) return;
    factories.set(key, factory);
    aliasTargets.delete(key);
    for (const alias of options.aliases ?? []) aliasTargets.set(normalizeName(alias), key);
  };

  if (builtins)
    for (const builtin of BUILTINS) register(builtin.name, builtin.factory, { aliases: builtin.aliases });

  return {
    register,
    resolveName,
    list,
    async create(input = {}, options = {}) {
      const config = resolveEmbeddingConfig(input);
      const context: EmbeddingFactoryContext = {
        env: options.env ?? {},
        fetch: options.fetch,
        sleep: options.sleep,
      };
      const cwd = options.cwd ?? process.cwd();
      let factory: EmbeddingFactory | string;
      let source: string;
      const name = resolveName(config.provider);
      if (config.factory) {
        factory = config.factory;
        source = `"${config.factory}"`;
      } else if (name !== undefined) {
        factory = factories.get(name) as EmbeddingFactory | string;
        source = `for provider "${name}"`;
        config.provider = name;
      } else if (config.provider.includes(':')) {
        factory = config.provider;
        source = `"${config.provider}"`;
      } else {
        const available = list().flatMap((entry) => [entry.name, ...entry.aliases]);
        throw new AutoSkillError(
          'NO_SUCH_PROVIDER',
          `Unknown embedding provider "${config.provider}". Available: ${available.join(', ')}; or give a "module:export" factory.`,
          { details: { provider: config.provider, availableProviders: available } },
        );
      }
      const resolved = typeof factory === 'string' ? await loadFactoryString(factory, cwd) : factory;
      return assertConnector(await resolved(config, context), source);
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
