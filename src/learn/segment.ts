/**
 * @module Splits conversation text into sentences, a sentence into a header and a list ("Our rules:
 * a, b, c"), and a list into items — in Chinese and English, never inside quotes, parentheses or code.
 * Quoted text is content the user wants reproduced or is talking about, so cue detection runs on the
 * masked text returned by {@link maskQuoted}.
 */

export interface Segment {
  text: string;
  /** The line started with a bullet or a number marker (removed from `text`). */
  bullet: boolean;
  /** A fenced code block kept whole. */
  code: boolean;
}

const MASK = '\uE000';
const PAIRED_QUOTES: ReadonlyArray<readonly [string, string]> = [
  ['“', '”'],
  ['‘', '’'],
  ['「', '」'],
  ['『', '』'],
  ['《', '》'],
  ['«', '»'],
];

/** Start/end offsets (exclusive of the quote marks) of quoted spans, code spans included. */
export function quotedSpans(text: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  let index = 0;
  while (index < text.length) {
    const character = text[index] as string;
    const pair = PAIRED_QUOTES.find(([open]) => open === character);
    let close = -1;
    if (pair) close = text.indexOf(pair[1], index + 1);
    else if (character === '`') close = text.indexOf('`', index + 1);
    else if (character === '"') close = text.indexOf('"', index + 1);
    else if (character === "'" && isQuoteBoundary(text, index, 'open')) {
      close = index + 1;
      while (close < text.length && !(text[close] === "'" && isQuoteBoundary(text, close, 'close')))
        close += 1;
      if (close >= text.length || close - index > 200) close = -1;
    }
    if (close > index) {
      spans.push([index + 1, close]);
      index = close + 1;
    } else {
      index += 1;
    }
  }
  return spans;
}

/** An apostrophe opens a quote after a non-letter and closes one before a non-letter ("it's" is neither). */
function isQuoteBoundary(text: string, index: number, side: 'open' | 'close'): boolean {
  const before = text[index - 1] ?? ' ';
  const after = text[index + 1] ?? ' ';
  const letter = /[\p{L}\p{N}]/u;
  return side === 'open' ? !letter.test(before) && letter.test(after) : !letter.test(after);
}

/** The text with every quoted character replaced by a private-use mark (same length, same offsets). */
export function maskQuoted(text: string): string {
  let masked = text;
  for (const [start, end] of quotedSpans(text)) {
    masked = masked.slice(0, start) + MASK.repeat(end - start) + masked.slice(end);
  }
  return masked;
}

/** Masks text inside round brackets too (for item splitting: "a (x, y), b" has two items). */
function maskBrackets(text: string): string {
  let depth = 0;
  let result = '';
  for (const character of text) {
    if (character === '(' || character === '（' || character === '[' || character === '【') depth += 1;
    if (depth > 0) result += character.length === 2 ? MASK + MASK : MASK;
    else result += character;
    if ((character === ')' || character === '）' || character === ']' || character === '】') && depth > 0) {
      depth -= 1;
    }
  }
  return result;
}

const ABBREVIATIONS = /(?:^|\s)(?:e\.g|i\.e|etc|vs|mr|mrs|ms|dr|prof|st|no|approx|incl|fig)$/i;
const BULLET = /^\s*(?:[-*•·]|\d{1,2}[.)、]|[（(]\d{1,2}[)）]|[a-z][.)](?=\s))\s*/i;

/** Splits a message into sentences. Lines, sentence punctuation and semicolons end a sentence. */
export function splitSentences(text: string): Segment[] {
  const segments: Segment[] = [];
  const parts = text.split(/(```[\s\S]*?(?:```|$))/);
  for (const part of parts) {
    if (part.startsWith('```')) {
      if (part.trim().length > 0) segments.push({ text: part.trim(), bullet: false, code: true });
      continue;
    }
    for (const line of part.split(/\r?\n/)) {
      const bullet = BULLET.test(line) && !/^\s*\d+\.\d/.test(line);
      const body = bullet ? line.replace(BULLET, '') : line;
      for (const sentence of splitLine(body)) segments.push({ text: sentence, bullet, code: false });
    }
  }
  return segments.filter((segment) => /[\p{L}\p{N}]/u.test(segment.text));
}

function isCjkLetter(character: string | undefined): boolean {
  return character !== undefined && /[\u3400-\u9fff\uf900-\ufaff]/u.test(character);
}

function splitLine(line: string): string[] {
  const masked = maskQuoted(line);
  const sentences: string[] = [];
  let start = 0;
  for (let index = 0; index < masked.length; index += 1) {
    const character = masked[index] as string;
    let boundary = false;
    // An ASCII semicolon ends a sentence only before a space ("TL;DR" is one word).
    if ('。！？；'.includes(character)) boundary = true;
    // ASCII "!" and "?" end a sentence unless a letter, digit or symbol follows: inside a token
    // ("Zx9!mK2#q", "a?b=1") they are characters of that token (often a password).
    else if (character === '!' || character === '?')
      boundary =
        !/[\p{L}\p{N}#$%&*+=@^_~\\/-]/u.test(masked[index + 1] ?? ' ') || isCjkLetter(masked[index + 1]);
    else if (character === ';') boundary = /\s/.test(masked[index + 1] ?? ' ');
    else if (character === '.') {
      const next = masked[index + 1];
      const head = masked.slice(start, index);
      boundary = (next === undefined || /\s/.test(next)) && !ABBREVIATIONS.test(head);
    }
    if (boundary) {
      // Keep runs such as "?!" or "。」" together with the sentence they end.
      while (index + 1 < masked.length && '。！？!?；;.”’」』)）'.includes(masked[index + 1] as string))
        index += 1;
      sentences.push(line.slice(start, index + 1).trim());
      start = index + 1;
    }
  }
  sentences.push(line.slice(start).trim());
  return sentences.filter((sentence) => sentence.length > 0);
}

export interface HeaderSplit {
  header: string;
  /** Text after the colon; empty when the sentence ends with the colon (its list follows on next lines). */
  body: string;
}

/**
 * Splits "header: body" at the first colon outside quotes and brackets that is not part of a clock time
 * or a URL; `undefined` when there is none.
 */
export function splitHeader(sentence: string): HeaderSplit | undefined {
  const masked = maskBrackets(maskQuoted(sentence));
  for (let index = 0; index < masked.length; index += 1) {
    const character = masked[index];
    if (character !== ':' && character !== '：') continue;
    if (character === ':' && /\d/.test(masked[index - 1] ?? '') && /\d/.test(masked[index + 1] ?? ''))
      continue;
    if (character === ':' && masked[index + 1] === '/') continue;
    const header = sentence.slice(0, index).trim();
    if (header.length === 0) continue;
    return { header, body: sentence.slice(index + 1).trim() };
  }
  return undefined;
}

export interface SplitItemsOptions {
  /**
   * Split at the enumeration comma 、 too. It joins coordinate words inside one clause (本周进展、风险、
   * 下周计划), so `false` keeps such an enumeration whole and splits only between clauses (，；).
   * @default true
   */
  enumerations?: boolean;
}

/**
 * Splits a list body into items at commas, ideographic commas and semicolons outside quotes and
 * brackets; an English "and"/"or" left at the start of an item is dropped.
 */
export function splitItems(body: string, options: SplitItemsOptions = {}): string[] {
  const separators = options.enumerations === false ? '，,；;' : '，,、；;';
  const masked = maskBrackets(maskQuoted(body));
  const items: string[] = [];
  let start = 0;
  for (let index = 0; index <= masked.length; index += 1) {
    const character = masked[index];
    // ASCII "," and ";" separate items only before a space: "10,000" and "TL;DR" are single words.
    const asciiInWord = (character === ',' || character === ';') && !/\s/.test(masked[index + 1] ?? ' ');
    if (character === undefined || (separators.includes(character) && !asciiInWord)) {
      const item = body
        .slice(start, index)
        .trim()
        .replace(/^(?:and|or|plus)\s+/i, '')
        .replace(/[。.!！]+$/, '')
        .trim();
      if (/[\p{L}\p{N}]/u.test(item)) items.push(item);
      start = index + 1;
    }
  }
  return items;
}
