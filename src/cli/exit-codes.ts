/**
 * @module Exit codes of the `autoskill` binary (documented in the README) and the mapping from error codes.
 */
import { type ErrorCode, isAutoSkillError } from '../shared/errors.js';

export const EXIT = {
  ok: 0,
  /** The operation failed (I/O, upstream, unexpected). */
  failure: 1,
  /** Bad flags or arguments, invalid input or an invalid file. */
  usage: 2,
  /** A named skill, revision or file does not exist. */
  notFound: 3,
  /** The write was refused: stale revision, read-only library skill, or a conflict. */
  conflict: 4,
  /** `skills validate` (and similar checks) found problems. */
  problemsFound: 5,
} as const;

const BY_CODE: Partial<Record<ErrorCode, number>> = {
  INVALID_INPUT: EXIT.usage,
  INVALID_CONFIG: EXIT.usage,
  INVALID_SKILL_FILE: EXIT.usage,
  INVALID_USER_ID: EXIT.usage,
  INVALID_PATH: EXIT.usage,
  PAYLOAD_TOO_LARGE: EXIT.usage,
  NO_SUCH_PROVIDER: EXIT.usage,
  MISSING_API_KEY: EXIT.usage,
  SKILL_NOT_FOUND: EXIT.notFound,
  REVISION_NOT_FOUND: EXIT.notFound,
  NOT_FOUND: EXIT.notFound,
  STALE_REVISION: EXIT.conflict,
  READ_ONLY: EXIT.conflict,
  CONFLICT: EXIT.conflict,
};

export function exitCodeFor(error: unknown): number {
  if (isAutoSkillError(error)) return BY_CODE[error.code] ?? EXIT.failure;
  return EXIT.failure;
}
