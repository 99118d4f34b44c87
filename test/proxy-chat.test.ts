/**
 * The proxy's chat path end to end: the official `openai` client calls the proxy, the fake model server is
 * the upstream, and every test checks that the upstream received exactly the client's body plus the one
 * skill message, and that the upstream's answer (status, body, usage, stream) reaches the client.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAICompatibleUpstream } from '../src/server/proxy/upstreams/openai-compatible.js';
import type { SkillContextProvider } from '../src/service/turn-types.js';
import { INJECTED, type ProxyHarness, SKILL_MESSAGE, startProxyHarness } from './support/proxy-harness.js';

type Json = Record<string, unknown>;

/** The client's body with the skill message inserted after its leading system messages. */
function withSkill(body: Json): Json {
  const messages = body['messages'] as Json[];
  let position = 0;
  while (position < messages.length && messages[position]?.['role'] === 'system') position += 1;
  return {
    ...body,
    messages: [
      ...messages.slice(0, position),
      { role: 'system', content: SKILL_MESSAGE },
      ...messages.slice(position),
    ],
  };
}

describe('proxy chat completions (openai client → proxy → fake upstream)', () => {
  let harness: ProxyHarness;

  beforeAll(async () => {
    harness = await startProxyHarness();
  });
  afterAll(async () => {
    await harness.close();
  });
  afterEach(() => {
    harness.fake.reset();
    harness.observer.clear();
  });

  it('forwards a non-stream request with only the skill message added and returns the upstream answer', async () => {
    harness.fake.enqueue('chat', {
      type: 'text',
      text: 'Hello there',
      usage: { inputTokens: 21, outputTokens: 3 },
    });
    const body = {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system' as const, content: 'You are terse.' },
        { role: 'user' as const, content: 'Say hello' },
      ],
      temperature: 0.3,
      top_p: 0.9,
      max_tokens: 50,
    };
    const { data, response } = await harness.client.chat.completions.create(body).withResponse();
    expect(data.choices[0]?.message.content).toBe('Hello there');
    expect(data.choices[0]?.finish_reason).toBe('stop');
    expect(data.usage).toMatchObject({ prompt_tokens: 21, completion_tokens: 3, total_tokens: 24 });
    const forwarded = harness.fake.lastRequest('chat');
    expect(forwarded?.body).toEqual(withSkill(body));
    expect(forwarded?.headers['authorization']).toBe('Bearer upstream-secret');
    expect(response.headers.get('x-autoskill-skills')).toBe('skill-1');
    expect(response.headers.get('x-autoskill-request-id')).toMatch(/^[0-9a-f]{32}$/);
    const autoskill = (data as unknown as { autoskill: Json }).autoskill;
    expect(autoskill['request_id']).toBe(response.headers.get('x-autoskill-request-id'));
    expect(autoskill['skills']).toEqual([
      { id: 'skill-1', name: 'no-invented-numbers', version: '0.1.0', score: 0.9 },
    ]);
    expect(autoskill['retrieval']).toMatchObject({
      context_injected: true,
      selected_for_context_ids: ['skill-1'],
    });
    expect(autoskill).toHaveProperty('extraction', null);
    const [turn] = await harness.observer.waitForTurns(1);
    expect(turn).toMatchObject({
      status: 'completed',
      assistantText: 'Hello there',
      finishReason: 'stop',
      userId: 'u1',
      model: 'gpt-4o-mini',
      stream: false,
      injected: INJECTED,
      usage: { promptTokens: 21, completionTokens: 3, totalTokens: 24 },
    });
    expect(turn?.messages).toEqual(body.messages);
  });

  it('inserts the skill message first when the client sends no system message', async () => {
    const body = { model: 'm', messages: [{ role: 'user' as const, content: 'hi' }] };
    await harness.client.chat.completions.create(body);
    expect(harness.fake.lastRequest('chat')?.body).toEqual({
      model: 'm',
      messages: [
        { role: 'system', content: SKILL_MESSAGE },
        { role: 'user', content: 'hi' },
      ],
    });
  });

  it('streams chunks through as they arrive, with the autoskill field on the first chunk only', async () => {
    harness.fake.enqueue('chat', { type: 'text', text: 'one two three', chunks: ['one ', 'two ', 'three'] });
    const body = {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user' as const, content: 'count' }],
      stream: true as const,
      stream_options: { include_usage: true },
    };
    const stream = await harness.client.chat.completions.create(body);
    const chunks: Json[] = [];
    let text = '';
    for await (const chunk of stream) {
      chunks.push(chunk as unknown as Json);
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(text).toBe('one two three');
    expect(chunks[0]?.['autoskill']).toMatchObject({
      request_id: expect.any(String),
      skills: [{ id: 'skill-1' }],
    });
    expect(chunks.slice(1).some((chunk) => 'autoskill' in chunk)).toBe(false);
    const last = chunks[chunks.length - 1] as { usage?: Json; choices: unknown[] };
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ completion_tokens: expect.any(Number) });
    expect(chunks.some((chunk) => (chunk['choices'] as Json[])[0]?.['finish_reason'] === 'stop')).toBe(true);
    expect(harness.fake.lastRequest('chat')?.body).toEqual(withSkill(body));
    const [turn] = await harness.observer.waitForTurns(1);
    expect(turn).toMatchObject({
      status: 'completed',
      assistantText: 'one two three',
      stream: true,
      finishReason: 'stop',
    });
    expect(turn?.usage?.completionTokens).toBeGreaterThan(0);
  });

  const fidelityCases: Array<{ name: string; body: Json }> = [
    {
      name: 'tools + tool_choice',
      body: {
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
        tools: [
          {
            type: 'function',
            function: {
              name: 'get_weather',
              description: 'Current weather',
              parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
              strict: true,
            },
          },
        ],
        tool_choice: { type: 'function', function: { name: 'get_weather' } },
        parallel_tool_calls: false,
      },
    },
    {
      name: 'response_format json_schema',
      body: {
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'Give me JSON' }],
        response_format: {
          type: 'json_schema',
          json_schema: {
            name: 'answer',
            schema: { type: 'object', properties: { a: { type: 'number' } } },
            strict: true,
          },
        },
      },
    },
    { name: 'n', body: { model: 'gpt-4o', messages: [{ role: 'user', content: 'two answers' }], n: 2 } },
    {
      name: 'stop, seed, max_completion_tokens, logprobs',
      body: {
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'go' }],
        stop: ['\n\n', 'END'],
        seed: 42,
        max_completion_tokens: 64,
        logprobs: true,
        top_logprobs: 2,
        presence_penalty: 0.5,
        frequency_penalty: -0.5,
        user: 'u1',
      },
    },
    {
      name: 'images in content parts, tool history',
      body: {
        model: 'gpt-4o',
        messages: [
          { role: 'system', content: 'sys' },
          { role: 'developer', content: 'dev' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is in this image? 这是什么？' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } },
              { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
            ],
          },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'call_1', type: 'function', function: { name: 'look', arguments: '{"x":1}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: 'a cat' },
        ],
      },
    },
    {
      name: 'an unknown field',
      body: {
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'hi', name: 'alice', custom_message_field: { x: [1, 2] } }],
        custom_vendor_field: { enable_thinking: false, nested: [1, 'two', null] },
        metadata: { trace: 'abc' },
        store: false,
      },
    },
  ];

  for (const testCase of fidelityCases) {
    it(`forwards ${testCase.name} untouched`, async () => {
      if (testCase.name.startsWith('tools')) {
        harness.fake.enqueue('chat', {
          type: 'tool-call',
          toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }],
        });
      }
      const result = await harness.client.chat.completions.create(
        testCase.body as unknown as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming,
      );
      const received = harness.fake.lastRequest('chat')?.body as Json;
      const messages = testCase.body['messages'] as Json[];
      let position = 0;
      while (
        position < messages.length &&
        ['system', 'developer'].includes(String(messages[position]?.['role']))
      )
        position += 1;
      expect(received).toEqual({
        ...testCase.body,
        messages: [
          ...messages.slice(0, position),
          { role: 'system', content: SKILL_MESSAGE },
          ...messages.slice(position),
        ],
      });
      if (testCase.name.startsWith('tools')) {
        expect(result.choices[0]?.finish_reason).toBe('tool_calls');
        expect(result.choices[0]?.message.tool_calls?.[0]).toMatchObject({
          type: 'function',
          function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
        });
        const [turn] = await harness.observer.waitForTurns(1);
        expect(turn?.toolCalls).toEqual([
          { id: expect.any(String), name: 'get_weather', arguments: '{"city":"Paris"}' },
        ]);
      }
    });
  }

  it('streams tool-call deltas through and collects them for the observer', async () => {
    harness.fake.enqueue('chat', {
      type: 'tool-call',
      toolCalls: [{ name: 'lookup', arguments: { q: '北京天气' } }],
    });
    const stream = await harness.client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: '天气' }],
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }],
      stream: true,
    });
    let args = '';
    for await (const chunk of stream)
      args += chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? '';
    expect(JSON.parse(args)).toEqual({ q: '北京天气' });
    const [turn] = await harness.observer.waitForTurns(1);
    expect(turn).toMatchObject({ status: 'completed', finishReason: 'tool_calls' });
    expect(turn?.toolCalls[0]).toMatchObject({ name: 'lookup', arguments: '{"q":"北京天气"}' });
  });

  for (const status of [400, 429, 500]) {
    it(`passes an upstream ${status} through with its status and body`, async () => {
      harness.fake.enqueue('chat', {
        type: 'error',
        status,
        message: `upstream says ${status}`,
        headers: status === 429 ? { 'retry-after': '7' } : {},
      });
      const error = await harness.client.chat.completions
        .create({ model: 'm', messages: [{ role: 'user', content: 'x' }] })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.APIError);
      const apiError = error as InstanceType<typeof OpenAI.APIError>;
      expect(apiError.status).toBe(status);
      expect(apiError.message).toContain(`upstream says ${status}`);
      expect((apiError.error as Json)['message']).toBe(`upstream says ${status}`);
      if (status === 429) expect(apiError.headers?.get('retry-after')).toBe('7');
      const [turn] = await harness.observer.waitForTurns(1);
      expect(turn).toMatchObject({ status: 'failed', assistantText: null, error: { statusCode: status } });
    });
  }

  it('passes an upstream error through to a streaming request too', async () => {
    harness.fake.enqueue('chat', { type: 'error', status: 400, message: 'bad stream request' });
    const error = await harness.client.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'x' }], stream: true })
      .catch((caught: unknown) => caught);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
  });

  it('wraps a non-JSON upstream error in the OpenAI shape, keeping the status', async () => {
    harness.fake.enqueue('chat', { type: 'error', status: 503, body: 'Service Unavailable (gateway)' });
    const response = await fetch(`${harness.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error: {
        message: 'Service Unavailable (gateway)',
        type: 'server_error',
        param: null,
        code: 'upstream_error',
      },
    });
  });

  it('ends a stream that breaks upstream with an in-band error the client raises', async () => {
    harness.fake.enqueue('chat', {
      type: 'text',
      text: 'alpha beta gamma delta',
      chunks: ['alpha ', 'beta ', 'gamma ', 'delta'],
      breakAfterEvents: 2,
    });
    const stream = await harness.client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    });
    let text = '';
    const error = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(String((error as Error).message)).toMatch(/broke/);
    expect(text).toBe('alpha ');
    const [turn] = await harness.observer.waitForTurns(1);
    expect(turn).toMatchObject({ status: 'failed', assistantText: null });
  });

  it('answers with a 502 when the upstream cannot be reached', async () => {
    const broken = await startProxyHarness({
      upstream: createOpenAICompatibleUpstream({ baseUrl: 'http://127.0.0.1:9/v1', provider: 'nowhere' }),
    });
    try {
      const error = await broken.client.chat.completions
        .create({ model: 'm', messages: [{ role: 'user', content: 'x' }] })
        .catch((caught: unknown) => caught);
      expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
      expect(((error as InstanceType<typeof OpenAI.APIError>).error as Json)['code']).toBe('upstream_error');
      const [turn] = await broken.observer.waitForTurns(1);
      expect(turn?.status).toBe('failed');
    } finally {
      await broken.close();
    }
  });

  it('refuses invalid requests with 400 before calling the upstream', async () => {
    const post = (body: string) =>
      fetch(`${harness.baseUrl}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    const malformed = await post('{"model": "m", "messages": [');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: Json }).error).toMatchObject({
      code: 'invalid_json',
      type: 'invalid_request_error',
    });
    const noMessages = await post(JSON.stringify({ model: 'm', messages: [] }));
    expect(noMessages.status).toBe(400);
    expect(((await noMessages.json()) as { error: Json }).error).toMatchObject({
      param: 'messages',
      code: 'invalid_request',
    });
    const noRole = await post(JSON.stringify({ model: 'm', messages: [{ content: 'x' }] }));
    expect(noRole.status).toBe(400);
    const noModel = await post(JSON.stringify({ messages: [{ role: 'user', content: 'x' }] }));
    expect(((await noModel.json()) as { error: Json }).error).toMatchObject({ param: 'model' });
    const array = await post('[1,2]');
    expect(array.status).toBe(400);
    expect(harness.fake.requestsTo('chat')).toHaveLength(0);
  });
});

describe('proxy chat when skill retrieval fails', () => {
  it('answers without skills when the provider throws, and reports why', async () => {
    const throwing: SkillContextProvider = {
      prepare: async () => {
        throw new Error('index exploded');
      },
    };
    const harness = await startProxyHarness({ skillContext: throwing });
    try {
      const body = { model: 'm', messages: [{ role: 'user' as const, content: 'hello' }] };
      const result = await harness.client.chat.completions.create(body);
      expect(result.choices[0]?.message.content).toBe('OK');
      expect(harness.fake.lastRequest('chat')?.body).toEqual(body);
      const autoskill = (result as unknown as { autoskill: Json }).autoskill;
      expect(autoskill['error']).toBe('index exploded');
      expect(autoskill['skills']).toEqual([]);
      expect(autoskill['retrieval']).toMatchObject({ error: 'index exploded', original_query: 'hello' });
    } finally {
      await harness.close();
    }
  });

  it('answers without skills when the provider is too slow', async () => {
    let aborted = false;
    const hanging: SkillContextProvider = {
      prepare: ({ abortSignal }) =>
        new Promise((_resolve, reject) => {
          abortSignal?.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('aborted'));
          });
        }),
    };
    const harness = await startProxyHarness({ skillContext: hanging, skillContextTimeoutMs: 50 });
    try {
      const started = Date.now();
      const result = await harness.client.chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(Date.now() - started).toBeLessThan(2000);
      expect(result.choices[0]?.message.content).toBe('OK');
      expect(aborted).toBe(true);
      expect((result as unknown as { autoskill: Json }).autoskill['error']).toMatch(/longer than 50 ms/);
    } finally {
      await harness.close();
    }
  });

  it('answers without skills when the provider returns an error', async () => {
    const failing: SkillContextProvider = {
      prepare: async () => ({
        systemMessage: null,
        injected: [],
        error: 'store unavailable',
        retrieval: {
          originalQuery: 'q',
          rewrittenQuery: null,
          searchQuery: 'q',
          eventTime: 1,
          scope: 'all',
          topK: 1,
          minScore: 0.4,
          hits: [],
          hitsUser: [],
          hitsLibrary: [],
          selectedForUseIds: [],
          selectedForContextIds: [],
          contextInjected: false,
          error: 'store unavailable',
        },
      }),
    };
    const harness = await startProxyHarness({
      skillContext: failing,
      includeAutoskillField: false,
      includeAutoskillHeaders: false,
    });
    try {
      const { data, response } = await harness.client.chat.completions
        .create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })
        .withResponse();
      expect(data.choices[0]?.message.content).toBe('OK');
      expect(data).not.toHaveProperty('autoskill');
      expect(response.headers.get('x-autoskill-skills')).toBeNull();
      expect(response.headers.get('x-autoskill-request-id')).toBeTruthy();
    } finally {
      await harness.close();
    }
  });
});

describe('proxy chat with a failing turn observer', () => {
  it('still answers when the observer throws', async () => {
    const harness = await startProxyHarness({
      turnObserver: {
        onTurnComplete: () => {
          throw new Error('queue full');
        },
      },
    });
    try {
      const result = await harness.client.chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: 'x' }],
      });
      expect(result.choices[0]?.message.content).toBe('OK');
      const stream = await harness.client.chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: 'x' }],
        stream: true,
      });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      expect(text).toBe('OK');
    } finally {
      await harness.close();
    }
  });

  it('reports the observer receipt as autoskill.extraction', async () => {
    const harness = await startProxyHarness({
      turnObserver: { onTurnComplete: () => ({ extraction: { jobId: 'job-1', status: 'scheduled' } }) },
    });
    try {
      const result = await harness.client.chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: 'x' }],
      });
      expect((result as unknown as { autoskill: Json }).autoskill['extraction']).toEqual({
        job_id: 'job-1',
        status: 'scheduled',
      });
    } finally {
      await harness.close();
    }
  });
});

describe('proxy chat: the client aborting mid-stream', () => {
  let upstream: Server;
  let upstreamUrl: string;
  let upstreamClosed: Promise<void>;

  beforeAll(async () => {
    let markClosed: () => void = () => undefined;
    upstreamClosed = new Promise((resolve) => {
      markClosed = resolve;
    });
    upstream = createServer((request, response) => {
      request.resume();
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      let index = 0;
      const timer = setInterval(() => {
        index += 1;
        const chunk = {
          id: 'c',
          object: 'chat.completion.chunk',
          created: 1,
          model: 'm',
          choices: [{ index: 0, delta: { content: `t${index} ` }, finish_reason: null }],
        };
        response.write(`data: ${JSON.stringify(chunk)}\n\n`);
      }, 20);
      response.on('close', () => {
        clearInterval(timer);
        markClosed();
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
  });
  afterAll(async () => {
    upstream.closeAllConnections();
    await new Promise((resolve) => upstream.close(resolve));
  });

  it('aborts the upstream request and reports the turn as aborted', async () => {
    const harness = await startProxyHarness({
      upstream: createOpenAICompatibleUpstream({ baseUrl: upstreamUrl }),
    });
    try {
      const controller = new AbortController();
      const stream = await harness.client.chat.completions.create(
        { model: 'm', messages: [{ role: 'user', content: 'go on forever' }], stream: true },
        { signal: controller.signal },
      );
      let received = 0;
      await (async () => {
        for await (const _chunk of stream) {
          received += 1;
          if (received === 3) controller.abort();
        }
      })().catch(() => undefined);
      await Promise.race([
        upstreamClosed,
        new Promise((_resolve, reject) => setTimeout(() => reject(new Error('upstream still open')), 3000)),
      ]);
      const [turn] = await harness.observer.waitForTurns(1);
      expect(turn?.status).toBe('aborted');
    } finally {
      await harness.close();
    }
  });
});
