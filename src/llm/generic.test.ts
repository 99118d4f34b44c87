import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isAutoSkillError } from '../shared/errors.js';
import { type FakeModelServer, startFakeModelServer } from '../testing/index.js';
import { createLLMConnector } from './builtin.js';
import { chatCompletionsUrl } from './openai-compatible.js';
import { collectLLMStream } from './stream.js';

describe('chatCompletionsUrl', () => {
  it.each([
    ['http://127.0.0.1:8000/v1', 'http://127.0.0.1:8000/v1/chat/completions'],
    ['http://127.0.0.1:8000/v1/', 'http://127.0.0.1:8000/v1/chat/completions'],
    ['http://127.0.0.1:8000', 'http://127.0.0.1:8000/v1/chat/completions'],
    ['https://open.bigmodel.cn/api/paas/v4', 'https://open.bigmodel.cn/api/paas/v4/chat/completions'],
    [
      'https://dashscope.aliyuncs.com/compatible-mode',
      'https://dashscope.aliyuncs.com/compatible-mode/v1/chat/completions',
    ],
    [
      'https://gw.example.com/openai/deployments/x/chat/completions',
      'https://gw.example.com/openai/deployments/x/chat/completions',
    ],
  ])('%s', (base, expected) => {
    expect(chatCompletionsUrl(base)).toBe(expected);
  });
});

describe('generic connector', () => {
  let server: FakeModelServer;
  beforeAll(async () => {
    server = await startFakeModelServer();
  });
  afterAll(() => server.close());
  beforeEach(() => server.reset());

  it('has no default host: a missing URL is a config error naming AUTOSKILL_GENERIC_LLM_URL', async () => {
    const error = await createLLMConnector({ provider: 'generic', model: 'm' }, { env: {} }).catch((e) => e);
    expect(isAutoSkillError(error, 'INVALID_CONFIG')).toBe(true);
    expect(error.message).toContain('AUTOSKILL_GENERIC_LLM_URL');
  });

  it('needs a model name', async () => {
    const error = await createLLMConnector(
      { provider: 'openai-compatible' },
      { env: { AUTOSKILL_GENERIC_LLM_URL: server.baseUrl } },
    ).catch((e) => e);
    expect(isAutoSkillError(error, 'INVALID_CONFIG')).toBe(true);
    expect(error.message).toContain('AUTOSKILL_GENERIC_LLM_MODEL');
  });

  it('rejects a URL variable that is not an http(s) URL', async () => {
    const error = await createLLMConnector(
      { provider: 'generic' },
      { env: { AUTOSKILL_GENERIC_LLM_URL: '35.220.164.252:3888/v1', AUTOSKILL_GENERIC_LLM_MODEL: 'm' } },
    ).catch((e) => e);
    expect(isAutoSkillError(error, 'INVALID_CONFIG')).toBe(true);
  });

  it('reads URL, model and key from the environment and sends no auth header without a key', async () => {
    server.enqueue('chat', 'with key', 'without key');
    const env = { AUTOSKILL_GENERIC_LLM_URL: server.url, AUTOSKILL_GENERIC_LLM_MODEL: 'qwen3-8b' };
    const keyed = await createLLMConnector(
      { provider: 'universal' },
      { env: { ...env, AUTOSKILL_GENERIC_API_KEY: 'k-1' } },
    );
    expect(keyed.provider).toBe('generic');
    expect(keyed.modelId).toBe('qwen3-8b');
    await keyed.doGenerate({ messages: [{ role: 'user', content: 'x' }] });
    expect(server.lastRequest()?.headers.authorization).toBe('Bearer k-1');
    expect(server.lastRequest()?.path).toBe('/v1/chat/completions');
    const open = await createLLMConnector({ provider: 'custom' }, { env });
    await open.doGenerate({ messages: [{ role: 'user', content: 'x' }] });
    expect(server.lastRequest()?.headers).not.toHaveProperty('authorization');
  });

  it('a 401 without a key says which variable to set', async () => {
    server.enqueue('chat', { type: 'error', status: 401 });
    const connector = await createLLMConnector({
      provider: 'generic',
      baseUrl: server.baseUrl,
      model: 'm',
      maxRetries: 0,
    });
    const error = await connector.doGenerate({ messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
    expect(error.message).toContain('set AUTOSKILL_GENERIC_API_KEY');
  });

  it('moves a leading <think> block into reasoning, in replies and in streams', async () => {
    const reply = '<think>The user wants JSON.</think>\n\n{"skills": []}';
    server.enqueue('chat', reply, {
      type: 'text',
      text: reply,
      chunks: ['<thi', 'nk>The user', ' wants JSON.</th', 'ink>\n', '\n{"skills"', ': []}'],
    });
    const connector = await createLLMConnector({ provider: 'generic', baseUrl: server.baseUrl, model: 'm' });
    const generated = await connector.doGenerate({ messages: [{ role: 'user', content: 'x' }] });
    expect(generated).toMatchObject({ text: '{"skills": []}', reasoning: 'The user wants JSON.' });
    const streamed = await collectLLMStream(
      await connector.doStream({ messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(streamed).toMatchObject({ text: '{"skills": []}', reasoning: 'The user wants JSON.' });
  });

  it('says to start the server when nothing listens at the URL', async () => {
    const connector = await createLLMConnector({
      provider: 'generic',
      baseUrl: 'http://127.0.0.1:9/v1',
      model: 'm',
      maxRetries: 0,
    });
    const error = await connector.doGenerate({ messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
    expect(isAutoSkillError(error, 'UPSTREAM_ERROR')).toBe(true);
    expect(error.message).toContain('AUTOSKILL_GENERIC_LLM_URL');
    expect(error.message).toContain('server is running');
  });
});
