/**
 * @module The capability a rule is about ("any SQL you write" → SQL, 以后帮我写教案 → 教案), read from
 * the constructions that name a class of tasks: quantified objects, "whenever you <verb> <object>",
 * possessed norms ("our release process"), and the object of a request. Names built from it are
 * stable across paraphrases of the same capability ("every email you draft", "all my emails" → email).
 */
import { isWordBoundary, snapToWords, trimChinesePhrase, withoutPositionWord } from './chinese-words.js';
import { maskQuoted, splitHeader } from './segment.js';
import { contentUnits, type Language, stemEnglish } from './text-units.js';

export interface Topic {
  /** The task class, e.g. "customer replies", "weekly reports", 教案. */
  phrase: string;
  /** The action when one is named ("explain", 翻译). */
  verb?: string;
  source: 'rule' | 'request' | 'hint';
}

const EN_NOUN_PHRASE = String.raw`((?:[a-z][\w-]*\s+){0,2}?[a-z][\w-]*)`;
// A noun phrase ends at punctuation, a pronoun, a modal or auxiliary, or a preposition (a closed class:
// "every weekly report into three parts" names "weekly report", not "weekly").
const EN_PHRASE_END = String.raw`(?=\s*(?:[:,.;!?)]|$|\b(?:you|i|we|that|which|from|to|into|onto|in|on|for|with|without|within|as|like|by|at|about|per|through|across|after|before|using|under|over|below|above|should|must|are|is|has|have|also|please)\b))`;
const DETERMINERS = String.raw`(?:(?:of\s+)?(?:my|our|your|the|future|new|these|those)\s+)?`;

const ENGLISH_RULE_PATTERNS: readonly RegExp[] = [
  new RegExp(
    String.raw`\bwhenever (?:you|i) ([a-z]+) (?:(?:me|us|a|an|the|my|our|some)\s+)?${EN_NOUN_PHRASE}${EN_PHRASE_END}`,
    'i',
  ),
  // Habitual "when" over the assistant's work: "when you review my code, …" (as "whenever").
  new RegExp(
    String.raw`\bwhen (?:you|i ask you to) ([a-z]+) (?:(?:me|us|a|an|the|my|our|some|any)\s+)?${EN_NOUN_PHRASE}${EN_PHRASE_END}`,
    'i',
  ),
  // "when(ever) I ask (you) for a shell one-liner": the thing asked for.
  new RegExp(
    String.raw`\bwhen(?:ever)? i (?:ask|need|want)(?: you)? for (?:(?:a|an|the|some|any|my|our)\s+)?${EN_NOUN_PHRASE}${EN_PHRASE_END}`,
    'i',
  ),
  new RegExp(
    String.raw`\b(?:every|each|any|all)\s+${DETERMINERS}${EN_NOUN_PHRASE}\s+(?:that\s+)?(?:you|i|we)\b`,
    'i',
  ),
  new RegExp(
    String.raw`\b(?:for|in|to|on|with) (?:all|every|each|any) ${DETERMINERS}${EN_NOUN_PHRASE}${EN_PHRASE_END}`,
    'i',
  ),
  /\b(?:my|our)\s+((?:[a-z][\w'’-]*\s+){0,2}?[a-z][\w-]*s)\s+(?:should|must|need|have|are|always|never|follow|use|include|start|end)\b/i,
  /\b(?:our|my)\s+((?:[a-z][\w-]*\s+){0,2}?[a-z][\w-]*)\s+(?:rules?|conventions?|style ?guides?|house style|style|standards?|guidelines?|polic(?:y|ies)|templates?|formats?|process(?:es)?|procedures?|workflows?|checklists?|playbooks?|voice)\b/i,
  new RegExp(
    String.raw`\b(?:all|every|each)\s+(?:(?:my|our|your|future|new)\s+)?${EN_NOUN_PHRASE}${EN_PHRASE_END}`,
    'i',
  ),
  /\bi\s+(?:\w+\s+)?(?:prefer|like|love|want|hate|dislike|expect)\s+(?:my\s+)?((?:[a-z][\w-]*\s+){0,1}[a-z][\w-]*s)\b/i,
  /\b(?:in|for|on) (?:all )?(?:my|our) ((?:[a-z][\w-]*\s+){0,1}[a-z][\w-]*s)\b/i,
  // The object of a rule's verb when it is a possessed kind of thing: "structure my weekly reports as …".
  new RegExp(String.raw`\b(?:my|our)\s+((?:[a-z][\w-]*\s+){0,2}?[a-z][\w-]*s)${EN_PHRASE_END}`, 'i'),
];

const ENGLISH_REQUEST_PATTERN =
  /^(?:(?:please|pls|also|now|ok(?:ay)?)[\s,]+)*(?:(?:can|could|would|will) you\s+(?:please\s+)?)?(write|draft|compose|create|make|generate|produce|prepare|build|design|plot|draw|translate|summari[sz]e|rewrite|edit|proofread|revise|review|fix|refactor|convert|format|outline|plan|reply to|respond to|put together|turn|deploy|analy[sz]e|list|check|clean up|tidy up|tidy|organi[sz]e|sort|polish|shorten|expand|simplify|document|compare|schedule|calculate|estimate|debug|test|optimi[sz]e|implement)\s+(?:me\s+|us\s+)?(?:(?:a|an|the|some|my|our|this|these|that|those)\s+)?((?:[\w-]+\s+){0,3}?[\w-]+?)(?=\s+(?:for|to|about|from|with|that|which|on|in|saying|of|into|as|using|and|so)\b|\s*[,.:;!?]|$)/i;

const ZH_TASK_VERBS =
  '写|做|出|改|回复|翻译|整理|生成|画|列|准备|起草|审核|审|部署|发|填|总结|润色|设计|查|算|分析|解释|讲|评审|检查|配制|配';
const ZH_CLASSIFIERS = '一下|一个|一份|一篇|一段|一封|一条|一张|个|份|篇|段|封|条|张';
const ZH_OWNER_PREFIX =
  /^(?:我们|咱们|我司|本|我)(?:单位|公司|店|团队|部门|小组|组|课题组|学校|医院|实验室|项目组|家)?(?:的)?/;

const CHINESE_RULE_PATTERNS: readonly RegExp[] = [
  /(?:所有|全部|任何|凡是)(?:的)?([\u4e00-\u9fffA-Za-z]{1,8}?)(?=都|一律|统一|必须|要|时|的时候)/,
  // 把-construction after a durability adverb: the object precedes its verb (以后把周报整理成三块 → 周报).
  new RegExp(
    `(?:以后|今后|往后|每次|每当)(?:都)?(?:帮我|给我|替我)?把(?:我的|我们的)?([\\u4e00-\\u9fffA-Za-z]{1,10}?)(?:都|也|一律|统一)?(?=${ZH_TASK_VERBS}|分|拆|排|按|用|转|归纳|汇总)`,
  ),
  new RegExp(
    `(?:以后|今后|往后|之后|每次|每当)(?:都)?(?:帮我|给我|替我|为我)?(${ZH_TASK_VERBS})?(?:的)?(?:这类|这种|此类)?(?!按|照|用|这|那|都|时候|的时候|固定|统一|要|必须|不|别|先|再|只)([\\u4e00-\\u9fffA-Za-z]{1,16}?)(?=都|时|的时候|一律|统一|要|必须|里|中|：|:|，|,|。)`,
  ),
  /([\u4e00-\u9fffA-Za-z]{1,12}?)(?:的)?(?:格式|模板|规矩|规范|流程|风格|结构)(?:以后|今后)?(?=固定|统一|：|:|是|如下)/,
  new RegExp(`(?:${ZH_TASK_VERBS})([\\u4e00-\\u9fffA-Za-z]{2,10}?)(?=时|的时候)`),
  // A possessed kind of thing the user sets a rule for: 我的提交信息就按这个来, 给我的shell脚本都….
  /(?:我的|我们的|给我的|为我的)([\u4e00-\u9fffA-Za-z]{2,8}?)(?=都|就|一律|统一|按|照|用|要|必须|不要|别|开头|结尾|里|中)/,
  new RegExp(`(?:以后|今后|每次)(?:都)?(?:帮我|给我)?(${ZH_TASK_VERBS})`),
];

/** 整理成一份发言稿, 做成表格: a resultative complement names the deliverable, not the input. */
const CHINESE_RESULT =
  /(?:整理|做|写|改写|扩写|缩写|汇总|编|画|合并|归纳)(?:成|为)(?:一份|一篇|一个|一张|一段|一封|份|篇|个|张|段|封)?([\u4e00-\u9fffA-Za-z]{2,12}?)(?=，|,|。|：|:|$|吧|（|\()/;

const CHINESE_REQUEST_PATTERNS: readonly RegExp[] = [
  // 把-construction: the object comes before the verb (把网关服务部署到…, 把这些数据做成表格).
  /把(?:这份|这个|这些|这篇|这段|这几个|下面这段|下面的)?([\u4e00-\u9fffA-Za-z]{2,14}?)(列出来|列出|整理|翻译|改|写|做成|总结|润色|画|生成|填|转|部署|发|审)/,
  new RegExp(
    // 帮我给客户写一封…: the recipient (给客户, 为家长) sits between 帮我 and the verb.
    `(?:^(?:请)?(?=${ZH_TASK_VERBS})|帮我|给我|替我|请|麻烦)(?:(?:给|为|替|向)[\\u4e00-\\u9fffA-Za-z]{1,8}?(?=${ZH_TASK_VERBS}))?(${ZH_TASK_VERBS})?(?:${ZH_CLASSIFIERS})*(?:这个|这份|这篇|这段|这些|这位|这封)?([\\u4e00-\\u9fffA-Za-z《》]{2,14}?)(?=，|,|。|：|:|$|吧|对|（|\\(|有哪些|有什么)`,
  ),
];
const TIME_PREFIX = /^(?:今天|明天|昨天|这周|本周|上周|下周|这次|本次|今晚|刚才)(?:的)?/;

function cleanEnglishPhrase(phrase: string): string {
  // A pronoun ("write one", "fix it") names nothing.
  if (/^(?:one|ones|it|them|this|that|these|those|some|any)$/i.test(phrase.trim())) return '';
  // "every set of notes", "a list of tasks": a quantity word is not the deliverable.
  const words = phrase
    .replace(
      /^(?:(?:a|an|the|every|each)\s+)?(?:set|list|kind|type|sort|piece|pair|couple|bunch|batch|series|bit)\s+of\s+/i,
      '',
    )
    .split(/\s+/)
    .filter((word) => word.length > 0 && !/\d/.test(word))
    .filter(
      (word) =>
        !/^(?:a|an|the|my|our|your|some|this|that|these|those|quick|short|new|future|single|me)$/i.test(word),
    )
    .map((word) => (/^[A-Z][a-z]/.test(word) ? word.toLowerCase() : word));
  return words.join(' ');
}

function cleanChinesePhrase(phrase: string): string {
  const cleaned = phrase
    .replace(ZH_OWNER_PREFIX, '')
    .replace(/(?:里|中)?每(?:个|一个|份|篇|条|次)[\u4e00-\u9fff]*$/, '')
    .replace(/(?:顺便|同时|并且|然后|的时候|时候|也要|都要|需要|必须).*$/, '')
    .trim();
  return trimChinesePhrase(cleaned)
    .replace(/([A-Za-z])的([A-Za-z])/g, '$1 $2')
    .replace(/的/g, '')
    .trim();
}

const withIndices = new Map<RegExp, RegExp>();
function execWithIndices(pattern: RegExp, text: string): RegExpExecArray | null {
  let indexed = withIndices.get(pattern);
  if (!indexed) {
    indexed = new RegExp(pattern.source, `${pattern.flags.replace('g', '')}d`);
    withIndices.set(pattern, indexed);
  }
  return indexed.exec(text);
}

/**
 * The verb and phrase a Chinese topic construction matched, moved to whole words: a "verb" that is the
 * first character of a longer word joins the phrase (每次发布前: 发 + 布前 → 发布前), and the phrase is
 * widened to word boundaries (润色摘要时 cut at 要 → 摘要). A trailing position word (前, 时, 里) is
 * dropped: 发布前 → 发布.
 */
function wholeWordTopic(
  masked: string,
  match: RegExpExecArray,
  verbGroup: number | undefined,
  phraseGroup: number,
): { phrase: string; verb?: string } | undefined {
  const phraseSpan = match.indices?.[phraseGroup];
  if (!phraseSpan) return undefined;
  let verbSpan = verbGroup !== undefined ? match.indices?.[verbGroup] : undefined;
  let start = phraseSpan[0];
  if (verbSpan && !isWordBoundary(masked, verbSpan[1])) {
    start = verbSpan[0];
    verbSpan = undefined;
  }
  let [from, to] = snapToWords(masked, start, phraseSpan[1]);
  // A phrase still one character long after snapping is not a word: it belongs with its verb
  // (发 + 版 → 发版).
  if (verbSpan && [...masked.slice(from, to)].length === 1) {
    [from, to] = snapToWords(masked, verbSpan[0], to);
    verbSpan = undefined;
  }
  const phrase = withoutPositionWord(cleanChinesePhrase(masked.slice(from, to)));
  if (phrase.length === 0) return undefined;
  const verb = verbSpan ? masked.slice(verbSpan[0], verbSpan[1]) : undefined;
  return { phrase, ...(verb && verb !== phrase ? { verb } : {}) };
}

/** The task class a rule sentence is about, or `undefined` when it names none. */
export function topicFromRule(text: string, language: Language): Topic | undefined {
  const masked = maskQuoted(text);
  if (language === 'zh') {
    for (const pattern of CHINESE_RULE_PATTERNS) {
      const match = execWithIndices(pattern, masked);
      if (!match) continue;
      let phraseGroup = -1;
      for (let group = match.length - 1; group >= 1; group -= 1) {
        if (typeof match[group] === 'string') {
          phraseGroup = group;
          break;
        }
      }
      if (phraseGroup < 0) continue;
      const verbGroup = match.length > 2 && phraseGroup !== 1 && typeof match[1] === 'string' ? 1 : undefined;
      const topic = wholeWordTopic(masked, match, verbGroup, phraseGroup);
      if (topic) return { ...topic, source: 'rule' };
    }
    return undefined;
  }
  // The header of a rule list names the task class; "each one", "every section" inside the list are
  // parts of the output. The header is read first, then the whole sentence.
  const header = splitHeader(masked)?.header;
  const texts = header && header !== masked.trim() ? [header, masked] : [masked];
  for (const text of texts) {
    const topic = englishRuleTopic(text);
    if (topic) return topic;
  }
  return undefined;
}

function englishRuleTopic(masked: string): Topic | undefined {
  for (const [index, pattern] of ENGLISH_RULE_PATTERNS.entries()) {
    const match = pattern.exec(masked);
    if (!match) continue;
    const withVerb = index <= 1;
    const verb = withVerb ? match[1]?.toLowerCase() : undefined;
    let phrase = cleanEnglishPhrase(withVerb ? (match[2] ?? '') : (match[1] ?? ''));
    if (phrase.length > 0 && !/^(?:time|day|one|thing|case|of)$/.test(phrase)) {
      // "every weekly report" ranges over weekly reports: every/each take a count noun, named as a class.
      if (/\b(?:every|each)\s/i.test(match[0])) phrase = pluralPhrase(phrase);
      return { phrase, ...(verb ? { verb } : {}), source: 'rule' };
    }
  }
  return undefined;
}

/** The object of a request ("write a query for…" → query; 帮我写一份教案 → 教案). */
export function topicFromRequest(text: string, language: Language): Topic | undefined {
  const masked = maskQuoted(text).trim();
  if (language === 'zh') {
    const [byBa, plain] = CHINESE_REQUEST_PATTERNS;
    const result = execWithIndices(CHINESE_RESULT, masked);
    if (result?.[1]) {
      const topic = wholeWordTopic(masked, result, undefined, 1);
      if (topic) return { phrase: topic.phrase, source: 'request' };
    }
    const ba = byBa ? execWithIndices(byBa, masked) : null;
    if (ba?.[1]) {
      const topic = wholeWordTopic(masked, ba, undefined, 1);
      const phrase = topic ? withoutPositionWord(topic.phrase.replace(TIME_PREFIX, '')) : '';
      if (phrase.length > 0) return { phrase, ...(ba[2] ? { verb: ba[2] } : {}), source: 'request' };
    }
    const match = plain ? execWithIndices(plain, masked) : null;
    if (!match?.[2]) return undefined;
    const topic = wholeWordTopic(masked, match, match[1] ? 1 : undefined, 2);
    const phrase = topic
      ? withoutPositionWord(
          cleanChinesePhrase(topic.phrase.replace(TIME_PREFIX, '').replace(/《[^》]*》/g, '')),
        )
      : '';
    if (phrase.length === 0) return undefined;
    return { phrase, ...(topic?.verb ? { verb: topic.verb } : {}), source: 'request' };
  }
  const match = ENGLISH_REQUEST_PATTERN.exec(masked);
  if (!match) return undefined;
  const phrase = cleanEnglishPhrase(match[2] ?? '');
  if (phrase.length === 0) return undefined;
  return { phrase, verb: (match[1] ?? '').toLowerCase(), source: 'request' };
}

/** A hint used as the topic when it is short enough to be a capability name. */
export function topicFromHint(hint: string, language: Language): Topic | undefined {
  const trimmed = hint.trim().replace(/[。.!！]+$/, '');
  if (trimmed.length === 0) return undefined;
  const short = language === 'zh' ? [...trimmed].length <= 16 : trimmed.split(/\s+/).length <= 5;
  if (!short) return undefined;
  return { phrase: language === 'zh' ? trimmed : cleanEnglishPhrase(trimmed) || trimmed, source: 'hint' };
}

function singular(word: string): string {
  if (/ies$/.test(word) && word.length > 4) return `${word.slice(0, -3)}y`;
  if (/(?:ches|shes|sses|xes)$/.test(word)) return word.slice(0, -2);
  if (/s$/.test(word) && !/ss$/.test(word) && word.length > 3) return word.slice(0, -1);
  return word;
}

/** The phrase with its head noun (the last word) in the plural: "weekly report" → "weekly reports". */
function pluralPhrase(phrase: string): string {
  const words = phrase.split(/\s+/);
  const head = words[words.length - 1] ?? '';
  if (!/^[a-z-]+$/.test(head) || singular(head) !== head) return phrase;
  words[words.length - 1] = /[^aeiou]y$/.test(head)
    ? `${head.slice(0, -1)}ies`
    : /(?:s|x|z|ch|sh)$/.test(head)
      ? `${head}es`
      : `${head}s`;
  return words.join(' ');
}

/** English skill names are kebab-case; the last word is made singular so "emails"/"email" agree. */
export function topicSlug(topic: Topic): string {
  const words = topic.phrase
    .toLowerCase()
    .replace(/[^a-z0-9\s-]/g, ' ')
    .split(/[\s-]+/)
    .filter(Boolean);
  if (words.length > 0) words[words.length - 1] = singular(words[words.length - 1] as string);
  return words.join('-');
}

/** Content units of a topic, for matching a topic against a reference skill or a hint. */
export function topicUnits(topic: Topic): string[] {
  return contentUnits(`${topic.verb ?? ''} ${topic.phrase}`).map((unit) =>
    /^[a-z]/.test(unit) ? stemEnglish(unit) : unit,
  );
}
