/**
 * @module The UI's HTTP client: same-origin JSON requests and SSE streams, the signed-in API key on every
 * request, OpenAI-style errors turned into `ApiError`, and every answer validated by a zod schema.
 */
import type { z } from 'zod';
import { ApiError } from './errors.js';
import { readSse, type SseMessage } from './sse.js';

export type QueryValue = string | number | boolean | null | undefined;

export interface RequestOptions<T> {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  query?: Record<string, QueryValue>;
  /** Sent as JSON. */
  body?: unknown;
  /** Validates the JSON answer (lenient schemas: only the fields the UI reads). */
  schema: z.ZodType<T>;
  signal?: AbortSignal;
}

export interface StreamOptions {
  method?: 'GET' | 'POST';
  query?: Record<string, QueryValue>;
  body?: unknown;
  signal?: AbortSignal;
  onEvent: (message: SseMessage) => void;
}

export interface ApiClientOptions {
  /** Prefix of every path. @default '' (same origin as the page) */
  baseUrl?: string;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** The API key to send, read at each request (sign-in may change it). */
  getKey: () => string | null;
  /** Called with every 401, before the error is thrown (the app then asks for a key). */
  onUnauthorized?: (error: ApiError) => void;
}

export interface ApiClient {
  request<T>(path: string, options: RequestOptions<T>): Promise<T>;
  stream(path: string, options: StreamOptions): Promise<void>;
  /** Absolute URL of a path (downloads). */
  url(path: string, query?: Record<string, QueryValue>): string;
  headers(): Record<string, string>;
}

export function buildUrl(baseUrl: string, path: string, query?: Record<string, QueryValue>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const search = params.toString();
  return `${baseUrl}${path}${search ? `?${search}` : ''}`;
}

/** Reads an OpenAI-style error body (`{error: {message, code, param}}`) or falls back to the status line. */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  const error =
    body && typeof body === 'object' && 'error' in body ? (body as { error: unknown }).error : undefined;
  const record = error && typeof error === 'object' ? (error as Record<string, unknown>) : {};
  const message =
    typeof record['message'] === 'string' && record['message']
      ? record['message']
      : typeof error === 'string'
        ? error
        : `${response.status} ${response.statusText || 'error'}`.trim();
  return new ApiError({
    kind: 'http',
    status: response.status,
    code: typeof record['code'] === 'string' ? record['code'] : `http_${response.status}`,
    message,
    param: typeof record['param'] === 'string' ? record['param'] : null,
    body,
  });
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const baseUrl = options.baseUrl ?? '';
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);

  function headers(): Record<string, string> {
    const key = options.getKey();
    return key ? { Authorization: `Bearer ${key}` } : {};
  }

  async function send(
    path: string,
    init: { method: string; query?: Record<string, QueryValue>; body?: unknown; signal?: AbortSignal },
    accept: string,
  ): Promise<Response> {
    const requestHeaders: Record<string, string> = { Accept: accept, ...headers() };
    if (init.body !== undefined) requestHeaders['Content-Type'] = 'application/json';
    let response: Response;
    try {
      response = await fetchImpl(buildUrl(baseUrl, path, init.query), {
        method: init.method,
        headers: requestHeaders,
        body: init.body === undefined ? null : JSON.stringify(init.body),
        signal: init.signal ?? null,
      });
    } catch (cause) {
      if (init.signal?.aborted) {
        throw new ApiError({ kind: 'aborted', status: 0, code: 'aborted', message: 'Request cancelled' });
      }
      throw new ApiError({
        kind: 'network',
        status: 0,
        code: 'network_error',
        message: `The server could not be reached (${cause instanceof Error ? cause.message : String(cause)})`,
      });
    }
    if (!response.ok) {
      const error = await errorFromResponse(response);
      if (error.isUnauthorized) options.onUnauthorized?.(error);
      throw error;
    }
    return response;
  }

  return {
    headers,
    url: (path, query) => buildUrl(baseUrl, path, query),

    async request<T>(path: string, request: RequestOptions<T>): Promise<T> {
      const response = await send(path, { ...request, method: request.method ?? 'GET' }, 'application/json');
      const text = await response.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : {};
      } catch {
        throw new ApiError({
          kind: 'invalid_response',
          status: response.status,
          code: 'invalid_response',
          message: `The server answered ${path} with something that is not JSON`,
        });
      }
      const parsed = request.schema.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new ApiError({
          kind: 'invalid_response',
          status: response.status,
          code: 'invalid_response',
          message: `Unexpected answer from ${path}: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`,
          body: json,
        });
      }
      return parsed.data;
    },

    async stream(path, stream) {
      const response = await send(
        path,
        { ...stream, method: stream.method ?? 'GET' },
        'text/event-stream, application/json',
      );
      if (!response.body) return;
      try {
        for await (const message of readSse(response.body)) stream.onEvent(message);
      } catch (cause) {
        if (stream.signal?.aborted) return;
        throw new ApiError({
          kind: 'network',
          status: response.status,
          code: 'stream_broken',
          message: `The stream from ${path} broke off (${cause instanceof Error ? cause.message : String(cause)})`,
        });
      }
    },
  };
}
