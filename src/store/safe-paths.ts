/**
 * @module Validation of every name the store turns into a path: user ids, library names, folder names
 * and resource paths. Nothing a caller passes may make the store read or write outside its root
 * (the original joined user ids into paths unchecked — core.md §14 item 22).
 */
import { AutoSkillError } from '../shared/errors.js';

/** Longest accepted user id or library name, in characters (a folder name is at most 255 bytes). */
export const MAX_NAME_LENGTH = 64;

/** Letters of any script, combining marks, digits, `.`, `_`, `@`, `-`; never a leading dot. */
const NAME_PATTERN = /^[\p{L}\p{N}_@-][\p{L}\p{M}\p{N}._@-]*$/u;

function describe(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

/**
 * Checks a user id and returns it unchanged; throws `INVALID_USER_ID` with the reason otherwise.
 * @example validateUserId('张三') // '张三'
 */
export function validateUserId(value: unknown): string {
  const reason = nameProblem(value);
  if (reason) {
    throw new AutoSkillError('INVALID_USER_ID', `Invalid user id ${describe(value)}: ${reason}`, {
      details: { userId: typeof value === 'string' ? value.slice(0, 200) : null, reason },
    });
  }
  return value as string;
}

/** Checks a library name (the `<name>` of `library:<name>` and of `Common/<name>/`). */
export function validateLibraryName(value: unknown): string {
  const reason = nameProblem(value);
  if (reason) {
    throw new AutoSkillError('INVALID_INPUT', `Invalid library name ${describe(value)}: ${reason}`, {
      details: { library: typeof value === 'string' ? value.slice(0, 200) : null, reason },
    });
  }
  return value as string;
}

/** Why `value` is not a safe single folder name, or null when it is. */
export function nameProblem(value: unknown): string | null {
  if (typeof value !== 'string') return 'must be a string';
  if (value.length === 0) return 'must not be empty';
  if ([...value].length > MAX_NAME_LENGTH) return `must be at most ${MAX_NAME_LENGTH} characters`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'must not contain control characters';
  if (/[/\\]/.test(value)) return 'must not contain "/" or "\\"';
  if (value === '.' || value === '..') return 'must not be "." or ".."';
  if (value.startsWith('.')) return 'must not start with a dot';
  if (!NAME_PATTERN.test(value)) return 'may contain only letters, digits, ".", "_", "@" and "-"';
  return null;
}

/** Longest accepted resource path, in characters. */
export const MAX_RESOURCE_PATH_LENGTH = 240;

/**
 * Normalises a resource path relative to a skill folder: backslashes become `/`, `./` and repeated
 * slashes are dropped. Refuses (`INVALID_PATH`) absolute paths, `..`, hidden segments, control
 * characters and `SKILL.md` itself, so the result always stays inside the skill folder.
 * @example normalizeResourcePath('scripts\\run.py') // 'scripts/run.py'
 */
export function normalizeResourcePath(value: string): string {
  const fail = (reason: string): never => {
    throw new AutoSkillError('INVALID_PATH', `Invalid resource path ${describe(value)}: ${reason}`, {
      details: { path: typeof value === 'string' ? value.slice(0, 300) : null, reason },
    });
  };
  if (typeof value !== 'string' || value.trim() === '') return fail('must not be empty');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(value)) return fail('must not contain control characters');
  const slashed = value.trim().replace(/\\/g, '/');
  if (slashed.startsWith('/') || /^[A-Za-z]:/.test(slashed)) return fail('must be relative');
  const segments = slashed.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.length === 0) return fail('must name a file');
  for (const segment of segments) {
    if (segment === '..') return fail('must not contain ".."');
    if (segment.startsWith('.')) return fail('must not contain hidden (dot) segments');
  }
  const normalized = segments.join('/');
  if (normalized.length > MAX_RESOURCE_PATH_LENGTH) {
    return fail(`must be at most ${MAX_RESOURCE_PATH_LENGTH} characters`);
  }
  if (normalized.toLowerCase() === 'skill.md') return fail('SKILL.md is not a resource');
  return normalized;
}

/** A folder name for a new skill from its slug: a safe single segment, `skill` when nothing is left. */
export function safeFolderName(slug: string): string {
  const cleaned = [...slug.replace(/[^\p{L}\p{M}\p{N}._@-]+/gu, '-').replace(/^[.\-_]+/, '')]
    .slice(0, MAX_NAME_LENGTH)
    .join('')
    .replace(/[.-]+$/, '');
  return nameProblem(cleaned) === null ? cleaned : 'skill';
}
