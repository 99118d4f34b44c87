/**
 * @module Turning a management request into validated data: the query string and the JSON body go
 * through the route's zod schema (the same one `openapi.json` is generated from); the first problem
 * becomes the OpenAI `param`. Also the shared query/body building blocks (flags, paging, scope) and the
 * error answers that carry extra fields (`current_revision` on a stale write, `line` on a bad SKILL.md).
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { AutoSkillError, isAutoSkillError } from '../../shared/errors.js';
import type { ServerEnv } from '../context.js';
import { describeError } from '../errors.js';
import { readJsonObject } from '../http/read-body.js';

function invalid(error: z.ZodError, where: string): AutoSkillError {
  const problems = error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
    return `${path}: ${issue.message}`;
  });
  const first = error.issues[0];
  const param = first && first.path.length > 0 ? first.path.map(String).join('.') : undefined;
  return new AutoSkillError('INVALID_INPUT', `Invalid ${where}: ${problems.join('; ')}`, {
    details: { problems, ...(param ? { param } : {}) },
  });
}

/** The query string validated by `schema` (400 naming the parameter otherwise). */
export function parseQuery<S extends z.ZodType>(c: Context<ServerEnv>, schema: S): z.output<S> {
  const result = schema.safeParse(c.req.query());
  if (!result.success) throw invalid(result.error, 'query parameter');
  return result.data;
}

/** A JSON value validated by `schema` (400 naming the field otherwise). */
export function parseValue<S extends z.ZodType>(value: unknown, schema: S): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalid(result.error, 'request body');
  return result.data;
}

/** The JSON object body (413 over `maxBytes`, 400 `invalid_json`) validated by `schema`. */
export async function parseBody<S extends z.ZodType>(
  c: Context<ServerEnv>,
  schema: S,
  options: { maxBytes: number; allowEmpty?: boolean },
): Promise<{ data: z.output<S>; raw: Record<string, unknown> }> {
  const { value } = await readJsonObject(c, options);
  return { data: parseValue(value, schema), raw: value };
}

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off', '']);

/** A query flag: `1/true/yes/on` or `0/false/no/off` (the original's spellings). */
export const queryFlag = z
  .string()
  .trim()
  .toLowerCase()
  .refine(
    (value) => TRUE_WORDS.has(value) || FALSE_WORDS.has(value),
    'must be 1/0, true/false, yes/no or on/off',
  )
  .transform((value) => TRUE_WORDS.has(value));

/** A whole number in a query string within [min, max]. */
export function queryInteger(min: number, max: number) {
  return z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
}

/** `user`, `library` (alias `common`) or `all`. */
export const ScopeSchema = z
  .enum(['user', 'library', 'common', 'all'])
  .transform((value) => (value === 'common' ? 'library' : value));

/** The body `user` field: who the request acts for (checked against the credential). */
export const BodyUserSchema = z.string().optional().describe('The user to act for (shared/admin keys only)');

/** A JSON `skill_id` path parameter check: bounded, no control characters. */
export function skillIdParam(c: Context<ServerEnv>): string {
  const id = c.req.param('skill_id') ?? '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (id.length === 0 || id.length > 200 || /[\u0000-\u001f]/.test(id)) {
    throw new AutoSkillError('SKILL_NOT_FOUND', `No skill with id ${JSON.stringify(id.slice(0, 200))}`, {
      details: { param: 'skill_id' },
    });
  }
  return id;
}

/**
 * Answers the errors whose body carries more than the OpenAI fields: a stale write (409) adds
 * `current_revision`, a bad SKILL.md (400) adds `line`. Anything else goes to the app's error handler.
 */
export function answerWithExtras(c: Context<ServerEnv>, error: unknown): Response {
  if (!isAutoSkillError(error)) throw error;
  const extras: Record<string, unknown> = {};
  if (error.code === 'STALE_REVISION') extras['current_revision'] = error.details['currentRevision'] ?? null;
  if (error.code === 'INVALID_SKILL_FILE' && typeof error.details['line'] === 'number') {
    extras['line'] = error.details['line'];
  }
  if (Object.keys(extras).length === 0) throw error;
  const { status, body } = describeError(error);
  const param = body.error.param ?? (error.code === 'INVALID_SKILL_FILE' ? 'skill_md' : null);
  return c.json({ error: { ...body.error, param, ...extras } }, status as ContentfulStatusCode);
}

/** Runs a handler and answers its stale-revision and bad-file errors with their extra fields. */
export function withExtras(
  handler: (c: Context<ServerEnv>) => Promise<Response>,
): (c: Context<ServerEnv>) => Promise<Response> {
  return async (c) => {
    try {
      return await handler(c);
    } catch (error) {
      return answerWithExtras(c, error);
    }
  };
}
