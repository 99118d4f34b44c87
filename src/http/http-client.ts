/**
 * @module The one way AutoSkill talks HTTP to model providers: a `fetch`-shaped transport (by default
 * `node:http`/`https` with keep-alive agents, `node-fetch.ts`; injectable) with a timeout per attempt, the caller's abort signal, retries with backoff on retryable failures only, typed
 * `AutoSkillError`s that never contain credentials, and either a validated JSON value or the raw streaming
 * `Response`.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { z } from 'zod';
import { AutoSkillError, isAutoSkillError } from '../shared/errors.js';
import { parseJson, parseJsonValue } from '../shared/json.js';
import { defaultFetch } from './node-fetch.js';
import { clipText, redactSecrets, redactUrl, secretsFromHeaders, secretsFromUrl } from './redact.js';
import { type BackoffOptions, computeRetryDelay, isRetryableStatus } from './retry-policy.js';

/** The subset of the global `fetch` the client uses; inject a fake in tests. */
export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

/** Waits `ms` milliseconds; must reject (or return early) when `signal` aborts. */
export type SleepFunction = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface RetryEvent {
  /** One-based number of the attempt that failed. */
  attempt: number;
  delayMs: number;
  error: AutoSkillError;
}

export interface HttpRequestOptions {
  url: string;
  /** @default 'POST' when a body is given, else 'GET' */
  method?: string;
  /** Headers with an `undefined` value are left out, so optional credentials need no branching. */
  headers?: Record<string, string | undefined>;
  /** Sent as JSON with `content-type: application/json`. Mutually exclusive with `body`. */
  json?: unknown;
  /** Sent as is. A stream body cannot be replayed, so it disables retries. */
  body?: string | Uint8Array | ReadableStream<Uint8Array>;
  /**
   * Per attempt. JSON requests: until the whole body is read. Raw requests: until the response headers
   * arrive (a stream may then run as long as the caller's signal allows). `0` or `Infinity`: no timeout.
   * @default 60000
   */
  timeoutMs?: number;
  /** Retries after the first attempt, on 408/409/429/5xx, network errors and timeouts only. @default 2 */
  maxRetries?: number;
  abortSignal?: AbortSignal;
  /** Names the upstream in errors, e.g. `openai`. @default 'upstream' */
  provider?: string;
  backoff?: BackoffOptions;
  /** Extra secret values to scrub from errors; credential headers are scrubbed without being listed. */
  secrets?: readonly string[];
  /** Longest upstream body kept in `details.responseBody`. @default 2000 */
  maxErrorBodyChars?: number;
  /** Called before each backoff wait, for logging. */
  onRetry?: (event: RetryEvent) => void;
  /** @default `node:http`/`https` with keep-alive agents (`createNodeFetch`); `globalThis.fetch` also fits */
  fetch?: FetchFunction;
  /** @default an abortable `setTimeout` */
  sleep?: SleepFunction;
  /** @default Math.random */
  random?: () => number;
  /** Epoch milliseconds, for `Retry-After` dates. @default Date.now */
  now?: () => number;
}

export interface JsonRequestOptions<S extends z.ZodType> extends HttpRequestOptions {
  /** Validates the response body; list only the fields you read, as `.nullish()`. */
  schema: S;
}

export interface JsonResponse<T> {
  value: T;
  statusCode: number;
  headers: Headers;
}

export interface RawRequestOptions extends HttpRequestOptions {
  /**
   * When false, a non-2xx response is returned (after retries are exhausted) instead of thrown, so a proxy
   * can pass the upstream status and body through. @default true
   */
  throwHttpErrors?: boolean;
}

const ERROR_BODY_READ_LIMIT = 64 * 1024;

/** Sends a request and validates its JSON response with `options.schema`. */
export async function requestJson<S extends z.ZodType>(
  options: JsonRequestOptions<S>,
): Promise<JsonResponse<z.output<S>>> {
  const context = createContext(options);
  return runWithRetries(context, async (attempt) => {
    const response = await fetchOnce(context, attempt, 'application/json');
    if (!response.ok) return failure(response, await statusError(context, response));
    let text: string;
    try {
      text = await response.text();
    } catch (cause) {
      throw classifyFetchFailure(context, attempt, cause, 'body');
    }
    let value: z.output<S>;
    try {
      value = parseJson(text, options.schema, {
        source: `${context.provider} response`,
        code: 'INVALID_RESPONSE',
      });
    } catch (cause) {
      throw new AutoSkillError(
        'INVALID_RESPONSE',
        `${context.provider} sent a response AutoSkill cannot read: ${context.scrub(errorText(cause))}`,
        {
          cause,
          details: {
            provider: context.provider,
            url: context.safeUrl,
            statusCode: response.status,
            responseBody: context.scrub(clipText(text, context.maxErrorBodyChars)),
          },
        },
      );
    }
    return { ok: true, value: { value, statusCode: response.status, headers: response.headers } };
  });
}

/**
 * Sends a request and returns the `Response` without reading its body (streams, pass-through). Retries
 * happen only before a response is returned; the caller's signal keeps governing the body afterwards.
 */
export async function requestRaw(options: RawRequestOptions): Promise<Response> {
  const context = createContext(options);
  const throwHttpErrors = options.throwHttpErrors ?? true;
  return runWithRetries(context, async (attempt, isLastAttempt) => {
    const response = await fetchOnce(context, attempt, undefined);
    if (response.ok) {
      attempt.keepSignal();
      return { ok: true, value: response };
    }
    const willRetry = !isLastAttempt && isRetryableStatus(response.status);
    if (!throwHttpErrors && !willRetry) {
      attempt.keepSignal();
      return { ok: true, value: response };
    }
    return failure(response, await statusError(context, response));
  });
}

interface RequestContext {
  url: string;
  safeUrl: string;
  method: string;
  headers: Record<string, string>;
  body: string | Uint8Array | ReadableStream<Uint8Array> | undefined;
  timeoutMs: number;
  maxRetries: number;
  abortSignal: AbortSignal | undefined;
  provider: string;
  backoff: BackoffOptions;
  maxErrorBodyChars: number;
  onRetry: ((event: RetryEvent) => void) | undefined;
  fetch: FetchFunction;
  sleep: SleepFunction;
  random: () => number;
  now: () => number;
  scrub: (text: string) => string;
}

function createContext(options: HttpRequestOptions): RequestContext {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  let body = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] ??= 'application/json';
  }
  const url = moveCredentialsToHeader(options.url, headers);
  // Secrets and the redacted URL are for error messages only: worked out on first use, not per request.
  let secrets: string[] | undefined;
  const knownSecrets = () => {
    secrets ??= [...secretsFromHeaders(headers), ...secretsFromUrl(options.url), ...(options.secrets ?? [])];
    return secrets;
  };
  let safeUrl: string | undefined;
  const isStreamBody = body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array);
  return {
    url,
    get safeUrl() {
      safeUrl ??= redactSecrets(redactUrl(options.url), knownSecrets());
      return safeUrl;
    },
    method: options.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    body,
    timeoutMs: options.timeoutMs ?? 60_000,
    maxRetries: isStreamBody ? 0 : Math.max(0, options.maxRetries ?? 2),
    abortSignal: options.abortSignal,
    provider: options.provider ?? 'upstream',
    backoff: options.backoff ?? {},
    maxErrorBodyChars: options.maxErrorBodyChars ?? 2000,
    onRetry: options.onRetry,
    fetch: options.fetch ?? defaultFetch(),
    sleep: options.sleep ?? defaultSleep,
    random: options.random ?? Math.random,
    now: options.now ?? Date.now,
    scrub: (text) => redactSecrets(text, knownSecrets()),
  };
}

/** `fetch` refuses URLs with user info; send it as Basic auth unless an Authorization header is set. */
function moveCredentialsToHeader(url: string, headers: Record<string, string>): string {
  // No `@`, no user info: skip parsing the URL on every request.
  if (!url.includes('@')) return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (!parsed.username && !parsed.password) return url;
  const credentials = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
  headers['authorization'] ??= `Basic ${Buffer.from(credentials).toString('base64')}`;
  parsed.username = '';
  parsed.password = '';
  return parsed.toString();
}

type AttemptOutcome<T> = { ok: true; value: T } | { ok: false; error: AutoSkillError; headers: Headers };

interface Attempt {
  signal: AbortSignal;
  timedOut: () => boolean;
  /** Stops the timeout; the caller's signal stays linked to the returned body. */
  keepSignal: () => void;
  dispose: () => void;
}

async function runWithRetries<T>(
  context: RequestContext,
  perform: (attempt: Attempt, isLastAttempt: boolean) => Promise<AttemptOutcome<T>>,
): Promise<T> {
  for (let attemptIndex = 0; ; attemptIndex += 1) {
    throwIfCallerAborted(context);
    const attempt = startAttempt(context);
    const isLastAttempt = attemptIndex >= context.maxRetries;
    let outcome: AttemptOutcome<T>;
    try {
      outcome = await perform(attempt, isLastAttempt);
    } catch (error) {
      const typed = isAutoSkillError(error) ? error : classifyFetchFailure(context, attempt, error);
      outcome = { ok: false, error: typed, headers: new Headers() };
    } finally {
      attempt.dispose();
    }
    if (outcome.ok) return outcome.value;
    const { error } = outcome;
    error.details['attempts'] = attemptIndex + 1;
    if (!error.isRetryable || isLastAttempt) throw error;
    const delayMs = computeRetryDelay({
      ...context.backoff,
      retryIndex: attemptIndex,
      headers: outcome.headers,
      random: context.random,
      now: context.now,
    });
    context.onRetry?.({ attempt: attemptIndex + 1, delayMs, error });
    try {
      await context.sleep(delayMs, context.abortSignal);
    } catch (cause) {
      throw abortedError(context, cause);
    }
  }
}

function startAttempt(context: RequestContext): Attempt {
  const controller = new AbortController();
  let timedOut = false;
  // Node turns a delay above 2^31-1 ms (or Infinity) into 1 ms: treat those as "no timeout".
  const hasTimeout = context.timeoutMs > 0 && context.timeoutMs <= 2_147_483_647;
  let timer: NodeJS.Timeout | undefined = hasTimeout
    ? setTimeout(() => {
        timedOut = true;
        controller.abort(new Error('timeout'));
      }, context.timeoutMs)
    : undefined;
  const signal = context.abortSignal
    ? AbortSignal.any([context.abortSignal, controller.signal])
    : controller.signal;
  let kept = false;
  const stopTimer = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  return {
    signal,
    timedOut: () => timedOut,
    keepSignal: () => {
      kept = true;
      stopTimer();
    },
    dispose: () => {
      stopTimer();
      // A failed or fully read attempt must not leave its connection dangling.
      if (!kept && !controller.signal.aborted) controller.abort(new Error('attempt finished'));
    },
  };
}

async function fetchOnce(
  context: RequestContext,
  attempt: Attempt,
  accept: string | undefined,
): Promise<Response> {
  const headers = accept && !context.headers['accept'] ? { ...context.headers, accept } : context.headers;
  const init: RequestInit & { duplex?: 'half' } = {
    method: context.method,
    headers,
    body: context.body as RequestInit['body'],
    signal: attempt.signal,
  };
  if (context.body instanceof ReadableStream) init.duplex = 'half';
  try {
    return await context.fetch(context.url, init);
  } catch (cause) {
    throw classifyFetchFailure(context, attempt, cause);
  }
}

function failure<T>(response: Response, error: AutoSkillError): AttemptOutcome<T> {
  return { ok: false, error, headers: response.headers };
}

async function statusError(context: RequestContext, response: Response): Promise<AutoSkillError> {
  const body = context.scrub(await readTextLimited(response, ERROR_BODY_READ_LIMIT));
  const summary = summariseErrorBody(body);
  const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  return new AutoSkillError(
    'UPSTREAM_ERROR',
    `${context.provider} returned ${status} for ${context.method} ${context.safeUrl}${summary ? `: ${summary}` : ''}`,
    {
      isRetryable: isRetryableStatus(response.status),
      details: {
        provider: context.provider,
        statusCode: response.status,
        responseBody: clipText(body, context.maxErrorBodyChars),
        url: context.safeUrl,
      },
    },
  );
}

/** `phase` is `body` once a response arrived: then any failure is the connection's, never the request's. */
function classifyFetchFailure(
  context: RequestContext,
  attempt: Attempt,
  cause: unknown,
  phase: 'send' | 'body' = 'send',
): AutoSkillError {
  if (isAutoSkillError(cause)) return cause;
  if (context.abortSignal?.aborted) return abortedError(context, cause);
  if (attempt.timedOut()) {
    return new AutoSkillError(
      'UPSTREAM_TIMEOUT',
      `${context.provider} did not answer ${context.method} ${context.safeUrl} within ${context.timeoutMs} ms`,
      {
        cause,
        isRetryable: true,
        details: { provider: context.provider, url: context.safeUrl, timeoutMs: context.timeoutMs },
      },
    );
  }
  const networkCause = (cause as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  const isNetworkFailure =
    phase === 'body' ||
    networkCause !== undefined ||
    (cause instanceof TypeError && cause.message === 'fetch failed');
  if (!isNetworkFailure) {
    // Not a network failure: the request itself could not be built (bad URL, bad header value…).
    return new AutoSkillError(
      'INVALID_CONFIG',
      `The request to ${context.provider} could not be sent: ${context.scrub(errorText(cause))}`,
      { cause, details: { provider: context.provider, url: context.safeUrl } },
    );
  }
  const code = typeof networkCause?.code === 'string' ? networkCause.code : undefined;
  const reason = context.scrub(errorText(networkCause?.message ? networkCause : cause));
  return new AutoSkillError(
    'UPSTREAM_ERROR',
    `${context.provider} could not be reached at ${context.safeUrl}: ${reason}`,
    {
      cause,
      isRetryable: true,
      details: { provider: context.provider, url: context.safeUrl, networkError: code ?? reason },
    },
  );
}

function abortedError(context: RequestContext, cause: unknown): AutoSkillError {
  return new AutoSkillError('ABORTED', `The request to ${context.provider} was aborted by the caller`, {
    cause,
    details: { provider: context.provider, url: context.safeUrl },
  });
}

function throwIfCallerAborted(context: RequestContext): void {
  if (context.abortSignal?.aborted) throw abortedError(context, context.abortSignal.reason);
}

/** Reads at most `limit` bytes of the body as text and drops the rest, so a huge error page costs little. */
async function readTextLimited(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // A body that breaks while we read an error is still an error with what we have.
  } finally {
    reader.cancel().catch(() => {});
  }
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, limit));
}

/** The human part of a typical error body (`{error: {message}}`, `{message}`, `{error: "…"}`), else a clip. */
function summariseErrorBody(body: string): string {
  const trimmed = body.trim();
  if (!trimmed) return '';
  try {
    const message = findMessage(parseJsonValue(trimmed));
    if (message) return clipText(message, 300);
  } catch {
    // not JSON: fall through to the raw text
  }
  return clipText(trimmed.replace(/\s+/g, ' '), 300);
}

function findMessage(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const error = record['error'];
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && error !== null) {
    const nested = (error as Record<string, unknown>)['message'];
    if (typeof nested === 'string') return nested;
  }
  for (const key of ['message', 'msg', 'detail']) {
    const candidate = record[key];
    if (typeof candidate === 'string') return candidate;
  }
  return undefined;
}

function errorText(value: unknown): string {
  if (value instanceof Error) return value.message;
  return String(value);
}

const defaultSleep: SleepFunction = async (ms, signal) => {
  await delay(ms, undefined, signal ? { signal } : undefined);
};
