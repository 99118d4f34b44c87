/**
 * @module The one place where errors become HTTP responses: `AutoSkillError` codes map to statuses and an
 * OpenAI-style body `{ error: { message, type, param, code } }`; upstream errors keep their status; any
 * other exception is a 500 whose text never reaches the client (it is logged instead).
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { redactSecrets } from '../http/redact.js';
import { AutoSkillError, type ErrorCode, isAutoSkillError } from '../shared/errors.js';
import type { ServerEnv } from './context.js';

/** The OpenAI error body. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

interface WireError {
  status: number;
  code: string;
}

/** Status and OpenAI `code` of each AutoSkill error code. */
const BY_CODE: Record<ErrorCode, WireError> = {
  INVALID_INPUT: { status: 400, code: 'invalid_request' },
  INVALID_CONFIG: { status: 500, code: 'server_misconfigured' },
  INVALID_SKILL_FILE: { status: 400, code: 'invalid_skill_file' },
  INVALID_USER_ID: { status: 400, code: 'invalid_user_id' },
  INVALID_PATH: { status: 400, code: 'invalid_path' },
  PAYLOAD_TOO_LARGE: { status: 413, code: 'payload_too_large' },
  SKILL_NOT_FOUND: { status: 404, code: 'not_found' },
  REVISION_NOT_FOUND: { status: 404, code: 'not_found' },
  STALE_REVISION: { status: 409, code: 'stale_revision' },
  READ_ONLY: { status: 403, code: 'read_only' },
  CONFLICT: { status: 409, code: 'conflict' },
  LOCK_TIMEOUT: { status: 503, code: 'busy' },
  STORE_CORRUPT: { status: 500, code: 'store_corrupt' },
  NO_SUCH_PROVIDER: { status: 500, code: 'server_misconfigured' },
  MISSING_API_KEY: { status: 500, code: 'server_misconfigured' },
  UPSTREAM_ERROR: { status: 502, code: 'upstream_error' },
  UPSTREAM_TIMEOUT: { status: 504, code: 'upstream_timeout' },
  INVALID_RESPONSE: { status: 502, code: 'upstream_error' },
  DIMENSION_MISMATCH: { status: 500, code: 'dimension_mismatch' },
  UNAUTHORIZED: { status: 401, code: 'invalid_api_key' },
  FORBIDDEN: { status: 403, code: 'forbidden' },
  RATE_LIMITED: { status: 429, code: 'rate_limit_exceeded' },
  NOT_FOUND: { status: 404, code: 'not_found' },
  UNSUPPORTED: { status: 501, code: 'unsupported' },
  NOT_READY: { status: 503, code: 'not_ready' },
  CLOSED: { status: 503, code: 'closed' },
  ABORTED: { status: 499, code: 'aborted' },
  INTERNAL: { status: 500, code: 'internal_error' },
};

/** OpenAI's `type` for a status: client errors are `invalid_request_error`, server errors `server_error`. */
export function errorTypeForStatus(status: number): string {
  if (status === 429) return 'rate_limit_error';
  return status >= 500 ? 'server_error' : 'invalid_request_error';
}

export function openAIErrorBody(options: {
  message: string;
  status: number;
  code: string | null;
  param?: string | null;
  type?: string;
}): OpenAIErrorBody {
  return {
    error: {
      message: options.message,
      type: options.type ?? errorTypeForStatus(options.status),
      param: options.param ?? null,
      code: options.code,
    },
  };
}

/**
 * Status and body for an `AutoSkillError`. Conventions for code that throws: `details.wireCode` overrides
 * the OpenAI `code` (e.g. `invalid_json`), `details.param` names the offending field, and an upstream
 * error's `details.statusCode` (4xx/5xx) becomes the response status.
 */
export function describeError(error: AutoSkillError): { status: number; body: OpenAIErrorBody } {
  const mapped = BY_CODE[error.code] ?? BY_CODE.INTERNAL;
  let status = mapped.status;
  const upstreamStatus = error.details['statusCode'];
  const isHttpStatus = typeof upstreamStatus === 'number' && upstreamStatus >= 400 && upstreamStatus <= 599;
  if (error.code === 'UPSTREAM_ERROR' && isHttpStatus) status = upstreamStatus;
  const wireCode = error.details['wireCode'];
  const param = error.details['param'];
  return {
    status,
    body: openAIErrorBody({
      message: redactSecrets(error.message, []),
      status,
      code: typeof wireCode === 'string' ? wireCode : mapped.code,
      param: typeof param === 'string' ? param : null,
    }),
  };
}

/** The app's `onError`: AutoSkill errors by code, everything else a 500 that does not leak internals. */
export function handleServerError(error: unknown, c: Context<ServerEnv>): Response {
  const logger = c.get('logger');
  if (isAutoSkillError(error)) {
    const { status, body } = describeError(error);
    if (status >= 500) logger?.error({ err: error, code: error.code }, 'request failed');
    else logger?.debug({ code: error.code, status }, 'request refused');
    const headers: Record<string, string> = {};
    const retryAfter = error.details['retryAfterSeconds'];
    if (typeof retryAfter === 'number') headers['retry-after'] = String(Math.max(1, Math.ceil(retryAfter)));
    return c.json(body, status as ContentfulStatusCode, headers);
  }
  logger?.error({ err: error }, 'unexpected error');
  return c.json(
    openAIErrorBody({ message: 'Internal server error', status: 500, code: 'internal_error' }),
    500,
  );
}

/** 404 for every method on an unknown path (the original sent an empty body to GETs). */
export function handleNotFound(c: Context<ServerEnv>): Response {
  return c.json(
    openAIErrorBody({
      message: `Unknown endpoint: ${c.req.method} ${c.req.path}`,
      status: 404,
      code: 'not_found',
    }),
    404,
  );
}

/** Shorthand for the errors route handlers throw most. */
export function invalidRequest(message: string, details: Record<string, unknown> = {}): AutoSkillError {
  return new AutoSkillError('INVALID_INPUT', message, { details });
}
