import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeFetch } from './node-fetch.js';

type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;

let server: Server;
let base: string;
const handlers = new Map<string, Handler>();

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (piece: string) => {
      body += piece;
    });
    request.on('end', () => {
      const handler = handlers.get(new URL(request.url ?? '/', 'http://x').pathname);
      if (handler) handler(request, body, response);
      else response.writeHead(404).end('no handler');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const nodeFetch = createNodeFetch();

describe('createNodeFetch', () => {
  it('sends the method, headers and body, and returns status, headers and body like fetch', async () => {
    handlers.set('/echo', (request, body, response) => {
      response.writeHead(201, 'Made', { 'content-type': 'application/json', 'x-trace': 'a1' });
      response.end(
        JSON.stringify({
          method: request.method,
          body,
          type: request.headers['content-type'],
          length: request.headers['content-length'],
          auth: request.headers['authorization'],
        }),
      );
    });
    const body = JSON.stringify({ text: '周报 weekly' });
    const response = await nodeFetch(`${base}/echo?q=1`, {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/json', authorization: 'Bearer k' },
    });
    expect(response.status).toBe(201);
    expect(response.ok).toBe(true);
    expect(response.statusText).toBe('Made');
    expect(response.headers.get('x-trace')).toBe('a1');
    expect(await response.json()).toEqual({
      method: 'POST',
      body,
      type: 'application/json',
      length: String(Buffer.byteLength(body)),
      auth: 'Bearer k',
    });
  });

  it('streams the answer as it arrives', async () => {
    let release: () => void = () => undefined;
    handlers.set('/stream', (_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: one\n\n');
      release = () => response.end('data: two\n\n');
    });
    const response = await nodeFetch(`${base}/stream`, { method: 'POST', body: '{}' });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('data: one\n\n');
    release();
    const second = await reader.read();
    expect(new TextDecoder().decode(second.value)).toBe('data: two\n\n');
    expect((await reader.read()).done).toBe(true);
  });

  it('rejects with the abort reason before the answer, and errors the body with it after', async () => {
    handlers.set('/slow', () => undefined);
    const early = new AbortController();
    const pending = nodeFetch(`${base}/slow`, { method: 'POST', body: '{}', signal: early.signal });
    early.abort(new Error('caller gave up'));
    await expect(pending).rejects.toThrow('caller gave up');

    handlers.set('/forever', (_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const timer = setInterval(() => response.write('data: x\n\n'), 10);
      response.on('close', () => clearInterval(timer));
    });
    const late = new AbortController();
    const response = await nodeFetch(`${base}/forever`, { method: 'POST', body: '{}', signal: late.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    const next = reader.read();
    late.abort(new Error('client left'));
    // The abort wins over a cancel that follows it at once (the proxy's stream relay relies on it).
    void reader.cancel().catch(() => undefined);
    await expect(next).rejects.toThrow('client left');
  });

  it('fails like fetch: network errors as TypeError("fetch failed") with the code, bad requests at once', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await nodeFetch(`http://127.0.0.1:${port}/`, { method: 'GET' }).catch(
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(TypeError);
    expect((refused as TypeError).message).toBe('fetch failed');
    expect(((refused as TypeError).cause as { code?: string }).code).toBe('ECONNREFUSED');

    const invalid = await nodeFetch(`${base}/echo`, { headers: { 'x-bad': 'line\nbreak' } }).catch(
      (error: unknown) => error,
    );
    expect(invalid).toBeInstanceOf(TypeError);
    expect((invalid as TypeError).message).not.toBe('fetch failed');
  });

  it('errors the body when the connection breaks midway', async () => {
    handlers.set('/broken', (_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      response.write('{"partial":');
      setTimeout(() => response.socket?.destroy(), 20);
    });
    const response = await nodeFetch(`${base}/broken`, { method: 'POST', body: '{}' });
    await expect(response.text()).rejects.toThrow();
  });

  it('decompresses gzip answers and sends web-stream bodies', async () => {
    handlers.set('/gzip', (_request, body, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      response.end(gzipSync(JSON.stringify({ got: body })));
    });
    const response = await nodeFetch(`${base}/gzip`, {
      method: 'POST',
      body: new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('chunk-1 '));
          controller.enqueue(new TextEncoder().encode('chunk-2'));
          controller.close();
        },
      }),
    });
    expect(await response.json()).toEqual({ got: 'chunk-1 chunk-2' });
  });

  it('hands redirects to the fallback, which follows them', async () => {
    handlers.set('/moved', (_request, _body, response) => {
      response.writeHead(307, { location: '/echo' }).end();
    });
    const seen: string[] = [];
    const withFallback = createNodeFetch({
      fallback: (input, init) => {
        seen.push(input);
        return globalThis.fetch(input, init);
      },
    });
    const response = await withFallback(`${base}/moved`, { method: 'POST', body: '{"a":1}' });
    expect(seen).toEqual([`${base}/moved`]);
    expect(await response.json()).toMatchObject({ method: 'POST', body: '{"a":1}' });
  });

  it('sends a request again when a reused keep-alive socket turns out closed', async () => {
    handlers.set('/ok', (_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
    const first = await nodeFetch(`${base}/ok`, { method: 'POST', body: 'x' });
    expect(await first.text()).toBe('ok');
    // Kill the idle socket from the server side without the client noticing before it writes.
    let killed = 0;
    server.once('request', (request: IncomingMessage) => {
      killed += 1;
      request.socket.destroy();
    });
    const second = await nodeFetch(`${base}/ok`, { method: 'POST', body: 'x' });
    expect(killed).toBe(1);
    expect(await second.text()).toBe('ok');
  });
});
