/**
 * @module Does the latest user message depend on earlier turns? `rewriteMode: 'auto'` rewrites the
 * search query only when it does: a message that stands on its own is searched as it is (a rewrite
 * could only blur it), one that leans on the conversation ("make it shorter", "再写一个") is
 * rewritten with the topic it leans on.
 *
 * The heuristic, in order (the first rule that applies decides):
 * 1. `no-history`: no earlier user or assistant turn → independent.
 * 2. `small-talk`: only greetings, thanks, acknowledgements ("ok thanks!", "好的谢谢") → independent
 *    (there is nothing to search for, and no topic to borrow).
 * 3. `continuation-opener`: a short message (≤ 15 units, see below) that opens with a word that
 *    continues the exchange — and, also, but, now, then, what/how about, same, instead, again, no,
 *    actually, one more…; 那/那么, 还有, 另外, 然后, 接着, 再, 也, 同样, 而且, 继续, 换成, 改成, 不对,
 *    对了, 顺便… → dependent.
 * 4. `anaphora`: a pronoun or deictic that points back — a verb + it/them ("make it", "translate
 *    them") anywhere; in a message of ≤ 20 units also it/its/them, this/that standing alone ("that's
 *    wrong", "like this"), the same, the above, previous, earlier, as before, again, another one;
 *    它/它们, 这个/那个/这些/那些 (not 这个月…), 这样/那样, 这种, 这份/这篇/这段, 上面/上述/前面,
 *    刚才, 之前的, 上一个, 同样/一样, 照这/按这, 重新, 再 (not 再见/再说, nor 先…再 in a sequence),
 *    又, 继续, 换个 → dependent. Expletive "it" ("it is hard to…", "is it possible to…") is not a cue.
 * 5. `short-follow-up`: ≤ 3 units, or ≤ 6 units with a modifier (shorter, more formal, in Chinese, as
 *    a table; 短一点, 更正式, 用英文, 简洁些…) → dependent ("why?", "用英文", "more examples").
 * 6. otherwise `self-contained`.
 * Length is measured in units: a Latin word counts 1, a CJK character ½ (two characters ≈ one word),
 * so one threshold serves both languages. A long message carries its own topic even when it says "it".
 */

export type DependenceRule =
  | 'no-history'
  | 'small-talk'
  | 'continuation-opener'
  | 'anaphora'
  | 'short-follow-up'
  | 'self-contained';

export interface ContextDependence {
  dependent: boolean;
  /** The rule that decided (see the module comment). */
  rule: DependenceRule;
  /** The words that triggered it, when a cue did. */
  cue: string | null;
}

export interface DetectContextDependenceOptions {
  /** The latest user message. */
  message: string;
  /** Whether the conversation has turns before it. */
  hasHistory: boolean;
}

const SHORT_OPENER_LIMIT = 15;
const ANAPHORA_LIMIT = 20;

const CJK = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/gu;
const HAS_CJK = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/u;
const LATIN_WORD = /[\p{L}\p{N}][\p{L}\p{N}'’_-]*/gu;

/** Length in units: Latin words count 1, CJK characters ½. */
export function lengthUnits(text: string): number {
  const cjk = text.match(CJK)?.length ?? 0;
  const words = text.replace(CJK, ' ').match(LATIN_WORD)?.length ?? 0;
  return words + cjk / 2;
}

const PHATIC_EN = new Set(
  (
    'ok okay k kk thanks thank you thx ty cheers great cool nice awesome perfect good got it hi hello hey ' +
    'bye goodbye morning night yes yeah yep sure no problem np alright right fine lol haha wow'
  ).split(' '),
);
const PHATIC_ZH =
  /^(?:谢谢(?:你|您)?|多谢|感谢|好的?|好吧|好嘞|嗯+|哦+|收到|明白了?|知道了|懂了|你好|您好|早上好|晚安|再见|拜拜|可以|行|没问题|辛苦了|太棒了|不错|哈哈+|OK|ok)+$/u;

function isSmallTalk(text: string): boolean {
  const bare = text.replace(/[\s\p{P}\p{S}]+/gu, ' ').trim();
  if (bare.length === 0) return true;
  if (HAS_CJK.test(bare)) {
    return PHATIC_ZH.test(bare.replace(/\s+/g, ''));
  }
  return bare
    .toLowerCase()
    .split(' ')
    .every((word) => PHATIC_EN.has(word));
}

const OPENER_EN =
  /^(?:and|also|plus|but|then|now|so|what about|how about|same|instead|again|actually|no|nope|not quite|wait|one more|another|next|ok so|okay so|and now|but now)\b/i;
const OPENER_ZH =
  /^(?:那么?|那就|还有|另外|然后|接着|再|也|同样|而且|并且|还要|继续|换成|改成|改为|不对|不是|不行|算了|对了|顺便|可是|但是)/u;

/** Expletive "it": "it is hard to …", "it's worth …ing", "is it possible to …". */
const EXPLETIVE_IT =
  /\bit(?:\s+is|\s+was|['’]s)\s+(?:\w+\s+){0,2}(?:to|that|for|when|if)\b|\b(?:is|was|does)\s+it\s+(?:\w+\s+){0,2}(?:to|that|if)\b/gi;
const VERB_PRONOUN_EN =
  /\b(?:make|do|redo|fix|change|rewrite|reword|shorten|lengthen|translate|expand|simplify|format|turn|put|use|apply|try|keep|send|explain|summari[sz]e|improve|polish|edit|update|convert|repeat|continue|adjust|tweak|revise|check|review|run|save|list|give)\s+(?:it|them)\b/i;
const ANAPHOR_EN =
  /\b(?:it|its|them|the same|same thing|same way|the above|above|aforementioned|previous|earlier|as before|like before|last one|the former|the latter|again|another one|another version|one more)\b|\b(?:this|that)(?=\s*(?:$|[.,!?;:)]|\s(?:one|part|version|section|again|is|was|looks|seems|sounds|works|way)\b|['’]s\b))/i;
const ANAPHOR_ZH =
  /它们?|(?:这|那)(?:个(?!月|星期|礼拜|季度|周末|学期|年)|些|样|种|份|篇|段|里)|上面|上述|上文|前面|刚才|刚刚|之前的|上一(?:个|版|条|次)|上次|同样|一样|照着|照这|按这|按照这|重新|又|继续|换个|换一个/u;
const AGAIN_ZH = /再(?!见|说)/u;
const MODIFIER_EN =
  /\b(?:shorter|longer|simpler|briefer|clearer|more|less|better|different|formal|casual|friendlier|detailed|concise|brief|examples?|bullets?|bullet points|table|in (?:english|chinese|french|german|spanish|japanese|korean)|why|how so)\b/i;
const MODIFIER_ZH =
  /一点|一些|点儿?$|些$|更|再|换|用(?:英文|中文|英语|汉语)|简洁|简短|详细|正式|口语|例子|表格|为什么|为啥/u;

function cueOf(match: RegExpMatchArray | null): string | null {
  return match ? match[0].trim() : null;
}

/** Decides whether `message` depends on earlier turns (see the module comment for the rules). */
export function detectContextDependence({
  message,
  hasHistory,
}: DetectContextDependenceOptions): ContextDependence {
  const text = message.trim();
  if (!hasHistory) return { dependent: false, rule: 'no-history', cue: null };
  if (isSmallTalk(text)) return { dependent: false, rule: 'small-talk', cue: null };
  const units = lengthUnits(text);
  const opening = text.replace(/^[\s\p{P}]+/u, '');

  if (units <= SHORT_OPENER_LIMIT) {
    const opener = cueOf(opening.match(OPENER_EN)) ?? cueOf(opening.match(OPENER_ZH));
    if (opener) return { dependent: true, rule: 'continuation-opener', cue: opener };
  }

  const verbPronoun = cueOf(text.match(VERB_PRONOUN_EN));
  if (verbPronoun) return { dependent: true, rule: 'anaphora', cue: verbPronoun };
  if (units <= ANAPHORA_LIMIT) {
    const withoutExpletives = text.replace(EXPLETIVE_IT, ' ');
    const anaphor = cueOf(withoutExpletives.match(ANAPHOR_EN)) ?? cueOf(text.match(ANAPHOR_ZH));
    if (anaphor) return { dependent: true, rule: 'anaphora', cue: anaphor };
    // 再 continues the exchange ("再写一个"), unless it orders steps of a sequence (先…再…).
    const again = text.match(AGAIN_ZH);
    if (again && !/先/u.test(text.slice(0, again.index)))
      return { dependent: true, rule: 'anaphora', cue: '再' };
  }

  if (units <= 3) return { dependent: true, rule: 'short-follow-up', cue: null };
  if (units <= 6) {
    const modifier = cueOf(text.match(MODIFIER_EN)) ?? cueOf(text.match(MODIFIER_ZH));
    if (modifier) return { dependent: true, rule: 'short-follow-up', cue: modifier };
  }
  return { dependent: false, rule: 'self-contained', cue: null };
}
