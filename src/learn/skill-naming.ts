/**
 * @module Identity text for a candidate built from its topic: a searchable name that stays the same
 * across paraphrases of one capability, a goal line, a third-person description, triggers and tags — in
 * the user's language. Used by the offline extractor, and by the checks when a model's own identity
 * text had to be removed (copied one-off text, personal data).
 */
import { isFunctionWord, phraseWords, trimChinesePhrase, withoutPositionWord } from './chinese-words.js';
import { type Topic, topicSlug } from './extract-topic.js';
import { maskQuoted } from './segment.js';
import { clip, contentUnits, type Language } from './text-units.js';

export type SkillKind = 'rules' | 'workflow' | 'capability';

export interface SkillIdentity {
  name: string;
  goal: string;
  description: string;
  triggers: string[];
  tags: string[];
}

export interface DescribeTopicOptions {
  topic: Topic | undefined;
  language: Language;
  kind: SkillKind;
  /** Constraint texts, for the description and the tags. */
  rules: readonly string[];
}

const ENGLISH_TAG_STOP = new Set(
  'always never every each whenever should must with without user this that from going forward start first then make keep their they them what which future answer answers one ones when where only also more less than about like some same other instead before after last into over under unless there here specific step steps thing things ever just'.split(
    ' ',
  ),
);

function capitalise(text: string): string {
  return text.length > 0 ? text[0]?.toUpperCase() + text.slice(1) : text;
}

/**
 * When no construction names the task class: in Chinese, the first quoted term of the rules or the
 * first run of ideographs before a directive word; in English, the most frequent content noun.
 */
function fallbackTopic(language: Language, rules: readonly string[]): Topic {
  if (language === 'zh') {
    const joined = rules.join('。');
    const quoted = /[“"「『]([^”"」』]{2,12})[”"」』]/.exec(joined)?.[1];
    // The first lead phrase of a clause that still names something once its function words are out
    // (我只用摄氏度 → not 我只).
    let phrase: string | undefined;
    for (const clause of joined.split(/[，,。；;！!？?]/)) {
      const words = phraseWords(clause.replace(/^(?:请|另外|还有|也|都|另外就是)+/, ''));
      const first = words.findIndex((word) => !isFunctionWord(word));
      const rest = first < 0 ? '' : words.slice(first).join('');
      const lead = /[\u4e00-\u9fffA-Za-z]{2,}?(?=里|中|的|要|都|必须|需要|不|用|按|写|加|给|做|时|$)/.exec(
        rest,
      )?.[0];
      if (!lead || lead.length > 10) continue;
      const trimmed = withoutPositionWord(trimChinesePhrase(lead));
      if (trimmed !== lead || phraseWords(lead).some((word) => !isFunctionWord(word))) {
        if (phraseWords(trimmed).some((word) => !isFunctionWord(word))) {
          phrase = trimmed;
          break;
        }
      }
    }
    return { phrase: quoted ?? phrase ?? '通用要求', source: 'rule' };
  }
  // The most frequent content word that is not the imperative verb opening a rule or a verb form.
  const counts = new Map<string, number>();
  for (const rule of rules) {
    const words =
      maskQuoted(rule)
        .toLowerCase()
        .match(/[a-z][a-z-]{3,}/g) ?? [];
    for (const word of words.slice(1)) {
      if (ENGLISH_TAG_STOP.has(word) || /(?:ing|ed)$/.test(word)) continue;
      counts.set(word, (counts.get(word) ?? 0) + 1);
    }
  }
  const top = [...counts.entries()].sort((left, right) => right[1] - left[1])[0]?.[0];
  return { phrase: top ? withHeadNoun(top, rules) : 'output', source: 'rule' };
}

/** Adjective endings (weekly, academic, creative, useful): a closed class of derivational suffixes. */
const ADJECTIVE_FORM = /^[a-z-]{3,}(?:ly|ic|ive|ous|ful|less|able|ible|ern|ish|ian)$/;
const FUNCTION_WORDS = new Set(
  'a an the and or but nor for with without into onto from to of in on at by as per via than then so if when while that which who whose this these those my our your their its his her be is are was were should must will would can could may might also please not'.split(
    ' ',
  ),
);

/**
 * A modifier without its head noun is not a topic: "weekly" in "split every weekly report into…" names
 * the report. An adjective form followed by a content word is completed with that word.
 */
function withHeadNoun(word: string, rules: readonly string[]): string {
  if (!ADJECTIVE_FORM.test(word)) return word;
  for (const rule of rules) {
    const words = maskQuoted(rule)
      .toLowerCase()
      .split(/[^a-z'’-]+/);
    const next = words[words.indexOf(word) + 1];
    if (
      words.includes(word) &&
      next &&
      /^[a-z][a-z-]{2,}$/.test(next) &&
      !FUNCTION_WORDS.has(next) &&
      !ENGLISH_TAG_STOP.has(next) &&
      !/(?:ly|ing|ed)$/.test(next)
    ) {
      return `${word} ${next}`;
    }
  }
  return word;
}

function tagsFor(topic: Topic, language: Language, kind: SkillKind, rules: readonly string[]): string[] {
  const tags = new Set<string>();
  if (language === 'zh') {
    tags.add(topic.phrase);
    if (topic.verb) tags.add(topic.verb);
    tags.add(kind === 'workflow' ? '流程' : kind === 'rules' ? '规范' : '任务');
  } else {
    for (const word of topic.phrase.toLowerCase().split(/\s+/)) if (word.length > 1) tags.add(word);
    if (topic.verb) tags.add(topic.verb.toLowerCase());
    tags.add(kind === 'workflow' ? 'workflow' : kind === 'rules' ? 'style' : 'task');
    const words =
      maskQuoted(rules.join(' '))
        .toLowerCase()
        .match(/[a-z][a-z-]{3,}/g) ?? [];
    for (const word of words) {
      if (tags.size >= 6) break;
      if (!ENGLISH_TAG_STOP.has(word) && contentUnits(word).length > 0) tags.add(word);
    }
  }
  return [...tags].slice(0, 6).map((tag) => clip(tag, 32));
}

/** Name, goal, description, triggers and tags for a topic (see the module comment). */
export function describeTopic(options: DescribeTopicOptions): SkillIdentity {
  const { language, kind, rules } = options;
  const topic = options.topic ?? fallbackTopic(language, rules);
  const examples = rules
    .slice(0, 2)
    .map((rule) => rule.replace(/[。.!！;；,，\s]+$/, ''))
    .join(language === 'zh' ? '；' : '; ');
  if (language === 'zh') {
    const phrase = topic.phrase;
    const verb = topic.verb ?? '';
    const normSuffix = /(?:规范|规矩|格式|要求|流程)$/.test(phrase);
    const name =
      kind === 'workflow'
        ? `${phrase}${/流程$/.test(phrase) ? '' : '流程'}`
        : kind === 'rules'
          ? `${phrase}${normSuffix ? '' : '规范'}`
          : phrase;
    const goal =
      kind === 'workflow'
        ? `按用户固定的流程完成${phrase}。`
        : kind === 'rules'
          ? `按用户的长期要求完成${phrase}相关的任务。`
          : `完成${verb}${phrase}这类任务。`;
    const description = clip(
      kind === 'capability'
        ? `完成${verb}${phrase}这类任务。在用户再次提出类似需求时使用。`
        : `按用户固定的要求处理${phrase}${examples ? `：${examples}` : ''}。在用户需要${phrase}时使用。`,
      400,
    );
    const triggers = [
      ...new Set([
        phrase,
        ...(verb ? [`${verb}${phrase}`] : []),
        `${phrase}${kind === 'workflow' ? '流程' : '要求'}`,
      ]),
    ];
    return { name: clip(name, 80), goal, description, triggers, tags: tagsFor(topic, language, kind, rules) };
  }
  const phrase = topic.phrase;
  const verb = topic.verb?.toLowerCase();
  const slug = topicSlug(topic) || 'general';
  const name =
    kind === 'workflow'
      ? `${slug}-workflow`
      : kind === 'rules'
        ? `${verb && topic.source === 'rule' ? `${verb}-` : ''}${slug}-rules`
        : `${verb ? `${verb}-` : ''}${slug}`;
  const goal =
    kind === 'workflow'
      ? `${capitalise(verb ?? 'carry out')} ${phrase} by following this user's fixed procedure.`
      : kind === 'rules'
        ? `${verb && topic.source === 'rule' ? capitalise(verb) : 'Handle'} ${phrase} the way this user has asked, every time.`
        : `${capitalise(verb ?? 'handle')} ${phrase} the way this user asked for it.`;
  const description = clip(
    kind === 'capability'
      ? `${capitalise(verb ?? 'handles')} ${phrase} for this user. Use when a similar request comes up.`
      : `Applies this user's standing ${kind === 'workflow' ? 'procedure' : 'rules'} for ${phrase}${examples ? `: ${examples}` : ''}. Use when the user asks for ${phrase}.`,
    400,
  );
  const triggers = [
    ...new Set([
      phrase,
      ...(verb ? [`${verb} ${phrase}`] : []),
      `help with ${phrase}`,
      `${phrase} ${kind === 'workflow' ? 'procedure' : 'guidelines'}`,
    ]),
  ].slice(0, 5);
  return { name: clip(name, 80), goal, description, triggers, tags: tagsFor(topic, language, kind, rules) };
}
