import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isAutoSkillError } from '../shared/errors.js';
import { type FakeModelServer, startFakeModelServer } from '../testing/index.js';
import { createLLMConnector } from './builtin.js';
import type { LLMConfigInput } from './config.js';
import { collectLLMStream } from './stream.js';

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8');
/** An SSE fixture as the server would write it: one piece per event. */
const ssePieces = (name: string) => fixture(name).split(/(?<=\n\n)/);

describe('openai connector', () => {
  let server: FakeModelServer;
  const env = { OPENAI_API_KEY: 'sk-test-openai' };
  const create = (config: LLMConfigInput = {}) =>
    createLLMConnector({ provider: 'openai', baseUrl: server.baseUrl, maxRetries: 0, ...config }, { env });

  beforeAll(async () => {
    server = await startFakeModelServer();
  });
  afterAll(() => server.close());
  beforeEach(() => server.reset());

  describe('request', () => {
    it('matches the documented Chat Completions request', async () => {
      server.enqueue('chat', { type: 'raw', body: fixture('openai-chat-response.json') });
      const connector = await create();
      await connector.doGenerate({
        messages: [
          { role: 'system', content: 'You are a helpful assistant.' },
          { role: 'user', content: [{ type: 'text', text: 'Hello!' }] },
        ],
        temperature: 0,
        maxTokens: 256,
      });
      const request = server.lastRequest('chat');
      expect(request?.method).toBe('POST');
      expect(request?.path).toBe('/v1/chat/completions');
      expect(request?.headers.authorization).toBe('Bearer sk-test-openai');
      expect(request?.body).toEqual(JSON.parse(fixture('openai-chat-request.json')));
    });

    it('defaults to gpt-4o-mini at api.openai.com, and OPENAI_BASE_URL moves it', async () => {
      const connector = await createLLMConnector({ provider: 'openai' }, { env });
      expect(connector.modelId).toBe('gpt-4o-mini');
      server.enqueue('chat', 'moved');
      const moved = await createLLMConnector(
        { provider: 'openai' },
        { env: { ...env, OPENAI_BASE_URL: server.baseUrl } },
      );
      expect((await moved.doGenerate({ messages: [{ role: 'user', content: 'hi' }] })).text).toBe('moved');
    });

    it('asks for include_usage when streaming and for JSON mode only when a message mentions JSON', async () => {
      server.enqueue('chat', '{"ok": true}', 'plain', 'streamed');
      const connector = await create();
      await connector.doGenerate({
        messages: [{ role: 'user', content: 'Answer in JSON.' }],
        responseFormat: 'json',
      });
      expect(server.lastRequest()?.body).toMatchObject({ response_format: { type: 'json_object' } });
      await connector.doGenerate({
        messages: [{ role: 'user', content: 'no format word' }],
        responseFormat: 'json',
      });
      expect(server.lastRequest()?.body).not.toHaveProperty('response_format');
      await collectLLMStream(await connector.doStream({ messages: [{ role: 'user', content: 'x' }] }));
      expect(server.lastRequest()?.body).toMatchObject({
        stream: true,
        stream_options: { include_usage: true },
      });
    });

    it('merges extraBody under the standard fields', async () => {
      server.enqueue('chat', 'ok');
      const connector = await create({
        extraBody: { user: 'u-1', model: 'ignored', seed: 7 },
        model: 'gpt-4o',
      });
      await connector.doGenerate({ messages: [{ role: 'user', content: 'x' }] });
      expect(server.lastRequest()?.body).toMatchObject({ user: 'u-1', seed: 7, model: 'gpt-4o' });
    });

    it('shortens an input over maxInputChars instead of dropping the user turn', async () => {
      server.enqueue('chat', 'ok');
      const connector = await create({ maxInputChars: 1_000 });
      await connector.doGenerate({
        messages: [
          { role: 'system', content: '规'.repeat(3_000) },
          { role: 'user', content: 'keep me' },
        ],
      });
      const body = server.lastRequest()?.body as { messages: Array<{ content: string }> };
      const sent = body.messages;
      expect(sent[1]?.content).toBe('keep me');
      expect([...(sent[0]?.content ?? '')].length).toBeLessThanOrEqual(993);
    });
  });

  describe('replies', () => {
    it('reads the documented response: text, finish reason, usage and raw body', async () => {
      server.enqueue('chat', { type: 'raw', body: fixture('openai-chat-response.json') });
      const result = await (await create()).doGenerate({ messages: [{ role: 'user', content: 'Hello!' }] });
      expect(result.text).toBe('\n\nHello there, how may I assist you today?');
      expect(result.finishReason).toBe('stop');
      expect(result.usage).toEqual({ promptTokens: 9, completionTokens: 12, totalTokens: 21 });
      expect(result.raw).toMatchObject({ id: 'chatcmpl-123', system_fingerprint: 'fp_44709d6fcb' });
    });

    it('assembles the documented stream, usage chunk included', async () => {
      server.enqueue('chat', {
        type: 'sse',
        pieces: ssePieces('openai-chat-stream.sse'),
        headers: { 'content-type': 'text/event-stream' },
      });
      const parts = [];
      for await (const part of await (await create()).doStream({
        messages: [{ role: 'user', content: 'Hello!' }],
      })) {
        parts.push(part);
      }
      expect(parts).toEqual([
        { type: 'text-delta', delta: 'Hello' },
        { type: 'text-delta', delta: ' there' },
        { type: 'text-delta', delta: '! 你好' },
        {
          type: 'finish',
          finishReason: 'stop',
          usage: { promptTokens: 9, completionTokens: 4, totalTokens: 13 },
        },
      ]);
    });

    it('maps a tool-call reply to finishReason tool-calls with empty text', async () => {
      server.enqueue('chat', { type: 'raw', body: fixture('openai-tool-call-response.json') });
      const result = await (await create()).doGenerate({ messages: [{ role: 'user', content: 'weather?' }] });
      expect(result).toMatchObject({ text: '', finishReason: 'tool-calls' });
    });

    it('accepts a gateway that answers a stream request with one JSON body', async () => {
      server.enqueue('chat', { type: 'raw', body: fixture('openai-chat-response.json') });
      const result = await collectLLMStream(
        await (await create()).doStream({ messages: [{ role: 'user', content: 'x' }] }),
      );
      expect(result.text).toBe('\n\nHello there, how may I assist you today?');
      expect(result.usage?.totalTokens).toBe(21);
    });

    it('turns a 200 body carrying an error object into UPSTREAM_ERROR', async () => {
      server.enqueue('chat', {
        type: 'json',
        body: { error: { message: 'quota exhausted', code: 'quota' } },
      });
      const error = await (await create())
        .doGenerate({ messages: [{ role: 'user', content: 'x' }] })
        .catch((e) => e);
      expect(isAutoSkillError(error, 'UPSTREAM_ERROR')).toBe(true);
      expect(error.message).toContain('quota exhausted');
    });

    it('reports an error event inside a stream as an error part', async () => {
      server.enqueue('chat', {
        type: 'sse',
        pieces: [
          'data: {"choices":[{"delta":{"content":"par"}}]}\n\n',
          'data: {"error":{"message":"server overloaded"}}\n\n',
        ],
      });
      const parts = [];
      for await (const part of await (await create()).doStream({
        messages: [{ role: 'user', content: 'x' }],
      }))
        parts.push(part);
      expect(parts[0]).toEqual({ type: 'text-delta', delta: 'par' });
      expect(parts[1]).toMatchObject({ type: 'error' });
      expect((parts[1] as { error: Error }).error.message).toContain('server overloaded');
    });

    it('treats a stream that closes without a finish reason as incomplete', async () => {
      server.enqueue('chat', {
        type: 'sse',
        pieces: ['data: {"choices":[{"delta":{"content":"half"}}]}\n\n'],
      });
      const parts = [];
      for await (const part of await (await create()).doStream({
        messages: [{ role: 'user', content: 'x' }],
      }))
        parts.push(part);
      expect(parts.at(-1)).toMatchObject({
        type: 'error',
        error: { code: 'UPSTREAM_ERROR', isRetryable: true },
      });
    });

    it('reports a malformed stream event as an INVALID_RESPONSE error part', async () => {
      server.enqueue('chat', { type: 'sse', pieces: ['data: {"choices": [ broken\n\n', 'data: [DONE]\n\n'] });
      const parts = [];
      for await (const part of await (await create()).doStream({
        messages: [{ role: 'user', content: 'x' }],
      }))
        parts.push(part);
      expect(parts).toHaveLength(1);
      expect(parts[0]).toMatchObject({ type: 'error', error: { code: 'INVALID_RESPONSE' } });
    });
  });

  describe('errors', () => {
    it('explains the documented 401 body and never echoes the key', async () => {
      server.enqueue('chat', { type: 'raw', status: 401, body: fixture('openai-error-401.json') });
      const error = await (await create())
        .doGenerate({ messages: [{ role: 'user', content: 'x' }] })
        .catch((e) => e);
      expect(isAutoSkillError(error, 'UPSTREAM_ERROR')).toBe(true);
      expect(error.message).toMatch(/openai returned HTTP 401/);
      expect(error.message).toContain('Incorrect API key provided');
      expect(error.message).toContain('set OPENAI_API_KEY');
      expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain(
        'sk-test-openai',
      );
      expect(error.details).toMatchObject({ provider: 'openai', statusCode: 401, model: 'gpt-4o-mini' });
    });

    it('fails fast with MISSING_API_KEY naming OPENAI_API_KEY', async () => {
      const error = await createLLMConnector(
        { provider: 'openai' },
        { env: { DASHSCOPE_API_KEY: 'x' } },
      ).catch((e) => e);
      expect(isAutoSkillError(error, 'MISSING_API_KEY')).toBe(true);
      expect(error.message).toContain('OPENAI_API_KEY');
    });

    it('repeats the call without a parameter the model rejects, and stops sending it', async () => {
      server.enqueue(
        'chat',
        {
          type: 'error',
          status: 400,
          message:
            "Unsupported value: 'temperature' does not support 0 with this model. Only the default (1) value is supported.",
        },
        'first',
        'second',
      );
      const connector = await create();
      expect(
        (await connector.doGenerate({ messages: [{ role: 'user', content: 'x' }], temperature: 0 })).text,
      ).toBe('first');
      const [rejected, repeated] = server.requests;
      expect(rejected?.body).toHaveProperty('temperature', 0);
      expect(repeated?.body).not.toHaveProperty('temperature');
      await connector.doGenerate({ messages: [{ role: 'user', content: 'x' }], temperature: 0 });
      expect(server.lastRequest()?.body).not.toHaveProperty('temperature');
    });

    it('switches between max_completion_tokens and max_tokens when a server names the other', async () => {
      server.enqueue(
        'chat',
        {
          type: 'error',
          status: 400,
          message: 'Unrecognized request argument supplied: max_completion_tokens',
        },
        'ok',
      );
      await (await create()).doGenerate({ messages: [{ role: 'user', content: 'x' }], maxTokens: 50 });
      expect(server.lastRequest()?.body).toMatchObject({ max_tokens: 50 });
      expect(server.lastRequest()?.body).not.toHaveProperty('max_completion_tokens');
    });

    it('does not repeat a 400 that names no optional parameter', async () => {
      server.enqueue('chat', { type: 'error', status: 400, message: "'messages' must not be empty" });
      const error = await (await create())
        .doGenerate({ messages: [{ role: 'user', content: 'x' }] })
        .catch((e) => e);
      expect(isAutoSkillError(error, 'UPSTREAM_ERROR')).toBe(true);
      expect(error.message).toContain('rejected the request');
      expect(server.requests).toHaveLength(1);
    });
  });
});
