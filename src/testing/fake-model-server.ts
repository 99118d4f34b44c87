/**
 * @module A scriptable fake model provider on 127.0.0.1 for tests and benchmarks. It speaks OpenAI chat
 * completions (JSON and SSE), OpenAI embeddings (float and base64), `GET /v1/models`, Anthropic Messages
 * (JSON and SSE) and Ollama's `/api/embed`, on the path variants DashScope, GLM and Ollama use. Each route
 * answers from a queue of scripted replies, then a responder function, then a sensible default; every
 * request is recorded for assertions. Plain `node:http` with keep-alive, so it can serve as the upstream
 * of a throughput benchmark.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseJsonValue } from '../shared/json.js';
import { anthropicError, anthropicMessage, anthropicStreamEvents } from './anthropic-wire.js';
import { fakeEmbedding } from './fake-embeddings.js';
import {
  type FakeEmbeddingsReply,
  type FakeReply,
  type FakeReplyObject,
  type FakeRoute,
  type FakeTextReply,
  type FakeToolCallReply,
  normalizeReply,
  roughTokenCount,
} from './fake-replies.js';
import {
  chatCompletion,
  chatCompletionChunks,
  embeddingsResponse,
  modelsResponse,
  openAiError,
} from './openai-wire.js';

/** One request as the server received it. */
export interface RecordedRequest {
  route: FakeRoute;
  method: string;
  /** Path without the query string, e.g. `/v1/chat/completions`. */
  path: string;
  /** The raw query string without `?` (empty when none). */
  query: string;
  /** Lower-cased header names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** The parsed JSON body, or `undefined` when the body is empty or not JSON. */
  body: unknown;
  rawBody: string;
}

/** Decides the reply for a request; `undefined` falls through to the next source (then the default). */
export type FakeResponder = (
  request: RecordedRequest,
) => FakeReply | undefined | Promise<FakeReply | undefined>;

export interface FakeModelServerOptions {
  /** @default 0 (a free port) */
  port?: number;
  /** Text of the default chat / messages reply. @default 'OK' */
  defaultText?: string;
  /** Length of generated embedding vectors when the request names none. @default 16 */
  embeddingDimensions?: number;
  /** Ids listed by `GET /v1/models`. @default ['fake-chat-model', 'fake-embedding-model'] */
  models?: readonly string[];
  /** Record every request (turn off in benchmarks to keep memory flat). @default true */
  recordRequests?: boolean;
  /** Wait applied to every reply that sets no `delayMs` of its own. @default 0 */
  defaultDelayMs?: number;
  /** Consulted for any route after its queue and its route responder. */
  responder?: FakeResponder;
  /** Epoch milliseconds, for `created` fields. @default Date.now */
  now?: () => number;
}

export interface FakeModelServer {
  /** `http://127.0.0.1:<port>`; throws before `start()`. */
  readonly url: string;
  /** `http://127.0.0.1:<port>/v1`, the `baseURL` an OpenAI client needs. */
  readonly baseUrl: string;
  readonly port: number;
  /** Every recorded request, oldest first. */
  readonly requests: readonly RecordedRequest[];
  start(): Promise<FakeModelServer>;
  /** Stops listening and destroys open connections (hanging requests included) within `timeoutMs`. */
  close(options?: { timeoutMs?: number }): Promise<void>;
  /** Appends replies to a route's queue; each request to the route takes the next one. */
  enqueue(route: FakeRoute, ...replies: FakeReply[]): FakeModelServer;
  /** Sets (or with `undefined`, removes) the responder of a route, used when its queue is empty. */
  setResponder(route: FakeRoute, responder: FakeResponder | undefined): FakeModelServer;
  /** Replies still queued for a route. */
  pendingReplies(route: FakeRoute): number;
  requestsTo(route: FakeRoute): RecordedRequest[];
  lastRequest(route?: FakeRoute): RecordedRequest | undefined;
  /** Resolves once at least `count` requests were recorded in total. @default timeoutMs 5000 */
  waitForRequests(count: number, options?: { timeoutMs?: number }): Promise<RecordedRequest[]>;
  /** Forgets queues, route responders and recorded requests. */
  reset(): void;
}

/** Creates a server; call `start()` before use. */
export function createFakeModelServer(options: FakeModelServerOptions = {}): FakeModelServer {
  return new FakeModelServerImpl(options);
}

/** Creates and starts a server. */
export async function startFakeModelServer(options: FakeModelServerOptions = {}): Promise<FakeModelServer> {
  return createFakeModelServer(options).start();
}

const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };

interface PendingTimer {
  timer: NodeJS.Timeout;
  resolve: () => void;
}

interface Waiter {
  count: number;
  resolve: (requests: RecordedRequest[]) => void;
  timer: NodeJS.Timeout;
}

class FakeModelServerImpl implements FakeModelServer {
  private readonly server: Server;
  private readonly queues = new Map<FakeRoute, FakeReply[]>();
  private readonly responders = new Map<FakeRoute, FakeResponder>();
  private readonly recorded: RecordedRequest[] = [];
  private readonly timers = new Set<PendingTimer>();
  private readonly waiters = new Set<Waiter>();
  private readonly options: Required<Omit<FakeModelServerOptions, 'responder'>> & {
    responder?: FakeResponder;
  };
  private address: AddressInfo | undefined;
  private closing = false;
  private sequence = 0;

  constructor(options: FakeModelServerOptions) {
    this.options = {
      port: options.port ?? 0,
      defaultText: options.defaultText ?? 'OK',
      embeddingDimensions: options.embeddingDimensions ?? 16,
      models: options.models ?? ['fake-chat-model', 'fake-embedding-model'],
      recordRequests: options.recordRequests ?? true,
      defaultDelayMs: options.defaultDelayMs ?? 0,
      now: options.now ?? Date.now,
      ...(options.responder ? { responder: options.responder } : {}),
    };
    this.server = createServer({ keepAlive: true, keepAliveTimeout: 30_000 }, (request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent && !response.destroyed) {
          sendJson(response, 500, openAiError(500, `fake server failure: ${String(error)}`));
        } else {
          response.destroy();
        }
      });
    });
  }

  get url(): string {
    if (!this.address) throw new TypeError('FakeModelServer: call start() first');
    return `http://127.0.0.1:${this.address.port}`;
  }

  get baseUrl(): string {
    return `${this.url}/v1`;
  }

  get port(): number {
    if (!this.address) throw new TypeError('FakeModelServer: call start() first');
    return this.address.port;
  }

  get requests(): readonly RecordedRequest[] {
    return this.recorded;
  }

  async start(): Promise<FakeModelServer> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.address = this.server.address() as AddressInfo;
    return this;
  }

  async close({ timeoutMs = 2000 }: { timeoutMs?: number } = {}): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const pending of this.timers) {
      clearTimeout(pending.timer);
      pending.resolve();
    }
    this.timers.clear();
    for (const waiter of this.waiters) clearTimeout(waiter.timer);
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    let guard: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise<void>((resolve) => (guard = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(guard);
  }

  enqueue(route: FakeRoute, ...replies: FakeReply[]): FakeModelServer {
    const queue = this.queues.get(route) ?? [];
    queue.push(...replies);
    this.queues.set(route, queue);
    return this;
  }

  setResponder(route: FakeRoute, responder: FakeResponder | undefined): FakeModelServer {
    if (responder) this.responders.set(route, responder);
    else this.responders.delete(route);
    return this;
  }

  pendingReplies(route: FakeRoute): number {
    return this.queues.get(route)?.length ?? 0;
  }

  requestsTo(route: FakeRoute): RecordedRequest[] {
    return this.recorded.filter((request) => request.route === route);
  }

  lastRequest(route?: FakeRoute): RecordedRequest | undefined {
    const list = route ? this.requestsTo(route) : this.recorded;
    return list[list.length - 1];
  }

  waitForRequests(
    count: number,
    { timeoutMs = 5000 }: { timeoutMs?: number } = {},
  ): Promise<RecordedRequest[]> {
    if (this.recorded.length >= count) return Promise.resolve([...this.recorded]);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        count,
        resolve,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(
            new RangeError(
              `FakeModelServer: ${this.recorded.length} of ${count} requests after ${timeoutMs} ms`,
            ),
          );
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  reset(): void {
    this.queues.clear();
    this.responders.clear();
    this.recorded.length = 0;
  }

  private async handle(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    const request = await readRequest(incoming);
    if (this.options.recordRequests) {
      this.recorded.push(request);
      for (const waiter of this.waiters) {
        if (this.recorded.length >= waiter.count) {
          clearTimeout(waiter.timer);
          this.waiters.delete(waiter);
          waiter.resolve([...this.recorded]);
        }
      }
    }
    const reply = normalizeReply(await this.chooseReply(request));
    await this.send(request, reply, response);
  }

  private async chooseReply(request: RecordedRequest): Promise<FakeReply> {
    const queued = this.queues.get(request.route)?.shift();
    if (queued !== undefined) return queued;
    const fromRoute = await this.responders.get(request.route)?.(request);
    if (fromRoute !== undefined) return fromRoute;
    const fromServer = await this.options.responder?.(request);
    if (fromServer !== undefined) return fromServer;
    return this.defaultReply(request);
  }

  private defaultReply(request: RecordedRequest): FakeReply {
    const needsJson = request.method === 'POST' && request.route !== 'other';
    if (needsJson && (typeof request.body !== 'object' || request.body === null)) {
      return { type: 'error', status: 400, message: 'The request body is not a JSON object' };
    }
    switch (request.route) {
      case 'chat':
      case 'messages':
        return { type: 'text', text: this.options.defaultText };
      case 'embeddings':
      case 'ollama-embed':
        return { type: 'embeddings' };
      case 'models':
        return {
          type: 'json',
          body: modelsResponse(this.options.models, Math.floor(this.options.now() / 1000)),
        };
      default:
        return { type: 'error', status: 404, message: `No route for ${request.method} ${request.path}` };
    }
  }

  private async send(
    request: RecordedRequest,
    reply: FakeReplyObject,
    response: ServerResponse,
  ): Promise<void> {
    if (reply.type === 'hang') {
      await new Promise<void>((resolve) => response.once('close', resolve));
      return;
    }
    await this.sleep(reply.delayMs ?? this.options.defaultDelayMs);
    if (this.closing || response.destroyed) return;
    this.sequence += 1;
    switch (reply.type) {
      case 'break':
        response.socket?.destroy();
        return;
      case 'json':
        return sendJson(response, reply.status ?? 200, reply.body, reply.headers);
      case 'raw':
        response.writeHead(reply.status ?? 200, reply.headers ?? { 'content-type': 'application/json' });
        response.end(reply.body);
        return;
      case 'error': {
        const message = reply.message ?? `Fake error with status ${reply.status}`;
        const body = reply.body ?? errorBody(request.route, reply.status, message);
        if (typeof body === 'string') {
          response.writeHead(reply.status, { 'content-type': 'text/plain; charset=utf-8', ...reply.headers });
          response.end(body);
          return;
        }
        return sendJson(response, reply.status, body, reply.headers);
      }
      case 'sse':
        return this.writeStream(response, reply.pieces, reply, reply.status ?? 200, reply.headers);
      case 'embeddings':
        return this.sendEmbeddings(request, reply, response);
      case 'text':
      case 'tool-call':
        return this.sendChat(request, reply, response);
    }
  }

  private async sendChat(
    request: RecordedRequest,
    reply: FakeTextReply | FakeToolCallReply,
    response: ServerResponse,
  ): Promise<void> {
    const body = asRecord(request.body);
    const model = typeof body['model'] === 'string' ? body['model'] : 'fake-chat-model';
    const stream = body['stream'] === true;
    const promptTokens = roughTokenCount(
      JSON.stringify(body['messages'] ?? '') + JSON.stringify(body['system'] ?? ''),
    );
    let toolSequence = 0;
    if (request.route === 'chat') {
      const context = {
        id: `chatcmpl-fake-${this.sequence}`,
        created: Math.floor(this.options.now() / 1000),
        model,
        promptTokens,
        includeUsage: asRecord(body['stream_options'])['include_usage'] === true,
        nextToolCallId: () => {
          toolSequence += 1;
          return `call_fake_${this.sequence}_${toolSequence}`;
        },
      };
      const headers = { 'x-request-id': `req_fake_${this.sequence}` };
      if (!stream) return sendJson(response, 200, chatCompletion(reply, context), headers);
      const pieces = chatCompletionChunks(reply, context).map(
        (chunk) => `data: ${JSON.stringify(chunk)}\n\n`,
      );
      pieces.push('data: [DONE]\n\n');
      return this.writeStream(response, pieces, reply, 200, headers);
    }
    if (request.route === 'messages') {
      const context = {
        id: `msg_fake_${this.sequence}`,
        model,
        inputTokens: promptTokens,
        nextToolUseId: () => {
          toolSequence += 1;
          return `toolu_fake_${this.sequence}_${toolSequence}`;
        },
      };
      const headers = { 'request-id': `req_fake_${this.sequence}` };
      if (!stream) return sendJson(response, 200, anthropicMessage(reply, context), headers);
      const pieces = anthropicStreamEvents(reply, context).map(
        ({ event, data }) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`,
      );
      return this.writeStream(response, pieces, reply, 200, headers);
    }
    const message = `A ${reply.type} reply cannot answer the ${request.route} route`;
    return sendJson(response, 500, errorBody(request.route, 500, message));
  }

  private sendEmbeddings(
    request: RecordedRequest,
    reply: FakeEmbeddingsReply,
    response: ServerResponse,
  ): void {
    const body = asRecord(request.body);
    const texts = embeddingInputs(body['input']);
    const requested = typeof body['dimensions'] === 'number' ? body['dimensions'] : undefined;
    const dimensions = reply.dimensions ?? requested ?? this.options.embeddingDimensions;
    let vectors: (readonly number[])[] = reply.vectors
      ? [...reply.vectors]
      : texts.map((text) => fakeEmbedding(text, dimensions));
    if (reply.count !== undefined) {
      vectors = Array.from(
        { length: reply.count },
        (_, index) => vectors[index] ?? fakeEmbedding(`extra-${index}`, dimensions),
      );
    }
    const model = typeof body['model'] === 'string' ? body['model'] : 'fake-embedding-model';
    const promptTokens = texts.reduce((sum, text) => sum + roughTokenCount(text), 0);
    if (request.route === 'ollama-embed') {
      sendJson(response, 200, {
        model,
        embeddings: vectors,
        total_duration: 1_000_000,
        load_duration: 100_000,
        prompt_eval_count: promptTokens,
      });
      return;
    }
    if (request.route !== 'embeddings') {
      sendJson(response, 500, errorBody(request.route, 500, 'An embeddings reply needs an embeddings route'));
      return;
    }
    const base64 = body['encoding_format'] === 'base64';
    sendJson(response, 200, embeddingsResponse({ vectors, model, base64, promptTokens }), {
      'x-request-id': `req_fake_${this.sequence}`,
    });
  }

  private async writeStream(
    response: ServerResponse,
    pieces: readonly string[],
    timing: { chunkDelayMs?: number; breakAfterEvents?: number },
    status: number,
    headers: Record<string, string> = {},
  ): Promise<void> {
    response.writeHead(status, { ...SSE_HEADERS, ...headers });
    response.flushHeaders();
    for (const [index, piece] of pieces.entries()) {
      if (timing.breakAfterEvents !== undefined && index >= timing.breakAfterEvents) {
        response.socket?.destroy();
        return;
      }
      if (index > 0) await this.sleep(timing.chunkDelayMs ?? 0);
      if (this.closing || response.destroyed) return;
      await new Promise<void>((resolve) => response.write(piece, () => resolve()));
    }
    if (timing.breakAfterEvents !== undefined && pieces.length <= timing.breakAfterEvents) {
      response.socket?.destroy();
      return;
    }
    response.end();
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.closing) return Promise.resolve();
    return new Promise((resolve) => {
      const pending: PendingTimer = {
        timer: setTimeout(() => {
          this.timers.delete(pending);
          resolve();
        }, ms),
        resolve,
      };
      this.timers.add(pending);
    });
  }
}

async function readRequest(incoming: IncomingMessage): Promise<RecordedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  const rawBody = Buffer.concat(chunks).toString('utf8');
  let body: unknown;
  if (rawBody.length > 0) {
    try {
      body = parseJsonValue(rawBody);
    } catch {
      body = undefined;
    }
  }
  const target = incoming.url ?? '/';
  const queryStart = target.indexOf('?');
  const path = queryStart < 0 ? target : target.slice(0, queryStart);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const method = incoming.method ?? 'GET';
  return {
    route: routeOf(method, path),
    method,
    path,
    query: queryStart < 0 ? '' : target.slice(queryStart + 1),
    headers,
    body,
    rawBody,
  };
}

function routeOf(method: string, path: string): FakeRoute {
  const trimmed = path.replace(/\/+$/, '');
  if (method === 'POST' && trimmed.endsWith('/chat/completions')) return 'chat';
  if (method === 'POST' && trimmed.endsWith('/api/embed')) return 'ollama-embed';
  if (method === 'POST' && trimmed.endsWith('/embeddings')) return 'embeddings';
  if (method === 'GET' && trimmed.endsWith('/models')) return 'models';
  if (method === 'POST' && trimmed.endsWith('/v1/messages')) return 'messages';
  return 'other';
}

function errorBody(route: FakeRoute, status: number, message: string): unknown {
  if (route === 'messages') return anthropicError(status, message);
  if (route === 'ollama-embed') return { error: message };
  return openAiError(status, message);
}

function embeddingInputs(input: unknown): string[] {
  if (typeof input === 'string') return [input];
  if (!Array.isArray(input)) return [];
  if (input.every((item) => typeof item === 'number')) return [JSON.stringify(input)];
  return input.map((item) => (typeof item === 'string' ? item : JSON.stringify(item)));
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}
