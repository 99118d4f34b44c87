/**
 * @module Writing a missing id into a SKILL.md without touching anything else (used by `ids normalize`).
 */
import { quoteScalar } from './skill-md-text.js';

const TOP_LEVEL_ID = /^id[ \t]*:/i;

/**
 * Writes `id: "<id>"` into a SKILL.md's front matter: replaces the top-level `id` key (and any block
 * value under it) or inserts it as the first front-matter line; adds a front-matter block when the file
 * has none. Every other byte is kept, including CR LF line ends.
 */
export function upsertSkillMdId(text: string, id: string): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const bom = text.charCodeAt(0) === 0xfeff ? '\ufeff' : '';
  const content = bom ? text.slice(1) : text;
  const idLine = `id: ${quoteScalar(id)}`;
  const lines = content.split('\n');
  const bare = (line: string): string => (line.endsWith('\r') ? line.slice(0, -1) : line);
  const isClose = (line: string) => line.startsWith('---') && bare(line).trimEnd() === '---';
  const close =
    bare(lines[0] ?? '').trim() === '---' ? lines.findIndex((line, index) => index > 0 && isClose(line)) : -1;
  if (close === -1) return `${bom}---${eol}${idLine}${eol}---${eol}${eol}${content}`;
  const lineEnd = lines[0]?.endsWith('\r') ? '\r' : '';
  const existing = lines.findIndex((line, index) => index > 0 && index < close && TOP_LEVEL_ID.test(line));
  if (existing === -1) {
    lines.splice(1, 0, `${idLine}${lineEnd}`);
  } else {
    let blockEnd = existing + 1;
    while (
      blockEnd < close &&
      /^[ \t]/.test(lines[blockEnd] ?? '') &&
      bare(lines[blockEnd] ?? '').trim() !== ''
    ) {
      blockEnd += 1;
    }
    const ending = lines[existing]?.endsWith('\r') ? '\r' : '';
    lines.splice(existing, blockEnd - existing, `${idLine}${ending}`);
  }
  return bom + lines.join('\n');
}
