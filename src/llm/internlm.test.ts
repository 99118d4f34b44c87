import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeModelServer, startFakeModelServer } from '../testing/index.js';
import { createLLMConnector } from './builtin.js';
import type { LLMStreamPart } from './types.js';

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8');

describe('internlm connector', () => {
  let server: FakeModelServer;
  const create = (config = {}, env: Record<string, string> = { INTERNLM_API_KEY: 'tok' }) =>
    createLLMConnector(
      { provider: 'intern-s1-pro', baseUrl: `${server.url}/api/v1`, maxRetries: 0, ...config },
      { env },
    );
  beforeAll(async () => {
    server = await startFakeModelServer();
  });
  afterAll(() => server.close());
  beforeEach(() => server.reset());

  it('asks for thinking mode by default and returns answer and reasoning apart', async () => {
    server.enqueue('chat', { type: 'raw', body: fixture('internlm-chat-response.json') });
    const connector = await create();
    expect(connector).toMatchObject({ provider: 'internlm', modelId: 'intern-s1-pro' });
    const result = await connector.doGenerate({ messages: [{ role: 'user', content: '你好~' }] });
    const request = server.lastRequest();
    expect(request?.path).toBe('/api/v1/chat/completions');
    expect(request?.headers.authorization).toBe('Bearer tok');
    expect(request?.body).toEqual({
      thinking_mode: true,
      model: 'intern-s1-pro',
      messages: [{ role: 'user', content: '你好~' }],
      stream: false,
    });
    expect(result.text).toBe('你好！我是书生大模型，很高兴为你服务。');
    expect(result.reasoning).toBe('用户在打招呼，我应该礼貌回应并介绍自己。');
    expect(result.usage).toEqual({ promptTokens: 12, completionTokens: 33, totalTokens: 45 });
  });

  it('matches the documented request, extraBody fields included', async () => {
    server.enqueue('chat', 'ok');
    await (await create({ extraBody: { n: 1, top_p: 0.9 } })).doGenerate({
      messages: [{ role: 'user', content: 'Hello!' }],
      temperature: 0.8,
    });
    expect(server.lastRequest()?.body).toEqual(JSON.parse(fixture('internlm-chat-request.json')));
  });

  it('repeats once without thinking_mode when the server rejects it, then stops sending it', async () => {
    server.enqueue(
      'chat',
      {
        type: 'error',
        status: 400,
        message: 'Unsupported parameter: thinking_mode is not supported by this model',
      },
      'plain answer',
      'second call',
    );
    const connector = await create();
    expect((await connector.doGenerate({ messages: [{ role: 'user', content: 'x' }] })).text).toBe(
      'plain answer',
    );
    expect(server.requests[0]?.body).toHaveProperty('thinking_mode', true);
    expect(server.requests[1]?.body).not.toHaveProperty('thinking_mode');
    await connector.doGenerate({ messages: [{ role: 'user', content: 'x' }] });
    expect(server.requests).toHaveLength(3);
    expect(server.lastRequest()?.body).not.toHaveProperty('thinking_mode');
  });

  it('surfaces reasoning_content deltas as reasoning-delta parts', async () => {
    server.enqueue('chat', {
      type: 'sse',
      pieces: [
        'data: {"choices":[{"index":0,"delta":{"role":"assistant","reasoning_content":"先想"}}]}\n\n',
        'data: {"choices":[{"index":0,"delta":{"reasoning_content":"一想。"}}]}\n\n',
        'data: {"choices":[{"index":0,"delta":{"content":"答案"},"finish_reason":null}]}\n\n',
        'data: {"choices":[{"index":0,"delta":{},"finish_reason":"length"}],"usage":{"prompt_tokens":3,"completion_tokens":5,"total_tokens":8}}\n\n',
        'data: [DONE]\n\n',
      ],
    });
    const parts: LLMStreamPart[] = [];
    for await (const part of await (await create()).doStream({ messages: [{ role: 'user', content: 'x' }] }))
      parts.push(part);
    expect(parts).toEqual([
      { type: 'reasoning-delta', delta: '先想' },
      { type: 'reasoning-delta', delta: '一想。' },
      { type: 'text-delta', delta: '答案' },
      {
        type: 'finish',
        finishReason: 'length',
        usage: { promptTokens: 3, completionTokens: 5, totalTokens: 8 },
      },
    ]);
  });

  it('sends thinking_mode false when thinkingMode is off, and accepts the older key variables', async () => {
    server.enqueue('chat', 'ok');
    await (await create({ thinkingMode: false }, { INTERN_API_KEY: 'old' })).doGenerate({
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(server.lastRequest()?.body).toHaveProperty('thinking_mode', false);
    expect(server.lastRequest()?.headers.authorization).toBe('Bearer old');
  });
});
