/**
 * @module The one error type of AutoSkill: a stable string `code`, structured details, an optional
 * `cause`, and retryability as data. Entry points map codes to HTTP statuses and exit codes; nothing
 * below them decides how an error is shown.
 */

/** Every code an AutoSkillError can carry. Codes are part of the public API: never rename one. */
export const ERROR_CODES = [
  // input and validation
  'INVALID_INPUT',
  'INVALID_CONFIG',
  'INVALID_SKILL_FILE',
  'INVALID_USER_ID',
  'INVALID_PATH',
  'PAYLOAD_TOO_LARGE',
  // store
  'SKILL_NOT_FOUND',
  'REVISION_NOT_FOUND',
  'STALE_REVISION',
  'READ_ONLY',
  'CONFLICT',
  'LOCK_TIMEOUT',
  'STORE_CORRUPT',
  // providers
  'NO_SUCH_PROVIDER',
  'MISSING_API_KEY',
  'UPSTREAM_ERROR',
  'UPSTREAM_TIMEOUT',
  'INVALID_RESPONSE',
  'DIMENSION_MISMATCH',
  // auth
  'UNAUTHORIZED',
  'FORBIDDEN',
  'RATE_LIMITED',
  // generic
  'NOT_FOUND',
  'UNSUPPORTED',
  'NOT_READY',
  'CLOSED',
  'ABORTED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface AutoSkillErrorOptions {
  /** Structured facts about the failure (file, line, provider, status…); safe to show to a caller. */
  details?: Record<string, unknown>;
  cause?: unknown;
  /** Whether repeating the same call may succeed (429, 5xx, timeouts). @default false */
  isRetryable?: boolean;
}

export class AutoSkillError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;
  readonly isRetryable: boolean;

  constructor(code: ErrorCode, message: string, options: AutoSkillErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AutoSkillError';
    this.code = code;
    this.details = options.details ?? {};
    this.isRetryable = options.isRetryable ?? false;
  }
}

export function isAutoSkillError(value: unknown, code?: ErrorCode): value is AutoSkillError {
  return value instanceof AutoSkillError && (code === undefined || value.code === code);
}

/** Message of any thrown value, for logs and wrapped errors. */
export function errorMessage(value: unknown): string {
  if (value instanceof Error) return value.message;
  return typeof value === 'string' ? value : JSON.stringify(value);
}
