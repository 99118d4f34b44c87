/**
 * @module De-identification of candidate text: person names, URLs and numbers that identify a person
 * are replaced by placeholders. Names are found without a list of names, in two ways:
 *
 * 1. **By context** — the constructions that introduce a person: a relation or title before a
 *    capitalised word ("my manager Dana Kim", "Dr. Lee", "Hi Sam", "cc Priya"), a Chinese surname in
 *    the positions names take (老张, 小李, 王总, 同事王建国, 我叫…). Chinese surnames are a closed
 *    class of a few hundred characters, so the list below is a grammar of the language, not of people.
 * 2. **By novelty** — a capitalised word in the middle of a candidate sentence (or two capitalised
 *    words anywhere) that the user never wrote is not the user's vocabulary: it was copied from the
 *    assistant or invented, and is removed.
 *
 * Quoted literals the user mandated in a durable rule ("sign off as 'Maya from Loop Support'") are the
 * user's own output text and are kept.
 */
import { quotedSpans } from './segment.js';

export const NAME_PLACEHOLDER = '<NAME>';
export const URL_PLACEHOLDER = '<URL>';
export const ID_PLACEHOLDER = '<ID>';

/** The common single-character and compound Chinese surnames. */
const SURNAMES =
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝';
const COMPOUND_SURNAMES = '欧阳|司马|诸葛|上官|东方|慕容|令狐|皇甫|尉迟|公孙|长孙|夏侯|端木|宇文|司徒|独孤';
const SURNAME = `(?:${COMPOUND_SURNAMES}|[${SURNAMES}])`;
const GIVEN_NAME_STOP = '的说是在和跟把要会也都就了与及对给向让被他她它们等说';
const CHINESE_NAME = `${SURNAME}[\\u4e00-\\u9fff](?:(?![${GIVEN_NAME_STOP}])[\\u4e00-\\u9fff])?`;

const ENGLISH_NAME = `[A-Z][a-z'’]+(?:[ -][A-Z][a-z'’]+)?`;
const RELATIONS =
  'colleague|coworker|co-worker|boss|manager|lead|teammate|assistant|sister|brother|mother|mom|mum|father|dad|wife|husband|partner|friend|son|daughter|client|customer|doctor|lawyer|landlord|neighbou?r|cousin|aunt|uncle|intern|supervisor|professor|teacher|student|tenant|contact|accountant|director|ceo|cto|editor|recruiter|vendor|colleagues';

const PERSON_RELATIONS_ZH =
  '同事|老公|老婆|妻子|丈夫|爸爸|妈妈|哥哥|姐姐|弟弟|妹妹|助理|朋友|室友|闺蜜|男朋友|女朋友';
const TITLES_ZH = '经理|老师|主任|医生|律师|先生|女士|小姐|师傅|老板|局长|处长|科长|部长|博士|教授|总监';
/** After a Chinese name: a verb or particle a person takes, punctuation, or the end. */
const AFTER_CHINESE_NAME =
  '(?=[^\\u4e00-\\u9fff]|$|说|觉得|负责|提|认为|要|会|在|和|跟|把|让|给|也|都|是|确认|审核)';

const NAME_CONTEXTS: readonly RegExp[] = [
  new RegExp(
    String.raw`\b(?:my|our|your|his|her|their|the)\s+(?:\w+\s+)?(?:${RELATIONS})\s*,?\s+(?:named |called |is |was )?(${ENGLISH_NAME})`,
    'g',
  ),
  new RegExp(String.raw`\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Madam)\.?\s+(${ENGLISH_NAME})`, 'g'),
  new RegExp(String.raw`\b(?:Dear|Hi|Hello|Hey|Thanks|Cheers),?\s+(${ENGLISH_NAME})\b`, 'g'),
  new RegExp(
    String.raw`\b(?:named|called|I'm|I am|my name is|ping|cc|bcc|assigned to|owner:?|unblock:?)\s+(${ENGLISH_NAME})`,
    'g',
  ),
  new RegExp(String.raw`\b(${ENGLISH_NAME}) (?:said|says|from (?:the )?[A-Z]\w+)`, 'g'),
  new RegExp(
    `(?:我叫|名叫|我的名字是|署名|联系人|负责人|对接人|经办人|收件人)[：:]?\\s*(${CHINESE_NAME})${AFTER_CHINESE_NAME}`,
    'g',
  ),
  new RegExp(`(?:${PERSON_RELATIONS_ZH})[：:]?\\s*(${CHINESE_NAME})${AFTER_CHINESE_NAME}`, 'g'),
  // Surname + title names a person; the title is kept in the match because a bare surname is a common word.
  new RegExp(`(${SURNAME}(?:${TITLES_ZH}))`, 'g'),
  new RegExp(`(${SURNAME}总)${AFTER_CHINESE_NAME}`, 'g'),
  new RegExp(`((?:老|小)[${SURNAMES}])${AFTER_CHINESE_NAME}`, 'g'),
  /@([\u4e00-\u9fff]{2,4}|[A-Za-z][\w.-]+)/g,
];

/** Person names introduced by context anywhere in `text` (see the module comment, way 1). */
const TITLE_WORDS = /^(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Madam|Dear|Hi|Hello|Hey)$/;

export function findPersonNames(text: string): string[] {
  const names = new Set<string>();
  for (const pattern of NAME_CONTEXTS) {
    for (const match of text.matchAll(pattern)) {
      const name = match[1]?.trim();
      if (name && name.length >= 2 && !TITLE_WORDS.test(name)) names.add(name);
    }
  }
  return [...names];
}

const NOVEL_CHINESE_CONTEXT = new RegExp(
  `(?:和|与|跟|找|联系|交给|发给|抄送(?:给)?|转给|署名|落款|由|请)(${CHINESE_NAME})(?=确认|负责|审核|签字|审批|批准|处理|沟通|对接|核对|过目|说|[，,。；;、\\s]|$)`,
  'g',
);

/** A surname-led name acting as a person: "李明轩审核", "王小明负责". */
const NOVEL_CHINESE_ACTOR = new RegExp(
  `(?:^|[^\\u4e00-\\u9fff]|[和与跟找给由请让向])(${CHINESE_NAME})(?=审核|确认|负责|签字|审批|批准|过目|跟进|对接)`,
  'g',
);

/**
 * Name-shaped words in `candidateText` that the user never wrote (module comment, way 2): capitalised
 * words after the start of a sentence or list item, pairs of capitalised words anywhere, and Chinese
 * surname-led names in the positions a person takes ("请王建国确认").
 */
export function findNovelNames(candidateText: string, userText: string): string[] {
  const known = userText.toLowerCase();
  const vocabulary = new Set(userText.toLowerCase().match(/\b[a-z][a-z'’]+\b/g) ?? []);
  const names = new Set<string>();
  for (const line of candidateText.split(/\n|(?<=[.!?。！？:：])\s*/)) {
    if (/^\s*#/.test(line)) continue; // Markdown headings are structure ("# Constraints & Style").
    const body = line.replace(/^\s*(?:[-*•>]+|\d+[.)、])\s*/, '');
    for (const match of body.matchAll(/\b[A-Z][a-z'’]+(?:[ -][A-Z][a-z'’]+)*\b/g)) {
      let words = match[0];
      const atStart = match.index === 0 || /^["'“‘(（[]$/.test(body.slice(0, match.index).trim());
      // At the start of a sentence the first word is capitalised anyway: when it is an ordinary word
      // the user also writes it is not part of the name ("Ask Marta" → "Marta").
      if (atStart && /[ -]/.test(words)) {
        const [head, ...tail] = words.split(/[ -]/);
        if (head && vocabulary.has(head.toLowerCase())) words = tail.join(' ');
      }
      const multiWord = /[ -]/.test(words);
      if (atStart && !multiWord && words === match[0]) continue;
      if (known.includes(words.toLowerCase())) continue;
      if (multiWord && words.split(/[ -]/).every((word) => known.includes(word.toLowerCase()))) continue;
      names.add(words);
    }
  }
  for (const pattern of [NOVEL_CHINESE_CONTEXT, NOVEL_CHINESE_ACTOR]) {
    for (const match of candidateText.matchAll(pattern)) {
      const name = match[1];
      if (name && !userText.includes(name)) names.add(name);
    }
  }
  return [...names];
}

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'）)\]]+|\bwww\.[^\s<>"'）)\]]+/gi;
const LABELLED_ID =
  /((?:\b(?:order|account|acct|invoice|ticket|case|employee|staff|student|customer|member(?:ship)?|passport|licen[cs]e|tracking|policy|social security|national id)\s*(?:number|no\.?|#|id)?|\bID)\s*[:#]?\s*)([A-Za-z]{0,4}-?\d[\d*-]{3,})|((?:订单号?|单号|运单号|快递单号|账号|账户|工号|学号|身份证号?|会员号|卡号|发票号|合同号|护照号?|车牌号?|尾号)(?:码)?(?:是|为)?[：:\s]*)([A-Za-z0-9*-]{4,})/gi;
const CHINESE_ID_CARD = /(?<!\d)\d{17}[\dXx](?!\d)/g;
const LONG_NUMBER = /(?<![\d.#-])\d{9,}(?![\d.-])/g;

export interface DeidentifyOptions {
  /** Names to remove (from {@link findPersonNames} and {@link findNovelNames}). */
  names?: readonly string[];
  /** Literal texts the user mandated; names inside a quoted span matching one of them are kept. */
  protectedLiterals?: readonly string[];
}

export interface DeidentifyResult {
  text: string;
  /** What was replaced, for the candidate's evidence log (never the values themselves). */
  replaced: Array<'name' | 'url' | 'id'>;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Replaces names, URLs and identifying numbers with placeholders. */
export function deidentifyText(text: string, options: DeidentifyOptions = {}): DeidentifyResult {
  const replaced = new Set<DeidentifyResult['replaced'][number]>();
  let result = text.replace(URL_PATTERN, (url) => {
    replaced.add('url');
    // Sentence punctuation after a URL belongs to the sentence.
    return URL_PLACEHOLDER + (/[.,;:!?，。；：！？]+$/.exec(url)?.[0] ?? '');
  });
  result = result
    .replace(LABELLED_ID, (_match, englishLabel, englishValue, chineseLabel, chineseValue) => {
      replaced.add('id');
      return `${englishLabel ?? chineseLabel ?? ''}${englishValue || chineseValue ? ID_PLACEHOLDER : ''}`;
    })
    .replace(CHINESE_ID_CARD, () => {
      replaced.add('id');
      return ID_PLACEHOLDER;
    })
    .replace(LONG_NUMBER, () => {
      replaced.add('id');
      return ID_PLACEHOLDER;
    });

  const protectedSpans = quotedSpans(result).filter(([start, end]) => {
    const literal = result.slice(start, end).trim();
    return (
      literal.length > 0 && (options.protectedLiterals ?? []).some((allowed) => allowed.includes(literal))
    );
  });
  const names = [...new Set(options.names ?? [])]
    .filter((name) => name.length >= 2)
    .sort((a, b) => b.length - a.length);
  for (const name of names) {
    const ascii = /^[\x20-\x7e]+$/.test(name);
    // "Daniel Whitaker" also matches "daniel-whitaker" and "daniel_whitaker" (a name slugged into an id).
    const parts = name.split(/[\s_-]+/);
    const pattern = !ascii
      ? new RegExp(escapeRegExp(name), 'g')
      : parts.length > 1
        ? new RegExp(`\\b${parts.map(escapeRegExp).join('[\\s_-]+')}\\b`, 'gi')
        : new RegExp(`\\b${escapeRegExp(name)}\\b`, 'g');
    result = result.replace(pattern, (match, offset: number) => {
      if (protectedSpans.some(([start, end]) => offset >= start && offset < end)) return match;
      replaced.add('name');
      return NAME_PLACEHOLDER;
    });
  }
  return { text: result, replaced: [...replaced] };
}

/** Removes placeholder clutter a rule does not need: "(<EMAIL>)", "my manager <NAME>" → "my manager". */
export function tidyPlaceholders(text: string): string {
  return text
    .replace(/\s*[（(]\s*(?:<[A-Z_]+>[\s,，、]*)+[)）]/g, '')
    .replace(
      /\b((?:my|our|your|the)\s+(?:\w+\s+)?(?:colleague|manager|boss|lead|teammate|assistant|friend|client|customer|contact|director|supervisor|editor)s?)\s*,?\s*<NAME>/gi,
      '$1',
    )
    .replace(/(同事|老板|领导|经理|主管|老师|同学|朋友|客户|助理|组长|总监|主任)\s*<NAME>/g, '$1')
    .replace(/[ \t]{2,}/g, ' ')
    .replace(/\s+([,.;:!?，。；：！？])/g, '$1')
    .trim();
}
