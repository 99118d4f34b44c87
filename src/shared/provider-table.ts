/**
 * @module The name table behind every connector registry (LLM and embedding): provider names and
 * aliases (case-insensitive) map to factories — functions, or `"module:export"` strings loaded lazily —
 * and a config's `factory` / `provider` resolve to one factory or a typed error listing what exists.
 * Each registry keeps its own factory context and connector check.
 */
import { AutoSkillError } from './errors.js';
import { loadModuleExport } from './module-export.js';

export interface RegisterProviderOptions {
  /** Other names that resolve to this provider, e.g. `['qwen']` for `dashscope`. */
  aliases?: readonly string[];
  /** Replace an existing registration under the same name. @default true */
  override?: boolean;
}

export interface ProviderTable<Factory> {
  register(name: string, factory: Factory | string, options?: RegisterProviderOptions): void;
  /** Canonical name for a name or alias, or `undefined` when nothing is registered under it. */
  resolveName(name: string): string | undefined;
  list(): Array<{ name: string; aliases: string[] }>;
  /**
   * The factory a config names: its `factory` string first, then a registered provider (the config's
   * `provider` becomes the canonical name), then a `provider` that is itself `"module:export"`.
   * `source` describes it for error messages.
   */
  resolveFactory(
    config: { provider: string; factory?: string | undefined },
    cwd: string,
  ): Promise<{ factory: Factory; source: string }>;
}

export interface ProviderTableOptions {
  /** What the factories build, in messages: `'LLM connector'`, `'embedding connector'`. */
  kind: string;
  /** The provider word in messages: `'LLM'` → `Unknown LLM provider "x"`. */
  providerLabel: string;
}

function normalizeName(name: string): string {
  return name.trim().toLowerCase();
}

export function createProviderTable<Factory>(options: ProviderTableOptions): ProviderTable<Factory> {
  const factories = new Map<string, Factory | string>();
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

  return {
    register(name, factory, registerOptions = {}) {
      const key = normalizeName(name);
      if (!key) throw new AutoSkillError('INVALID_INPUT', `An ${options.kind} needs a non-empty name.`);
      if (registerOptions.override === false && factories.has(key)) return;
      factories.set(key, factory);
      aliasTargets.delete(key);
      for (const alias of registerOptions.aliases ?? []) aliasTargets.set(normalizeName(alias), key);
    },
    resolveName,
    list,
    async resolveFactory(config, cwd) {
      let factory: Factory | string;
      let source: string;
      const name = resolveName(config.provider);
      if (config.factory) {
        factory = config.factory;
        source = `"${config.factory}"`;
      } else if (name !== undefined) {
        factory = factories.get(name) as Factory | string;
        source = `for provider "${name}"`;
        config.provider = name;
      } else if (config.provider.includes(':')) {
        factory = config.provider;
        source = `"${config.provider}"`;
      } else {
        const available = list().flatMap((entry) => [entry.name, ...entry.aliases]);
        throw new AutoSkillError(
          'NO_SUCH_PROVIDER',
          `Unknown ${options.providerLabel} provider "${config.provider}". Available: ${available.join(', ')}; or give a "module:export" factory.`,
          { details: { provider: config.provider, availableProviders: available } },
        );
      }
      const resolved =
        typeof factory === 'string'
          ? ((await loadModuleExport(factory, { kind: options.kind, cwd })) as Factory)
          : factory;
      return { factory: resolved, source };
    },
  };
}
