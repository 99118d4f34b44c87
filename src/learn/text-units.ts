/**
 * @module Language-neutral text units for the extraction layer: which language a text is in, and the
 * "content units" used to say that one text supports another (English content words, lightly stemmed;
 * Chinese character bigrams; numbers and codes as they are). Both sides of a comparison go through the
 * same function, so the stemming only has to be consistent, not linguistically correct.
 */

export type Language = 'zh' | 'en';

const CJK_CHAR = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/u;
const CJK_RUN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+/gu;
const LATIN_WORD = /[A-Za-z][A-Za-z']*/g;

export function isCjk(character: string): boolean {
  return CJK_CHAR.test(character);
}

export function hasCjk(text: string): boolean {
  return CJK_CHAR.test(text);
}

/**
 * `zh` when the text has at least 1.5 Chinese ideographs per Latin word (a Chinese sentence with an
 * English product name is still Chinese; an English request quoting a Chinese phrase is English).
 */
export function detectLanguage(text: string): Language {
  const ideographs = text.match(CJK_RUN)?.join('').length ?? 0;
  const latinWords = text.match(LATIN_WORD)?.length ?? 0;
  if (ideographs === 0) return 'en';
  return ideographs >= latinWords * 1.5 ? 'zh' : 'en';
}

/** Function words that carry no content in either direction of a support comparison. */
const ENGLISH_STOP_WORDS = new Set(
  (
    'a an the and or but if then so of to in on at for from by with without as is are was were be been being ' +
    'am do does did done have has had i me my mine we us our ours you your yours he him his she her it its ' +
    'they them their this that these those there here what which who whom whose when where why how ' +
    'not no nor can could would should will shall may might must just also very too than into onto about ' +
    "please any all each every some such own same other more most much many few one ones it's i'm " +
    "don't doesn't didn't won't can't isn't aren't let let's up out over under again"
  ).split(/\s+/),
);

/** Particles that carry no content; skipped as single characters only (never inside a bigram). */
const CHINESE_STOP_CHARACTERS = new Set('的了和与及或是就都也还把被吗呢吧啊呀哦嗯'.split(''));

/** Light suffix stripping: enough to match "replies"/"reply", "starting"/"start", "names"/"name". */
export function stemEnglish(word: string): string {
  let stem = word.toLowerCase().replace(/'s$/, '');
  if (stem.length > 4 && stem.endsWith('ies')) stem = `${stem.slice(0, -3)}y`;
  else if (stem.length > 4 && /(?:ches|shes|sses|xes)$/.test(stem)) stem = stem.slice(0, -2);
  else if (stem.length > 3 && stem.endsWith('s') && !stem.endsWith('ss')) stem = stem.slice(0, -1);
  if (stem.length > 4 && stem.endsWith('ing')) stem = stem.slice(0, -3);
  else if (stem.length > 4 && stem.endsWith('ed')) stem = stem.slice(0, -2);
  if (stem.length > 4 && stem.endsWith('e')) stem = stem.slice(0, -1);
  return stem;
}

/**
 * Content units of a text: stemmed English content words, numbers and codes (`#1F4E79`, `v2.3`,
 * `snake_case`), and Chinese character bigrams (a single ideograph when the run has only one).
 * Duplicates are kept out: the result is a set in first-seen order.
 */
export function contentUnits(text: string): string[] {
  const units = new Set<string>();
  const lowered = text.toLowerCase();
  for (const match of lowered.matchAll(/#?[a-z0-9][a-z0-9_'.#-]*/g)) {
    for (const part of match[0].split(/[-'.]/)) {
      const token = part.replace(/^#/, '');
      if (token.length === 0) continue;
      if (/^\d+$/.test(token)) {
        units.add(token);
        continue;
      }
      if (token.length < 2 || ENGLISH_STOP_WORDS.has(token)) continue;
      units.add(stemEnglish(token));
    }
  }
  for (const match of text.matchAll(CJK_RUN)) {
    const run = [...match[0]];
    if (run.length === 1 && !CHINESE_STOP_CHARACTERS.has(run[0] as string)) units.add(run[0] as string);
    for (let index = 0; index + 1 < run.length; index += 1) units.add(`${run[index]}${run[index + 1]}`);
  }
  return [...units];
}

/**
 * Like {@link contentUnits}, but Chinese as single characters (particles left out): tolerant of word
 * order and paraphrase ("不写讨论过程" / "讨论过程不要写"). Used to judge whether a text carries a
 * constraint, not whether a constraint is supported.
 */
export function characterUnits(text: string): string[] {
  const units = new Set(contentUnits(text.replace(CJK_RUN, ' ')));
  for (const match of text.matchAll(CJK_RUN)) {
    for (const character of match[0]) if (!CHINESE_STOP_CHARACTERS.has(character)) units.add(character);
  }
  return [...units];
}

/** Share of `units` found in `reference` (0 when `units` is empty). */
export function coverage(units: readonly string[], reference: ReadonlySet<string>): number {
  if (units.length === 0) return 0;
  let found = 0;
  for (const unit of units) if (reference.has(unit)) found += 1;
  return found / units.length;
}

/** Number of characters a human would count: code points, so CJK and emoji count one each. */
export function textLength(text: string): number {
  return Array.from(text).length;
}

/** Cuts `text` to `limit` code points on a word or punctuation boundary when one is near. */
export function clip(text: string, limit: number): string {
  const characters = Array.from(text.trim());
  if (characters.length <= limit) return characters.join('');
  const cut = characters.slice(0, limit).join('');
  const boundary = Math.max(cut.lastIndexOf(' '), cut.lastIndexOf('，'), cut.lastIndexOf(','));
  return (boundary > limit * 0.6 ? cut.slice(0, boundary) : cut).trim();
}
