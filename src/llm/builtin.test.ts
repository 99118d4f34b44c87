import { describe, expect, it } from 'vitest';
import {
  createLLMConnector,
  listLLMConnectors,
  registerLLMConnector,
  resolveLLMProviderName,
} from './builtin.js';
import { resolveLearnLLMConfig } from './learn-config.js';
import { createOfflineLLMConnector } from './offline.js';

describe('default LLM registry', () => {
  it("lists every built-in provider with the seeds' aliases", () => {
    const byName = Object.fromEntries(listLLMConnectors().map((entry) => [entry.name, entry.aliases.sort()]));
    expect(byName).toMatchObject({
      offline: ['mock'],
      openai: [],
      generic: ['custom', 'openai-compatible', 'openai_compatible', 'universal'],
      dashscope: ['qwen'],
      glm: ['bigmodel', 'zhipu'],
      internlm: ['intern', 'intern-s1', 'intern-s1-pro'],
      anthropic: [],
      ollama: [],
    });
  });

  it('builds the offline connector when nothing is configured', async () => {
    const connector = await createLLMConnector();
    expect(connector.provider).toBe('offline');
    expect((await connector.doGenerate({ messages: [{ role: 'user', content: 'hi' }] })).text).toMatch(
      /^Offline mode/,
    );
  });

  it('lets an application register its own provider', async () => {
    registerLLMConnector(
      'scripted',
      () => createOfflineLLMConnector({ respond: () => 'scripted reply', modelId: 's' }),
      {
        aliases: ['fake'],
      },
    );
    const connector = await createLLMConnector({ provider: 'fake' });
    expect((await connector.doGenerate({ messages: [] })).text).toBe('scripted reply');
  });

  it('feeds alias resolution to the learning-model helper', () => {
    const learn = resolveLearnLLMConfig({
      chat: { provider: 'qwen', model: 'qwen-max', apiKey: 'k' },
      learnProvider: 'dashscope',
      learnModel: 'qwen-turbo',
      canonicalName: resolveLLMProviderName,
    });
    expect(learn).toEqual({ provider: 'qwen', model: 'qwen-turbo', apiKey: 'k' });
  });
});
