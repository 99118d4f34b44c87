/**
 * @module Whole Chinese words for skill names and topics. The topic constructions of
 * `extract-topic.ts` work on characters, so a match can start or end inside a word (每次发布前 read as
 * verb 发 + "布前"; 润色摘要时 cut before 要 as "摘"). These helpers move such a span to the nearest
 * dictionary-word boundaries, using the index layer's jieba tokenizer (one dictionary, loaded once,
 * shared with retrieval) — so names are made of whole, searchable words.
 */
import { createTokenizer } from '../index/tokenize.js';

const HAN = /\p{Script=Han}/u;
const HAN_RUN = /\p{Script=Han}+/gu;

let wordTokenizer: ((text: string) => string[]) | undefined;

/** Dictionary words of a run of Han characters, in order; their concatenation is the run. */
export function chineseWords(run: string): string[] {
  wordTokenizer ??= createTokenizer({ unspaced: 'jieba', stopWords: false, stem: 'none' });
  const words = wordTokenizer(run);
  return words.join('') === run ? words : [...run];
}

/** Offsets in `text` where a Chinese word starts or ends (every offset outside Han runs counts). */
function wordBoundaries(text: string): Set<number> {
  const boundaries = new Set<number>();
  for (const match of text.matchAll(HAN_RUN)) {
    let offset = match.index;
    boundaries.add(offset);
    for (const word of chineseWords(match[0])) {
      offset += word.length;
      boundaries.add(offset);
    }
  }
  return boundaries;
}

/** True when `offset` does not fall inside a Chinese word of `text`. */
export function isWordBoundary(text: string, offset: number): boolean {
  if (offset <= 0 || offset >= text.length) return true;
  if (!HAN.test(text[offset - 1] ?? '') || !HAN.test(text[offset] ?? '')) return true;
  return wordBoundaries(text).has(offset);
}

/**
 * Widens `[start, end)` to whole words of `text`: the start moves back to the start of the word it
 * falls in, the end forward to the end of its word.
 */
export function snapToWords(text: string, start: number, end: number): [number, number] {
  const boundaries = wordBoundaries(text);
  let from = start;
  let to = end;
  const inside = (offset: number) =>
    offset > 0 &&
    offset < text.length &&
    HAN.test(text[offset - 1] ?? '') &&
    HAN.test(text[offset] ?? '') &&
    !boundaries.has(offset);
  while (inside(from)) from -= 1;
  while (inside(to)) to += 1;
  return [from, to];
}

/** Position words that end a topic phrase without naming the deliverable (发布前 → 发布, 脚本里 → 脚本). */
const TRAILING_POSITION = /(?:之前|之后|以前|以后|的时候|时候|前|后|时|里|中|内|上)$/;

/** Drops a trailing position word when a phrase of at least two characters is left. */
export function withoutPositionWord(phrase: string): string {
  const stripped = phrase.replace(TRAILING_POSITION, '');
  return [...stripped].length >= 2 ? stripped : phrase;
}
