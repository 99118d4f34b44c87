/**
 * @module The extraction policy applied to one conversation, shared by the offline extractor and the
 * candidate checks. It reads every sentence (who said it, whether it is an instruction, which
 * durability and one-time markers it carries, whether the user confirmed it) and derives:
 *
 * - the durable rules the user stated or confirmed (each with the sentence it came from),
 * - the requirements of the task at hand (used only when extraction is forced),
 * - what kind of conversation it is (durable / task / trivia / small talk),
 * - the capability it is about, and the names and literals de-identification needs.
 *
 * How each policy sentence maps to the code is listed in `src/learn/README.md`. Reading one sentence
 * (cues, rule form, the rule texts it yields) is in `policy-sentence.ts`; this module runs the
 * conversation-wide passes.
 */
import { type ConversationEvent, type ConversationMessage, toEventSteps, toTurns } from './conversation.js';
import { findPersonNames } from './deidentify.js';
import {
  hasInstanceDeixis,
  hasInstanceScope,
  instructionPart,
  isAffirmation,
  isDecline,
  isDeferral,
  isExplicitAcceptance,
  isOffer,
  isSequenceStep,
  oneTimeCues,
  stripDurablePhrases,
  WEAK_CUE_FAMILIES,
} from './extract-cues.js';
import { type Topic, topicFromHint, topicFromRequest, topicFromRule, topicUnits } from './extract-topic.js';
import {
  type AnalysedSentence,
  analyseSentence,
  cleanRuleText,
  type Durability,
  type Speaker,
  sectionLabels,
  stripOfferFrame,
  unitsOf,
} from './policy-sentence.js';
import { maskQuoted, quotedSpans, splitHeader, splitItems, splitSentences } from './segment.js';
import { contentUnits, detectLanguage, type Language, stemEnglish } from './text-units.js';

export {
  type AnalysedSentence,
  cleanRuleText,
  type Durability,
  type Speaker,
  stripOfferFrame,
} from './policy-sentence.js';

export interface RuleUnit {
  text: string;
  /** Id of the sentence the unit was read from (an event step's sentence for `event`). */
  sentence: number;
  source: 'user' | 'confirmed' | 'event' | 'hint';
  /** `task` marks a requirement of the task at hand (forced extraction only). */
  durability: Exclude<Durability, 'none'> | 'task';
  /** Part of an ordered procedure. */
  step: boolean;
}

export type ConversationKind = 'durable' | 'task' | 'trivia' | 'small-talk' | 'empty';

/** Why a sentence that looked like a rule did not become one; reported by the extractor. */
export type PolicyNote =
  | 'one-time'
  | 'assistant-only'
  | 'declined'
  | 'personal-data'
  | 'credential'
  | 'question'
  | 'older-topic';

export interface ConversationAnalysis {
  language: Language;
  sentences: AnalysedSentence[];
  kind: ConversationKind;
  /** Durable rules, in conversation order. */
  rules: RuleUnit[];
  /** Requirements of the task at hand and the steps the trace shows (for forced extraction). */
  taskUnits: RuleUnit[];
  topic: Topic | undefined;
  notes: PolicyNote[];
  /** Everything the user wrote (turns, user events, hint), for de-identification by novelty. */
  userText: string;
  /** Quoted texts inside the user's durable rules ("sign off as 'Maya from Loop Support'"). */
  protectedLiterals: string[];
  /** Person names introduced by context anywhere in the conversation. */
  personNames: string[];
}

export interface AnalyseConversationOptions {
  messages: readonly ConversationMessage[];
  events?: readonly ConversationEvent[];
  hint?: string;
}

const AFFIRMATION_LEAD =
  /^(?:yes|yeah|yep|sure|ok(?:ay)?|please|好的?|要的?|可以|行|是的?|对|嗯)[\s,，!！.。]*/i;
const PRONOUN_OBJECT = /\b(?:it|them|this one|that one)\b|这个|它|这些/i;
const MANNER_ITEM =
  /^(?:按|用|以|不要|别|保持|控制|使用|采用|只|并且?|且|需要|必须|要求?|in |use |keep |sort|order|format|no |without|don'?t|avoid|only|with |as |start|end|include|group|make sure)/i;
/** "make sure the <noun> always/never …": the noun whose every instance the rule could range over. */
const ENSURE_FREQUENCY =
  /\b(?:make sure|ensure|see to it)\s+(?:that\s+)?(?:the|my|our|your|each|every)?\s*([a-z][\w-]*)\s+(?:always|never)\b/i;
/** "today's demo", 今天的会: a time word naming the occasion of the deliverable. */
const DATED_OCCASION = /\b(?:today|tonight|tomorrow|yesterday)['’]s\b|(?:今天|今晚|明天|昨天)的/gi;
/** Requests whose object is material to transform (the list after the colon is that material). */
const TRANSFORM_REQUEST =
  /^(?:(?:please|pls|also|now|ok(?:ay)?|can you|could you)[\s,]+)*(?:clean(?:\s+\w+)?\s+up|tidy|organi[sz]e|summari[sz]e|format|convert|translate|polish|proofread|rewrite|reword|rephrase|edit|revise|shorten|fill|sort|turn|correct|condense)\b|^(?:请|麻烦)?(?:你)?(?:帮我|给我)?(?:把[^：:，,]{0,16})?(?:整理|总结|翻译|润色|修改|改写|转|填|校对|排版|归纳|汇总|精简|缩写|扩写)/i;

function overlaps(left: readonly string[], right: readonly string[]): boolean {
  const set = new Set(right);
  return left.some((unit) => set.has(unit));
}

export function analyseConversation(options: AnalyseConversationOptions): ConversationAnalysis {
  const turns = toTurns(options.messages);
  const steps = toEventSteps(options.events ?? []);
  const sentences: AnalysedSentence[] = [];
  const add = (text: string, turn: number, speaker: Speaker) => {
    for (const segment of splitSentences(text)) {
      sentences.push(analyseSentence(segment, sentences.length, turn, speaker));
    }
  };
  turns.forEach((turn, position) => {
    add(turn.text, position, turn.role);
  });
  const eventSentence = new Map<number, number>();
  // Agent steps share one turn (one trace); each user event is a turn of its own.
  steps.forEach((step, position) => {
    const turn = step.actor === 'user' ? turns.length + 1 + position : turns.length;
    if (step.actor === 'user') add(step.text, turn, 'user');
    else {
      eventSentence.set(step.index, sentences.length);
      sentences.push({
        ...analyseSentence({ text: step.text, bullet: false, code: false }, sentences.length, turn, 'event'),
        ruleForm: false,
        cues: [],
      });
    }
  });
  const hint = options.hint?.trim() ?? '';
  if (hint.length > 0) add(hint, turns.length + steps.length + 1, 'hint');

  const userLike = (sentence: AnalysedSentence) => sentence.speaker === 'user' || sentence.speaker === 'hint';
  const userText = sentences
    .filter(userLike)
    .map((sentence) => sentence.text)
    .join('\n');
  // The language the user speaks in, not the language of the material they pasted: a request's text
  // after its colon ("帮我润色这段英文：We find that…") and code are left out when anything is left.
  const spoken = sentences
    .filter((sentence) => userLike(sentence) && !sentence.code)
    .map((sentence) =>
      sentence.request ? (splitHeader(sentence.text)?.header ?? sentence.text) : sentence.text,
    )
    .join('\n');
  const language = detectLanguage(/[\p{L}]/u.test(spoken) ? spoken : userText);
  const notes = new Set<PolicyNote>();
  const byTurn = new Map<number, AnalysedSentence[]>();
  for (const sentence of sentences)
    byTurn.set(sentence.turn, [...(byTurn.get(sentence.turn) ?? []), sentence]);

  // 0. "Make sure the summary always comes first" after "Summarize this paper": "always" describes the
  //    thing being made ("make sure the API never returns null") unless that thing is the kind of
  //    deliverable the user asked for earlier — then it ranges over every such deliverable.
  for (const sentence of sentences) {
    if (!userLike(sentence) || sentence.cues.length > 0 || sentence.code) continue;
    const subject = ENSURE_FREQUENCY.exec(maskQuoted(sentence.text))?.[1];
    if (!subject) continue;
    const stem = stemEnglish(subject).slice(0, 6);
    const asked = sentences.some(
      (other) =>
        other.id < sentence.id &&
        other.turn < sentence.turn &&
        userLike(other) &&
        other.request &&
        contentUnits(instructionPart(maskQuoted(other.text))).some(
          (unit) => stemEnglish(unit).slice(0, 6) === stem,
        ),
    );
    if (asked) sentence.cues = ['frequency'];
  }

  // 1. Explicit: a user instruction with a durability cue and no one-time marker. "Always"/"all" that
  //    range over one named instance ("always double-check this invoice", 这份合同里所有金额) stay
  //    inside that instance; a deferral ("以后再说") postpones rather than generalises.
  for (const sentence of sentences) {
    if (!userLike(sentence) || sentence.cues.length === 0) continue;
    const masked = maskQuoted(sentence.text);
    const instanceScoped =
      (sentence.cues.every((cue) => WEAK_CUE_FAMILIES.has(cue)) && hasInstanceDeixis(masked)) ||
      hasInstanceScope(masked);
    if (sentence.question) notes.add('question');
    else if (!sentence.ruleForm) continue;
    else if (isDeferral(masked)) continue;
    else if (sentence.oneTime.length > 0 || instanceScoped) notes.add('one-time');
    else if (sentence.personalData) notes.add('personal-data');
    else if (sentence.credential) notes.add('credential');
    else sentence.durability = 'explicit';
  }

  // 2. A sentence that points back at data ("use them", "put it in") stores nothing reusable. A
  //    pronoun points back: data stated after the sentence ("never inline it. FYI the token is …") is
  //    not what it refers to.
  for (const sentence of sentences) {
    if (!userLike(sentence)) continue;
    const sameTurn = byTurn.get(sentence.turn) ?? [];
    const data = sameTurn.filter(
      (other) => other.id < sentence.id && (other.personalData || other.credential),
    );
    if (data.length > 0 && PRONOUN_OBJECT.test(maskQuoted(sentence.text))) {
      sentence.tainted = true;
      if (sentence.durability === 'explicit') {
        sentence.durability = 'none';
        notes.add(data.some((other) => other.credential) ? 'credential' : 'personal-data');
      }
    }
  }

  // 3. Confirmation: the assistant offered a durable rule and the next user turn accepts it.
  const confirmedOffers: AnalysedSentence[] = [];
  for (const sentence of sentences) {
    if (sentence.speaker !== 'assistant' || sentence.cues.length === 0) continue;
    const isQuestionOffer = isOffer(sentence.text) && /[?？]\s*$/.test(sentence.text);
    const reply = (byTurn.get(sentence.turn + 1) ?? []).find((other) => other.speaker === 'user');
    if (!isQuestionOffer) {
      // A rule the assistant announced is the user's only when the user explicitly accepts it.
      const commitment =
        /\b(?:i will|i'll|i'm going to|i am going to)\b|我(?:以后|今后)?(?:会|将)|以后我/i.test(
          sentence.text,
        );
      const lastOfTurn = !(byTurn.get(sentence.turn) ?? []).some(
        (other) => other.id > sentence.id && other.cues.length > 0,
      );
      if (
        commitment &&
        lastOfTurn &&
        reply &&
        isExplicitAcceptance(reply.text) &&
        reply.oneTime.length === 0
      ) {
        sentence.durability = 'confirmed';
        confirmedOffers.push(sentence);
      } else if (sentence.ruleForm || commitment) notes.add('assistant-only');
      continue;
    }
    // "Sure, for this one" accepts the output, not the rule.
    if (reply && isAffirmation(reply.text) && !isDecline(reply.text) && reply.oneTime.length === 0) {
      sentence.durability = 'confirmed';
      confirmedOffers.push(sentence);
    } else if (reply && isDecline(reply.text)) notes.add('declined');
    else notes.add('assistant-only');
  }

  // 4. Inheritance inside a user turn: instructions after a durable one share its scope until a new
  //    request, a question or a one-time marker; a durable sentence that points back ("照这个来",
  //    "do it this way") takes its content from what it points at.
  const referencedSteps = new Set<number>();
  const structureUnits: RuleUnit[] = [];
  for (const [turn, group] of byTurn) {
    if (!group.some(userLike)) continue;
    let active = false;
    for (const sentence of group) {
      if (sentence.durability === 'explicit') {
        active = true;
        continue;
      }
      if (sentence.request || sentence.question || sentence.oneTime.length > 0) {
        active = false;
        continue;
      }
      const eligible =
        sentence.ruleForm && !sentence.personalData && !sentence.credential && sentence.durability === 'none';
      if (active && eligible) sentence.durability = 'inherited';
    }
    // A reply that accepts a confirmed offer ("Yes please, always metric", 好的，以后都附上) confirms
    // it: its content is the offer's, unless it adds requirements of its own.
    const offer = byTurn
      .get(turn - 1)
      ?.find((other) => other.speaker === 'assistant' && other.durability === 'confirmed');
    if (offer) {
      const offerUnits = new Set(contentUnits(offer.text));
      for (const sentence of group) {
        if (sentence.durability !== 'explicit' || sentence.items.length > 0) continue;
        const own = contentUnits(
          stripDurablePhrases(maskQuoted(sentence.text)).replace(AFFIRMATION_LEAD, ''),
        );
        if (own.length <= 2 || own.filter((unit) => offerUnits.has(unit)).length * 2 >= own.length) {
          sentence.reference = true;
        }
      }
    }
    for (const sentence of group) {
      if (
        sentence.durability !== 'explicit' ||
        sentence.reference ||
        !sentence.anaphoric ||
        sentence.items.length > 0
      ) {
        continue;
      }
      const before = group.filter(
        (other) =>
          other.id < sentence.id &&
          other.ruleForm &&
          (!other.request || other.items.length >= 2) &&
          !other.question &&
          other.oneTime.length === 0 &&
          !other.personalData &&
          !other.credential,
      );
      if (before.length > 0) {
        for (const other of before) if (other.durability === 'none') other.durability = 'inherited';
        sentence.reference = true;
        continue;
      }
      const previousAssistant = byTurn.get(turn - 1)?.filter((other) => other.speaker === 'assistant') ?? [];
      if (previousAssistant.some((other) => other.durability === 'confirmed')) {
        sentence.reference = true;
        continue;
      }
      const agentSteps = steps.filter((step) => step.actor === 'agent' && step.ok);
      if (agentSteps.length >= 2) {
        for (const step of agentSteps) referencedSteps.add(step.index);
        sentence.reference = true;
        continue;
      }
      const earlier = sentences.filter(
        (other) =>
          other.turn < turn &&
          userLike(other) &&
          other.ruleForm &&
          other.directive &&
          !other.request &&
          !other.question &&
          other.oneTime.length === 0 &&
          !other.personalData &&
          !other.credential &&
          other.durability === 'none',
      );
      if (earlier.length > 0) {
        for (const other of earlier) other.durability = 'inherited';
        sentence.reference = true;
        continue;
      }
      const shown = turns[turn - 1];
      const labels = shown?.role === 'assistant' ? sectionLabels(shown.text) : [];
      if (labels.length >= 2) {
        const lead = language === 'zh' ? '使用以下结构：' : 'Use these sections: ';
        structureUnits.push({
          text: `${lead}${labels.join(' / ')}`,
          sentence: sentence.id,
          source: 'confirmed',
          durability: 'confirmed',
          step: false,
        });
        sentence.reference = true;
      }
    }
  }

  // 5. Rule units, grouped by the user turn that made them durable.
  const rules: RuleUnit[] = [];
  for (const sentence of sentences) {
    if (sentence.durability === 'none' || sentence.reference) continue;
    if (sentence.speaker === 'assistant' && sentence.durability !== 'confirmed') continue;
    const source =
      sentence.speaker === 'hint' ? 'hint' : sentence.durability === 'confirmed' ? 'confirmed' : 'user';
    const units =
      sentence.durability === 'confirmed' && sentence.speaker === 'assistant'
        ? [{ text: stripOfferFrame(sentence.text), step: false }]
        : unitsOf(sentence);
    for (const unit of units) {
      if (unit.text.length > 0)
        rules.push({ ...unit, sentence: sentence.id, source, durability: sentence.durability });
    }
  }
  for (const step of steps) {
    if (!referencedSteps.has(step.index)) continue;
    const id = eventSentence.get(step.index);
    if (id !== undefined)
      rules.push({ text: step.text, sentence: id, source: 'event', durability: 'confirmed', step: true });
  }
  rules.push(...structureUnits);

  // 6. Task requirements for forced extraction: instructions of the task at hand that are not
  //    one-time, and the steps the trace shows.
  const taskUnits: RuleUnit[] = [];
  for (const sentence of sentences) {
    if (sentence.speaker !== 'user' || sentence.durability !== 'none' || sentence.reference) continue;
    if (sentence.question || sentence.acknowledgement || sentence.phatic || sentence.code) continue;
    if (sentence.personalData || sentence.credential || sentence.tainted) continue;
    // "after today's demo": a dated occasion of the deliverable, not a scope on how it is made — the
    // request's list is then judged item by item. Any other one-time marker drops the sentence.
    const datedOnly =
      sentence.request &&
      sentence.items.length > 0 &&
      sentence.oneTime.length > 0 &&
      (splitHeader(sentence.text)?.header ?? '').length > 0 &&
      oneTimeCues(maskQuoted(sentence.text.replace(DATED_OCCASION, ' '))).length === 0;
    if (sentence.oneTime.length > 0 && !datedOnly) continue;
    // A request's own list ("make a volcano plot: log2FC on x, …") and its manner clauses ("…，按严重
    //程度排序") describe how the task is done; its object is the topic, not a requirement. After a verb
    // that transforms material (clean up these notes: …, 整理一下：…, 把结果填进去：…) the list is the
    // material itself, and only its manner clauses are requirements.
    // A result named before the colon ("into a tidy table:", 整理成表格：) makes the list its spec.
    const header = maskQuoted(splitHeader(sentence.text)?.header ?? sentence.text);
    const transform =
      sentence.request && TRANSFORM_REQUEST.test(header) && !/\b(?:into|as|to)\b|[成为]/i.test(header);
    const texts = sentence.request
      ? sentence.items.length > 0
        ? sentence.items.filter(
            (item) =>
              (!transform || MANNER_ITEM.test(item.trim())) && oneTimeCues(maskQuoted(item)).length === 0,
          )
        : splitItems(sentence.text, { enumerations: false })
            .slice(1)
            .filter((item) => MANNER_ITEM.test(item.trim()))
      : sentence.directive
        ? [sentence.text]
        : [];
    for (const text of texts) {
      taskUnits.push({
        text: cleanRuleText(text),
        sentence: sentence.id,
        source: 'user',
        durability: 'task',
        step: isSequenceStep(text),
      });
    }
  }
  for (const step of steps) {
    const id = eventSentence.get(step.index);
    if (step.actor === 'agent' && step.ok && id !== undefined && !referencedSteps.has(step.index)) {
      taskUnits.push({ text: step.text, sentence: id, source: 'event', durability: 'task', step: true });
    }
  }

  // 7. One candidate at most: when rules from different turns are about unrelated capabilities, the
  //    most recent one wins (or the one the hint names).
  // The topic is read from the group's list header first ("our rules: …"), then in order.
  const topicOf = (ids: readonly number[]) => {
    const unique = [...new Set(ids)];
    const ordered = [
      ...unique.filter((id) => (sentences[id]?.items.length ?? 0) > 0),
      ...unique.filter((id) => (sentences[id]?.items.length ?? 0) === 0),
    ];
    for (const id of ordered) {
      const sentence = sentences[id];
      if (!sentence) continue;
      const topic = topicFromRule(sentence.text, language);
      if (topic) return topic;
    }
    return undefined;
  };
  const groups = new Map<number, RuleUnit[]>();
  for (const rule of rules) {
    const turn = sentences[rule.sentence]?.turn ?? 0;
    groups.set(turn, [...(groups.get(turn) ?? []), rule]);
  }
  let kept = rules;
  if (groups.size > 1) {
    const ordered = [...groups.entries()].sort(([left], [right]) => left - right);
    const hintUnits = hint ? contentUnits(hint) : [];
    const scored = ordered.map(([turn, group]) => {
      const text = group.map((rule) => rule.text).join(' ');
      return { turn, group, score: hintUnits.length > 0 && overlaps(contentUnits(text), hintUnits) ? 1 : 0 };
    });
    const anchor = scored.reduce(
      (best, entry) => (entry.score > best.score ? entry : best),
      scored[scored.length - 1]!,
    );
    const anchorTopic = topicOf(anchor.group.map((rule) => rule.sentence));
    kept = scored
      .filter((entry) => {
        if (entry === anchor) return true;
        const topic = topicOf(entry.group.map((rule) => rule.sentence));
        if (!topic || !anchorTopic) return true;
        const related = overlaps(topicUnits(topic), topicUnits(anchorTopic));
        if (!related) notes.add('older-topic');
        return related;
      })
      .flatMap((entry) => entry.group);
  }

  // 8. What kind of conversation this is, for the forced path and for diagnostics.
  const substantive = sentences.filter(
    (sentence) =>
      sentence.speaker === 'user' &&
      !sentence.acknowledgement &&
      !sentence.phatic &&
      !sentence.tainted &&
      !sentence.credential &&
      !sentence.personalData,
  );
  let kind: ConversationKind;
  if (turns.length === 0 && steps.length === 0) kind = 'empty';
  else if (kept.length > 0) kind = 'durable';
  else if (
    substantive.some((sentence) => sentence.request || (sentence.directive && !sentence.question)) ||
    steps.some((step) => step.actor === 'agent')
  ) {
    kind = 'task';
  } else if (substantive.some((sentence) => sentence.question)) kind = 'trivia';
  else kind = 'small-talk';

  const ruleSentences = kept.map((rule) => rule.sentence);
  let topic = kind === 'durable' ? topicOf(ruleSentences) : undefined;
  if (!topic && hint) topic = topicFromHint(hint, language);
  if (!topic) {
    const anchorTurn =
      ruleSentences.length > 0 ? Math.max(...ruleSentences.map((id) => sentences[id]?.turn ?? 0)) : Infinity;
    const requests = sentences.filter(
      (sentence) => sentence.speaker === 'user' && sentence.request && sentence.turn <= anchorTurn,
    );
    for (const request of requests.reverse()) {
      topic = topicFromRequest(request.text, language);
      if (topic) break;
    }
  }

  const protectedLiterals = sentences
    .filter((sentence) => userLike(sentence) && sentence.durability !== 'none')
    .flatMap((sentence) =>
      quotedSpans(sentence.text).map(([start, end]) => sentence.text.slice(start, end).trim()),
    )
    .filter((literal) => literal.length > 0);
  const allText = [...turns.map((turn) => turn.text), ...steps.map((step) => step.text)].join('\n');

  return {
    language,
    sentences,
    kind,
    rules: kept,
    taskUnits,
    topic,
    notes: [...notes],
    userText,
    protectedLiterals,
    personNames: findPersonNames(allText),
  };
}
