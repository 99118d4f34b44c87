/**
 * @module The deterministic evidence the maintainer decides from, one similar skill at a time. The
 * policy: **same capability** = same job-to-be-done, deliverable and audience; new durable constraints on
 * it → merge; a different deliverable, audience or channel → add; nothing new, small talk or only a
 * secret → discard. Three kinds of evidence speak to "same capability", each independent of the others:
 *
 * - **retrieval** `S`: the calibrated hybrid score (docs/retrieval.md) of the skill for the candidate's
 *   identity text and for the conversation itself (what the turn's retrieval would have injected). It
 *   means the same at any corpus size: < 0.25 noise, 0.4 substantial, 0.6 confident.
 * - **topic** `T`: the capability the user's rule or request names ("every weekly report" → weekly
 *   report; 帮我审一下这份采购合同 → 采购合同), read from the conversation with the extractor's topic
 *   constructions, and the share of it that the skill's summary (name, description, triggers, tags,
 *   goal) names. A deliverable the skill never mentions pulls towards "different"; one it names pulls
 *   towards "same". Undefined when the conversation names none (pasted notes), then neutral.
 * - **rules** `R`: the share of the candidate's durable constraints that restate or change a rule the
 *   skill already has — rules about the same things are a capability's identity.
 *
 * `identity = S + 0.2·(2T − 1) + 0.3·R` (clipped to [0, 1]). The topic moves the retrieval evidence by at
 * most ±0.2 — less than the distance from "noise" (0.25) to "confident" (0.6), so a topic alone never
 * turns noise into a match; shared rules add up to 0.3, enough to lift a restated rule over the line
 * when the retrieval is weak (a tiny store, a short skill). Bands: ≥ 0.45 same, < 0.30 different,
 * between: unsure (a model's identity judge decides; offline the midpoint 0.375 does).
 *
 * Novelty is decided per constraint: **duplicate** (one rule of the skill already says it: ≥ 60 % of its
 * content units, or ≥ 75 % of its characters, found in that rule read with the skill's name and
 * description, with the same numbers and polarity),
 * **conflict** (it talks about the same thing as one rule of the skill — half of that rule's words — but
 * with other numbers or the opposite polarity: the newer rule wins), or **novel**. Only durable
 * constraints count: the requirements of one task (forced extraction) are not new rules of a skill, and
 * a constraint carrying a credential is never one.
 */
import type { Candidate } from './candidate.js';
import { stripDurablePhrases } from './extract-cues.js';
import { CONSTRAINT_COVERAGE_THRESHOLDS } from './extract-eval.js';
import { type Topic, topicFromHint, topicFromRequest, topicFromRule } from './extract-topic.js';
import {
  type PromptSection,
  parsePromptSections,
  promptStatements,
  type SectionRole,
} from './merge-sections.js';
import { containsCredential } from './redact-secrets.js';
import { splitHeader, splitItems, splitSentences } from './segment.js';
import { characterUnits, contentUnits, coverage, detectLanguage, type Language } from './text-units.js';

/** The fields of a skill the evidence reads. */
export interface SkillFields {
  name: string;
  description: string;
  instructions: string;
  triggers: readonly string[];
  tags: readonly string[];
}

export const IDENTITY_BANDS = {
  /** At or above: the same capability. */
  same: 0.475,
  /** Below: a different capability. */
  different: 0.325,
  /** Offline tie-break inside the unsure band: the retrieval threshold ("substantial evidence"). */
  midpoint: 0.4,
} as const;

const TOPIC_WEIGHT = 0.2;
const RULE_WEIGHT = 0.3;

// ---- constraints ----------------------------------------------------------------------------------

export interface CandidateConstraint {
  /** The constraint as the candidate words it (durability phrases kept). */
  text: string;
  /** The same text without "from now on", 以后 … — how it reads inside a skill. */
  rule: string;
  section: 'constraints' | 'workflow';
  /** Stated or confirmed as lasting (not just a requirement of the task at hand). */
  durable: boolean;
}

const CREDENTIAL_WORD =
  /\b(?:pass(?:word|wd|phrase)|pwd|api[ _-]?keys?|secret(?:s| key)?|tokens?|credentials?|private keys?)\b|密码|口令|密钥|秘钥|令牌|凭据|凭证|口令/i;
/** A value-shaped token: 6+ visible characters mixing letters with digits or symbols. */
const VALUE_TOKEN =
  /(?<![\p{L}\p{N}])(?=[^\s，。；：、]*\d)(?=[^\s，。；：、]*[A-Za-z])[^\s，。；：、"'“”‘’]{6,}/u;

/**
 * True when the text names a credential together with a value for it ("password is Qw3rty!", 密码改成了
 * Xk92…) or holds a credential shape. A rule about handling credentials without a value ("never inline
 * passwords") is not one.
 */
export function carriesCredential(text: string): boolean {
  if (containsCredential(text)) return true;
  return CREDENTIAL_WORD.test(text) && VALUE_TOKEN.test(text);
}

/** Words that open a chat turn, not a rule ("Also, …", "Nice. …", 另外…). */
const LEADING_CHAT =
  /^(?:(?:also|and|plus|please|pls|ok(?:ay)?|nice|good|great|perfect|thanks)\b[\s,.!:;—-]*)+|^(?:另外|还有|对了|好的|不错)[，,、\s]*/i;
/**
 * Forward time adverbials: in a skill every rule holds from now on, so they say nothing there. Only
 * these go — quantifiers and frequency words ("every", "always", 统一) are part of a rule's meaning.
 */
const FORWARD_TIME =
  /[,，]?\s*\b(?:from now on|going forward|moving forward|from here on(?: out)?|in (?:the )?future|henceforth|starting (?:now|today))\b[,，]?|(?:从现在(?:开始|起)|从今(?:以后|往后|天起)|以后|今后|往后)[，,]?/gi;

/** Cleans a constraint for use inside a skill: chat openers and "from now on" out, tidy punctuation. */
export function ruleText(text: string): string {
  const cleaned = text
    .trim()
    .replace(LEADING_CHAT, '')
    .replace(FORWARD_TIME, ' ')
    .replace(/\s{2,}/g, ' ')
    .replace(/^[\s,，;；:：、]+|[\s,，;；、]+$/g, '')
    .replace(/\s+([,.;:!?，。；：！？])/g, '$1')
    .trim();
  // Cleaning must not eat the rule: keep the original when too little is left.
  if (contentUnits(cleaned).length < Math.max(1, Math.ceil(contentUnits(text).length * 0.6)))
    return text.trim();
  return /^[a-z]/.test(cleaned) ? `${cleaned[0]?.toUpperCase()}${cleaned.slice(1)}` : cleaned;
}

function workflowTexts(prompt: string): Set<string> {
  const texts = new Set<string>();
  for (const statement of promptStatements(parsePromptSections(prompt))) {
    if (statement.role === 'workflow') texts.add(normalise(statement.text));
  }
  return texts;
}

function normalise(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim();
}

/** The candidate's constraints, from its evidence (one entry per constraint the checks kept). */
export function candidateConstraints(candidate: Candidate): CandidateConstraint[] {
  const workflow = workflowTexts(candidate.prompt);
  const seen = new Set<string>();
  const constraints: CandidateConstraint[] = [];
  for (const evidence of candidate.evidence) {
    const text = evidence.constraint.trim();
    const key = normalise(text);
    if (text.length === 0 || seen.has(key) || carriesCredential(text)) continue;
    seen.add(key);
    constraints.push({
      text,
      rule: ruleText(text),
      section: workflow.has(key) ? 'workflow' : 'constraints',
      durable: evidence.durability !== 'task',
    });
  }
  return constraints;
}

// ---- comparing constraints with a skill ----------------------------------------------------------

export type ConstraintRelation = 'novel' | 'duplicate' | 'conflict';

export interface ConstraintComparison {
  constraint: CandidateConstraint;
  relation: ConstraintRelation;
  /** For a conflict (and the closest duplicate): where the skill's rule sits. */
  existing?: { section: number; line: number; role: SectionRole; text: string };
}

const NEGATION_EN = /\b(?:not|no|never|don'?t|doesn'?t|avoid|without|stop|none|neither|nor)\b/i;
const NEGATION_ZH = /不|别|勿|禁止|严禁|无需|避免|没有|莫/;

function negated(text: string): boolean {
  return NEGATION_EN.test(text) || NEGATION_ZH.test(text);
}

function numbersOf(text: string): Set<string> {
  return new Set(text.match(/\d+(?:\.\d+)?/g) ?? []);
}

function nonNumericUnits(text: string): string[] {
  return contentUnits(text).filter((unit) => !/^\d/.test(unit) && !/\d/.test(unit));
}

function skillText(skill: SkillFields): string {
  return [skill.name, skill.description, skill.instructions, ...skill.triggers, ...skill.tags].join('\n');
}

/** A prepared skill: parsed sections and statements, so several comparisons share the work. */
export interface PreparedSkill {
  fields: SkillFields;
  sections: PromptSection[];
  statements: ReturnType<typeof promptStatements>;
  text: string;
  numbers: Set<string>;
  /** Content units of name, description, triggers, tags and the goal section. */
  summaryUnits: Set<string>;
  /** Content units of the whole skill. */
  allUnits: Set<string>;
  language: Language;
  /** Content units (numbers left out) of each statement. */
  statementUnits: string[][];
  /** Per statement: its units and characters together with the name and description (built on first use). */
  coverSets?: Array<{ units: Set<string>; characters: Set<string> }>;
}

const PREPARED_CACHE_SIZE = 512;
const preparedCache = new Map<string, PreparedSkill>();

function fingerprint(skill: SkillFields & { id?: string }): string {
  let hash = 0x811c9dc5;
  const text = `${skill.name}\u0000${skill.description}\u0000${skill.instructions}\u0000${skill.triggers.join('\u0001')}\u0000${skill.tags.join('\u0001')}`;
  for (let index = 0; index < text.length; index += 1) {
    hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193) >>> 0;
  }
  return `${skill.id ?? ''}:${text.length}:${hash}`;
}

/** {@link prepareSkill}, remembered for the most recent skills (the same library skills come back often). */
export function preparedSkill(skill: SkillFields & { id?: string }): PreparedSkill {
  const key = fingerprint(skill);
  const cached = preparedCache.get(key);
  if (cached) {
    preparedCache.delete(key);
    preparedCache.set(key, cached);
    return cached;
  }
  const prepared = prepareSkill(skill);
  preparedCache.set(key, prepared);
  if (preparedCache.size > PREPARED_CACHE_SIZE) {
    const oldest = preparedCache.keys().next().value;
    if (oldest !== undefined) preparedCache.delete(oldest);
  }
  return prepared;
}

function coverSets(skill: PreparedSkill): NonNullable<PreparedSkill['coverSets']> {
  if (!skill.coverSets) {
    const context = `${skill.fields.name.replace(/[-_]+/g, ' ')}\n${skill.fields.description}`;
    const contextUnits = contentUnits(context);
    const contextCharacters = characterUnits(context);
    skill.coverSets = skill.statements.map((statement) => ({
      units: new Set([...contentUnits(statement.text), ...contextUnits]),
      characters: new Set([...characterUnits(statement.text), ...contextCharacters]),
    }));
  }
  return skill.coverSets;
}

export function prepareSkill(skill: SkillFields): PreparedSkill {
  const sections = parsePromptSections(skill.instructions);
  const statements = promptStatements(sections);
  const goal = statements.filter((statement) => statement.role === 'goal').map((statement) => statement.text);
  const text = skillText(skill);
  return {
    fields: skill,
    sections,
    statements,
    text,
    numbers: numbersOf(text),
    summaryUnits: new Set(
      contentUnits(
        [
          skill.name.replace(/[-_]+/g, ' '),
          skill.description,
          ...skill.triggers,
          ...skill.tags,
          ...goal,
        ].join('\n'),
      ),
    ),
    allUnits: new Set(contentUnits(`${skill.name.replace(/[-_]+/g, ' ')}\n${text}`)),
    language: detectLanguage(`${skill.name}\n${skill.description}\n${skill.instructions.slice(0, 2000)}`),
    statementUnits: statements.map((statement) => nonNumericUnits(statement.text)),
  };
}

/** Splits a long constraint into the sentences a skill would hold as separate rules. */
function statementsOf(text: string): string[] {
  const parts = splitSentences(text)
    .map((segment) => segment.text.trim())
    .filter((part) => /[\p{L}\p{N}]/u.test(part));
  return parts.length > 0 ? parts : [text];
}

/** A list header that only points at the list after it. */
const CATAPHORIC_HEADER =
  /这个|这样|这些|如下|以下|下面|\b(?:this|these|the following|as follows|like this)\b/i;

/** Words that cannot open a clause of their own after "and" (the "and" joins two nouns there). */
const NOT_A_CLAUSE_START =
  /^(?:the|a|an|my|our|your|its|their|this|that|these|those|of|in|on|to|for|with|at|by|from|or|\d)/i;

/** The clauses of a constraint: list items, and English clauses joined by "and"/"but"/"then". */
function clausesOf(text: string): string[] {
  const clauses = statementsOf(text)
    .flatMap((statement) => {
      // "我的提交信息就按这个来：a，b，c", "Use these rules: a, b": a header pointing at its list says
      // nothing the list does not.
      const split = splitHeader(statement);
      return split?.body && CATAPHORIC_HEADER.test(split.header) ? [split.body] : [statement];
    })
    .flatMap((statement) => splitItems(statement))
    .flatMap((item) =>
      item.split(/\s+(?:and|but|then|and then|and also)\s+/i).reduce<string[]>((parts, piece, index) => {
        if (index > 0 && NOT_A_CLAUSE_START.test(piece.trim())) parts[parts.length - 1] += ` and ${piece}`;
        else parts.push(piece);
        return parts;
      }, []),
    )
    .map((clause) => clause.trim())
    .filter((clause) => /[\p{L}\p{N}]/u.test(clause));
  return clauses.length > 0 ? clauses : [text];
}

/** Classifies one constraint against a prepared skill (see the module comment). */
export function compareConstraint(
  constraint: CandidateConstraint,
  skill: PreparedSkill,
): ConstraintComparison {
  // A constraint joining several rules is judged clause by clause: numbers and polarity belong to one
  // clause ("描述不超过30个字" is negated, "类型用 feat/fix" is not). Every clause a duplicate → duplicate;
  // one clause changing a rule → conflict with that rule; otherwise the whole decides, but a polarity or
  // number clash no single clause shows is not a conflict.
  const stripped = stripDurablePhrases(constraint.rule);
  const clauses = clausesOf(
    contentUnits(stripped).length >= Math.ceil(contentUnits(constraint.rule).length * 0.5)
      ? stripped
      : constraint.rule,
  );
  if (clauses.length > 1) {
    const parts = clauses.map((clause) => compareSingleConstraint({ ...constraint, rule: clause }, skill));
    if (parts.every((part) => part.relation === 'duplicate')) {
      return { ...(parts[0] as ConstraintComparison), constraint, relation: 'duplicate' };
    }
    const conflict = parts.find((part) => part.relation === 'conflict');
    if (conflict) return { ...conflict, constraint };
    const whole = compareSingleConstraint(constraint, skill);
    return whole.relation === 'conflict' ? { constraint, relation: 'novel' } : whole;
  }
  return compareSingleConstraint(constraint, skill);
}

function compareSingleConstraint(
  constraint: CandidateConstraint,
  skill: PreparedSkill,
): ConstraintComparison {
  const rule = constraint.rule;
  const ruleNumbers = numbersOf(rule);
  const ruleUnits = new Set(nonNumericUnits(rule));
  let best: { statement: PreparedSkill['statements'][number]; share: number } | undefined;
  for (const [index, statement] of skill.statements.entries()) {
    const units = skill.statementUnits[index] ?? [];
    if (units.length === 0) continue;
    const share = coverage(units, ruleUnits);
    if (!best || share > best.share) best = { statement, share };
  }
  let changesBest = false;
  if (best && best.share >= 0.5) {
    const existingNumbers = numbersOf(best.statement.text);
    const otherNumbers =
      existingNumbers.size > 0 &&
      ruleNumbers.size > 0 &&
      [...ruleNumbers].some((number) => !existingNumbers.has(number));
    const otherPolarity = best.share >= 0.6 && negated(best.statement.text) !== negated(rule);
    changesBest = otherNumbers || otherPolarity;
  }
  if (best && changesBest) {
    const { statement } = best;
    return {
      constraint,
      relation: 'conflict',
      existing: {
        section: statement.section,
        line: statement.line,
        role: statement.role,
        text: statement.text,
      },
    };
  }
  const numbersKnown = [...ruleNumbers].every((number) => skill.numbers.has(number));
  // Carried = one rule of the skill says it (read with the skill's name and description, which name
  // its subject) — not its words scattered over a long prompt.
  // Durability framing ("remember", "always", 以后都) is left out of the comparison: a skill's rules hold
  // always anyway.
  const content = stripDurablePhrases(rule);
  const compared =
    contentUnits(content).length >= Math.ceil(contentUnits(rule).length * 0.5) ? content : rule;
  const sets = coverSets(skill);
  const partCarried = (part: string) => {
    const units = contentUnits(part);
    if (units.length === 0) return true;
    const characters = characterUnits(part);
    return sets.some(
      (set) =>
        coverage(units, set.units) >= CONSTRAINT_COVERAGE_THRESHOLDS.units ||
        coverage(characters, set.characters) >= CONSTRAINT_COVERAGE_THRESHOLDS.characters,
    );
  };
  // A constraint that joins several rules ("use the imperative mood and keep the subject under 50
  // characters", 类型用…，描述不超过30个字) is carried when each of its clauses is.
  const carried = statementsOf(compared).every(partCarried) || clausesOf(compared).every(partCarried);
  if (carried && numbersKnown) {
    return {
      constraint,
      relation: 'duplicate',
      ...(best
        ? {
            existing: {
              section: best.statement.section,
              line: best.statement.line,
              role: best.statement.role,
              text: best.statement.text,
            },
          }
        : {}),
    };
  }
  return { constraint, relation: 'novel' };
}

export function compareConstraints(
  constraints: readonly CandidateConstraint[],
  skill: PreparedSkill,
): ConstraintComparison[] {
  return constraints.map((constraint) => compareConstraint(constraint, skill));
}

// ---- topics ---------------------------------------------------------------------------------------

export interface TopicSource {
  /** User sentences that carry the candidate's durable rules (evidence quotes). */
  ruleQuotes: readonly string[];
  /** The user's requests, in order (first sentences of user turns). */
  requests: readonly string[];
  hint?: string | undefined;
  language: Language;
}

/**
 * Content units of a topic phrase that can name a deliverable: numbers and single Chinese characters
 * (a fragment, not a noun: 摘 of 摘要) are left out.
 */
function topicPhraseUnits(topic: Topic): string[] {
  return contentUnits(topic.phrase).filter((unit) => !/^\d+$/.test(unit) && !/^[\u3400-\u9fff]$/u.test(unit));
}

/** Topics the conversation names: the rules' topics first, then the hint's, then the first request's. */
export function conversationTopics(source: TopicSource): Topic[] {
  const topics: Topic[] = [];
  const add = (topic: Topic | undefined) => {
    if (
      topic &&
      contentUnits(topic.phrase).length > 0 &&
      !topics.some((known) => known.phrase === topic.phrase)
    ) {
      topics.push(topic);
    }
  };
  for (const quote of source.ruleQuotes) add(topicFromRule(quote, detectLanguage(quote)));
  if (source.hint) add(topicFromHint(source.hint, source.language));
  if (topics.length === 0) {
    for (const request of source.requests) {
      const topic = topicFromRequest(request, detectLanguage(request));
      if (topic) {
        add(topic);
        break;
      }
    }
  }
  return topics;
}

/**
 * How much of the topic the skill names. The deliverable is the head of the topic phrase (its last
 * content unit: "launch announcement email" → email, 采购合同 → 合同), so half of the agreement is
 * whether the skill's summary (name, description, triggers, tags, goal) names the head, half the share
 * of the whole phrase it names; a unit found only deeper in the prompt (a rule about one section of the
 * deliverable names that section only in the rules) counts half. The action verb is left out: the
 * same job is asked for with many verbs ("look up a word" / "translate a word"). The best topic
 * counts; `undefined` without a topic.
 */
export function topicAgreement(topics: readonly Topic[], skill: PreparedSkill): number | undefined {
  const found = (unit: string) => (skill.summaryUnits.has(unit) ? 1 : skill.allUnits.has(unit) ? 0.5 : 0);
  let best: number | undefined;
  for (const topic of topics) {
    const units = topicPhraseUnits(topic);
    const head = units[units.length - 1];
    if (head === undefined) continue;
    const share = units.reduce((sum, unit) => sum + found(unit), 0) / units.length;
    const value = 0.5 * found(head) + 0.5 * share;
    best = best === undefined ? value : Math.max(best, value);
  }
  return best;
}

/**
 * Whether the skill's summary names the head (the deliverable) of a topic the conversation names: 1 in
 * the summary, 0.5 only deeper in the prompt, 0 nowhere; `undefined` without a topic. The best topic counts.
 */
export function topicHeadNamed(topics: readonly Topic[], skill: PreparedSkill): number | undefined {
  let best: number | undefined;
  for (const topic of topics) {
    const units = topicPhraseUnits(topic);
    const head = units[units.length - 1];
    if (head === undefined) continue;
    const value = skill.summaryUnits.has(head) ? 1 : skill.allUnits.has(head) ? 0.5 : 0;
    best = best === undefined ? value : Math.max(best, value);
  }
  return best;
}

// ---- identity -------------------------------------------------------------------------------------

export type IdentityBand = 'same' | 'unsure' | 'different';

export interface IdentityEvidence {
  /** Retrieval evidence: the best calibrated score of the skill for the candidate or the conversation. */
  retrieval: number;
  /** Topic agreement in [0, 1], or null when the conversation names no topic. */
  topic: number | null;
  /** Share of the candidate's durable constraints that restate or change one of the skill's rules. */
  rules: number;
  /** The combined identity score (module comment). */
  score: number;
  band: IdentityBand;
}

export interface IdentityInput {
  retrieval: number;
  topic: number | undefined;
  comparisons: readonly ConstraintComparison[];
}

export function identityEvidence(input: IdentityInput): IdentityEvidence {
  const durable = input.comparisons.filter((comparison) => comparison.constraint.durable);
  const shared = durable.filter((comparison) => comparison.relation !== 'novel').length;
  const rules = durable.length === 0 ? 0 : shared / durable.length;
  const topicShift = input.topic === undefined ? 0 : TOPIC_WEIGHT * (2 * input.topic - 1);
  const score = Math.min(1, Math.max(0, input.retrieval + topicShift + RULE_WEIGHT * rules));
  const band: IdentityBand =
    score >= IDENTITY_BANDS.same ? 'same' : score < IDENTITY_BANDS.different ? 'different' : 'unsure';
  return {
    retrieval: round(input.retrieval),
    topic: input.topic === undefined ? null : round(input.topic),
    rules: round(rules),
    score: round(score),
    band,
  };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
