/** @module The one error type of the UI's HTTP layer: the server's OpenAI-style error, a network failure or an unreadable answer. */

export type ApiErrorKind = 'http' | 'network' | 'invalid_response' | 'aborted';

export class ApiError extends Error {
  readonly kind: ApiErrorKind;
  /** HTTP status; 0 when no answer came back. */
  readonly status: number;
  /** The server's `error.code` (`stale_revision`, `invalid_api_key`, …) or a local code. */
  readonly code: string;
  readonly param: string | null;
  /** The parsed error body when there was one (for `details` such as the current revision). */
  readonly body: unknown;

  constructor(options: {
    kind: ApiErrorKind;
    status: number;
    code: string;
    message: string;
    param?: string | null;
    body?: unknown;
  }) {
    super(options.message);
    this.name = 'ApiError';
    this.kind = options.kind;
    this.status = options.status;
    this.code = options.code;
    this.param = options.param ?? null;
    this.body = options.body;
  }

  get isUnauthorized(): boolean {
    return this.status === 401;
  }

  get isStale(): boolean {
    return this.status === 409;
  }
}

export function isApiError(value: unknown): value is ApiError {
  return value instanceof ApiError;
}

/** A readable one-line message for any thrown value. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.kind === 'network') return error.message;
    return error.status > 0 ? `${error.message} (${error.status} ${error.code})` : error.message;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}
