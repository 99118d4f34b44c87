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

/** Words of a phrase that mixes Han and Latin ("PPT大纲" → PPT / 大纲): Han runs cut by jieba. */
export function phraseWords(text: string): string[] {
  const words: string[] = [];
  for (const match of text.matchAll(/\p{Script=Han}+|[^\p{Script=Han}\s]+/gu)) {
    if (HAN.test(match[0])) words.push(...chineseWords(match[0]));
    else words.push(match[0]);
  }
  return words;
}

/**
 * Closed classes that open a topic phrase without naming the deliverable: pronouns, request and
 * preference frames, demonstratives and classifiers, time words, quantifiers.
 */
const LEADING_FUNCTION_WORDS = new Set(
  (
    '我 我们 咱们 你 您 给 给我 帮 帮我 为我 替我 请 麻烦 一下 只 就 都 也 还 又 再 ' +
    '喜欢 习惯 偏好 希望 想 想要 一般 通常 平时 向来 一向 总是 一律 统一 以后 今后 往后 每次 每当 凡是 所有 任何 全部 ' +
    '是 写 做 出 看 查 用 接下来 从现在起 从今以后 ' +
    '这 这个 这份 这篇 这些 这段 这张 这封 这条 这位 这种 这类 那 那个 那份 该 本 ' +
    '一 一个 一份 一篇 一则 一封 一张 一段 一条 一套 个 份 篇 则 封 张 段 条 套 每 每个 每份 每篇 每条 ' +
    '今天 明天 昨天 今晚 这周 本周 上周 下周 这个月 本月 上个月 下个月 今年 去年 明年 这次 本次 上次 下次'
  ).split(' '),
);

/** Words after which a topic phrase has ended: frames, modals, copulas, adverbs, positions. */
const ENDING_FUNCTION_WORDS = new Set(
  (
    '都 统一 一律 用 按 照 按照 依照 有 是 要 必须 需要 得 应该 不要 别 不 不用 一定 就 也 还 再 先 然后 ' +
    '时 的时候 时候 里 中 内 上 前 后 之前 之后 以后 一点 一些 起来 来 给 给我 帮我 的话'
  ).split(' '),
);

/**
 * A topic phrase cut to the words that name the deliverable: leading frames and function words out
 * (我喜欢…, 安排一下…, 这份…), and the phrase ends at the first frame word (提交信息统一用这个 → 提交信息,
 * 脚本照这个流程来 → 脚本). The phrase is returned unchanged when nothing would be left.
 */
export function trimChinesePhrase(phrase: string): string {
  const words = phraseWords(phrase);
  let start = 0;
  while (start < words.length) {
    const word = words[start] as string;
    const next = words[start + 1];
    if (LEADING_FUNCTION_WORDS.has(word) || word === '的') start += 1;
    // A verb followed by 一下 ("查一下", "安排一下") is the request, not its object.
    else if (next === '一下') start += 2;
    else break;
  }
  let end = start;
  while (end < words.length && !(end > start && ENDING_FUNCTION_WORDS.has(words[end] as string))) end += 1;
  while (end > start && (words[end - 1] === '的' || words[end - 1] === '了')) end -= 1;
  const kept = words.slice(start, end);
  const joined = kept
    .map((word, index) =>
      index > 0 && /^[A-Za-z0-9]/.test(word) && /[A-Za-z0-9]$/.test(kept[index - 1] ?? '')
        ? ` ${word}`
        : word,
    )
    .join('');
  return [...joined].length >= 2 ? joined : phrase;
}

/** True for a word of the closed classes a topic phrase is trimmed of. */
export function isFunctionWord(word: string): boolean {
  return (
    LEADING_FUNCTION_WORDS.has(word) || ENDING_FUNCTION_WORDS.has(word) || word === '的' || word === '了'
  );
}
