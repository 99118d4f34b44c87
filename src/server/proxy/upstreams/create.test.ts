import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeModelServer, startFakeModelServer } from '../../../testing/index.js';
import { createChatUpstream } from './create.js';

const body = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };

describe('createChatUpstream', () => {
  let fake: FakeModelServer;
  beforeAll(async () => {
    fake = await startFakeModelServer();
  });
  afterAll(async () => {
    await fake.close();
  });

  it('forwards the body as is to OpenAI-compatible providers with their key', async () => {
    const upstream = createChatUpstream(
      { provider: 'qwen' },
      { env: { DASHSCOPE_API_KEY: 'ds-key', DASHSCOPE_BASE_URL: `${fake.url}/compatible-mode/v1` } },
    );
    expect(upstream.provider).toBe('dashscope');
    expect(upstream.defaultModel).toBe('qwen-plus');
    const response = await upstream.forward(body, { stream: false });
    expect(response.status).toBe(200);
    const received = fake.lastRequest('chat');
    expect(received?.path).toBe('/compatible-mode/v1/chat/completions');
    expect(received?.headers['authorization']).toBe('Bearer ds-key');
    expect(received?.body).toEqual(body);
  });

  it('signs a BigModel JWT for GLM', async () => {
    const upstream = createChatUpstream(
      { provider: 'zhipu', baseUrl: `${fake.url}/api/paas/v4` },
      {
        env: { ZHIPUAI_API_KEY: 'keyid.keysecret' },
      },
    );
    await upstream.forward(body, { stream: false });
    const authorization = fake.lastRequest('chat')?.headers['authorization'] ?? '';
    expect(authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    const payload = JSON.parse(Buffer.from(authorization.split('.')[1] ?? '', 'base64url').toString('utf8'));
    expect(payload).toMatchObject({ api_key: 'keyid' });
  });

  it('sends no Authorization header to a keyless generic endpoint and Ollama gets /v1', async () => {
    const generic = createChatUpstream(
      { provider: 'generic' },
      { env: { AUTOSKILL_GENERIC_LLM_URL: fake.baseUrl } },
    );
    await generic.forward(body, { stream: false });
    expect(fake.lastRequest('chat')?.headers['authorization']).toBeUndefined();
    const ollama = createChatUpstream({ provider: 'ollama' }, { env: { OLLAMA_HOST: fake.url } });
    await ollama.forward(body, { stream: false });
    expect(fake.lastRequest('chat')?.path).toBe('/v1/chat/completions');
  });

  it('says which key or URL is missing and lists the providers it knows', () => {
    expect(() => createChatUpstream({ provider: 'openai' })).toThrowError(
      expect.objectContaining({
        code: 'MISSING_API_KEY',
        message: expect.stringContaining('OPENAI_API_KEY'),
      }),
    );
    expect(() => createChatUpstream({ provider: 'generic' })).toThrowError(
      expect.objectContaining({
        code: 'INVALID_CONFIG',
        message: expect.stringContaining('AUTOSKILL_GENERIC_LLM_URL'),
      }),
    );
    expect(() => createChatUpstream({ provider: 'nope' })).toThrowError(
      expect.objectContaining({ code: 'NO_SUCH_PROVIDER' }),
    );
    expect(createChatUpstream({}).provider).toBe('offline');
    expect(createChatUpstream({ provider: 'anthropic', apiKey: 'k' }).provider).toBe('anthropic');
  });
});
