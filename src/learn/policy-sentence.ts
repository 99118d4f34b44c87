/**
 * @module One sentence of a conversation as the extraction policy reads it: who said it, whether it is
 * an instruction or a question, the durability and one-time cues it carries (`analyseSentence`), and
 * the rule texts it contributes once it is durable (`unitsOf`, `cleanRuleText`, `stripOfferFrame`).
 * `extract-policy.ts` runs the conversation-wide passes over these sentences.
 */
import {
  ARROW,
  type DurableCueFamily,
  durableCues,
  hasDirectiveWord,
  instructionPart,
  isAcknowledgement,
  isAnaphoric,
  isDirective,
  isFirstPersonPreference,
  isInfoQuestion,
  isPersonalDataStatement,
  isPhatic,
  isSequenceStep,
  isTaskRequest,
  oneTimeCues,
  quantifiesAssistantOutput,
} from './extract-cues.js';
import { containsCredential } from './redact-secrets.js';
import { maskQuoted, splitHeader, splitItems } from './segment.js';

export type Speaker = 'user' | 'assistant' | 'event' | 'hint';

/**
 * How a sentence became a rule: it carries a durability cue itself (`explicit`), it follows or is
 * pointed at by such a sentence in the same user turn (`inherited`), or the user accepted it when the
 * assistant proposed it or showed it (`confirmed`).
 */
export type Durability = 'explicit' | 'inherited' | 'confirmed' | 'none';

export interface AnalysedSentence {
  id: number;
  /** Position of the turn (user/assistant turns first, then events, then the hint). */
  turn: number;
  speaker: Speaker;
  text: string;
  bullet: boolean;
  code: boolean;
  /** List items after a colon ("our rules: a, b, c"); empty when the sentence is not a list. */
  items: string[];
  cues: DurableCueFamily[];
  oneTime: string[];
  question: boolean;
  request: boolean;
  directive: boolean;
  acknowledgement: boolean;
  phatic: boolean;
  anaphoric: boolean;
  personalData: boolean;
  credential: boolean;
  /** An instruction rather than a statement (see `isDirective`), or a list of requirements. */
  ruleForm: boolean;
  durability: Durability;
  /** A durable sentence whose content is what it points at ("do it this way from now on"). */
  reference: boolean;
  /** Points at a credential or personal data stated in the same turn ("put it in the command"). */
  tainted: boolean;
}

const DISCOURSE_LEAD =
  /^(?:(?:please|pls|also|and|so|ok(?:ay)?|alright|from now on|from here on|going forward|moving forward|in (?:the )?future|henceforth|by default|as a rule|starting (?:today|tomorrow|now))[\s,:]*)+/i;
const CHINESE_LEAD =
  /^(?:(?:以后|今后|往后|从现在起|从现在开始|从今以后|请|另外|还有|另外就是)(?:都)?[，,]?)+/;
/** A first clause that opens a sequence inside it ("发布之前都要先跑回归测试", "always first run…"). */
const FIRST_STEP = /先|首先|\bfirst\b/i;
/** A list header that names a procedure: its items are ordered steps. */
const PROCEDURE_HEADER =
  /流程|步骤|顺序|工序|\b(?:process|procedure|steps|checklist|workflow|sequence|runbook|routine)\b/i;
/** A clause that is only a habitual condition ("…的时候", "when you …"). */
const CONDITION_ONLY = /^[^，,]{1,30}?(?:的时候|时)$|^(?:when|whenever|each time|every time)\b[^,]*$/i;
/** Verbs that open a specification of a deliverable ("include…", "cover…", "start with…"). */
const SPEC_VERB =
  /^(?:include|cover|start|begin|end|finish|use|keep|add|focus|mention|give|list|show|compare|avoid|skip|walk through|explain|describe|包括|包含|涵盖|先|再|最后|用|重点|列出|给出|说明)/i;
const SECTION_LABEL =
  /^\s*(?:#{1,6}\s*([^\n#]{1,40}?)\s*$|\*\*([^*\n]{1,40}?):?\*\*|【([^】\n]{1,20})】|([A-Z][\w /&-]{1,30}):\s*$)/gm;

export function analyseSentence(
  segment: { text: string; bullet: boolean; code: boolean },
  id: number,
  turn: number,
  speaker: Speaker,
): AnalysedSentence {
  const { text, bullet, code } = segment;
  const masked = maskQuoted(text);
  let request = !code && isTaskRequest(masked);
  const instruction = request ? instructionPart(masked) : masked;
  const cues = code ? [] : durableCues(instruction);
  const oneTime = code ? [] : oneTimeCues(instruction);
  let question = !code && isInfoQuestion(masked);
  const directive = !code && isDirective(masked);
  const split = code ? undefined : splitHeader(text);
  const items = split?.body ? splitItems(split.body) : [];
  // "Explain how X works: start with…, then…, finish with…" asks for a deliverable made a given way:
  // a list of instructions after the colon makes a knowledge verb a request, not a question. The same
  // holds for any specification after the colon ("Explain gradient descent for my students: include
  // the update rule…", "…: the key layout, TTLs and invalidation").
  if (
    question &&
    !/[?？]\s*$/.test(text) &&
    (items.length >= 2 || items.some((item) => SPEC_VERB.test(item.trim())))
  ) {
    question = false;
    request = true;
  }
  const acknowledgement = isAcknowledgement(text);
  const ruleForm =
    !code &&
    !question &&
    !acknowledgement &&
    (directive ||
      cues.includes('preference') ||
      items.length > 0 ||
      bullet ||
      (cues.length > 0 && (quantifiesAssistantOutput(masked) || isFirstPersonPreference(masked))));
  return {
    id,
    turn,
    speaker,
    text,
    bullet,
    code,
    items,
    cues,
    oneTime,
    question,
    request,
    directive,
    acknowledgement,
    phatic: !request && cues.length === 0 && isPhatic(text),
    anaphoric: isAnaphoric(masked),
    personalData: isPersonalDataStatement(masked),
    credential: containsCredential(text),
    ruleForm,
    durability: 'none',
    reference: false,
    tainted: false,
  };
}

/** A rule sentence without its lead-in ("From now on, …", 以后…) and closing punctuation. */
export function cleanRuleText(text: string): string {
  const cleaned = text
    .trim()
    .replace(DISCOURSE_LEAD, '')
    .replace(CHINESE_LEAD, '')
    .replace(/[。.!！;；,，]+$/, '')
    .trim();
  if (cleaned.length === 0) return text.trim();
  return /^[a-z]/.test(cleaned) ? cleaned[0]?.toUpperCase() + cleaned.slice(1) : cleaned;
}

function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length + [...text.matchAll(/[\u4e00-\u9fff]/g)].length / 2;
}

/** The requirement texts one durable sentence contributes. */
export function unitsOf(sentence: AnalysedSentence): Array<{ text: string; step: boolean }> {
  const asUnits = (texts: string[], stepsByArrow: boolean) =>
    texts.map(cleanRuleText).map((text) => ({ text, step: stepsByArrow || isSequenceStep(text) }));
  if (sentence.items.length > 0) {
    const split = splitHeader(sentence.text);
    // A list introduced as a procedure ("这个流程：a、b、c", "our release checklist: …") is ordered steps.
    const procedure = PROCEDURE_HEADER.test(maskQuoted(split?.header ?? ''));
    const arrowed = sentence.items.flatMap((item) => item.split(ARROW));
    const stepped = arrowed.length > sentence.items.length || (procedure && arrowed.length >= 2);
    if (!stepped && split?.body) {
      // An enumeration is one requirement: "周报分三块：本周进展、风险、下周计划", "should cover: impact,
      // root cause, and follow-ups" keep their header; clauses (，；) are still separate requirements.
      if (isEnglishEnumeration(split.body, sentence.items)) return asUnits([sentence.text], false);
      // A 、 list of instructions (不要寒暄、直接给结论、附上出处) is a rule list: one requirement per item;
      // so is "cite sources and keep it short".
      const requirements = splitItems(split.body, { enumerations: false })
        .flatMap((clause) => {
          const items = splitItems(clause);
          return items.some((item) => hasDirectiveWord(maskQuoted(item))) ? items : [clause];
        })
        .flatMap(splitImperativeConjuncts);
      if (requirements.length === 1) return asUnits([sentence.text], false);
      return asUnits(requirements, false);
    }
    return asUnits(arrowed, stepped);
  }
  const arrow = sentence.text.split(ARROW);
  if (arrow.length >= 2) return asUnits(arrow, true);
  if (sentence.request) {
    const items = splitItems(sentence.text, { enumerations: false });
    let first = items.findIndex((item) => durableCues(maskQuoted(item)).length > 0);
    // "Please give me grams and Celsius, I never bake with cups": a durable reason that is a statement
    // makes the request it follows the rule.
    if (first > 0 && !isDirective(maskQuoted(items[first] ?? ''))) first = 0;
    const chosen = first >= 0 ? items.slice(first) : [sentence.text];
    // A habitual condition on its own ("给我出练习题的时候", "when you review my code") is the scope, not
    // a requirement.
    const requirements = chosen.filter((item) => !CONDITION_ONLY.test(item.trim()));
    return asUnits(requirements.length > 0 ? requirements : chosen, false);
  }
  const items = splitItems(sentence.text);
  // "先跑回归测试，然后灰度，再监控，最后全量": clauses opened by sequence markers are the steps.
  const sequenced = items.filter(
    (item, index) => isSequenceStep(item) || (index === 0 && FIRST_STEP.test(item)),
  );
  if (items.length >= 3 && sequenced.length >= 3) return asUnits(items, true);
  const clauses = splitItems(sentence.text, { enumerations: false });
  if (wordCount(sentence.text) > 30 && clauses.length >= 3) return asUnits(clauses, false);
  return asUnits([sentence.text], false);
}

/** Words that open an instruction rather than a noun phrase ("use metric", "no emojis", "keep it short"). */
const INSTRUCTION_WORDS =
  "no|not|never|always|only|don'?t|do not|avoid|use|keep|make|be|stay|stick|put|add|include|start|end|skip|stop|give|show|write|mention";
const INSTRUCTION_OPENER = new RegExp(`^(?:${INSTRUCTION_WORDS})\\b`, 'i');
const AND_BEFORE_INSTRUCTION = new RegExp(`\\s+and\\s+(?=(?:${INSTRUCTION_WORDS})\\b)`, 'i');

/**
 * "cite sources and keep it short": in a rule list, an "and" followed by an imperative joins two rules,
 * not two nouns ("bug fixes and known issues" stays one item).
 */
function splitImperativeConjuncts(item: string): string[] {
  if (/[\u4e00-\u9fff]/.test(item)) return [item];
  const parts = item.split(AND_BEFORE_INSTRUCTION);
  return parts.every((part) => part.trim().length > 0) ? parts : [item];
}

/**
 * "impact, root cause, and follow-ups": short noun phrases coordinated by a final "and"/"or" are one
 * enumeration (the object of one requirement), not a list of rules.
 */
function isEnglishEnumeration(body: string, items: readonly string[]): boolean {
  if (/[\u4e00-\u9fff]/.test(body) || items.length < 2) return false;
  const coordinated = /(?:,\s*|\s)(?:and|or)\s+[^,;]+[.!]?\s*$/i.test(maskQuoted(body));
  return (
    coordinated &&
    items.every((item) => {
      const words = item.split(/\s+/).filter(Boolean);
      const parts = item.split(/\s+(?:and|or)\s+/i);
      return (
        words.length <= 5 &&
        parts.every((part) => part.split(/\s+/).length <= 3 && !INSTRUCTION_OPENER.test(part.trim())) &&
        !isTaskRequest(item)
      );
    })
  );
}

/** An assistant offer ("Would you like me to always …?") as the rule it proposes. */
export function stripOfferFrame(text: string): string {
  return cleanRuleText(
    text
      .replace(/^.*?\b(?:i will|i'll|i'm going to|i am going to)\s+/i, '')
      .replace(/^.*?(?:我以后会|我今后会|以后我会|以后我|我会|我将)/, '')
      .replace(
        /^.*?\b(?:would you like me to|do you want me to|want me to|should i|shall i|would it help if i|do you want|would you like)\s*/i,
        '',
      )
      .replace(/^.*?(?:需要我|要不要我?|要我|是否需要我?|是否要|需不需要我?)/, '')
      .replace(/[吗呢]?\s*[?？]\s*$/, ''),
  );
}

export function sectionLabels(text: string): string[] {
  const labels = new Set<string>();
  for (const match of text.matchAll(SECTION_LABEL)) {
    const label = (match[1] ?? match[2] ?? match[3] ?? match[4] ?? '').trim();
    if (label.length > 0) labels.add(label);
  }
  return [...labels];
}
