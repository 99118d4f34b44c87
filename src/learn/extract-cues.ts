/**
 * @module The cue families of the extraction policy, in Chinese and English. Each family is a closed
 * class of function words or constructions (time adverbs, quantifiers, modal verbs, question words,
 * deictics), never words taken from a particular conversation; the comment above each family names the
 * policy sentence it implements:
 *
 * > extract durable preferences, corrections, output rules and workflows stated or confirmed by the
 * > user; return nothing for one-off generic requests, one-time constraints, small talk, trivia, and
 * > requirements only the assistant introduced.
 *
 * Every function takes text whose quoted spans are already masked (see `maskQuoted`): words the user
 * quotes are content, not instructions.
 */
import { isWordBoundary } from './chinese-words.js';

/** A durability cue family: why a sentence is about every future task rather than this one. */
export type DurableCueFamily =
  | 'forward'
  | 'frequency'
  | 'task-class'
  | 'norm'
  | 'preference'
  | 'memory'
  | 'persistent-correction'
  | 'persistence'
  | 'reuse';

/** Families that quantify over occasions but can range over one named instance ("always … in this invoice"). */
export const WEAK_CUE_FAMILIES: ReadonlySet<DurableCueFamily> = new Set([
  'frequency',
  'task-class',
  'persistence',
]);

interface Family<Name extends string> {
  name: Name;
  pattern: RegExp;
}

const WEEKDAY = 'monday|tuesday|wednesday|thursday|friday|saturday|sunday';
/** Verbs that produce a deliverable, for the Chinese habitual "when" (写…的时候). */
const ZH_PRODUCTION_VERBS =
  '写|做|出|改|回复|回答|翻译|整理|生成|画|列|准备|起草|审|部署|发|填|总结|润色|设计|查|算|分析|解释|讲|评审|检查|推荐|安排|规划|制定|汇报|提供|拟|编|制作|起名|命名|画图|作图|出题|上线|发布|配置|排版|校对';

/**
 * "durable": words that extend an instruction over future turns. Each family is one way a language
 * says "not just this time".
 */
const DURABLE_FAMILIES: ReadonlyArray<Family<DurableCueFamily>> = [
  // Time adverbs that open an unbounded future: "from now on", "going forward", 以后, 今后, 从明天起.
  // 以后 after 了/过/完/等 means "after (an event)", not "from now on".
  {
    name: 'forward',
    pattern: new RegExp(
      String.raw`\b(?:from now on|from here on(?: out)?|from this point (?:on|forward)|going forward|moving forward|` +
        `(?:in|for) (?:the )?future|henceforth|hereafter|next time|for good|` +
        String.raw`(?:starting|beginning|effective|from) (?:today|tomorrow|now|next \w+|this \w+ on|${WEEKDAY})(?: on(?:wards?)?)?)\b|` +
        `(?<![了过完等])(?:以后(?!再(?!也))|今后|往后|此后|日后)|(?:^|[，,。；;：:s])之后(?!再|就|才|的)|从(?:现在|今天|今以后|今往后|下次|明天|下周|本周|这周|下个月)(?:起|开始)?|从今(?:以后|往后|起)|下次|下回|将来|长期|接下来(?=[^，。,.]{0,12}都)`,
      'i',
    ),
  },
  // Frequency adverbs: "always", "never", "every time", "whenever", "by default"; 每次, 总是, 一律, 统一.
  {
    name: 'frequency',
    pattern: new RegExp(
      String.raw`\b(?:always|never|every (?:single )?time|each time|whenever|any ?time (?:you|i)|all the time|by default|` +
        `as a (?:general )?(?:rule|default)|without exception|in (?:every|all) cases|no matter what|consistently|in general|generally|` +
        String.raw`every (?:day|week|month|morning|evening|${WEEKDAY}))\b|` +
        // Habitual "when": "when you write cover letters (for me)" — a production verb and a plural object,
        // or any object done "for me/us" ("when you write Python for me").
        String.raw`\bwhen (?:you|i)(?: ask you to| need you to| want you to)? [a-z]+ (?:[\w'’+#.-]+\s+){1,3}?for (?:me|us)\b|` +
        String.raw`\bwhen (?:you|i)(?: ask you to| need you to| want you to)? (?:write|draft|make|create|send|reply|answer|explain|review|translate|summari[sz]e|plan|prepare|generate|format|give|produce|code|build|design|edit|check|respond)\w* (?:(?:to|me|us|my|our|any|new|all)\s+)*(?:[a-z-]+\s+){0,2}?[a-z-]+s\b|` +
        `每次|每一次|每回|每当|总是|始终|永远|一律|一概|统一|默认|凡是|不管(?:什么|何时|怎样)|无论(?:什么|何时|如何|怎样)|任何时候|从来不|从不|绝不|一向|一般来说|原则上|通常情况下|` +
        // "before each release, always …" in Chinese: a time clause then 都 (发布之前都要…, 写完以后都…).
        String.raw`[\u4e00-\u9fff]{2}(?:之前|以前|之后|前)都(?=要|得|必须|先|会|需要)|` +
        // Recurring periods used as adverbials: 每周五发…, 每天早上… (the Chinese of "every Friday");
        // followed by 的 they modify a noun (每个月的活跃用户数) and say nothing about recurrence.
        String.raw`每(?:天|日|晚|早|周[一二三四五六日天末]?|星期[一二三四五六日天]?|礼拜[一二三四五六日天]?|个?月|年|季度|个?工作日)(?!的)|` +
        // Habitual "when" opening a clause: 给我总结论文的时候，…; 润色我的摘要时，… (the Chinese of
        // "when you summarise papers for me, …"): a production verb, its object, then 时/的时候 and a comma.
        String.raw`(?:^|[，,。；;：:])\s*(?:你|请|以后|今后)?(?:给我|帮我|为我|替我)?(?:${ZH_PRODUCTION_VERBS})[^，,。；;？?]{0,14}?(?:的时候|时)(?=[，,：:]|$)`,
      'i',
    ),
  },
  // Quantifiers over a class of future tasks: "any SQL you write", "every chart I ask for", "for all
  // customer replies"; 所有通知都…, 给我写的代码都….
  {
    name: 'task-class',
    pattern: new RegExp(
      String.raw`\b(?:every|each|any)\s+(?:[\w-]+\s+){0,4}?(?:that\s+)?(?:you|i|we)(?:'ll| will| ever)?\s+[a-z]+|` +
        String.raw`\b(?:anything|everything|whatever)\s+(?:that\s+)?(?:you|i|we)(?:'ll| will| ever)?\s+[a-z]+|` +
        // "before each release", "after every deploy": a step tied to every future instance of a task.
        String.raw`\b(?:for|in|to|on|with|before|after|prior to|ahead of) (?:all|every|each|any) (?!(?:of )?(?:these|those|them|the following|this|that)\b)(?:(?:of )?(?:my|our|your|the|future|new) )?[a-z][\w-]*|` +
        String.raw`\ball future [a-z][\w-]*|` +
        // A sentence opening on a class of the user's deliverables: "For my weekly reports, …".
        String.raw`^(?:for|in|on|with) (?:all )?(?:my|our) (?:[\w'’-]+ ){0,2}[\w-]+s\s*[,:]|` +
        String.raw`(?<!把)(?:所有|全部|任何|凡是)(?:的)?[\u4e00-\u9fffA-Za-z]{1,10}?(?:都|一律|统一|必须|要)|` +
        String.raw`(?:给我|帮我|为我|我)(?:写|做|出|改|翻译|生成)的[\u4e00-\u9fffA-Za-z]{1,10}都|` +
        // "the X (you make) for me … all": 给我的shell脚本开头都加上….
        String.raw`(?:给我|为我|替我)的[\u4e00-\u9fffA-Za-z\s-]{1,12}?都|` +
        // "the X you make for me" opening a sentence: 你给我做的PPT大纲，每页…; 给我写的SQL，….
        String.raw`(?:^|[，,。；;])\s*(?:你)?(?:给我|为我|替我|帮我)(?:写|做|出|改|翻译|生成|画|起草|准备|整理|列|设计|推荐|安排)的`,
      'i',
    ),
  },
  // Norms the user owns: "our SQL conventions", "our house style", "my style guide"; 我们店的规矩,
  // 单位的固定格式. A norm is by definition reused.
  {
    name: 'norm',
    pattern: new RegExp(
      String.raw`\b(?:our|the team'?s|the company'?s|our team'?s|our company'?s)\s+(?:[\w-]+\s+){0,3}?(?:rules?|conventions?|style ?guides?|house style|style|standards?|guidelines?|polic(?:y|ies)|templates?|formats?|process(?:es)?|procedures?|workflows?|checklists?|playbooks?|voice|tone|sops?|requirements?)\b|` +
        String.raw`\bmy\s+(?:[\w-]+\s+){0,2}?(?:rules|conventions|style ?guide|standards|guidelines|preferences|usual \w+|default \w+|template)\b|` +
        String.raw`\bhouse (?:style|rules)\b|\b(?:rules|conventions|guidelines|style ?guide|standards|template) for (?:my|our|all) [a-z]|` +
        String.raw`(?:我们|咱们|我司|本单位|本公司|我们?(?:单位|公司|店|团队|部门|小组|组|课题组|学校|医院|实验室|项目组|家))(?:的)?[^，。；：:\n]{0,10}?(?:规矩|规范|规定|惯例|标准|模板|格式|流程|风格|口径|话术|守则|章程)|` +
        `固定(?:的)?(?:格式|模板|结构|写法|套路)|(?:格式|模板|结构)(?:以后|今后)?(?:固定|统一)|` +
        // "Our postmortems are blameless: …": the user's own kind of deliverable described by a list.
        String.raw`\b(?:our|my)\s+(?:[\w'’-]+\s+){0,2}[\w-]+s\s+(?:are|have|follow|use|include|contain|start|end|need)\b(?=[^.]*:)|` +
        // "this is how we do it:" — a practice the user's group owns (我们是这么做的：…).
        `(?:我们|咱们|我司|团队)(?:都|一直|一般)?(?:是)?(?:这么|这样)(?:做|写|弄|处理|安排|操作)的`,
      'i',
    ),
  },
  // First-person preferences over a kind of thing (not over one deliverable: "I prefer the second one"
  // is a choice, "I want a poem" is a request): "I prefer answers that…", "I like my X to…",
  // "my weekly reports should…"; 我习惯, 我喜欢, 我的文案要….
  {
    name: 'preference',
    pattern: new RegExp(
      String.raw`\bi\s+(?:really\s+|strongly\s+|generally\s+|usually\s+|always\s+)?(?:prefer|like|love|hate|dislike|can'?t stand|don'?t like|do not like|'d rather|would rather|want|expect)\b` +
        String.raw`(?!\s+(?:a|an|the|this|that|these|those|one|you to|to)\b)(?!\s+it\b(?!\s+when))|` +
        String.raw`\bmy\s+(?:[\w-]+\s+){0,2}[\w-]+s\s+(?:should|must|need to|have to|are to)\b|` +
        String.raw`\bi\s+(?:never|don'?t|do not)\s+(?:ever\s+)?(?:want|like|need)\b|` +
        `我(?:比较|更|一般|通常|一向|向来|平时|总)?(?:喜欢|习惯|偏好|倾向于?|讨厌|不喜欢|受不了|偏爱)(?!这|那)|` +
        // A habit of the user's while doing something: 我看报告习惯先看结论, 我写代码一般用tab.
        String.raw`我(?:看|写|做|读|用|听|吃|学|查|改|收|发|记|编)[\u4e00-\u9fffA-Za-z]{0,5}?(?:习惯|一般|通常|一向|向来)|` +
        String.raw`我(?:一般|通常|平时|一向|向来)|我的[\u4e00-\u9fffA-Za-z]{1,8}?(?:都要|一律|统一|必须|要)|我的(?:习惯|偏好|原则|规矩|要求)|` +
        // "my X (are) by Y": 我的购物清单按超市区域分 — a possessed kind of thing and how it is done.
        String.raw`我的[\u4e00-\u9fffA-Za-z]{1,8}?(?:都|一律|统一)?(?:按|照)(?![了下住钮])`,
      'i',
    ),
  },
  // Requests to remember something for later: "remember that…", "keep in mind"; 记住, 记得.
  {
    name: 'memory',
    pattern:
      /(?:^|[,;:]\s*|\bplease\s+|\band\s+)(?:remember|keep in mind|make a note|don'?t forget)\b|(?:^|[，,：:；;]|请|时候|时)(?:记住|记得|记一下|记下|别忘了)/i,
  },
  // Corrections that name a recurring behaviour: "stop adding…", "don't … again"; 别再, 不要再.
  {
    name: 'persistent-correction',
    pattern:
      /\b(?:stop|quit)\s+\w+ing\b|\bno more\b|\bdon'?t\s+(?:ever\b|[^.]{0,40}\bagain\b)|\bnever again\b|别再|不要再|不许再|再也不要|别老|不要老是?|别总是?|不要总是/i,
  },
  // Continuing a behaviour: "keep using metric", "continue to…", "stick to British spelling"; 继续用, 一直用.
  {
    name: 'persistence',
    pattern:
      /\b(?:keep|continue|carry on|stick)\s+(?:on\s+)?(?:using|writing|doing|to use|to write|with|to)\b|继续(?:用|使用|按|保持)|一直(?:用|使用|按|保持)|保持这个/i,
  },
  // Asking for something reusable: "a template I can reuse"; 可复用, 通用模板.
  { name: 'reuse', pattern: /\breus(?:e|able|ing)\b|可复用|复用|通用模板/i },
];

/**
 * "Always"/"never" scope the addressee's behaviour only at the head of a clause, after a subject
 * pronoun, a modal or a copula ("always offer a refund", "you never…", "dates are always ISO"). After a noun
 * they describe the thing being made ("make the header always visible", "the API never returns null",
 * 按钮始终显示): content, not a rule.
 */
const PROPERTY_FREQUENCY =
  /(?<!^|[,;:—–(-]\s*|\b(?:and|or|please|but|so|then|you|i|we|should|must|to|will|'ll|would|also|just|do|don't|can|could|is|are|be)\s+|\b(?:our|my)\s+(?:[\w'’-]+\s+){0,3})\b(?:always|never)\b|(?:始终|永远|一直)(?=显示|在线|置顶|可见|开启|打开|关闭|为空|不为空|生效|亮着|运行)/gi;

/** Which durability families occur in the (masked) text. */
export function durableCues(text: string): DurableCueFamily[] {
  const scoped = text.trim().replace(PROPERTY_FREQUENCY, (match) => '\uE000'.repeat(match.length));
  return DURABLE_FAMILIES.filter((family) => family.pattern.test(scoped)).map((family) => family.name);
}

/** Removes the durability phrases, for judging how much content is left ("do it this way from now on"). */
export function stripDurablePhrases(text: string): string {
  let result = text;
  for (const family of DURABLE_FAMILIES) {
    result = result.replace(new RegExp(family.pattern.source, 'gi'), ' ');
  }
  return result;
}

/**
 * "one-time constraints": markers that bind an instruction to this instance or a passing circumstance
 * ("this time", "for this email only", "for now", "tonight", "until the logo is approved"; 这次, 本次,
 * 暂时, 先不要, 等…了再). They override durability cues in the same sentence ("for this report only,
 * always…"), except where the marker is part of a forward cue ("starting tomorrow", 从明天起).
 */
const ONE_TIME =
  /\b(?:this time|this once|just (?:this )?once|(?:for|just|only) (?:this|that) one\b|(?:only|just) for (?:this|that|these|now|today|tonight)|for (?:this|that) (?:[\w-]+ ){0,3}only|(?:only|just) (?:in|on) (?:this|that)\b|(?:this|that) (?:[\w-]+ ){0,2}only\b|for now|for the moment|for the time being|right now|temporarily|today|tonight|tomorrow|this (?:morning|afternoon|evening|weekend)|one-?off|one time only|until (?:the|we|i|it|they|he|she|my|our)\b(?! further))|这次|这一次|本次|这回|此次|这趟|仅此一次|只此一次|下不为例|暂时|临时|暂且|今天|今晚|明天|今早|明早|眼下|先(?:不要|别|不用|不|暂时|空着)|等[^，。；,;]{1,20}?(?:了|以后|之后|后)再/gi;

const FORWARD_SPANS =
  /\b(?:starting|beginning|effective|from) (?:today|tomorrow|now|next \w+|this \w+ on)\b|从(?:现在|今天|明天|下周|本周|这周|下次|下个月)(?:起|开始)|从今(?:以后|往后|起)/gi;

/**
 * An instance named with a demonstrative ("this invoice", "that deck", 这份合同, 这篇稿子) — not a
 * method ("this format", 这个结构), which is what a durable rule usually points at.
 */
const INSTANCE_DEIXIS =
  /\b(?:this|that|these|those)\s+(?!(?:format|structure|style|template|layout|order|sequence|approach|way|process|setup|pattern|shape|outline|skeleton|tone|rules?|conventions?|method|voice|kind|type|time|one)\b)[a-z][\w-]*|这(?:份|个|篇|封|条|张|段|些|几个|位|次)(?!格式|结构|模板|风格|样式|顺序|方式|写法|规矩|规范|流程|套路|要求)[\u4e00-\u9fff]/i;

/**
 * Relative "that" is not a demonstrative: it follows a plural noun ("recipes that take…") or is
 * followed by a pronoun, a modal or auxiliary, or a verb in -s ("a row that says…"; a demonstrative
 * "that" takes a singular noun).
 */
const RELATIVE_THAT =
  /(\b[a-z]{3,}(?<!ss|is|us|this|was|has|does|always|sometimes|perhaps)s\s+)that\b|\bthat(?=\s+(?:you|i|we|they|he|she|it|can|could|will|would|should|must|may|might|is|are|was|were|has|have|had|do|does|did|[a-z]+(?<!ss|is|us|as|os)s)\b)/gi;

export function hasInstanceDeixis(text: string): boolean {
  return INSTANCE_DEIXIS.test(text.replace(RELATIVE_THAT, (match) => match.replace(/that$/i, 'which')));
}

/**
 * A scope phrase binding a rule to one artefact: "in this document", "for the rest of this email",
 * 这篇文章里. Long-lived containers (a project, a team, a repository) are not one-time scopes.
 */
const INSTANCE_SCOPE =
  /\b(?:in|for|within|throughout|during)\s+(?:the rest of\s+)?(?:this|that|the current)\s+(?!(?:project|team|company|repo|repository|codebase|account|role|job|course|class|product|workspace|organi[sz]ation|format|style|template|way|order|sequence|structure|layout|shape|manner|pattern|tone|voice)\b)[a-z][\w-]*|(?:在)?这(?:篇|份|封|个|次|本|段)[\u4e00-\u9fff]{1,6}?(?:里|中|内|上)/i;

export function hasInstanceScope(text: string): boolean {
  return INSTANCE_SCOPE.test(text);
}

/** Deferrals: 以后再说, "maybe later" — a durability word that postpones instead of generalising. */
export function isDeferral(text: string): boolean {
  return /(?:以后|回头|改天|下次)再(?:说|看|聊|议|讲|弄|商量)|\b(?:maybe later|let'?s (?:talk|discuss|decide)(?: about it)? later|(?:talk|decide|think) about (?:it|this|that) later|not now)\b/i.test(
    text,
  );
}

export function oneTimeCues(text: string): string[] {
  const forward = [...text.matchAll(FORWARD_SPANS)].map((match) => [
    match.index,
    match.index + match[0].length,
  ]);
  return [...text.matchAll(ONE_TIME)]
    .filter(
      (match) => !forward.some(([start, end]) => match.index >= (start ?? 0) && match.index < (end ?? 0)),
    )
    .map((match) => match[0]);
}

/** Words after which a task request names its content ("a poem about how love always wins"). */
const CONTENT_INTRODUCER =
  /\b(?:about|on the topic of|titled|entitled|saying|that says|which says|with the (?:line|slogan|title))\b|关于|主题是|题目是|标题是|内容是|讲述|说明一下/i;

/** The part of a task request before its content, so cue words inside the content do not count. */
export function instructionPart(text: string): string {
  const match = CONTENT_INTRODUCER.exec(text);
  return match ? text.slice(0, match.index) : text;
}

const DISCOURSE_PREFIX =
  /^(?:(?:please|pls|kindly|also|and|but|so|then|now|ok(?:ay)?|oh|well|hey|right|alright|actually|btw|by the way|and then)\b[\s,]*)+/i;
const REQUEST_PREFIX =
  /^(?:(?:can|could|would|will) you(?: please)?|i need you to|i want you to|i'd like you to|help me(?: to)?|go ahead and|let's|you should)\s+/i;

/**
 * "one-off generic requests": verbs that ask for a deliverable now (write, draft, plot, translate…;
 * 帮我写, 整理, 翻译…). Knowledge verbs (explain, describe, tell me) are classified as questions.
 */
const PRODUCTION_VERBS =
  /^(?:write|draft|compose|create|make|generate|produce|prepare|build|design|plot|draw|chart|graph|translate|summari[sz]e|rewrite|reword|rephrase|edit|proofread|revise|review|fix|refactor|convert|format|list|outline|plan|reply|respond|turn|put together|come up with|give me|show me|send|find|check|analy[sz]e|calculate|compute|estimate|recommend|suggest|compare|deploy|run|set up|schedule|book|organi[sz]e|clean up|sort|add|remove|update|optimi[sz]e|implement|code|script|debug|test|document|fill|polish|shorten|expand|simplify)\b/i;
const CHINESE_REQUEST =
  /^(?:(?:根据|基于|按照|依据|结合|针对|参考)[^，,。]{1,30}[，,]\s*)?(?:请|麻烦|你)?(?:帮我|给我|替我|帮忙|为我)|^(?:请)?(?:写|起草|生成|做|制作|整理|翻译|总结|改写|修改|润色|审|检查|画|设计|列|出|回复|规划|安排|计算|把|将|部署|分析|推荐|填)/;

export function isTaskRequest(text: string): boolean {
  const trimmed = text.trim().replace(DISCOURSE_PREFIX, '');
  if (CHINESE_REQUEST.test(trimmed)) return true;
  const body = trimmed.replace(REQUEST_PREFIX, '');
  // "Make sure …" is a directive about how, not a request for a deliverable.
  if (/^make sure\b/i.test(body)) return false;
  if (PRODUCTION_VERBS.test(body)) return true;
  return /^i(?:'d like| would like| need| want)\s+(?:a|an|some)\s+/i.test(trimmed);
}

/**
 * "trivia": information-seeking questions (wh-words, auxiliary inversion, a question mark; 什么, 怎么,
 * 多少, 吗). Polite requests ("could you…", 能帮我…吗) are requests, not questions.
 */
export function isInfoQuestion(text: string): boolean {
  const trimmed = text.trim().replace(DISCOURSE_PREFIX, '');
  if (/^(?:(?:can|could|would|will) you|would you mind|do you mind)\b/i.test(trimmed)) {
    return !PRODUCTION_VERBS.test(trimmed.replace(REQUEST_PREFIX, '')) && /\?\s*$/.test(trimmed);
  }
  if (/^(?:能|可以|可不可以|能不能|能否|麻烦)(?:你)?(?:帮我|给我|帮忙)/.test(trimmed)) return false;
  if (/[?？]\s*$/.test(trimmed)) return true;
  if (
    /^(?:what|why|how|when|where|who|which|whose)(?:'s|'re| (?:is|are|was|were|do|does|did|can|could|should|would|will|much|many|long|far|old|tall|big|often|about|to)\b)|^(?:is|are|was|were|should|shall|may|might|any idea|explain|describe|tell me)\b|^(?:do|have) (?:you|i|we|they)\b|^(?:does|did|has) \w+/i.test(
      trimmed,
    )
  ) {
    return true;
  }
  // 么 is a question particle only on its own (什么, 怎么, 这么 end statements too).
  if (/(?:[吗呢]|(?<![什怎这那多要])么)[。.!！]?$/.test(trimmed)) return true;
  return (
    /什么|怎么|怎样|如何|多少|哪|为什么|为啥|是否|有没有|几[个点岁天次]|谁/.test(trimmed) &&
    !hasDirectiveMarker(trimmed)
  );
}

const NON_VERB_STARTERS = new Set(
  (
    'i you he she it we they this that these those there here the a an my our your his her their its some each ' +
    'every all any what why how when where who which whose is are was were am does did can could would will ' +
    'shall should may might must has had if because since as in on at for with by from of to and but or so ' +
    "it's that's i'm you're there's he's she's we're they're i've i'd i'll thanks thank ok okay yes yeah yep hi hello hey " +
    'haha lol great nice good cool perfect sure wow oh too very really quite much way bad awesome fine wrong right ' +
    'not maybe perhaps well just looks seems exactly absolutely'
  ).split(/\s+/),
);

/**
 * "preferences, corrections, output rules": an instruction rather than a statement — an imperative
 * (the sentence opens with an open-class word after discourse words, adverbials and a leading
 * "whenever …,"-clause), a modal ("should", "must", "have to", "want … to"), or a Chinese directive
 * marker (要, 必须, 不要, 别, 用, 按…).
 */
export function isDirective(text: string): boolean {
  if (hasDirectiveMarker(text)) return true;
  // "Our warehouse is BigQuery — write all my SQL in BigQuery syntax": a clause after a dash or a
  // semicolon can be the instruction.
  const clauses = text.split(/\s[—–-]\s|;\s|\s—|—\s/);
  if (clauses.length > 1) return clauses.some((clause) => isDirectiveClause(clause));
  return isDirectiveClause(text);
}

function isDirectiveClause(text: string): boolean {
  let body = text.trim().replace(DISCOURSE_PREFIX, '');
  const lead =
    /^(?:whenever|when|if|for|in|from|going forward|moving forward|starting|on|after|before|once|each time|every time|as a (?:general )?rule|in general|generally|by default|as always|next time)\b[^,]{0,80},\s*/i;
  // Leading adverbials can stack: "In general, when I ask for a one-liner, give me …".
  for (let round = 0; round < 3; round += 1) {
    const next = body.replace(lead, '').replace(DISCOURSE_PREFIX, '').replace(REQUEST_PREFIX, '');
    if (next === body) break;
    body = next;
  }
  body = body.replace(/^(?:from now on|going forward|always|never)\b[\s,]*/i, '');
  if (
    /^(?:don'?t|do not|never|always|no|avoid|stop|make sure|be sure|remember|keep|only|use)\b/i.test(body)
  ) {
    return !/^no\s*[,.!]/i.test(body);
  }
  if (
    /\b(?:should|must|need(?:s)? to|ha(?:ve|s) to|ought to|is to|are to|want(?:s)? (?:you|it|them|every|all|each|my|the)|'d like (?:you|it|them|every|all)|would like (?:you|it|them|every|all))\b/i.test(
      body,
    )
  ) {
    return true;
  }
  const first = body.match(/^[A-Za-z][\w'-]*/)?.[0]?.toLowerCase();
  return first !== undefined && !NON_VERB_STARTERS.has(first);
}

/**
 * Result complements of structuring and producing verbs (分成三部分, 写成表格, 整理为要点): the verb
 * states the form the deliverable takes, so it instructs like 按 or 用. A closed class: the verbs that
 * shape a deliverable, followed by 成 / 为. 做为 and 列为 are no complements (做为组长 "as", 列为重点
 * "rank as"): 为 follows the other verbs only.
 */
const ZH_SHAPING_VERB =
  '分|拆分?|划分|切分|写|改|整理|排|归纳|总结|汇总|转换?|翻译|画|编|组织|合并|输出|生成|排版|压缩|缩|扩|精简';

/**
 * Lexicalised 成-words (成本, 成功, 成果, 成绩, 成员 …, a closed class): after a shaping verb they are
 * its object (汇总成果, 翻译成绩单, 做成功), not its result. Each lookahead lets the complement through
 * when 成 is followed by a noun of its own: 分成本周进展, 分成功能需求, 分成绩效, 写成长文.
 */
const ZH_LEXICAL_CHENG =
  '本(?![周月年季次期轮章节页段])|功(?!能)|果|绩(?!效)|员(?!工)|就|立(?!项)|熟|长(?![期短篇文图句条])|交|效|年|语(?!音)|都|败|型';

const ZH_RESULT_COMPLEMENT = `(?:(?:${ZH_SHAPING_VERB}|做|列)成(?!${ZH_LEXICAL_CHENG})|(?:${ZH_SHAPING_VERB})为)`;

const CHINESE_DIRECTIVE = new RegExp(
  `(?<![参增更追叠])加(?![班油])|要|必须|需要|应该|应当|务必|请|不要|别|不许|不准|不能|不可|禁止|避免|不用|不必|统一|一律|固定|用|按|照|${ZH_RESULT_COMPLEMENT}|保持|只|先|再|加上|放在|控制在|不超过|最多|至少|开头|结尾|称呼|落款|标注|注明|附上|列出|给出|保留|去掉|删掉|省略|不写|采用|使用`,
);

export function hasDirectiveMarker(text: string): boolean {
  return CHINESE_DIRECTIVE.test(text);
}

const CHINESE_DIRECTIVE_ALL = new RegExp(CHINESE_DIRECTIVE.source, 'g');

/** Markers that are also position nouns naming a part of the deliverable (开头摘要, 结尾总结). */
const POSITION_MARKERS = new Set(['开头', '结尾']);

/**
 * A directive marker that is a word of its own (不要寒暄, 用第一人称, 每段不超过三行), not characters
 * inside a noun (用户反馈, 主要风险, 日用品, 按钮) nor a position noun (开头摘要): a 、 list whose items
 * carry one is a list of instructions, otherwise it enumerates noun phrases. Word boundaries come from
 * the index tokenizer.
 */
export function hasDirectiveWord(text: string): boolean {
  for (const match of text.matchAll(CHINESE_DIRECTIVE_ALL)) {
    if (POSITION_MARKERS.has(match[0])) continue;
    if (isWordBoundary(text, match.index) && isWordBoundary(text, match.index + match[0].length)) {
      return true;
    }
  }
  return false;
}

/** Weak acknowledgements: they close a turn but never validate what the assistant wrote. */
export function isAcknowledgement(text: string): boolean {
  const trimmed = text.trim();
  return (
    /^(?:ok(?:ay)?|k|thanks?(?: you)?(?: so much)?|thx|ty|great|perfect|nice|cool|good|looks good|lgtm|got it|understood|noted|fine|awesome|excellent|that works|that's (?:great|good|fine|perfect|it)|wonderful|brilliant|cheers|all good|much appreciated)(?:[\s,!.~]+(?:thanks?(?: you)?|looks good|great|perfect))*[\s!.~]*$/i.test(
      trimmed,
    ) ||
    /^(?:好的?|好吧|好嘞|行|可以|嗯+|谢谢|多谢|感谢|明白(?:了)?|知道了|收到|了解|不错|很好|挺好|完美|没问题|ok|OK)(?:[，,、\s]*(?:就这么发|就这样|谢谢|辛苦了|可以了|不错|挺好))*[。.!！~～]*$/.test(
      trimmed,
    )
  );
}

export function isAffirmation(text: string): boolean {
  return /^(?:yes|yeah|yep|yup|sure|please do|do it|do that|go ahead|sounds good|that would be (?:great|good|nice|helpful)|absolutely|of course|definitely|ok(?:ay)?[\s,]+(?:do|please|go)|please|correct|exactly|right)\b|^(?:要的?|好的?|可以|是的?|对|没问题|行|嗯+|当然|需要|好啊|ok)/i.test(
    text.trim(),
  );
}

/**
 * An explicit acceptance, strong enough to confirm a rule the assistant only announced ("I'll use
 * bullets from now on" → "Yes, do that"); weak acknowledgements (ok, thanks, 好的) are not.
 */
export function isExplicitAcceptance(text: string): boolean {
  return /^(?:yes|yep|yeah)\b|\b(?:please do|do (?:it|that|so)|go ahead|sounds good|agreed|deal|keep (?:it|that) up|keep doing (?:it|that))\b|就这样|就这么(?:办|做)|按你说的|照你说的|以后就这样|以后都这样|同意/i.test(
    text.trim(),
  );
}

export function isDecline(text: string): boolean {
  return /^(?:no|nope|nah|not (?:needed|necessary|really)|no need|don'?t|do not|just|only|never mind|that's fine as is)\b|^(?:不用|不要|不必|算了|不需要|不了|就这一次|没必要|别)/i.test(
    text.trim(),
  );
}

/** "small talk": greetings, thanks, jokes and compliments, in a short sentence. */
export function isPhatic(text: string): boolean {
  const trimmed = text.trim();
  if (trimmed.split(/\s+/).length > 10 || [...trimmed].length > 40) return false;
  return (
    /^(?:hi|hello|hey|yo|good (?:morning|afternoon|evening|night)|how are you|how's (?:it going|your day(?: going)?|everything)|what's up|ha(?:ha)+|lol|lmao|thanks?|thank you|bye|see you|cheers|nice|cool|wow|ok(?:ay)?|great|awesome|you're (?:\w+ ){0,2}(?:fast|great|funny|smart|quick|amazing|the best|welcome)|back to work|ready|anytime|good job|well done)\b/i.test(
      trimmed,
    ) ||
    /^(?:你好|您好|早上好|早安|晚安|中午好|下午好|晚上好|哈+|嘿|嗨|在吗|在不在|谢谢|多谢|辛苦了|拜拜|再见|好的?|嗯+|ok|你(?:今天)?(?:真|挺|好|很)?(?:快|棒|厉害|聪明)|继续|好，继续|随时)/i.test(
      trimmed,
    ) ||
    isWishOrFarewell(trimmed) ||
    isAcknowledgement(trimmed)
  );
}

/**
 * "small talk": wishes and farewells — formulae with no task in them ("have a nice weekend", "enjoy
 * your trip", "talk Monday", "take care"; 周末愉快, 祝你顺利, 回头聊, 改天见). Imperative in form, they ask
 * for nothing.
 */
export function isWishOrFarewell(text: string): boolean {
  const trimmed = text
    .trim()
    .replace(/^(?:(?:ok(?:ay)?|haha|lol|thanks|thank you|anyway|and|well)[\s,!.]+)+/i, '');
  if (trimmed.split(/\s+/).length > 10 || [...trimmed].length > 40) return false;
  return (
    /^(?:have|enjoy)\s+(?:a|an|the|your)\s+(?:(?:really|very|great|good|nice|lovely|wonderful|relaxing|safe|fun|happy|restful)\s+)*(?:day|weekend|week|evening|night|morning|afternoon|one|time|trip|holiday|holidays|vacation|break|flight|lunch|dinner|meal)\b|^(?:take care|good luck|best of luck|see (?:you|ya)|talk (?:to you )?(?:soon|later|tomorrow|monday|next week|then)|catch you later|bye|goodbye|good night|sleep well|happy (?:holidays|new year|birthday|friday|weekend)|cheers|until next time)\b/i.test(
      trimmed,
    ) ||
    /^(?:祝(?:你|您|大家)?[^，。]{0,10}(?:愉快|顺利|快乐|开心|成功|健康)|[^，。]{0,4}(?:愉快|快乐)[！!~～。]*$|回头(?:聊|见)|改天(?:聊|见)|下次(?:聊|见)|明天见|周一见|下周见|拜拜|再见|晚安)/.test(
      trimmed,
    )
  );
}

/**
 * Deictic references to something shown earlier ("do it this way", "like that", "this format"; 这个,
 * 这样, 照这, 刚才): a durable sentence with such a reference takes its content from what it points at.
 */
export function isAnaphoric(text: string): boolean {
  // 上面 points back only as "like the above" (照上面, 上面那样, 上面的格式); 最上面 is a place.
  return /\b(?:like (?:this|that)|this way|that way|the same way|as above|the above|(?:this|that|the same) (?:format|structure|style|template|layout|order|sequence|approach|way|process|setup|pattern|shape|outline|skeleton)|do (?:it|that|this)|these (?:rules|steps|conventions)|that's (?:exactly )?(?:the|how|what))\b|这个|这样|照这|按这|如上|(?:照|按|像|如|跟|和)上面|上面(?:那|这)(?:样|种|个|套)|上面的(?:格式|结构|样子|写法|方式|做法)|刚才|同样|这种|这套|这么|那样|这几条|上述/i.test(
    text,
  );
}

/** "workflows": an ordered step ("first…", "then…", "finally…", an arrow; 先, 再, 然后, 最后). */
export function isSequenceStep(text: string): boolean {
  return /^(?:first(?:ly)?|then|next|after that|afterwards|finally|lastly|second(?:ly)?|third(?:ly)?|step \d)\b|^(?:先|首先|然后|再|接着|之后|最后|其次|第[一二三四五六七八九十]步)/i.test(
    text.trim(),
  );
}

export const ARROW = /\s*(?:->|→|⇒|=>|➡|➜)\s*/;

/**
 * "personal data": a sentence that states a fact about the user or someone they know (a name, an id,
 * a number, an address) rather than a way of working. Such data never becomes a skill.
 */
export function isPersonalDataStatement(text: string): boolean {
  return /\bmy\s+(?:[\w-]+\s+){0,2}?(?:name|id|number|phone|mobile|email|e-mail|address|birthday|birth date|date of birth|account|password|passcode|pin|ssn|passport|licen[cs]e|salary|manager|boss|employee id|staff id|key|token)\s+(?:is|are|was|:)|\bmy name is\b|\bi live (?:at|in|on)\b|\bi was born\b|我的?(?:名字|姓名|手机号?|电话|邮箱|地址|住址|生日|身份证号?|工号|学号|账号|密码|银行卡号?|车牌号?|护照号?|密钥)(?:码)?(?:是|为|：|:)|我叫|我住在|我出生/i.test(
    text,
  );
}

/** Second-person offers by the assistant: "would you like me to…", "should I…"; 需要我…吗, 要不要. */
export function isOffer(text: string): boolean {
  return (
    /\b(?:would you like me to|do you want me to|want me to|should i|shall i|do you want|would you like|would it help if i)\b/i.test(
      text,
    ) || /需要我|要不要|要我|是否需要|是否要|需不需要|吗\s*[?？]\s*$/.test(text)
  );
}

/**
 * "output rules": a sentence that quantifies over what the assistant will produce ("every commit
 * message you write for me starts with…", "for every lab report you help me with, the sections
 * go…", "all the charts I ask for have…") states how that output is, even when it is worded as a
 * description rather than an imperative.
 */
export function quantifiesAssistantOutput(text: string): boolean {
  return /\b(?:every|each|any|all(?: the)?)\s+(?!time\b)(?:[\w'’-]+\s+){0,4}?(?:that\s+|which\s+)?(?:you(?:'ll| will| ever)?\s+[a-z]+|i\s+(?:ask|request|need|want|get from you)\b)/i.test(
    text,
  );
}

/**
 * "durable preferences": a first-person preference verb ("I prefer a table whenever you compare…",
 * "I'd rather have recipes that…") — a preference over a kind of thing when the sentence also carries
 * another durability cue.
 */
export function isFirstPersonPreference(text: string): boolean {
  return /\bi\s+(?:really\s+|strongly\s+|generally\s+|usually\s+|always\s+)?(?:prefer|like|love|want|'d rather|would rather|expect|'d like|would like)\b|我(?:比较|更)?(?:喜欢|习惯|偏好|希望|想要)/i.test(
    text,
  );
}
