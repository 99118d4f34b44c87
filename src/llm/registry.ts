/**
 * @module The LLM connector registry: provider names and aliases map to factories (functions or
 * `"module:export"` strings loaded lazily through the same code path), and `createLLMConnector` turns a
 * config into a connector or fails with a typed error that lists what exists.
 */
import type { FetchFunction } from '../http/index.js';
import { AutoSkillError } from '../shared/errors.js';
import { createProviderTable } from '../shared/provider-table.js';
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
  const table = createProviderTable<LLMConnectorFactory>({ kind: 'LLM connector', providerLabel: 'LLM' });
  return {
    register: (name, factory, options = {}) => table.register(name, factory, options),
    resolveName: table.resolveName,
    list: table.list,
    async create(input = {}, options = {}) {
      const config = resolveLLMConfig(input);
      const context: LLMFactoryContext = { env: options.env ?? {}, fetch: options.fetch };
      const { factory, source } = await table.resolveFactory(config, options.cwd ?? process.cwd());
      return assertConnector(await factory(config, context), source);
    },
  };
}
