/**
 * @module The single place where untrusted JSON text becomes data: parse, then validate with a zod
 * schema, failing with an AutoSkillError that says where the text came from.
 */
import type { z } from 'zod';
import { AutoSkillError, type ErrorCode } from './errors.js';

export interface ParseJsonOptions {
  /** Names the input in error messages, e.g. a file path or "request body". */
  source?: string;
  /** @default 'INVALID_INPUT' */
  code?: ErrorCode;
}

/** Parses JSON without validation; use only where any JSON value is acceptable. */
export function parseJsonValue(text: string, options: ParseJsonOptions = {}): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    const where = options.source ? ` in ${options.source}` : '';
    throw new AutoSkillError(
      options.code ?? 'INVALID_INPUT',
      `Malformed JSON${where}: ${(cause as Error).message}`,
      {
        cause,
        details: options.source ? { source: options.source } : {},
      },
    );
  }
}

/** Parses JSON and validates it with `schema`; the result type is the schema's output type. */
export function parseJson<S extends z.ZodType>(
  text: string,
  schema: S,
  options: ParseJsonOptions = {},
): z.output<S> {
  return validate(parseJsonValue(text, options), schema, options);
}

/** Validates an already-parsed value with `schema`, with a readable message listing each problem. */
export function validate<S extends z.ZodType>(
  value: unknown,
  schema: S,
  options: ParseJsonOptions = {},
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    return `${path}: ${issue.message}`;
  });
  const where = options.source ? ` in ${options.source}` : '';
  throw new AutoSkillError(options.code ?? 'INVALID_INPUT', `Invalid value${where}: ${problems.join('; ')}`, {
    details: { source: options.source, problems },
  });
}
