/**
 * @module What a SKILL.md edit through the API may do with the version. The editor is the author: the
 * version the file declares is kept (no automatic bump, as the original). A file that declares none keeps
 * the skill's current version (it is written into the front matter) instead of silently falling back to
 * 0.1.0. A version lower than the current one is refused: going back is what rollback is for, and a
 * lower version would make the learning loop's next bump repeat a version already in the history.
 * Versions that are not dotted numbers (`draft`, `r7`) cannot be ordered and are accepted.
 */
import { quoteScalar } from '../../skill/skill-md.js';

const FRONT_MATTER = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---/;
const VERSION_PATTERN = /^[vV]?(\d+(?:\.\d+)*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

/** Whether the front matter of `text` has a non-empty top-level `version:`. */
export function declaresVersion(text: string): boolean {
  const match = FRONT_MATTER.exec(text);
  return match !== null && /^version[ \t]*:[ \t]*\S/m.test(match[1] ?? '');
}

/** `text` with `version: "<version>"` added to its front matter (a front matter is added when missing). */
export function withVersion(text: string, version: string): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const bom = text.charCodeAt(0) === 0xfeff ? '\ufeff' : '';
  const content = bom ? text.slice(1) : text;
  const line = `version: ${quoteScalar(version)}`;
  const open = /^---\r?\n/.exec(content);
  if (open && FRONT_MATTER.test(content)) {
    // Drop an empty `version:` line, then add ours as the last front-matter line.
    const close = content.search(/\r?\n---(?:\r?\n|$)/);
    const head = content
      .slice(open[0].length, close)
      .split(/\r?\n/)
      .filter((item) => !/^version[ \t]*:[ \t]*$/.test(item));
    return `${bom}---${eol}${[...head, line].join(eol)}${content.slice(close)}`;
  }
  return `${bom}---${eol}${line}${eol}---${eol}${eol}${content}`;
}

function compareIdentifiers(a: string, b: string): number {
  const numericA = /^\d+$/.test(a);
  const numericB = /^\d+$/.test(b);
  if (numericA && numericB) {
    const x = BigInt(a);
    const y = BigInt(b);
    return x === y ? 0 : x < y ? -1 : 1;
  }
  if (numericA !== numericB) return numericA ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Orders two versions as semver does (missing parts are 0, a pre-release comes before its release);
 * `null` when either is not a dotted-number version.
 */
export function compareVersions(a: string, b: string): number | null {
  const left = VERSION_PATTERN.exec(a.trim());
  const right = VERSION_PATTERN.exec(b.trim());
  if (!left || !right) return null;
  const numbersA = (left[1] ?? '').split('.');
  const numbersB = (right[1] ?? '').split('.');
  for (let index = 0; index < Math.max(numbersA.length, numbersB.length); index += 1) {
    const order = compareIdentifiers(numbersA[index] ?? '0', numbersB[index] ?? '0');
    if (order !== 0) return order;
  }
  const preA = left[2];
  const preB = right[2];
  if (preA === undefined || preB === undefined) {
    return preA === preB ? 0 : preA === undefined ? 1 : -1;
  }
  const partsA = preA.split('.');
  const partsB = preB.split('.');
  for (let index = 0; index < Math.max(partsA.length, partsB.length); index += 1) {
    const x = partsA[index];
    const y = partsB[index];
    if (x === undefined || y === undefined) return x === undefined ? -1 : 1;
    const order = compareIdentifiers(x, y);
    if (order !== 0) return order;
  }
  return 0;
}
