import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeServerSentEvents } from '../http/sse.js';
import { fakeEmbedding } from './fake-embeddings.js';
import { type FakeModelServer, startFakeModelServer } from './fake-model-server.js';

let server: FakeModelServer;
let client: OpenAI;

beforeAll(async () => {
  server = await startFakeModelServer({ embeddingDimensions: 8 });
  client = new OpenAI({ apiKey: 'sk-test-key', baseURL: server.baseUrl, maxRetries: 0, timeout: 5000 });
});
afterEach(() => server.reset());
afterAll(() => server.close());

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

async function sseEvents(response: Response) {
  if (!response.body) throw new TypeError('no body');
  return collect(decodeServerSentEvents(response.body));
}

describe('OpenAI chat completions', () => {
  it('answers a non-streaming request with the queued text and records the request', async () => {
    server.enqueue('chat', 'Hello there 你好');
    const completion = await client.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0.2,
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('gpt-test');
    expect(completion.choices[0]?.message).toMatchObject({ role: 'assistant', content: 'Hello there 你好' });
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);
    const recorded = server.lastRequest('chat');
    expect(recorded?.path).toBe('/v1/chat/completions');
    expect(recorded?.headers['authorization']).toBe('Bearer sk-test-key');
    expect(recorded?.body).toMatchObject({ model: 'gpt-test', temperature: 0.2 });
  });

  it('streams chat.completion.chunk events: role first, content deltas, finish_reason, usage, [DONE]', async () => {
    server.enqueue('chat', { type: 'text', text: 'unused', chunks: ['Hel', 'lo', ' 世界'] });
    const stream = await client.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = await collect(stream);
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks[0]?.choices[0]?.delta).toMatchObject({ role: 'assistant', content: '' });
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('Hello 世界');
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage?.completion_tokens).toBeGreaterThan(0);
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
  });

  it('omits usage fields without stream_options.include_usage and ends with data: [DONE]', async () => {
    const response = await fetch(`${server.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', stream: true, messages: [] }),
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const events = await sseEvents(response);
    expect(events.at(-1)?.data).toBe('[DONE]');
    expect(events.slice(0, -1).some((event) => event.data.includes('"usage"'))).toBe(false);
  });

  it('returns tool calls, whole and streamed', async () => {
    const toolCall = { name: 'get_weather', arguments: { city: '上海', unit: 'c' } };
    server.enqueue(
      'chat',
      { type: 'tool-call', toolCalls: [toolCall] },
      { type: 'tool-call', toolCalls: [toolCall] },
    );
    const whole = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(whole.choices[0]?.finish_reason).toBe('tool_calls');
    const call = whole.choices[0]?.message.tool_calls?.[0];
    expect(call?.type).toBe('function');
    expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual(toolCall.arguments);

    const stream = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    });
    const chunks = await collect(stream);
    let name = '';
    let args = '';
    for (const chunk of chunks) {
      for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
        name += delta.function?.name ?? '';
        args += delta.function?.arguments ?? '';
      }
    }
    expect(name).toBe('get_weather');
    expect(JSON.parse(args)).toEqual(toolCall.arguments);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('sends error statuses in OpenAI error shape', async () => {
    server.enqueue('chat', {
      type: 'error',
      status: 429,
      message: 'slow down',
      headers: { 'retry-after': '1' },
    });
    const failure = await client.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'x' }] })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect((failure as InstanceType<typeof OpenAI.APIError>).status).toBe(429);
    expect((failure as InstanceType<typeof OpenAI.APIError>).message).toContain('slow down');
  });

  it('breaks a stream midway by destroying the connection', async () => {
    server.enqueue('chat', { type: 'text', text: 'a b c d e f', breakAfterEvents: 3 });
    const stream = await client.chat.completions.create({ model: 'm', messages: [], stream: true });
    await expect(collect(stream)).rejects.toThrow();
  });
});

describe('OpenAI embeddings and models', () => {
  it('returns deterministic float vectors, base64 when asked (the SDK default)', async () => {
    const viaSdk = await client.embeddings.create({ model: 'emb', input: ['alpha', '贝塔'] });
    expect(server.lastRequest('embeddings')?.body).toMatchObject({ encoding_format: 'base64' });
    expect(viaSdk.data.map((item) => item.embedding)).toEqual([
      fakeEmbedding('alpha', 8),
      fakeEmbedding('贝塔', 8),
    ]);

    const floats = await client.embeddings.create({
      model: 'emb',
      input: 'alpha',
      encoding_format: 'float',
      dimensions: 4,
    });
    expect(floats.data[0]?.embedding).toEqual(fakeEmbedding('alpha', 4));
    expect(floats.usage.prompt_tokens).toBeGreaterThan(0);
  });

  it('can return a wrong count or explicit vectors', async () => {
    server.enqueue('embeddings', { type: 'embeddings', count: 1 }, { type: 'embeddings', vectors: [[1, 0]] });
    const short = await client.embeddings.create({ model: 'e', input: ['a', 'b'], encoding_format: 'float' });
    expect(short.data).toHaveLength(1);
    const explicit = await client.embeddings.create({ model: 'e', input: ['a'], encoding_format: 'float' });
    expect(explicit.data[0]?.embedding).toEqual([1, 0]);
  });

  it('lists models', async () => {
    const page = await client.models.list();
    expect(page.data.map((model) => model.id)).toEqual(['fake-chat-model', 'fake-embedding-model']);
  });
});

describe('Anthropic messages', () => {
  const post = (body: unknown) =>
    fetch(`${server.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'ak', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(body),
    });

  it('answers with a message object', async () => {
    server.enqueue('messages', 'Bonjour');
    const response = await post({
      model: 'claude-test',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(await response.json()).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-test',
      content: [{ type: 'text', text: 'Bonjour' }],
      stop_reason: 'end_turn',
      usage: { output_tokens: expect.any(Number) },
    });
    expect(server.lastRequest('messages')?.headers['x-api-key']).toBe('ak');
  });

  it('streams the documented event sequence', async () => {
    server.enqueue('messages', { type: 'text', text: 'x', chunks: ['Hel', 'lo'] });
    const events = await sseEvents(await post({ model: 'c', max_tokens: 5, stream: true, messages: [] }));
    expect(events.map((event) => event.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const deltas = events
      .filter((event) => event.event === 'content_block_delta')
      .map((event) => JSON.parse(event.data).delta.text);
    expect(deltas).toEqual(['Hel', 'lo']);
    expect(JSON.parse(events[0]?.data ?? '{}').type).toBe('message_start');
  });

  it('streams tool_use blocks with input_json_delta', async () => {
    server.enqueue('messages', { type: 'tool-call', toolCalls: [{ name: 'lookup', arguments: { q: 'x' } }] });
    const events = await sseEvents(await post({ model: 'c', max_tokens: 5, stream: true, messages: [] }));
    const start = JSON.parse(events[1]?.data ?? '{}');
    expect(start.content_block).toMatchObject({ type: 'tool_use', name: 'lookup', input: {} });
    const json = events
      .filter((event) => event.event === 'content_block_delta')
      .map((event) => JSON.parse(event.data).delta.partial_json)
      .join('');
    expect(JSON.parse(json)).toEqual({ q: 'x' });
    expect(JSON.parse(events.at(-2)?.data ?? '{}').delta.stop_reason).toBe('tool_use');
  });

  it('sends errors in Anthropic shape', async () => {
    server.enqueue('messages', { type: 'error', status: 529, message: 'Overloaded' });
    const response = await post({ model: 'c', max_tokens: 5, messages: [] });
    expect(response.status).toBe(529);
    expect(await response.json()).toEqual({
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
    });
  });
});

describe('provider path variants', () => {
  it.each([
    ['/compatible-mode/v1/chat/completions', 'chat'],
    ['/api/paas/v4/chat/completions', 'chat'],
    ['/compatible-mode/v1/embeddings', 'embeddings'],
    ['/api/paas/v4/embeddings', 'embeddings'],
    ['/api/embed', 'ollama-embed'],
  ])('routes %s to %s', async (path, route) => {
    const response = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', input: ['q'], messages: [] }),
    });
    expect(response.status).toBe(200);
    expect(server.lastRequest()?.route).toBe(route);
  });

  it('answers Ollama /api/embed in its own shape', async () => {
    const response = await fetch(`${server.url}/api/embed`, {
      method: 'POST',
      body: JSON.stringify({ model: 'nomic-embed-text', input: ['a', 'b'] }),
    });
    const body = (await response.json()) as { embeddings: number[][]; model: string };
    expect(body.model).toBe('nomic-embed-text');
    expect(body.embeddings).toEqual([fakeEmbedding('a', 8), fakeEmbedding('b', 8)]);
  });

  it('answers unknown paths with 404', async () => {
    const response = await fetch(`${server.url}/nope`);
    expect(response.status).toBe(404);
    expect(server.lastRequest()?.route).toBe('other');
  });
});

describe('scripting', () => {
  it('uses the queue first, then the route responder, then the default', async () => {
    server.enqueue('chat', 'queued');
    server.setResponder('chat', (request) => {
      const messages = (request.body as { messages: { content: string }[] }).messages;
      return `echo: ${messages.at(-1)?.content}`;
    });
    const ask = async () =>
      (await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'ping' }] }))
        .choices[0]?.message.content;
    expect(await ask()).toBe('queued');
    expect(await ask()).toBe('echo: ping');
    server.setResponder('chat', undefined);
    expect(await ask()).toBe('OK');
    expect(server.requestsTo('chat')).toHaveLength(3);
  });

  it('delays a reply', async () => {
    server.enqueue('chat', { type: 'text', text: 'late', delayMs: 120 });
    const started = performance.now();
    await client.chat.completions.create({ model: 'm', messages: [] });
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
  });

  it('spaces stream events by chunkDelayMs', async () => {
    server.enqueue('chat', { type: 'text', text: 'a b c', chunkDelayMs: 30 });
    const started = performance.now();
    await collect(await client.chat.completions.create({ model: 'm', messages: [], stream: true }));
    // role + 3 deltas + finish + [DONE] = 6 events, 5 gaps
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('sends raw bodies and raw SSE pieces verbatim', async () => {
    server.enqueue('chat', { type: 'raw', body: '{"choices": [' });
    const raw = await fetch(`${server.baseUrl}/chat/completions`, { method: 'POST', body: '{}' });
    expect(await raw.text()).toBe('{"choices": [');

    server.enqueue('chat', {
      type: 'sse',
      pieces: ['data: {"a"', ':1}\r', '\n\r\n', ': comment\n\ndata: [DONE]\n\n'],
    });
    const events = await sseEvents(
      await fetch(`${server.baseUrl}/chat/completions`, { method: 'POST', body: '{}' }),
    );
    expect(events.map((event) => event.data)).toEqual(['{"a":1}', '[DONE]']);
  });

  it('breaks the connection without a response', async () => {
    server.enqueue('chat', { type: 'break' });
    await expect(
      fetch(`${server.baseUrl}/chat/completions`, { method: 'POST', body: '{}' }),
    ).rejects.toThrow();
  });

  it('waits for requests', async () => {
    const waiting = server.waitForRequests(2, { timeoutMs: 2000 });
    await fetch(`${server.baseUrl}/models`);
    await fetch(`${server.baseUrl}/models`);
    expect(await waiting).toHaveLength(2);
    await expect(server.waitForRequests(5, { timeoutMs: 50 })).rejects.toThrow(/2 of 5/);
  });

  it('rejects a non-JSON body by default with 400', async () => {
    const response = await fetch(`${server.baseUrl}/chat/completions`, { method: 'POST', body: 'not json' });
    expect(response.status).toBe(400);
    expect(server.lastRequest()?.rawBody).toBe('not json');
  });
});

describe('lifecycle', () => {
  it('closes quickly even with a hanging request', async () => {
    const local = await startFakeModelServer();
    local.enqueue('chat', { type: 'hang' });
    const pending = fetch(`${local.baseUrl}/chat/completions`, { method: 'POST', body: '{}' }).catch(
      (error: unknown) => error,
    );
    await local.waitForRequests(1);
    const started = performance.now();
    await local.close({ timeoutMs: 1000 });
    expect(performance.now() - started).toBeLessThan(500);
    expect(await pending).toBeInstanceOf(Error);
  });

  it('hangs until the client gives up', async () => {
    server.enqueue('chat', { type: 'hang' });
    const result = await fetch(`${server.baseUrl}/chat/completions`, {
      method: 'POST',
      body: '{}',
      signal: AbortSignal.timeout(100),
    }).catch((error: unknown) => error);
    expect((result as Error).name).toBe('TimeoutError');
  });
});
