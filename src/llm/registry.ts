/**
 * @module The LLM connector registry: provider names and aliases map to factories (functions or
 * `"module:export"` strings loaded lazily through the same code path), and `createLLMConnector` turns a
 * config into a connector or fails with a typed error that lists what exists.
 */
import type { FetchFunction } from '../http/index.js';
import { AutoSkillError } from '../shared/errors.js';
import { loadModuleExport } from '../shared/module-export.js';
import { type LLMConfig, type LLMConfigInput, type LLMEnv, resolveLLMConfig } from './config.js';
import type { LLMConnector } from './types.js';

export type { FetchFunction };

/** What a factory receives besides the config: the injected I/O. */
export interface LLMFactoryContext {
  env: LLMEnv;
  /** @default the HTTP client's default (`globalThis.fetch`) */
  fetch?: FetchFunction;
}

export type LLMConnectorFactory = (
  config: LLMConfig,
  context: LLMFactoryContext,
) => LLMConnector | Promise<LLMConnector>;

export interface RegisterLLMConnectorOptions {
  /** Other names that resolve to this connector, e.g. `['qwen']` for `dashscope`. */
  aliases?: readonly string[];
}

export interface CreateLLMConnectorOptions {
  /** Environment variables as data. @default {} (nothing is read from `process.env` here) */
  env?: LLMEnv;
  fetch?: FetchFunction;
  /** Base for relative `"module:export"` paths. @default process.cwd() */
  cwd?: string;
}

export interface LLMConnectorRegistry {
  register(name: string, factory: LLMConnectorFactory | string, options?: RegisterLLMConnectorOptions): void;
  /** Canonical name for a name or alias, or `undefined` when nothing is registered under it. */
  resolveName(name: string): string | undefined;
  list(): Array<{ name: string; aliases: string[] }>;
  create(config?: LLMConfigInput, options?: CreateLLMConnectorOptions): Promise<LLMConnector>;
}

function normalizeName(name: string): string {
  return name.trim().toLowerCase();
}

function loadFactoryString(spec: string, cwd: string): Promise<LLMConnectorFactory> {
  return loadModuleExport(spec, { kind: 'LLM connector', cwd }) as Promise<LLMConnectorFactory>;
}

function assertConnector(value: unknown, source: string): LLMConnector {
  const candidate = value as Partial<LLMConnector> | null;
  if (
    candidate &&
    candidate.specificationVersion === 'v1' &&
    typeof candidate.doGenerate === 'function' &&
    typeof candidate.doStream === 'function'
  ) {
    return candidate as LLMConnector;
  }
  throw new AutoSkillError(
    'INVALID_CONFIG',
    `LLM connector factory ${source} did not return a v1 connector (specificationVersion 'v1', doGenerate, doStream).`,
    { details: { source } },
  );
}

export function createLLMConnectorRegistry(): LLMConnectorRegistry {
  const factories = new Map<string, LLMConnectorFactory | string>();
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

  const unknownProvider = (provider: string): AutoSkillError => {
    const available = list().flatMap((entry) => [entry.name, ...entry.aliases]);
    return new AutoSkillError(
      'NO_SUCH_PROVIDER',
      `Unknown LLM provider "${provider}". Available: ${available.join(', ')}; or give a "module:export" factory.`,
      { details: { provider, availableProviders: available } },
    );
  };

  return {
    register(name, factory, options = {}) {
      const key = normalizeName(name);
      if (!key) throw new AutoSkillError('INVALID_INPUT', 'An LLM connector needs a non-empty name.');
      factories.set(key, factory);
      aliasTargets.delete(key);
      for (const alias of options.aliases ?? []) aliasTargets.set(normalizeName(alias), key);
    },
    resolveName,
    list,
    async create(input = {}, options = {}) {
      const config = resolveLLMConfig(input);
      const context: LLMFactoryContext = { env: options.env ?? {}, fetch: options.fetch };
      const cwd = options.cwd ?? process.cwd();
      let factory: LLMConnectorFactory | string;
      let source: string;
      const name = resolveName(config.provider);
      if (config.factory) {
        factory = config.factory;
        source = `"${config.factory}"`;
      } else if (name !== undefined) {
        factory = factories.get(name) as LLMConnectorFactory | string;
        source = `for provider "${name}"`;
        config.provider = name;
      } else if (config.provider.includes(':')) {
        factory = config.provider;
        source = `"${config.provider}"`;
      } else {
        throw unknownProvider(config.provider);
      }
      const resolved = typeof factory === 'string' ? await loadFactoryString(factory, cwd) : factory;
      return assertConnector(await resolved(config, context), source);
    },
  };
}
