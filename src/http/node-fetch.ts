/**
 * @module The HTTP client's default transport: a `fetch`-shaped function over `node:http` / `node:https`
 * with keep-alive agents. Measured with `npm run bench:proxy`, undici's `fetch` was the largest single
 * cost of a proxied chat request (≈ 8 % of the proxy's CPU, and about 1 ms of wall time per call on a
 * loaded machine, against ≈ 0.3 ms here); the proxy makes one upstream call per request.
 *
 * What it keeps of `fetch`: the same `Response` (status, headers, a web `ReadableStream` body that streams
 * as the bytes arrive), string / bytes / web-stream request bodies, the abort signal (before the answer it
 * rejects with the signal's reason; after, the body stream errors with it), `TypeError('fetch failed',
 * { cause })` for network failures (the cause carries Node's `code`, e.g. `ECONNREFUSED`), synchronous
 * `TypeError`s for requests that cannot be built, and gzip / deflate / br answers decompressed. What it
 * hands to the global `fetch` instead: URLs other than http(s), bodies of other kinds (FormData, Blob…),
 * and redirects (the request is sent again through `fetch`, which follows them; a stream body cannot be
 * sent again, so its redirect is returned as it came). A request that fails on a reused keep-alive socket
 * before any answer (the server closed it at that moment) is sent once more on a new one.
 */
import {
  type ClientRequest,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { FetchFunction } from './http-client.js';

export interface NodeFetchOptions {
  /** @default a keep-alive agent shared by every request of this function */
  httpAgent?: HttpAgent;
  /** @default a keep-alive agent shared by every request of this function */
  httpsAgent?: HttpsAgent;
  /** Where other URLs, body kinds and redirects go. @default globalThis.fetch */
  fallback?: FetchFunction;
}

type RequestBody = string | Uint8Array | ReadableStream<Uint8Array> | undefined;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const NO_BODY = new Set([101, 204, 205, 304]);

function isSendable(body: unknown): body is RequestBody {
  return (
    body === undefined ||
    body === null ||
    typeof body === 'string' ||
    body instanceof Uint8Array ||
    body instanceof ReadableStream
  );
}

function headerRecord(headers: RequestInit['headers']): Record<string, string> {
  const record: Record<string, string> = {};
  if (!headers) return record;
  if (headers instanceof Headers || Array.isArray(headers)) {
    for (const [name, value] of headers instanceof Headers ? headers.entries() : headers) {
      record[String(name).toLowerCase()] = String(value);
    }
    return record;
  }
  for (const [name, value] of Object.entries(headers)) record[name.toLowerCase()] = String(value);
  return record;
}

function responseHeaders(incoming: IncomingMessage): Headers {
  const headers = new Headers();
  const raw = incoming.rawHeaders;
  for (let index = 0; index + 1 < raw.length; index += 2) {
    try {
      headers.append(raw[index] as string, raw[index + 1] as string);
    } catch {
      // A header value the Headers class refuses is dropped, as fetch would not expose it either.
    }
  }
  return headers;
}

interface WebBody {
  stream: ReadableStream<Uint8Array>;
  /** Errors the stream at once (an abort), as `fetch` does, before anything else can end it. */
  fail: (reason: unknown) => void;
}

/**
 * `source` as a web stream with backpressure (paused while the consumer's queue is full). Unlike
 * `Readable.toWeb`, `fail` errors it synchronously: a caller that aborts and then cancels its reader must see
 * the abort, not a clean end.
 */
function webBody(source: Readable): WebBody {
  let settled = false;
  let control: ReadableStreamDefaultController<Uint8Array> | undefined;
  const fail = (reason: unknown) => {
    if (settled) return;
    settled = true;
    control?.error(reason);
    source.destroy();
  };
  const stream = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        control = controller;
        source.on('data', (chunk: Buffer) => {
          if (settled) return;
          controller.enqueue(chunk);
          if ((controller.desiredSize ?? 0) <= 0) source.pause();
        });
        source.once('end', () => {
          if (settled) return;
          settled = true;
          controller.close();
        });
        source.once('error', (error) => fail(error));
        source.once('close', () => {
          if (!settled) fail(new Error('The connection closed before the whole answer arrived'));
        });
        source.pause();
      },
      pull() {
        source.resume();
      },
      cancel() {
        settled = true;
        source.destroy();
      },
    },
    { highWaterMark: 16 },
  );
  return { stream, fail };
}

/** The answer's bytes, decompressed when the server compressed them; null when it has no body. */
function responseBody(incoming: IncomingMessage, method: string): WebBody | null {
  if (method === 'HEAD' || NO_BODY.has(incoming.statusCode ?? 0)) {
    incoming.resume();
    return null;
  }
  const encoding = String(incoming.headers['content-encoding'] ?? '')
    .trim()
    .toLowerCase();
  const decompress =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? createGunzip()
      : encoding === 'deflate'
        ? createInflate()
        : encoding === 'br'
          ? createBrotliDecompress()
          : undefined;
  if (!decompress) return webBody(incoming);
  incoming.on('error', (error) => decompress.destroy(error));
  const body = webBody(incoming.pipe(decompress));
  return {
    stream: body.stream,
    fail: (reason) => {
      body.fail(reason);
      incoming.destroy();
    },
  };
}

function networkFailure(cause: unknown): TypeError {
  return new TypeError('fetch failed', { cause });
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** Creates the transport (see the module comment). */
export function createNodeFetch(options: NodeFetchOptions = {}): FetchFunction {
  const httpAgent = options.httpAgent ?? new HttpAgent({ keepAlive: true });
  const httpsAgent = options.httpsAgent ?? new HttpsAgent({ keepAlive: true });
  const fallback: FetchFunction = options.fallback ?? ((input, init) => globalThis.fetch(input, init));

  const send = (url: URL, init: RequestInit, body: RequestBody, retryStale: boolean): Promise<Response> => {
    const method = (init.method ?? 'GET').toUpperCase();
    const headers = headerRecord(init.headers);
    if ((typeof body === 'string' || body instanceof Uint8Array) && headers['content-length'] === undefined) {
      headers['content-length'] = String(
        typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength,
      );
    }
    const signal = init.signal ?? undefined;
    const secure = url.protocol === 'https:';
    return new Promise<Response>((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortReason(signal));
        return;
      }
      let outgoing: ClientRequest;
      try {
        outgoing = (secure ? httpsRequest : httpRequest)({
          protocol: url.protocol,
          hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
          port: url.port || undefined,
          path: `${url.pathname}${url.search}`,
          method,
          headers,
          agent: secure ? httpsAgent : httpAgent,
        });
      } catch (error) {
        // A request that cannot be built (bad header value…) is the caller's error, as with fetch.
        reject(error);
        return;
      }
      let answered: IncomingMessage | undefined;
      let answerBody: WebBody | null = null;
      const onAbort = () => {
        const reason = abortReason(signal as AbortSignal);
        answerBody?.fail(reason);
        answered?.destroy();
        outgoing.destroy();
        reject(reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const detach = () => signal?.removeEventListener('abort', onAbort);
      outgoing.on('error', (error: NodeJS.ErrnoException) => {
        if (answered) return;
        detach();
        if (signal?.aborted) return;
        const stale = outgoing.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE');
        if (stale && retryStale) {
          send(url, init, body, false).then(resolve, reject);
          return;
        }
        reject(networkFailure(error));
      });
      outgoing.on('response', (incoming) => {
        answered = incoming;
        const status = incoming.statusCode ?? 0;
        if (REDIRECTS.has(status) && incoming.headers.location && !(body instanceof ReadableStream)) {
          detach();
          incoming.resume();
          fallback(url.href, init).then(resolve, reject);
          return;
        }
        incoming.once('close', detach);
        try {
          answerBody = responseBody(incoming, method);
          resolve(
            new Response(answerBody?.stream ?? null, {
              status,
              statusText: incoming.statusMessage ?? '',
              headers: responseHeaders(incoming),
            }),
          );
        } catch (error) {
          detach();
          incoming.destroy();
          reject(networkFailure(error));
        }
      });
      if (body instanceof ReadableStream) {
        const source = Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>);
        source.on('error', (error) => outgoing.destroy(error));
        source.pipe(outgoing);
      } else {
        outgoing.end(body ?? undefined);
      }
    });
  };

  return (input, init) => {
    let url: URL;
    try {
      url = new URL(input);
    } catch (error) {
      return Promise.reject(error);
    }
    const body = init.body;
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !isSendable(body)) {
      return fallback(input, init);
    }
    return send(url, init, body ?? undefined, !(body instanceof ReadableStream));
  };
}

let shared: FetchFunction | undefined;

/** The transport every request of the HTTP client uses unless a `fetch` is injected. */
export function defaultFetch(): FetchFunction {
  shared ??= createNodeFetch();
  return shared;
}
