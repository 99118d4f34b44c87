/**
 * @module A quick check of SKILL.md text before it is sent: the front matter is closed, its lines are
 * `key: value` (or list items / indented continuations), quotes balance, and there is a name. The
 * server's parser has the last word (its 400 names the line); this only catches the common slips early.
 */
import type { MessageKey } from '../i18n-messages.js';

export interface ValidationProblem {
  key: MessageKey;
  line: number;
}

export function validateSkillMd(text: string): ValidationProblem | null {
  const normalised = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  if (normalised.trim() === '') return { key: 'validation.empty', line: 1 };
  const lines = normalised.split('\n');
  let hasName = false;
  let bodyStart = 0;
  if (lines[0]?.trim() === '---') {
    const close = lines.findIndex((line, index) => index > 0 && /^(---|\.\.\.)\s*$/.test(line));
    if (close < 0) return { key: 'validation.noFrontMatterEnd', line: 1 };
    let inBlockScalar = false;
    for (let index = 1; index < close; index += 1) {
      const line = lines[index] ?? '';
      const lineNumber = index + 1;
      if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
      if (/^\t/.test(line)) return { key: 'validation.tab', line: lineNumber };
      const indented = /^\s/.test(line);
      if (indented || line.startsWith('- ')) {
        if (!inBlockScalar && unbalancedQuotes(line)) return { key: 'validation.quote', line: lineNumber };
        continue;
      }
      inBlockScalar = false;
      const match = /^([^:#]+?)\s*:(?:\s+(.*))?$/.exec(line);
      if (!match) return { key: 'validation.badLine', line: lineNumber };
      const value = (match[2] ?? '').trim();
      if (/^[|>][-+0-9]*$/.test(value)) inBlockScalar = true;
      else if (unbalancedQuotes(value)) return { key: 'validation.quote', line: lineNumber };
      if (match[1]?.trim() === 'name' && value.replace(/^["']|["']$/g, '').trim() !== '') hasName = true;
    }
    bodyStart = close + 1;
  }
  if (!hasName && !lines.slice(bodyStart).some((line) => /^#\s+\S/.test(line))) {
    return { key: 'validation.noName', line: 1 };
  }
  return null;
}

function unbalancedQuotes(value: string): boolean {
  const trimmed = value.trim();
  if (trimmed.startsWith('"')) {
    const body = trimmed.slice(1).replace(/\\./g, '');
    const end = body.indexOf('"');
    return end < 0;
  }
  if (trimmed.startsWith("'")) {
    const body = trimmed.slice(1).replace(/''/g, '');
    return body.indexOf("'") < 0;
  }
  return false;
}

/** The front matter's `version:` with its last number raised by one (`0.1.2` → `0.1.3`); text unchanged when there is none. */
export function bumpVersionInText(text: string): string {
  return text.replace(
    /^(version[ \t]*:[ \t]*["']?[vV]?)((?:\d+\.)*)(\d+)(["']?[ \t]*)$/m,
    (_match, head: string, prefix: string, last: string, tail: string) =>
      `${head}${prefix}${Number(last) + 1}${tail}`,
  );
}

/** The `version:` declared in the front matter, if any. */
export function declaredVersion(text: string): string | null {
  const match = /^version[ \t]*:[ \t]*["']?([^"'\n]+?)["']?[ \t]*$/m.exec(text);
  return match?.[1] ?? null;
}
