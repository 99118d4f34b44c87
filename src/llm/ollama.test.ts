import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isAutoSkillError } from '../shared/errors.js';
import { type FakeModelServer, startFakeModelServer } from '../testing/index.js';
import { createLLMConnector } from './builtin.js';
import type { LLMConfigInput } from './config.js';
import { ollamaBaseUrl } from './ollama.js';
import { collectLLMStream } from './stream.js';
import type { LLMStreamPart } from './types.js';

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8');
const NDJSON = { 'content-type': 'application/x-ndjson' };

describe('ollamaBaseUrl', () => {
  it.each([
    ['0.0.0.0', 'http://127.0.0.1:11434'],
    ['127.0.0.1:11500', 'http://127.0.0.1:11500'],
    ['http://gpu-box:11434/', 'http://gpu-box:11434'],
    ['https://ollama.example.com', 'https://ollama.example.com'],
  ])('%s → %s', (host, expected) => {
    expect(ollamaBaseUrl(host)).toBe(expected);
  });
});

describe('ollama connector', () => {
  let server: FakeModelServer;
  const create = (config: LLMConfigInput = {}) =>
    createLLMConnector(
      { provider: 'ollama', maxRetries: 0, ...config },
      { env: { OLLAMA_HOST: server.url } },
    );
  beforeAll(async () => {
    server = await startFakeModelServer();
  });
  afterAll(() => server.close());
  beforeEach(() => server.reset());

  it('posts the documented /api/chat body: options, JSON format, no auth', async () => {
    server.enqueue('other', { type: 'raw', body: fixture('ollama-chat-response.json') });
    const connector = await create();
    expect(connector).toMatchObject({ provider: 'ollama', modelId: 'llama3.2' });
    const result = await connector.doGenerate({
      messages: [
        { role: 'system', content: 'Reply in JSON.' },
        { role: 'user', content: 'why is the sky blue?' },
      ],
      temperature: 0,
      maxTokens: 128,
      responseFormat: 'json',
    });
    const request = server.lastRequest();
    expect(request?.path).toBe('/api/chat');
    expect(request?.headers).not.toHaveProperty('authorization');
    expect(request?.body).toEqual({
      model: 'llama3.2',
      messages: [
        { role: 'system', content: 'Reply in JSON.' },
        { role: 'user', content: 'why is the sky blue?' },
      ],
      stream: false,
      options: { temperature: 0, num_predict: 128 },
      format: 'json',
    });
    expect(result).toMatchObject({
      text: 'Hello! How are you today?',
      finishReason: 'stop',
      usage: { promptTokens: 26, completionTokens: 298, totalTokens: 324 },
    });
  });

  it('reads the documented newline-delimited stream', async () => {
    const lines = fixture('ollama-chat-stream.ndjson').split(/(?<=\n)/);
    server.enqueue('other', { type: 'sse', pieces: lines, headers: NDJSON });
    const parts: LLMStreamPart[] = [];
    for await (const part of await (await create()).doStream({
      messages: [{ role: 'user', content: 'sky?' }],
    }))
      parts.push(part);
    expect(parts).toEqual([
      { type: 'text-delta', delta: 'The' },
      { type: 'text-delta', delta: ' sky' },
      { type: 'text-delta', delta: ' is blue.' },
      {
        type: 'finish',
        finishReason: 'stop',
        usage: { promptTokens: 26, completionTokens: 282, totalTokens: 308 },
      },
    ]);
    expect(server.lastRequest()?.body).toMatchObject({ stream: true });
  });

  it('handles lines split across network chunks', async () => {
    const text = fixture('ollama-chat-stream.ndjson');
    const pieces = text.match(/[\s\S]{1,17}/g) ?? [];
    server.enqueue('other', { type: 'sse', pieces, headers: NDJSON });
    const result = await collectLLMStream(
      await (await create()).doStream({ messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(result.text).toBe('The sky is blue.');
  });

  it('sends think and surfaces message.thinking as reasoning', async () => {
    const line = (value: object) => `${JSON.stringify(value)}\n`;
    server.enqueue('other', {
      type: 'sse',
      headers: NDJSON,
      pieces: [
        line({ message: { role: 'assistant', content: '', thinking: 'Hmm.' }, done: false }),
        line({ message: { role: 'assistant', content: 'Blue.' }, done: false }),
        line({
          message: { role: 'assistant', content: '' },
          done: true,
          done_reason: 'length',
          eval_count: 3,
        }),
      ],
    });
    const result = await collectLLMStream(
      await (await create({ thinkingMode: true })).doStream({ messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(server.lastRequest()?.body).toMatchObject({ think: true });
    expect(result).toEqual({
      text: 'Blue.',
      reasoning: 'Hmm.',
      finishReason: 'length',
      usage: { promptTokens: 0, completionTokens: 3, totalTokens: 3 },
    });
  });

  it('repeats without think for a model that cannot think', async () => {
    server.enqueue(
      'other',
      { type: 'error', status: 400, body: { error: '"qwen2.5" does not support think' } },
      { type: 'raw', body: fixture('ollama-chat-response.json') },
    );
    const result = await (await create({ thinkingMode: true, model: 'qwen2.5' })).doGenerate({
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(result.text).toBe('Hello! How are you today?');
    expect(server.lastRequest()?.body).not.toHaveProperty('think');
  });

  it('says to pull a missing model', async () => {
    server.enqueue('other', {
      type: 'error',
      status: 404,
      body: { error: 'model "llama3.2" not found, try pulling it first' },
    });
    const error = await (await create())
      .doGenerate({ messages: [{ role: 'user', content: 'x' }] })
      .catch((e) => e);
    expect(isAutoSkillError(error, 'UPSTREAM_ERROR')).toBe(true);
    expect(error.message).toContain('not found');
    expect(error.message).toContain('ollama pull llama3.2');
  });

  it('reports an error line mid-stream as an error part', async () => {
    server.enqueue('other', {
      type: 'sse',
      headers: NDJSON,
      pieces: ['{"message":{"content":"par"},"done":false}\n', '{"error":"out of memory"}\n'],
    });
    const parts: LLMStreamPart[] = [];
    for await (const part of await (await create()).doStream({ messages: [{ role: 'user', content: 'x' }] }))
      parts.push(part);
    expect(parts[0]).toEqual({ type: 'text-delta', delta: 'par' });
    expect(parts.at(-1)).toMatchObject({ type: 'error' });
    expect((parts.at(-1) as { error: Error }).error.message).toContain('out of memory');
  });

  it('says to start Ollama when nothing listens', async () => {
    const connector = await createLLMConnector({
      provider: 'ollama',
      baseUrl: 'http://127.0.0.1:9',
      maxRetries: 0,
    });
    const error = await connector.doGenerate({ messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
    expect(error.message).toContain('ollama serve');
  });
});
