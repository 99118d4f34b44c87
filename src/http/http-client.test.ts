import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isAutoSkillError } from '../shared/errors.js';
import { type FakeModelServer, startFakeModelServer } from '../testing/fake-model-server.js';
import { type HttpRequestOptions, requestJson, requestRaw, type SleepFunction } from './http-client.js';
import { decodeServerSentEvents } from './sse.js';

let server: FakeModelServer;
beforeAll(async () => {
  server = await startFakeModelServer();
});
afterEach(() => server.reset());
afterAll(() => server.close());

const ChatSchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullish() }) })),
});

/** Records backoff waits instead of sleeping. */
function recordingSleep(): { sleep: SleepFunction; waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    sleep: async (ms, signal) => {
      waits.push(ms);
      if (signal?.aborted) throw signal.reason;
    },
  };
}

function chatRequest(extra: Partial<HttpRequestOptions> = {}) {
  return requestJson({
    url: `${server.baseUrl}/chat/completions`,
    json: { model: 'm', messages: [{ role: 'user', content: 'hi' }] },
    headers: { authorization: 'Bearer sk-secret-value-123' },
    schema: ChatSchema,
    provider: 'openai',
    ...extra,
  });
}

async function failureOf(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isAutoSkillError(error)) throw new TypeError(`expected an AutoSkillError, got ${String(error)}`);
  return error;
}

describe('requestJson', () => {
  it('posts JSON and returns the validated value', async () => {
    server.enqueue('chat', 'hello');
    const result = await chatRequest({ headers: { authorization: 'Bearer k', 'x-optional': undefined } });
    expect(result.value.choices[0]?.message.content).toBe('hello');
    expect(result.statusCode).toBe(200);
    const recorded = server.lastRequest('chat');
    expect(recorded?.method).toBe('POST');
    expect(recorded?.headers['content-type']).toBe('application/json');
    expect(recorded?.headers['accept']).toBe('application/json');
    expect(recorded?.headers).not.toHaveProperty('x-optional');
    expect(recorded?.body).toEqual({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
  });

  it('fails on 401 without retrying and without leaking the key', async () => {
    server.enqueue('chat', {
      type: 'error',
      status: 401,
      message: 'Incorrect API key provided: sk-secret-value-123',
    });
    const error = await failureOf(chatRequest({ maxRetries: 3, ...recordingSleep() }));
    expect(error.code).toBe('UPSTREAM_ERROR');
    expect(error.isRetryable).toBe(false);
    expect(error.details).toMatchObject({ provider: 'openai', statusCode: 401, attempts: 1 });
    expect(error.details['url']).toBe(`${server.baseUrl}/chat/completions`);
    expect(error.message).toContain('HTTP 401');
    expect(error.message).toContain('Incorrect API key provided');
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain(
      'sk-secret-value-123',
    );
    expect(server.requestsTo('chat')).toHaveLength(1);
  });

  it('retries 429 honouring Retry-After seconds, then succeeds', async () => {
    server.enqueue('chat', { type: 'error', status: 429, headers: { 'retry-after': '2' } }, 'ok');
    const { sleep, waits } = recordingSleep();
    const result = await chatRequest({ sleep });
    expect(result.value.choices[0]?.message.content).toBe('ok');
    expect(waits).toEqual([2000]);
    expect(server.requestsTo('chat')).toHaveLength(2);
  });

  it('honours retry-after-ms and HTTP-date Retry-After, capped', async () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    server.enqueue(
      'chat',
      { type: 'error', status: 503, headers: { 'retry-after-ms': '250' } },
      { type: 'error', status: 503, headers: { 'retry-after': 'Thu, 01 Jan 2026 00:00:03 GMT' } },
      { type: 'error', status: 503, headers: { 'retry-after': '3600' } },
      'ok',
    );
    const { sleep, waits } = recordingSleep();
    await chatRequest({ sleep, now: () => now, maxRetries: 3, backoff: { maxRetryAfterMs: 10_000 } });
    expect(waits).toEqual([250, 3000, 10_000]);
  });

  it('backs off exponentially with jitter on 500 and gives up after maxRetries', async () => {
    server.setResponder('chat', () => ({ type: 'error', status: 500, message: 'boom' }));
    const { sleep, waits } = recordingSleep();
    const error = await failureOf(
      chatRequest({ sleep, maxRetries: 3, random: () => 0.5, backoff: { initialDelayMs: 100 } }),
    );
    expect(error.code).toBe('UPSTREAM_ERROR');
    expect(error.isRetryable).toBe(true);
    expect(error.details).toMatchObject({ statusCode: 500, attempts: 4 });
    expect(waits).toEqual([75, 150, 300]);
    expect(server.requestsTo('chat')).toHaveLength(4);
  });

  it.each([408, 409, 502, 503, 504])('retries status %i', async (status) => {
    server.enqueue('chat', { type: 'error', status }, 'ok');
    await chatRequest(recordingSleep());
    expect(server.requestsTo('chat')).toHaveLength(2);
  });

  it.each([400, 403, 404, 413, 422])('does not retry status %i', async (status) => {
    server.enqueue('chat', { type: 'error', status }, 'ok');
    const error = await failureOf(chatRequest(recordingSleep()));
    expect(error.details['statusCode']).toBe(status);
    expect(server.requestsTo('chat')).toHaveLength(1);
  });

  it('times out a hanging upstream as UPSTREAM_TIMEOUT and retries it', async () => {
    server.enqueue('chat', { type: 'hang' }, { type: 'hang' });
    const started = performance.now();
    const error = await failureOf(chatRequest({ timeoutMs: 100, maxRetries: 1, ...recordingSleep() }));
    expect(error.code).toBe('UPSTREAM_TIMEOUT');
    expect(error.isRetryable).toBe(true);
    expect(error.details).toMatchObject({ timeoutMs: 100, attempts: 2 });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(server.requestsTo('chat')).toHaveLength(2);
  });

  it('treats timeoutMs Infinity or 0 as no timeout', async () => {
    server.enqueue(
      'chat',
      { type: 'text', text: 'slow', delayMs: 30 },
      { type: 'text', text: 'slow', delayMs: 30 },
    );
    expect(
      (await chatRequest({ timeoutMs: Number.POSITIVE_INFINITY })).value.choices[0]?.message.content,
    ).toBe('slow');
    expect((await chatRequest({ timeoutMs: 0 })).value.choices[0]?.message.content).toBe('slow');
  });

  it('times out a body that stalls after the headers', async () => {
    server.enqueue('chat', { type: 'sse', pieces: ['{"choices":', '[]}'], chunkDelayMs: 1000 });
    const error = await failureOf(chatRequest({ timeoutMs: 150, maxRetries: 0 }));
    expect(error.code).toBe('UPSTREAM_TIMEOUT');
  });

  it('stops at once when the caller aborts, without retrying', async () => {
    server.enqueue('chat', { type: 'hang' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const error = await failureOf(chatRequest({ abortSignal: controller.signal, maxRetries: 3 }));
    expect(error.code).toBe('ABORTED');
    expect(server.requestsTo('chat')).toHaveLength(1);
  });

  it('stops during the backoff wait when the caller aborts', async () => {
    server.setResponder('chat', () => ({ type: 'error', status: 503 }));
    const controller = new AbortController();
    const error = await failureOf(
      chatRequest({
        abortSignal: controller.signal,
        onRetry: () => controller.abort(),
        backoff: { initialDelayMs: 10_000 },
      }),
    );
    expect(error.code).toBe('ABORTED');
    expect(server.requestsTo('chat')).toHaveLength(1);
  });

  it('refuses to start with an already aborted signal', async () => {
    const error = await failureOf(chatRequest({ abortSignal: AbortSignal.abort() }));
    expect(error.code).toBe('ABORTED');
    expect(server.requestsTo('chat')).toHaveLength(0);
  });

  it('retries a dropped connection', async () => {
    server.enqueue('chat', { type: 'break' }, 'recovered');
    const result = await chatRequest(recordingSleep());
    expect(result.value.choices[0]?.message.content).toBe('recovered');
  });

  it('treats a body that fails midway as a retryable connection failure', async () => {
    let calls = 0;
    const fetch = async () => {
      calls += 1;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"choi'));
          controller.error(new Error('socket hang up'));
        },
      });
      return new Response(body, { status: 200 });
    };
    const error = await failureOf(chatRequest({ fetch, maxRetries: 1, ...recordingSleep() }));
    expect(error).toMatchObject({ code: 'UPSTREAM_ERROR', isRetryable: true, details: { attempts: 2 } });
    expect(calls).toBe(2);
  });

  it('reports an unreachable host as a retryable network error', async () => {
    const port = await freePort();
    const { sleep, waits } = recordingSleep();
    const error = await failureOf(
      requestJson({ url: `http://127.0.0.1:${port}/v1/x`, schema: z.unknown(), provider: 'ollama', sleep }),
    );
    expect(error.code).toBe('UPSTREAM_ERROR');
    expect(error.isRetryable).toBe(true);
    expect(error.details['networkError']).toBe('ECONNREFUSED');
    expect(error.message).toContain('ollama could not be reached');
    expect(waits).toHaveLength(2);
  });

  it('rejects malformed JSON and schema mismatches as INVALID_RESPONSE, not retried', async () => {
    server.enqueue('chat', { type: 'raw', body: '{"choices": [' });
    const malformed = await failureOf(chatRequest(recordingSleep()));
    expect(malformed.code).toBe('INVALID_RESPONSE');
    expect(malformed.details).toMatchObject({
      provider: 'openai',
      statusCode: 200,
      responseBody: '{"choices": [',
    });

    server.enqueue('chat', { type: 'json', body: { choices: 'nope' } });
    const mismatch = await failureOf(chatRequest(recordingSleep()));
    expect(mismatch.code).toBe('INVALID_RESPONSE');
    expect(mismatch.message).toContain('choices');
    expect(server.requestsTo('chat')).toHaveLength(2);
  });

  it('clips long error bodies and redacts secrets in the URL', async () => {
    server.enqueue('other', { type: 'error', status: 400, body: `${'x'.repeat(10_000)} abcdef123456` });
    const error = await failureOf(
      requestJson({
        url: `http://user:passw0rd@127.0.0.1:${server.port}/custom?key=abcdef123456&model=m`,
        schema: z.unknown(),
        maxErrorBodyChars: 100,
      }),
    );
    expect(String(error.details['responseBody']).length).toBeLessThan(200);
    expect(error.details['url']).toBe(`http://127.0.0.1:${server.port}/custom?key=%5BREDACTED%5D&model=m`);
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toMatch(
      /abcdef123456|passw0rd/,
    );
    // User info travels as Basic auth, since fetch refuses URLs with credentials.
    expect(server.lastRequest()?.headers['authorization']).toBe(`Basic ${btoa('user:passw0rd')}`);
  });

  it('reports a request that cannot be built as INVALID_CONFIG, not retried', async () => {
    const { sleep, waits } = recordingSleep();
    const error = await failureOf(
      requestJson({
        url: `${server.baseUrl}/models`,
        headers: { 'x-bad': 'a\nb' },
        schema: z.unknown(),
        sleep,
      }),
    );
    expect(error.code).toBe('INVALID_CONFIG');
    expect(waits).toEqual([]);
  });
});

describe('requestRaw', () => {
  it('returns the streaming response without buffering it', async () => {
    server.enqueue('chat', { type: 'text', text: 'a b c', chunkDelayMs: 150 });
    const started = performance.now();
    const response = await requestRaw({
      url: `${server.baseUrl}/chat/completions`,
      json: { model: 'm', stream: true, messages: [] },
      timeoutMs: 100,
    });
    const reader = decodeServerSentEvents(response.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(first.value?.data).toContain('chat.completion.chunk');
    expect(performance.now() - started).toBeLessThan(150);
    // The per-attempt timeout stopped at the headers: the slow stream still completes.
    const rest: string[] = [];
    for (let next = await reader.read(); !next.done; next = await reader.read()) rest.push(next.value.data);
    expect(rest.at(-1)).toBe('[DONE]');
  });

  it('retries retryable statuses before returning, and throws on errors by default', async () => {
    server.enqueue('chat', { type: 'error', status: 502 }, 'fine');
    const response = await requestRaw({
      url: `${server.baseUrl}/chat/completions`,
      json: {},
      ...recordingSleep(),
    });
    expect(response.status).toBe(200);

    server.enqueue('chat', { type: 'error', status: 404, message: 'no such model' });
    const error = await failureOf(requestRaw({ url: `${server.baseUrl}/chat/completions`, json: {} }));
    expect(error.details['statusCode']).toBe(404);
  });

  it('passes the final upstream error through when throwHttpErrors is false', async () => {
    server.setResponder('chat', () => ({ type: 'error', status: 429, message: 'busy' }));
    const response = await requestRaw({
      url: `${server.baseUrl}/chat/completions`,
      json: {},
      throwHttpErrors: false,
      maxRetries: 1,
      ...recordingSleep(),
    });
    expect(response.status).toBe(429);
    expect(await response.json()).toMatchObject({ error: { message: 'busy' } });
    expect(server.requestsTo('chat')).toHaveLength(2);
  });

  it('lets the caller abort the body after the response arrived', async () => {
    server.enqueue('chat', { type: 'text', text: 'a b c d', chunkDelayMs: 200 });
    const controller = new AbortController();
    const response = await requestRaw({
      url: `${server.baseUrl}/chat/completions`,
      json: { stream: true },
      abortSignal: controller.signal,
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    controller.abort();
    await expect(reader.read()).rejects.toThrow();
  });

  it('sends a raw string body unchanged with a GET default when there is none', async () => {
    await requestRaw({ url: `${server.baseUrl}/models` });
    expect(server.lastRequest()?.method).toBe('GET');
    await requestRaw({
      url: `${server.baseUrl}/chat/completions`,
      body: '{"raw":true}',
      headers: { 'content-type': 'application/json' },
    });
    expect(server.lastRequest()?.rawBody).toBe('{"raw":true}');
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
    });
  });
}
