/**
 * @module The default LLM connector registry with every built-in provider and the aliases of the seeds
 * (core.md §5.1), plus the package-level `registerLLMConnector` / `createLLMConnector` functions.
 */
import { createAnthropicLLMConnector } from './anthropic.js';
import type { LLMConfigInput } from './config.js';
import { createDashScopeLLMConnector } from './dashscope.js';
import { createGenericLLMConnector } from './generic.js';
import { createGLMLLMConnector } from './glm.js';
import { createInternLMLLMConnector } from './internlm.js';
import { createOfflineLLMConnector } from './offline.js';
import { createOllamaLLMConnector } from './ollama.js';
import { createOpenAILLMConnector } from './openai.js';
import {
  type CreateLLMConnectorOptions,
  createLLMConnectorRegistry,
  type LLMConnectorFactory,
  type LLMConnectorRegistry,
  type RegisterLLMConnectorOptions,
} from './registry.js';
import type { LLMConnector } from './types.js';

/** A registry holding the built-in connectors; tests and embedders may build their own. */
export function createDefaultLLMConnectorRegistry(): LLMConnectorRegistry {
  const registry = createLLMConnectorRegistry();
  registry.register('offline', (config) => createOfflineLLMConnector({ modelId: config.model }), {
    aliases: ['mock'],
  });
  registry.register('openai', createOpenAILLMConnector);
  registry.register('generic', createGenericLLMConnector, {
    aliases: ['universal', 'custom', 'openai-compatible', 'openai_compatible'],
  });
  registry.register('dashscope', createDashScopeLLMConnector, { aliases: ['qwen'] });
  registry.register('glm', createGLMLLMConnector, { aliases: ['bigmodel', 'zhipu'] });
  registry.register('internlm', createInternLMLLMConnector, {
    aliases: ['intern', 'intern-s1', 'intern-s1-pro'],
  });
  registry.register('anthropic', createAnthropicLLMConnector);
  registry.register('ollama', createOllamaLLMConnector);
  return registry;
}

const defaultRegistry = createDefaultLLMConnectorRegistry();

/** Adds (or replaces) a provider in the default registry; `factory` may be a `"module:export"` string. */
export function registerLLMConnector(
  name: string,
  factory: LLMConnectorFactory | string,
  options: RegisterLLMConnectorOptions = {},
): void {
  defaultRegistry.register(name, factory, options);
}

/**
 * Builds a connector from a config through the default registry.
 * @example
 * const llm = await createLLMConnector({ provider: 'qwen' }, { env: process.env });
 * const { text } = await llm.doGenerate({ messages: [{ role: 'user', content: '你好' }] });
 */
export function createLLMConnector(
  config: LLMConfigInput = {},
  options: CreateLLMConnectorOptions = {},
): Promise<LLMConnector> {
  return defaultRegistry.create(config, options);
}

/** Registered providers with their aliases, sorted by name. */
export function listLLMConnectors(): Array<{ name: string; aliases: string[] }> {
  return defaultRegistry.list();
}

/** Canonical provider name for a name or alias of the default registry (for `resolveLearnLLMConfig`). */
export function resolveLLMProviderName(name: string): string | undefined {
  return defaultRegistry.resolveName(name);
}
