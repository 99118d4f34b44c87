import { describe, expect, it } from 'vitest';
import { relayEventStream, type StreamOutcome } from './stream-relay.js';

const encoder = new TextEncoder();

function sourceOf(pieces: Array<string | Uint8Array | Error>): ReadableStream<Uint8Array> {
  let index = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const piece = pieces[index];
      index += 1;
      if (piece === undefined) return controller.close();
      if (piece instanceof Error) return controller.error(piece);
      controller.enqueue(typeof piece === 'string' ? encoder.encode(piece) : piece);
    },
  });
}

async function run(
  pieces: Array<string | Uint8Array | Error>,
  decorate = true,
): Promise<{ text: string; outcome: StreamOutcome | undefined }> {
  let outcome: StreamOutcome | undefined;
  const stream = relayEventStream({
    source: sourceOf(pieces),
    abortController: new AbortController(),
    onEnd: (value) => {
      outcome = value;
    },
    ...(decorate
      ? { decorateFirstEvent: (event: Record<string, unknown>) => ({ ...event, autoskill: { ok: 1 } }) }
      : {}),
  });
  const text = await new Response(stream).text();
  return { text, outcome };
}

const chunk = (content: string, finish: string | null = null) =>
  `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;

describe('relayEventStream', () => {
  it('passes bytes through and collects text, finish reason and [DONE]', async () => {
    const pieces = [chunk('Hel'), chunk('lo'), chunk('', 'stop'), 'data: [DONE]\n\n'];
    const { text, outcome } = await run(pieces, false);
    expect(text).toBe(pieces.join(''));
    expect(outcome).toMatchObject({
      status: 'completed',
      summary: { text: 'Hello', finishReason: 'stop', sawDone: true },
    });
  });

  it('decorates only the first data event, even when it is split across chunks and multi-byte characters', async () => {
    const first = encoder.encode(chunk('你好'));
    const split = [first.slice(0, 5), first.slice(5, first.length - 9), first.slice(first.length - 9)];
    const { text, outcome } = await run([
      ': keep-alive comment\n\n',
      ...split,
      chunk('世界'),
      'data: [DONE]\n\n',
    ]);
    const events = text.split('\n\n').filter(Boolean);
    expect(events[0]).toBe(': keep-alive comment');
    expect(JSON.parse(events[1]?.slice(6) ?? '')).toEqual({
      choices: [{ index: 0, delta: { content: '你好' }, finish_reason: null }],
      autoskill: { ok: 1 },
    });
    expect(events[2]).toBe(chunk('世界').trim());
    expect(outcome?.summary.text).toBe('你好世界');
  });

  it('understands CRLF event ends', async () => {
    const crlf = chunk('a').replace('\n\n', '\r\n\r\n');
    const { text, outcome } = await run([crlf, 'data: [DONE]\r\n\r\n']);
    expect(text.startsWith('data: {"choices"')).toBe(true);
    expect(text).toContain('"autoskill"');
    expect(outcome?.status).toBe('completed');
  });

  it('sends an in-band error and reports a failed turn when the upstream breaks', async () => {
    const { text, outcome } = await run([chunk('part'), new Error('socket hang up')]);
    expect(text).toContain('"code":"upstream_stream_broken"');
    expect(text).not.toContain('[DONE]');
    expect(outcome).toMatchObject({ status: 'failed', message: 'socket hang up', summary: { text: 'part' } });
  });

  it('reports a stream without finish reason or [DONE] as failed', async () => {
    const { outcome } = await run([chunk('cut')]);
    expect(outcome).toMatchObject({ status: 'failed', message: 'The upstream stream ended early' });
  });

  it('reports an upstream in-band error event as failed', async () => {
    const { outcome } = await run([chunk('x'), 'data: {"error":{"message":"overloaded"}}\n\n']);
    expect(outcome).toMatchObject({ status: 'failed', message: 'overloaded' });
  });

  it('aborts the upstream and reports an aborted turn when the client cancels', async () => {
    const abortController = new AbortController();
    let outcome: StreamOutcome | undefined;
    let sourceCancelled = false;
    const source = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(chunk('first')));
      },
      cancel() {
        sourceCancelled = true;
      },
    });
    const stream = relayEventStream({ source, abortController, onEnd: (value) => (outcome = value) });
    const reader = stream.getReader();
    await reader.read();
    await reader.cancel('client went away');
    expect(abortController.signal.aborted).toBe(true);
    expect(sourceCancelled).toBe(true);
    expect(outcome?.status).toBe('aborted');
  });
});
