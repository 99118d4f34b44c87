import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isAutoSkillError } from '../shared/errors.js';
import { type FakeModelServer, startFakeModelServer } from '../testing/fake-model-server.js';
import {
  createSseParserStream,
  type JsonEventPart,
  parseJsonEventStream,
  type ServerSentEvent,
} from './sse.js';

async function collect<T>(stream: ReadableStream<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

function textStream(chunks: readonly string[]): ReadableStream<string> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

function byteStream(chunks: readonly string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

const parse = (chunks: readonly string[]) => collect(textStream(chunks).pipeThrough(createSseParserStream()));

const event = (data: string, extra: Partial<ServerSentEvent> = {}): ServerSentEvent => ({
  event: undefined,
  data,
  id: undefined,
  retry: undefined,
  ...extra,
});

describe('createSseParserStream', () => {
  it('handles \\n, \\r\\n and \\r line ends alike', async () => {
    expect(await parse(['data: a\n\ndata: b\r\n\r\ndata: c\r\rdata: d\n\n'])).toEqual([
      event('a'),
      event('b'),
      event('c'),
      event('d'),
    ]);
  });

  it('joins multi-line data, skips comments, reads event, id and retry', async () => {
    const text = ': keep-alive\nevent: delta\nid: 7\nretry: 3000\ndata: line one\ndata:line two\n\n';
    expect(await parse([text])).toEqual([
      event('line one\nline two', { event: 'delta', id: '7', retry: 3000 }),
    ]);
  });

  it('keeps the last id for later events and resets the event type', async () => {
    expect(await parse(['event: x\nid: 1\ndata: a\n\ndata: b\n\n'])).toEqual([
      event('a', { event: 'x', id: '1' }),
      event('b', { id: '1' }),
    ]);
  });

  it('ignores events without data and unknown fields', async () => {
    expect(await parse(['event: ping\n\nfoo: bar\ndata\n\n'])).toEqual([event('')]);
  });

  it('emits a final event that lacks the closing blank line', async () => {
    expect(await parse(['data: [DONE]'])).toEqual([event('[DONE]')]);
  });

  it('gives the same events however the bytes are split into chunks', async () => {
    const text =
      'data: {"a":1}\r\n\r\n: comment\nevent: e\ndata: x\ndata: y\n\ndata: 中文 ✓\r\rdata: [DONE]\n\n';
    const expected = await parse([text]);
    expect(expected).toHaveLength(4);
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: text.length - 1 }), { maxLength: 12 }),
        async (cuts) => {
          const sorted = [...cuts].sort((a, b) => a - b);
          const chunks = [0, ...sorted].map((start, index) =>
            text.slice(start, sorted[index] ?? text.length),
          );
          expect(await parse(chunks)).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });
});

const ChunkSchema = z.object({ n: z.number() });

describe('parseJsonEventStream', () => {
  let server: FakeModelServer;
  beforeAll(async () => {
    server = await startFakeModelServer();
  });
  afterAll(() => server.close());

  it('validates JSON events and stops at [DONE]', async () => {
    const parts = await collect(
      parseJsonEventStream({
        stream: byteStream(['data: {"n":1}\n\n', 'data: {"n":2}\n\ndata: [DONE]\n\ndata: {"n":3}\n\n']),
        schema: ChunkSchema,
      }),
    );
    expect(parts).toEqual([
      { success: true, value: { n: 1 }, event: undefined },
      { success: true, value: { n: 2 }, event: undefined },
    ]);
  });

  it('decodes UTF-8 characters split across byte chunks', async () => {
    const bytes = new TextEncoder().encode('data: {"n":1,"t":"中文🚀"}\n\n');
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const byte of bytes) controller.enqueue(Uint8Array.of(byte));
        controller.close();
      },
    });
    const parts = await collect(
      parseJsonEventStream({ stream, schema: z.object({ n: z.number(), t: z.string() }) }),
    );
    expect(parts).toEqual([{ success: true, value: { n: 1, t: '中文🚀' }, event: undefined }]);
  });

  it('reports bad events in-band and goes on', async () => {
    const parts = await collect(
      parseJsonEventStream({
        stream: byteStream(['data: {"n":\n\ndata: {"n":"x"}\n\nevent: e\ndata: {"n":4}\n\n']),
        schema: ChunkSchema,
        provider: 'openai',
      }),
    );
    expect(parts.map((part) => part.success)).toEqual([false, false, true]);
    const [malformed, mismatched, good] = parts as [
      JsonEventPart<unknown>,
      JsonEventPart<unknown>,
      JsonEventPart<unknown>,
    ];
    expect(!malformed.success && malformed.error.code).toBe('INVALID_RESPONSE');
    expect(!malformed.success && malformed.data).toBe('{"n":');
    expect(!mismatched.success && mismatched.error.message).toContain('openai');
    expect(good).toEqual({ success: true, value: { n: 4 }, event: 'e' });
  });

  it('keeps Anthropic streams (no [DONE]) whole when doneMarker is null', async () => {
    const parts = await collect(
      parseJsonEventStream({
        stream: byteStream(['event: message_stop\ndata: {"n":9}\n\n']),
        schema: ChunkSchema,
        doneMarker: null,
      }),
    );
    expect(parts).toEqual([{ success: true, value: { n: 9 }, event: 'message_stop' }]);
  });

  it('fails with a retryable UPSTREAM_ERROR when the connection breaks midway', async () => {
    server.enqueue('chat', { type: 'text', text: 'one two three four', breakAfterEvents: 2 });
    const response = await fetch(`${server.baseUrl}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ stream: true }),
    });
    const parts: unknown[] = [];
    const error = await (async () => {
      for await (const part of parseJsonEventStream({
        stream: response.body as ReadableStream<Uint8Array>,
        schema: z.object({ object: z.string() }),
        provider: 'openai',
      })) {
        parts.push(part);
      }
    })().catch((caught: unknown) => caught);
    expect(parts).toHaveLength(2);
    expect(isAutoSkillError(error, 'UPSTREAM_ERROR')).toBe(true);
    expect(isAutoSkillError(error) && error.isRetryable).toBe(true);
    expect(isAutoSkillError(error) && error.details['reason']).toBe('stream-broken');
  });

  it('fails when requireDone is set and the stream ends early', async () => {
    const stream = parseJsonEventStream({
      stream: byteStream(['data: {"n":1}\n\n']),
      schema: ChunkSchema,
      requireDone: true,
    });
    await expect(collect(stream)).rejects.toMatchObject({
      code: 'UPSTREAM_ERROR',
      details: { reason: 'stream-incomplete' },
    });
  });

  it('reports a caller abort as ABORTED', async () => {
    server.enqueue('chat', { type: 'text', text: 'a b c d e', chunkDelayMs: 100 });
    const controller = new AbortController();
    const response = await fetch(`${server.baseUrl}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ stream: true }),
      signal: controller.signal,
    });
    const reader = parseJsonEventStream({
      stream: response.body as ReadableStream<Uint8Array>,
      schema: z.unknown(),
      abortSignal: controller.signal,
    }).getReader();
    await reader.read();
    controller.abort();
    await expect(reader.read()).rejects.toMatchObject({ code: 'ABORTED' });
  });
});
