/**
 * @module Folder names for skills. `slugify` is the original's rule (core.md §3.2): lower-case, Unicode
 * word characters kept, so Chinese names stay Chinese. `asciiSlug` makes an agentskills.io `name`
 * (`a-z0-9-` only) for strict export.
 *
 * ASCII derivation for names with non-Latin letters (chosen over pinyin, which needs a large dictionary
 * and is wrong for Japanese, Korean, …): accents are folded (`Ünïcödé` → `unicode`), other letters are
 * dropped, and then — so that two different Chinese names never share a folder — a stable 8-hex suffix of
 * the name's SHA-1 is appended. When the name has no ASCII words at all, ASCII `hints` (the skill's tags,
 * e.g. `government-report`) make the slug readable: `政府报告撰写` + tags → `government-report-no-hallucination-1a2b3c4d`;
 * with no hints it is `skill-1a2b3c4d`.
 */
import { createHash } from 'node:crypto';

export const MAX_SLUG_LENGTH = 64;
const DEFAULT_SLUG = 'skill';
const HASH_LENGTH = 8;

function truncateCodePoints(text: string, max: number): string {
  const points = Array.from(text);
  return points.length <= max ? text : points.slice(0, max).join('');
}

function slugOnce(text: string): string {
  let slug = text.trim().toLowerCase();
  slug = slug.replace(/[/\\]/g, '-');
  slug = slug.replace(/\s+/gu, '-');
  slug = slug.replace(/[^\p{L}\p{N}_-]+/gu, '-');
  slug = slug.replace(/-{2,}/g, '-').replace(/^[-_]+|[-_]+$/g, '');
  // Unlike the original, strip again after truncation so a slug never ends with a separator.
  return truncateCodePoints(slug, MAX_SLUG_LENGTH).replace(/[-_]+$/g, '');
}

/**
 * The folder name of a skill: lower-case, word characters of any script and `-`/`_`, at most 64 code
 * points. Falls back to slugifying `fallback` (the description), then to `skill`.
 * Never starts with `.`, never contains `/`, `\` or `..`.
 */
export function slugify(name: string, fallback?: string): string {
  const slug = slugOnce(name);
  if (slug !== '') return slug;
  const second = fallback === undefined ? '' : slugOnce(fallback);
  return second === '' ? DEFAULT_SLUG : second;
}

export interface AsciiSlugOptions {
  /** ASCII words to use when the name itself has none, e.g. the skill's tags. @default [] */
  hints?: readonly string[];
  /** @default 64 */
  maxLength?: number;
}

function asciiWords(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

function shortHash(text: string): string {
  return createHash('sha1').update(text, 'utf8').digest('hex').slice(0, HASH_LENGTH);
}

function clip(slug: string, max: number): string {
  return slug.slice(0, max).replace(/-+$/g, '');
}

/**
 * An agentskills.io-valid name: 1–64 characters of `a-z0-9-`, no leading, trailing or double hyphen.
 * ASCII names map as expected (`My PDF Tool!` → `my-pdf-tool`); see the module note for other scripts.
 */
export function asciiSlug(name: string, options: AsciiSlugOptions = {}): string {
  const maxLength = options.maxLength ?? MAX_SLUG_LENGTH;
  const trimmed = name.trim();
  const base = asciiWords(trimmed);
  const folded = trimmed.normalize('NFKD').replace(/\p{M}+/gu, '');
  // Letters or digits outside ASCII (after folding accents) have no ASCII spelling here.
  const lostLetters = /[\p{L}\p{N}]/u.test(folded.replace(/[\p{ASCII}]/gu, ''));
  if (!lostLetters) {
    const slug = clip(base, maxLength);
    if (slug !== '') return slug;
  }
  const suffix = shortHash(trimmed);
  let words = base;
  if (words === '') {
    const hinted = (options.hints ?? []).map(asciiWords).filter((word) => word !== '');
    words = hinted.slice(0, 3).join('-') || DEFAULT_SLUG;
  }
  const room = maxLength - suffix.length - 1;
  const head = clip(words, room);
  return head === '' ? `${DEFAULT_SLUG}-${suffix}`.slice(0, maxLength) : `${head}-${suffix}`;
}
