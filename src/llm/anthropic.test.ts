import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isAutoSkillError } from '../shared/errors.js';
import { type FakeModelServer, startFakeModelServer } from '../testing/index.js';
import { buildMessagesBody } from './anthropic-wire.js';
import { createLLMConnector } from './builtin.js';
import type { LLMConfigInput } from './config.js';
import { collectLLMStream } from './stream.js';
import type { LLMStreamPart } from './types.js';

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8');
const ssePieces = (name: string) => fixture(name).split(/(?<=\n\n)/);

describe('buildMessagesBody', () => {
  it('moves system prompts top-level and joins consecutive turns of one role', () => {
    const body = buildMessagesBody({
      modelId: 'm',
      stream: false,
      messages: [
        { role: 'system', content: 'Rule one.' },
        { role: 'user', content: 'a' },
        { role: 'user', content: 'b' },
        { role: 'system', content: 'Rule two.' },
        { role: 'assistant', content: 'c' },
      ],
    });
    expect(body).toEqual({
      model: 'm',
      system: 'Rule one.\n\nRule two.',
      messages: [
        { role: 'user', content: 'a\n\nb' },
        { role: 'assistant', content: 'c' },
      ],
      max_tokens: 4096,
    });
  });

  it('refuses a conversation with only a system prompt', () => {
    expect(() =>
      buildMessagesBody({ modelId: 'm', stream: false, messages: [{ role: 'system', content: 's' }] }),
    ).toThrow(/at least one user or assistant message/);
  });

  it('asks for extended thinking with a budget below max_tokens and no temperature', () => {
    const body = buildMessagesBody({
      modelId: 'm',
      stream: true,
      thinking: true,
      temperature: 0,
      maxTokens: 1000,
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(body).toMatchObject({
      thinking: { type: 'enabled', budget_tokens: 1024 },
      max_tokens: 2048,
      stream: true,
    });
    expect(body).not.toHaveProperty('temperature');
  });
});

describe('anthropic connector', () => {
  let server: FakeModelServer;
  const create = (config: LLMConfigInput = {}) =>
    createLLMConnector(
      { provider: 'anthropic', baseUrl: server.url, maxRetries: 1, ...config },
      { env: { ANTHROPIC_API_KEY: 'sk-ant-key' } },
    );
  beforeAll(async () => {
    server = await startFakeModelServer();
  });
  afterAll(() => server.close());
  beforeEach(() => server.reset());

  it('matches the documented Messages request', async () => {
    server.enqueue('messages', { type: 'raw', body: fixture('anthropic-messages-response.json') });
    const connector = await create();
    expect(connector.modelId).toBe('claude-sonnet-4-5');
    await connector.doGenerate({
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'user', content: 'Hello, Claude' },
      ],
      temperature: 0,
      maxTokens: 1024,
      responseFormat: 'json',
    });
    const request = server.lastRequest('messages');
    expect(request?.path).toBe('/v1/messages');
    expect(request?.headers['x-api-key']).toBe('sk-ant-key');
    expect(request?.headers['anthropic-version']).toBe('2023-06-01');
    expect(request?.body).toEqual(JSON.parse(fixture('anthropic-messages-request.json')));
  });

  it('reads the documented response', async () => {
    server.enqueue('messages', { type: 'raw', body: fixture('anthropic-messages-response.json') });
    const result = await (await create()).doGenerate({
      messages: [{ role: 'user', content: 'Hello, Claude' }],
    });
    expect(result).toMatchObject({
      text: 'Hi! My name is Claude.',
      finishReason: 'stop',
      usage: { promptTokens: 2095, completionTokens: 503, totalTokens: 2598 },
    });
  });

  it('maps the documented stream events onto parts', async () => {
    server.enqueue('messages', { type: 'sse', pieces: ssePieces('anthropic-messages-stream.sse') });
    const parts: LLMStreamPart[] = [];
    for await (const part of await (await create()).doStream({
      messages: [{ role: 'user', content: 'Hello' }],
    }))
      parts.push(part);
    expect(parts).toEqual([
      { type: 'text-delta', delta: 'Hello' },
      { type: 'text-delta', delta: '!' },
      {
        type: 'finish',
        finishReason: 'stop',
        usage: { promptTokens: 25, completionTokens: 15, totalTokens: 40 },
      },
    ]);
    expect(server.lastRequest()?.body).toMatchObject({ stream: true });
  });

  it('surfaces thinking deltas as reasoning-delta parts', async () => {
    const event = (type: string, data: object) =>
      `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
    server.enqueue('messages', {
      type: 'sse',
      pieces: [
        event('message_start', { message: { usage: { input_tokens: 4, output_tokens: 1 } } }),
        event('content_block_start', { index: 0, content_block: { type: 'thinking', thinking: '' } }),
        event('content_block_delta', {
          index: 0,
          delta: { type: 'thinking_delta', thinking: 'Let me think.' },
        }),
        event('content_block_delta', { index: 0, delta: { type: 'signature_delta', signature: 'sig' } }),
        event('content_block_stop', { index: 0 }),
        event('content_block_start', { index: 1, content_block: { type: 'text', text: '' } }),
        event('content_block_delta', { index: 1, delta: { type: 'text_delta', text: '42' } }),
        event('message_delta', { delta: { stop_reason: 'max_tokens' }, usage: { output_tokens: 9 } }),
        event('message_stop', {}),
      ],
    });
    const result = await collectLLMStream(
      await (await create({ thinkingMode: true })).doStream({ messages: [{ role: 'user', content: 'q' }] }),
    );
    expect(result).toEqual({
      text: '42',
      reasoning: 'Let me think.',
      finishReason: 'length',
      usage: { promptTokens: 4, completionTokens: 9, totalTokens: 13 },
    });
  });

  it('turns an error event mid-stream into one retryable error part', async () => {
    const pieces = ssePieces('anthropic-messages-stream.sse').slice(0, 4);
    pieces.push(`event: error\ndata: ${fixture('anthropic-error-529.json').trim()}\n\n`);
    server.enqueue('messages', { type: 'sse', pieces });
    const parts: LLMStreamPart[] = [];
    for await (const part of await (await create()).doStream({ messages: [{ role: 'user', content: 'x' }] }))
      parts.push(part);
    expect(parts[0]).toEqual({ type: 'text-delta', delta: 'Hello' });
    const last = parts.at(-1) as {
      type: string;
      error: { code: string; isRetryable: boolean; message: string };
    };
    expect(last.type).toBe('error');
    expect(last.error.isRetryable).toBe(true);
    expect(last.error.message).toContain('overloaded_error');
  });

  it('retries the documented 529 overloaded error', async () => {
    server.enqueue(
      'messages',
      {
        type: 'raw',
        status: 529,
        body: fixture('anthropic-error-529.json'),
        headers: { 'retry-after-ms': '1', 'content-type': 'application/json' },
      },
      'recovered',
    );
    const result = await (await create()).doGenerate({ messages: [{ role: 'user', content: 'x' }] });
    expect(result.text).toBe('recovered');
    expect(server.requests).toHaveLength(2);
  });

  it("explains an exhausted 529 with Anthropic's message", async () => {
    const overloaded = {
      type: 'raw' as const,
      status: 529,
      body: fixture('anthropic-error-529.json'),
      headers: { 'retry-after-ms': '1', 'content-type': 'application/json' },
    };
    server.enqueue('messages', overloaded, overloaded);
    const error = await (await create())
      .doGenerate({ messages: [{ role: 'user', content: 'x' }] })
      .catch((e) => e);
    expect(isAutoSkillError(error, 'UPSTREAM_ERROR')).toBe(true);
    expect(error.message).toContain('Overloaded');
    expect(error.message).toContain('try again later');
  });

  it('treats a stream that closes before message_stop as broken', async () => {
    server.enqueue('messages', {
      type: 'sse',
      pieces: ssePieces('anthropic-messages-stream.sse').slice(0, 5),
    });
    const parts: LLMStreamPart[] = [];
    for await (const part of await (await create()).doStream({ messages: [{ role: 'user', content: 'x' }] }))
      parts.push(part);
    expect(parts.at(-1)).toMatchObject({
      type: 'error',
      error: { code: 'UPSTREAM_ERROR', isRetryable: true },
    });
  });

  it('needs ANTHROPIC_API_KEY', async () => {
    const error = await createLLMConnector({ provider: 'anthropic' }, { env: {} }).catch((e) => e);
    expect(isAutoSkillError(error, 'MISSING_API_KEY')).toBe(true);
    expect(error.message).toContain('ANTHROPIC_API_KEY');
  });
});
