import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isAutoSkillError } from '../shared/errors.js';
import { type FakeModelServer, startFakeModelServer } from '../testing/index.js';
import { createLLMConnector } from './builtin.js';
import type { LLMStreamPart } from './types.js';

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8');

describe('dashscope connector', () => {
  let server: FakeModelServer;
  beforeAll(async () => {
    server = await startFakeModelServer();
  });
  afterAll(() => server.close());
  beforeEach(() => server.reset());

  it('reads only DASHSCOPE_API_KEY, never OPENAI_API_KEY', async () => {
    const error = await createLLMConnector(
      { provider: 'qwen' },
      { env: { OPENAI_API_KEY: 'sk-openai' } },
    ).catch((e) => e);
    expect(isAutoSkillError(error, 'MISSING_API_KEY')).toBe(true);
    expect(error.message).toContain('DASHSCOPE_API_KEY');
    expect(error.message).not.toContain('OPENAI_API_KEY');
  });

  it('posts to compatible-mode/v1/chat/completions with qwen-plus by default', async () => {
    server.enqueue('chat', 'ok');
    const connector = await createLLMConnector(
      { provider: 'dashscope' },
      { env: { DASHSCOPE_API_KEY: 'sk-ds', DASHSCOPE_BASE_URL: `${server.url}/compatible-mode/v1` } },
    );
    expect(connector).toMatchObject({ provider: 'dashscope', modelId: 'qwen-plus' });
    await connector.doGenerate({ messages: [{ role: 'user', content: '你好' }] });
    const request = server.lastRequest();
    expect(request?.path).toBe('/compatible-mode/v1/chat/completions');
    expect(request?.headers.authorization).toBe('Bearer sk-ds');
    expect(request?.body).toEqual({
      model: 'qwen-plus',
      messages: [{ role: 'user', content: '你好' }],
      stream: false,
    });
  });

  it('sends enable_thinking and surfaces the documented reasoning stream', async () => {
    server.enqueue('chat', {
      type: 'sse',
      pieces: fixture('dashscope-thinking-stream.sse').split(/(?<=\n\n)/),
    });
    const connector = await createLLMConnector(
      { provider: 'qwen', baseUrl: `${server.url}/compatible-mode/v1`, thinkingMode: true },
      { env: { DASHSCOPE_API_KEY: 'sk-ds' } },
    );
    const parts: LLMStreamPart[] = [];
    for await (const part of await connector.doStream({ messages: [{ role: 'user', content: '你是谁' }] }))
      parts.push(part);
    expect(server.lastRequest()?.body).toMatchObject({
      enable_thinking: true,
      stream: true,
      stream_options: { include_usage: true },
    });
    const join = (type: string) =>
      parts
        .filter((part) => part.type === type)
        .map((part) => (part as { delta: string }).delta)
        .join('');
    expect(join('reasoning-delta')).toBe('用户问我是谁，我应该介绍自己。');
    expect(join('text-delta')).toBe('我是通义千问，阿里云的大模型。');
    expect(parts.at(-1)).toEqual({
      type: 'finish',
      finishReason: 'stop',
      usage: { promptTokens: 10, completionTokens: 30, totalTokens: 40 },
    });
  });
});
