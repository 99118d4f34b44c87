/**
 * The Anthropic upstream through the proxy: the `openai` client speaks OpenAI, the fake server speaks the
 * Anthropic Messages wire format, and the proxy translates requests (system, text, images, stop,
 * max_tokens, tools), answers, streams, usage and errors both ways.
 */
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAnthropicUpstream } from '../src/server/proxy/upstreams/anthropic.js';
import { type FakeModelServer, startFakeModelServer } from '../src/testing/index.js';
import { type ProxyHarness, SKILL_MESSAGE, startProxyHarness } from './support/proxy-harness.js';

type Json = Record<string, unknown>;

describe('Anthropic upstream through the proxy', () => {
  let anthropic: FakeModelServer;
  let harness: ProxyHarness;

  beforeAll(async () => {
    anthropic = await startFakeModelServer({ now: () => 1_700_000_000_000 });
    harness = await startProxyHarness({
      upstream: createAnthropicUpstream({
        apiKey: 'sk-ant-test',
        baseUrl: anthropic.url,
        defaultModel: 'claude-test',
        now: () => 1_700_000_000_000,
      }),
    });
  });
  afterAll(async () => {
    await harness.close();
    await anthropic.close();
  });
  afterEach(() => {
    anthropic.reset();
    harness.observer.clear();
  });

  it('translates a non-stream request with system, images and stop, and maps the answer and usage', async () => {
    anthropic.enqueue('messages', {
      type: 'text',
      text: '一只猫 (a cat)',
      usage: { inputTokens: 120, outputTokens: 9 },
    });
    const result = await harness.client.chat.completions.create({
      model: 'claude-sonnet-4-5',
      messages: [
        { role: 'system', content: 'Answer briefly.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
          ],
        },
      ],
      stop: 'END',
      temperature: 1.5,
      top_p: 0.8,
      user: 'u1',
    });
    const received = anthropic.lastRequest('messages');
    expect(received?.path).toBe('/v1/messages');
    expect(received?.headers['x-api-key']).toBe('sk-ant-test');
    expect(received?.headers['anthropic-version']).toBe('2023-06-01');
    expect(received?.body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      system: [
        { type: 'text', text: 'Answer briefly.' },
        { type: 'text', text: SKILL_MESSAGE },
      ],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
          ],
        },
      ],
      stop_sequences: ['END'],
      temperature: 1,
      top_p: 0.8,
      metadata: { user_id: 'u1' },
    });
    expect(result).toMatchObject({
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'claude-sonnet-4-5',
      choices: [
        { index: 0, message: { role: 'assistant', content: '一只猫 (a cat)' }, finish_reason: 'stop' },
      ],
      usage: { prompt_tokens: 120, completion_tokens: 9, total_tokens: 129 },
    });
    const [turn] = await harness.observer.waitForTurns(1);
    expect(turn).toMatchObject({ status: 'completed', assistantText: '一只猫 (a cat)' });
  });

  it('sends max_tokens from the request and maps length and tool calls', async () => {
    anthropic.enqueue('messages', { type: 'text', text: 'cut', finishReason: 'length' });
    const cut = await harness.client.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'long' }],
      max_completion_tokens: 5,
    });
    expect((anthropic.lastRequest('messages')?.body as Json | undefined)?.['max_tokens']).toBe(5);
    expect(cut.choices[0]?.finish_reason).toBe('length');

    anthropic.enqueue('messages', {
      type: 'tool-call',
      toolCalls: [{ name: 'get_weather', arguments: { city: '上海' } }],
    });
    const tool = await harness.client.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'weather?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
      tool_choice: 'required',
    });
    expect((anthropic.lastRequest('messages')?.body as Json | undefined)?.['tools']).toEqual([
      { name: 'get_weather', input_schema: { type: 'object' } },
    ]);
    expect((anthropic.lastRequest('messages')?.body as Json | undefined)?.['tool_choice']).toEqual({
      type: 'any',
    });
    expect(tool.choices[0]?.finish_reason).toBe('tool_calls');
    expect(tool.choices[0]?.message.tool_calls?.[0]).toMatchObject({
      type: 'function',
      function: { name: 'get_weather', arguments: '{"city":"上海"}' },
    });
  });

  it('translates the event stream into chat.completion.chunks with role, content, finish reason and usage', async () => {
    anthropic.enqueue('messages', {
      type: 'text',
      text: 'Hello 世界',
      chunks: ['Hello ', '世界'],
      usage: { inputTokens: 30, outputTokens: 4 },
    });
    const stream = await harness.client.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    expect((chunks[0] as unknown as Json)['autoskill']).toBeDefined();
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('Hello 世界');
    expect(chunks.find((chunk) => chunk.choices[0]?.finish_reason)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks[chunks.length - 1]?.usage).toEqual({
      prompt_tokens: 30,
      completion_tokens: 4,
      total_tokens: 34,
    });
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk')).toBe(true);
    expect((anthropic.lastRequest('messages')?.body as Json | undefined)?.['stream']).toBe(true);
    const [turn] = await harness.observer.waitForTurns(1);
    expect(turn).toMatchObject({ status: 'completed', assistantText: 'Hello 世界', finishReason: 'stop' });
  });

  it('streams tool_use blocks as tool_calls deltas', async () => {
    anthropic.enqueue('messages', {
      type: 'tool-call',
      toolCalls: [{ name: 'search', arguments: { query: 'release process' } }],
    });
    const stream = await harness.client.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'find it' }],
      tools: [{ type: 'function', function: { name: 'search', parameters: { type: 'object' } } }],
      stream: true,
    });
    let name = '';
    let args = '';
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      const call = chunk.choices[0]?.delta.tool_calls?.[0];
      name += call?.function?.name ?? '';
      args += call?.function?.arguments ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(name).toBe('search');
    expect(JSON.parse(args)).toEqual({ query: 'release process' });
    expect(finish).toBe('tool_calls');
  });

  it('passes Anthropic errors through with their status as OpenAI-shaped errors', async () => {
    anthropic.enqueue('messages', {
      type: 'error',
      status: 429,
      message: 'Rate limited',
      headers: { 'retry-after': '3' },
    });
    const error = (await harness.client.chat.completions
      .create({ model: 'claude', messages: [{ role: 'user', content: 'x' }] })
      .catch((caught: unknown) => caught)) as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(429);
    expect(error.error).toEqual({
      message: 'Rate limited',
      type: 'rate_limit_error',
      param: null,
      code: 'rate_limit_error',
    });
    expect(error.headers?.get('retry-after')).toBe('3');

    anthropic.enqueue('messages', { type: 'error', status: 529, message: 'Overloaded' });
    const overloaded = (await harness.client.chat.completions
      .create({ model: 'claude', messages: [{ role: 'user', content: 'x' }], stream: true })
      .catch((caught: unknown) => caught)) as InstanceType<typeof OpenAI.APIError>;
    expect(overloaded.status).toBe(529);
  });

  it('turns an error event mid-stream into an in-band error', async () => {
    anthropic.enqueue('messages', {
      type: 'sse',
      pieces: [
        'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","model":"claude","usage":{"input_tokens":3,"output_tokens":0}}}\n\n',
        'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n',
        'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"partial"}}\n\n',
        'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
      ],
    });
    const stream = await harness.client.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    });
    let text = '';
    const error = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().catch((caught: unknown) => caught);
    expect(text).toBe('partial');
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message).toContain('Overloaded');
    const [turn] = await harness.observer.waitForTurns(1);
    expect(turn).toMatchObject({ status: 'failed', assistantText: null });
  });

  it('refuses n > 1 with a 400 instead of silently answering once', async () => {
    const error = (await harness.client.chat.completions
      .create({ model: 'claude', messages: [{ role: 'user', content: 'x' }], n: 2 })
      .catch((caught: unknown) => caught)) as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(400);
    expect((error.error as Json)['param']).toBe('n');
    expect(anthropic.requestsTo('messages')).toHaveLength(0);
  });
});
