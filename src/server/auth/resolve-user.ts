/**
 * @module Which user a request acts for. Holders of the shared application key (and admins, and anyone
 * when auth is off) name the user per request: body `user`, then the `X-AutoSkill-User` header, then
 * `?user=` on GET. Holders of a per-user key or JWT are pinned to their own user: a request naming another
 * user is refused with 403 rather than silently rewritten, so a misrouted request fails loudly instead of
 * writing skills into the wrong account. Every id is validated with the store's rules (400 otherwise).
 */
import type { Context } from 'hono';
import { AutoSkillError } from '../../shared/errors.js';
import { validateUserId } from '../../store/safe-paths.js';
import type { ServerEnv } from '../context.js';

export const USER_HEADER = 'x-autoskill-user';

export interface ResolveUserOptions {
  /** The body's `user` field, when the route has a JSON body. */
  bodyUser?: unknown;
}

function headerUser(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  // Header values are bytes; non-ASCII ids (e.g. Chinese) arrive percent-encoded.
  if (!trimmed.includes('%')) return trimmed;
  try {
    return decodeURIComponent(trimmed);
  } catch {
    return trimmed;
  }
}

/** The user id the request asked for, before any authorisation; `undefined` when it names none. */
export function requestedUser(c: Context<ServerEnv>, options: ResolveUserOptions = {}): string | undefined {
  const { bodyUser } = options;
  if (bodyUser !== undefined && bodyUser !== null && bodyUser !== '') {
    if (typeof bodyUser !== 'string') {
      throw new AutoSkillError('INVALID_USER_ID', 'The "user" field must be a string', {
        details: { param: 'user' },
      });
    }
    return bodyUser.trim() || undefined;
  }
  const fromHeader = headerUser(c.req.header(USER_HEADER));
  if (fromHeader) return fromHeader;
  if (c.req.method === 'GET' || c.req.method === 'HEAD') {
    const fromQuery = c.req.query('user')?.trim();
    if (fromQuery) return fromQuery;
  }
  return undefined;
}

/** The validated user id the request acts for; 403 when a pinned principal names someone else. */
export function resolveRequestUser(c: Context<ServerEnv>, options: ResolveUserOptions = {}): string {
  const principal = c.get('principal');
  const requested = requestedUser(c, options);
  if (principal.kind === 'user' && principal.userId !== undefined) {
    if (requested !== undefined && requested !== principal.userId) {
      throw new AutoSkillError(
        'FORBIDDEN',
        'This credential belongs to another user; it cannot act for the user named in the request',
        { details: { reason: 'user-mismatch' } },
      );
    }
    return principal.userId;
  }
  return validateUserId(requested ?? c.get('defaultUserId'));
}

/** Whether the principal may act for `userId` (management routes check owners with it). */
export function mayActFor(c: Context<ServerEnv>, userId: string): boolean {
  const principal = c.get('principal');
  return principal.kind !== 'user' || principal.userId === userId;
}
