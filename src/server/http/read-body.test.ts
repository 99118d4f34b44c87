import { request } from 'node:http';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAutoSkillError } from '../../shared/errors.js';
import type { ServerEnv } from '../context.js';
import { type RunningServer, startServer } from './listen.js';
import { readJsonObject } from './read-body.js';

/** A real Node server (the body is read from Node's request, not a web stream) echoing what it read. */
function echoApp(): Hono<ServerEnv> {
  const app = new Hono<ServerEnv>();
  app.post('/echo', async (c) => {
    try {
      const { value } = await readJsonObject(c, { maxBytes: 1000, allowEmpty: true });
      return c.json({ ok: true, value });
    } catch (error) {
      const code = isAutoSkillError(error) ? error.code : 'OTHER';
      return c.json({ ok: false, code }, code === 'PAYLOAD_TOO_LARGE' ? 413 : 400);
    }
  });
  return app;
}

/** Sends `pieces` one write each (chunked unless a length is declared). */
function post(
  server: RunningServer,
  pieces: string[],
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: '127.0.0.1',
        port: server.port,
        method: 'POST',
        path: '/echo',
        headers: { 'content-type': 'application/json', ...headers },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (piece: string) => {
          text += piece;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    outgoing.on('error', reject);
    for (const piece of pieces) outgoing.write(piece);
    outgoing.end();
  });
}

describe('readJsonObject on a Node server', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ app: echoApp(), host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await server.close({ graceMs: 100 });
  });

  it('reads a body sent in several chunks, Chinese included', async () => {
    const text = JSON.stringify({ query: '周报 weekly report', n: 3 });
    const answer = await post(server, [text.slice(0, 7), text.slice(7, 15), text.slice(15)]);
    expect(answer).toEqual({ status: 200, body: { ok: true, value: { query: '周报 weekly report', n: 3 } } });
  });

  it('refuses a body over the limit by its Content-Length and while it streams in', async () => {
    const big = JSON.stringify({ padding: 'x'.repeat(2000) });
    const declared = await post(server, [big], { 'content-length': String(Buffer.byteLength(big)) });
    expect(declared).toEqual({ status: 413, body: { ok: false, code: 'PAYLOAD_TOO_LARGE' } });
    const streamed = await post(server, [big.slice(0, 600), big.slice(600)]);
    expect(streamed).toEqual({ status: 413, body: { ok: false, code: 'PAYLOAD_TOO_LARGE' } });
    // The server keeps answering afterwards.
    expect((await post(server, ['{"a":1}'])).body).toEqual({ ok: true, value: { a: 1 } });
  });

  it('answers malformed and empty bodies as the web-stream path does', async () => {
    expect(await post(server, ['{"a":'])).toEqual({
      status: 400,
      body: { ok: false, code: 'INVALID_INPUT' },
    });
    expect(await post(server, ['[1, 2]'])).toEqual({
      status: 400,
      body: { ok: false, code: 'INVALID_INPUT' },
    });
    expect(await post(server, [])).toEqual({ status: 200, body: { ok: true, value: {} } });
  });
});
