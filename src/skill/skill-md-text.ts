/**
 * @module Text-level helpers of the SKILL.md format: line-end normalisation, the `---` front-matter split
 * and the JSON/YAML double-quoted scalar writer, and the `INVALID_SKILL_FILE` error naming `file:line`.
 */
import { AutoSkillError } from '../shared/errors.js';

/** An `INVALID_SKILL_FILE` error whose message starts with `<source>:<line>:` (default source `SKILL.md`). */
export function skillFileError(
  source: string | undefined,
  line: number,
  reason: string,
  message: string,
  extra: Record<string, unknown> = {},
): AutoSkillError {
  const where = source ?? 'SKILL.md';
  return new AutoSkillError('INVALID_SKILL_FILE', `${where}:${line}: ${message}`, {
    details: { source, line, reason, ...extra },
  });
}

/** Line ends become LF and a leading byte-order mark is dropped. */
export function normaliseText(text: string): string {
  const withoutBom = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return withoutBom.includes('\r') ? withoutBom.replace(/\r\n?/g, '\n') : withoutBom;
}

interface SplitFile {
  frontMatter: string | null;
  body: string;
  /** 1-based line of the body's first line. */
  bodyLine: number;
}

/** Splits `---` front matter from the body; an unclosed block means the whole text is body (as the original). */
export function splitFrontMatter(text: string): SplitFile {
  const firstEnd = text.indexOf('\n');
  const firstLine = firstEnd === -1 ? text : text.slice(0, firstEnd);
  if (firstLine.trim() !== '---' || firstEnd === -1) return { frontMatter: null, body: text, bodyLine: 1 };
  let start = firstEnd + 1;
  let line = 2;
  while (start <= text.length) {
    const end = text.indexOf('\n', start);
    const current = end === -1 ? text.slice(start) : text.slice(start, end);
    // The closing marker starts the line (YAML's own rule), so an indented `---` inside a block scalar
    // does not end the front matter.
    if (current.startsWith('---') && current.trimEnd() === '---') {
      return {
        // Up to and including the last newline: a keep-chomped block scalar (`|+`) owns it.
        frontMatter: text.slice(firstEnd + 1, start),
        body: end === -1 ? '' : text.slice(end + 1),
        bodyLine: line + 1,
      };
    }
    if (end === -1) break;
    start = end + 1;
    line += 1;
  }
  return { frontMatter: null, body: text, bodyLine: 1 };
}

export function stripLeadingBlankLines(text: string): string {
  const match = /^(?:[ \t]*\n)+/.exec(text);
  return match ? text.slice(match[0].length) : text;
}

const EXTRA_ESCAPES = /[\u007f-\u009f\u2028\u2029\ufeff]/g;

/** A JSON string literal, which is also a YAML double-quoted scalar; escapes what YAML forbids raw. */
export function quoteScalar(value: string): string {
  return JSON.stringify(value).replace(
    EXTRA_ESCAPES,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
