/**
 * @module Tokenizer for the keyword index and the offline embedder: Chinese, Japanese, Korean, Thai and
 * every alphabetic script, mixed freely. Text is NFKC-normalised (full-width ASCII becomes ASCII),
 * lower-cased, Latin/Greek/Cyrillic diacritics are folded, and then split into script runs:
 *
 * - runs of scripts written without spaces (Han, kana, Hangul, Thai, Lao, Khmer, Myanmar) become
 *   overlapping character bigrams (a one-character run stays a unigram) — measured against jieba
 *   words and `Intl.Segmenter` on the dev queries (docs/retrieval.md): bigrams need no dictionary,
 *   never split a domain word the dictionary does not know, and ranked best;
 * - every other letter/digit run (Latin, Cyrillic, Greek, Arabic, Devanagari, …) is one word, with
 *   English stop words dropped and a light English stemmer applied (plural / -ed / -ing only).
 *
 * Nothing alphabetic vanishes: unlike the original (which counted Cyrillic or Hangul as single
 * letters or nothing), `Привет мир` gives `привет`, `мир` and `안녕하세요` gives Hangul bigrams.
 */
import { createRequire } from 'node:module';
import type { Jieba } from '@node-rs/jieba';

/** How runs of unspaced scripts (Chinese, Japanese, Korean, Thai…) are split. */
export type UnspacedMode = 'bigram' | 'bigram+unigram' | 'unigram' | 'jieba' | 'segmenter';

/** How English words are reduced. */
export type StemMode = 'none' | 'plural' | 'light';

export interface TokenizerOptions {
  /** @default 'bigram' */
  unspaced?: UnspacedMode;
  /** Drop English function words (the, of, with…). @default true */
  stopWords?: boolean;
  /** @default 'light' */
  stem?: StemMode;
}

export type Tokenizer = (text: string) => string[];

/**
 * English function words. Kept small on purpose: words such as "write", "make" or "code" carry
 * topic in skill queries and are left to IDF.
 */
export const ENGLISH_STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a an and are as at be been being but by can could did do does doing for from had has have having he her ' +
    'here hers him his how i if in into is it its itself just me my myself no nor not of off on once only or ' +
    'other our ours out over own same she should so some such than that the their theirs them then there these ' +
    'they this those through to too under until up very was we were what when where which while who whom why ' +
    'will with would you your yours yourself also am any both each few more most let lets ' +
    "i'm i've it's don't can't won't isn't aren't doesn't didn't " +
    // Conversational filler: requests are chat turns, and these words are rare in skills, so IDF would
    // otherwise rate them as highly informative.
    'ok okay please pls hmm hmmm thanks thank thx great cool nice awesome perfect yes yeah yep sure hi hey ' +
    'btw anyway honestly actually really basically oh ah um uh'
  ).split(' '),
);

/**
 * Chinese function words and conversational filler. They still take part in matching (as bigrams), but
 * are not units of meaning when measuring how much of a query a skill covers.
 */
export const CHINESE_FILLER_WORDS: ReadonlySet<string> = new Set(
  (
    '好的 谢谢 然后 接着 这次 那个 这个 一下 还是 就是 可以 一些 什么 怎么 怎么办 为什么 如何 请问 帮我 给我 ' +
    '一个 现在 刚才 已经 但是 不过 所以 因为 如果 我们 你们 他们 我的 你的 大家 一点 有点 比较 非常 需要 想要 ' +
    '希望 能不能 可不可以 是不是 有没有 不是 没有 一样 这样 那样 这么 那么 之后 之前 时候 的话 东西 一般 应该'
  ).split(' '),
);

const WORD_CHAR = /^[\p{L}\p{M}\p{N}]$/u;
const HAN_ONLY = /^\p{Script=Han}+$/u;
const CHAR_SEPARATOR = 1;
const CHAR_WORD = 2;
const CHAR_UNSPACED = 3;
/** Class of each BMP code point, filled lazily (0 = not yet known). */
const bmpClasses = new Uint8Array(0x10000);

function isUnspaced(code: number): boolean {
  return (
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0x3040 && code <= 0x30ff) ||
    (code >= 0xac00 && code <= 0xd7af) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0x2e80 && code <= 0x2fdf) ||
    code === 0x3005 ||
    code === 0x3007 ||
    (code >= 0x31f0 && code <= 0x31ff) ||
    (code >= 0x1100 && code <= 0x11ff) ||
    (code >= 0x3130 && code <= 0x318f) ||
    (code >= 0x0e00 && code <= 0x0eff) ||
    (code >= 0x1780 && code <= 0x17ff) ||
    (code >= 0x1000 && code <= 0x109f) ||
    (code >= 0x20000 && code <= 0x3134f)
  );
}

function classify(code: number): number {
  if (code < 0x80) {
    return (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39) ? CHAR_WORD : CHAR_SEPARATOR;
  }
  if (code < 0x10000) {
    const known = bmpClasses[code] as number;
    if (known !== 0) return known;
  }
  const computed = isUnspaced(code)
    ? CHAR_UNSPACED
    : WORD_CHAR.test(String.fromCodePoint(code))
      ? CHAR_WORD
      : CHAR_SEPARATOR;
  if (code < 0x10000) bmpClasses[code] = computed;
  return computed;
}

/** Splits normalised text into runs: `[text, unspaced]` pairs, apostrophes kept inside words (don't). */
function scanRuns(text: string, onRun: (run: string, unspaced: boolean) => void): void {
  let start = -1;
  let runClass = 0;
  let index = 0;
  while (index < text.length) {
    const code = text.codePointAt(index) as number;
    const width = code > 0xffff ? 2 : 1;
    let kind = classify(code);
    if (
      kind === CHAR_SEPARATOR &&
      (code === 0x27 || code === 0x2019) &&
      runClass === CHAR_WORD &&
      index + 1 < text.length &&
      classify(text.codePointAt(index + 1) as number) === CHAR_WORD
    ) {
      kind = CHAR_WORD;
    }
    if (kind !== runClass) {
      if (start >= 0 && runClass !== CHAR_SEPARATOR)
        onRun(text.slice(start, index), runClass === CHAR_UNSPACED);
      start = index;
      runClass = kind;
    }
    index += width;
  }
  if (start >= 0 && runClass !== CHAR_SEPARATOR) onRun(text.slice(start), runClass === CHAR_UNSPACED);
}

const COMBINING_DIACRITICS = /[\u0300-\u036f]/g;
const HAS_DIACRITIC_BASE = /[\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff]/;

/** NFKC, lower case, and Latin/Greek/Cyrillic accents folded (café → cafe, Ё → е). */
export function normalizeText(text: string): string {
  let normalized = text.normalize('NFKC').toLowerCase();
  if (HAS_DIACRITIC_BASE.test(normalized)) {
    normalized = normalized.normalize('NFD').replace(COMBINING_DIACRITICS, '').normalize('NFC');
  }
  return normalized;
}

/** Overlapping character bigrams of a run; a single character stays itself. */
export function characterBigrams(run: string, withUnigrams = false): string[] {
  const chars = Array.from(run);
  if (chars.length === 1) return chars;
  const out: string[] = [];
  for (let index = 0; index < chars.length - 1; index += 1) {
    out.push(`${chars[index]}${chars[index + 1]}`);
    if (withUnigrams) out.push(chars[index] ?? '');
  }
  if (withUnigrams) out.push(chars[chars.length - 1] ?? '');
  return out;
}

const VOWEL = /[aeiouy]/;
const LOWER_ASCII = /^[a-z]+$/;
const ALL_DIGITS = /^\p{Nd}+$/u;
/** One vowel group, ending consonant-vowel-consonant (not w, x or y): Porter's *o with measure 1. */
const SHORT_CVC = /^[^aeiou]*[aeiou][^aeiouwxy]$/;

/**
 * A deliberately light English stemmer: plurals, and (mode `light`) the -ed / -ing endings of
 * Porter's step 1b with its clean-up rules. Heavier stemming merges unrelated words (e.g.
 * "general" / "generate") and is not worth it for short skill queries.
 */
export function stemEnglish(word: string, mode: StemMode = 'light'): string {
  if (mode === 'none' || word.length <= 3 || !LOWER_ASCII.test(word)) return word;
  let stem = word;
  if (stem.endsWith('sses')) stem = stem.slice(0, -2);
  else if (stem.endsWith('ies')) stem = stem.length > 4 ? `${stem.slice(0, -3)}y` : stem.slice(0, -1);
  else if (stem.endsWith('s') && !stem.endsWith('ss') && !stem.endsWith('us') && !stem.endsWith('is'))
    stem = stem.slice(0, -1);
  if (mode === 'plural') return stem;
  if (stem.endsWith('eed')) {
    return stem;
  }
  for (const suffix of ['ing', 'ed']) {
    if (!stem.endsWith(suffix)) continue;
    const base = stem.slice(0, -suffix.length);
    if (base.length < 3 || !VOWEL.test(base)) return stem;
    if (base.endsWith('at') || base.endsWith('bl') || base.endsWith('iz')) return `${base}e`;
    const last = base[base.length - 1] ?? '';
    if (last === base[base.length - 2] && !'lsz'.includes(last)) return base.slice(0, -1);
    // Porter's clean-up: a short stem ending consonant-vowel-consonant gets its e back (writ → write).
    if (SHORT_CVC.test(base)) return `${base}e`;
    return base;
  }
  return stem;
}

/** `user's` → `user`, `don't` → `dont`. */
function stripApostrophes(word: string): string {
  if (!word.includes("'") && !word.includes('\u2019')) return word;
  if (word.endsWith("'s") || word.endsWith('\u2019s')) return word.slice(0, -2);
  return word.replace(/['\u2019]/g, '');
}

let jiebaInstance: Jieba | undefined;
/**
 * Loaded on first use: the native module and its 11 MB of dictionaries cost ~30 MB of RSS, which a
 * process that only opens a store (CLI listing, the extraction worker before its first search) never needs.
 */
function jieba(): Jieba {
  if (!jiebaInstance) {
    const require = createRequire(import.meta.url);
    const { Jieba: JiebaClass } = require('@node-rs/jieba') as typeof import('@node-rs/jieba');
    const { dict } = require('@node-rs/jieba/dict.js') as typeof import('@node-rs/jieba/dict.js');
    jiebaInstance = JiebaClass.withDict(dict);
  }
  return jiebaInstance;
}

let segmenterInstance: Intl.Segmenter | undefined;
function segmentWords(run: string): string[] {
  segmenterInstance ??= new Intl.Segmenter('zh', { granularity: 'word' });
  const out: string[] = [];
  for (const part of segmenterInstance.segment(run)) if (part.isWordLike) out.push(part.segment);
  return out;
}

function splitUnspaced(run: string, mode: UnspacedMode): string[] {
  switch (mode) {
    case 'bigram':
      return characterBigrams(run);
    case 'bigram+unigram':
      return characterBigrams(run, true);
    case 'unigram':
      return Array.from(run);
    case 'jieba':
      return HAN_ONLY.test(run) ? jieba().cut(run, false) : characterBigrams(run);
    case 'segmenter':
      return segmentWords(run);
  }
}

/** Builds a tokenizer; `tokenize` below is the default one used everywhere. */
export function createTokenizer(options: TokenizerOptions = {}): Tokenizer {
  const unspaced = options.unspaced ?? 'bigram';
  const dropStopWords = options.stopWords ?? true;
  const stem = options.stem ?? 'light';
  return (text: string): string[] => {
    const tokens: string[] = [];
    scanRuns(normalizeText(text), (run, isUnspacedRun) => {
      if (isUnspacedRun) {
        for (const token of splitUnspaced(run, unspaced)) tokens.push(token);
        return;
      }
      if (dropStopWords && ENGLISH_STOP_WORDS.has(run)) return;
      tokens.push(stemEnglish(stripApostrophes(run), stem));
    });
    return tokens;
  };
}

/** The default tokenizer: bigrams for unspaced scripts, English stop words dropped, light stemming. */
export const tokenize: Tokenizer = createTokenizer();

/**
 * The meaningful units of a text, for measuring how much of a query a skill covers: one unit per
 * word of an alphabetic script (its token), and for a Chinese run one unit per dictionary word of two
 * or more characters (that word's bigrams). Bigrams that straddle two words ("图那" in "抠图那步") are
 * indexed and ranked like any other token, but belong to no unit, so they never dilute coverage;
 * one-character words (的, 了, 把) are function words and carry no unit either. Runs of other unspaced
 * scripts (kana, Hangul, Thai) form one unit each.
 */
export function tokenizeUnits(text: string, options: TokenizerOptions = {}): string[][] {
  const dropStopWords = options.stopWords ?? true;
  const stem = options.stem ?? 'light';
  const units: string[][] = [];
  scanRuns(normalizeText(text), (run, isUnspacedRun) => {
    if (isUnspacedRun) {
      if (!HAN_ONLY.test(run)) {
        units.push(characterBigrams(run));
        return;
      }
      for (const word of jieba().cut(run, false)) {
        if (Array.from(word).length >= 2 && !CHINESE_FILLER_WORDS.has(word))
          units.push(characterBigrams(word));
      }
      return;
    }
    if (dropStopWords && ENGLISH_STOP_WORDS.has(run)) return;
    // A bare number is a quantity of this request (180 lb, 16 位), not what it is about.
    if (ALL_DIGITS.test(run)) return;
    units.push([stemEnglish(stripApostrophes(run), stem)]);
  });
  return units;
}
