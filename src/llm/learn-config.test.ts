import { describe, expect, it } from 'vitest';
import { resolveLearnLLMConfig } from './learn-config.js';

const chat = {
  provider: 'openai',
  model: 'gpt-4o',
  apiKey: 'sk-chat',
  baseUrl: 'https://api.openai.com/v1',
  timeoutMs: 30_000,
  maxRetries: 4,
  temperature: 0.3,
  extraBody: { user: 'x' },
};
const canonicalName = (name: string) => ({ qwen: 'dashscope' })[name.toLowerCase()] ?? name.toLowerCase();

describe('resolveLearnLLMConfig', () => {
  it.each([
    ['defaults to the chat config', {}, chat],
    [
      'swaps the model on the same provider',
      { learnModel: 'gpt-4o-mini' },
      { ...chat, model: 'gpt-4o-mini' },
    ],
    ['treats blank flags as absent', { learnProvider: ' ', learnModel: '' }, chat],
    ['treats the same provider by another case as the same', { learnProvider: 'OpenAI' }, chat],
    [
      'starts fresh on another provider, keeping only generic settings',
      { learnProvider: 'dashscope', learnModel: 'qwen-turbo' },
      { provider: 'dashscope', model: 'qwen-turbo', timeoutMs: 30_000, maxRetries: 4, temperature: 0.3 },
    ],
    [
      'uses the other provider default model when no learning model is given',
      { learnProvider: 'anthropic' },
      { provider: 'anthropic', timeoutMs: 30_000, maxRetries: 4, temperature: 0.3 },
    ],
  ])('%s', (_name, flags, expected) => {
    expect(resolveLearnLLMConfig({ chat, ...flags })).toEqual(expected);
  });

  it('resolves aliases through canonicalName', () => {
    const qwenChat = { provider: 'qwen', model: 'qwen-max', apiKey: 'k' };
    expect(
      resolveLearnLLMConfig({
        chat: qwenChat,
        learnProvider: 'dashscope',
        learnModel: 'qwen-turbo',
        canonicalName,
      }),
    ).toEqual({
      ...qwenChat,
      model: 'qwen-turbo',
    });
  });

  it('defaults the chat provider to offline', () => {
    expect(resolveLearnLLMConfig({ chat: {}, learnProvider: 'offline' })).toEqual({});
  });

  it('does not mutate the chat config', () => {
    const copy = structuredClone(chat);
    resolveLearnLLMConfig({ chat, learnProvider: 'glm' });
    expect(chat).toEqual(copy);
  });
});
