/**
 * @module The checks every candidate passes before it can be stored, whichever extractor proposed it.
 * A model may over-extract (propose a skill for every conversation, copy one-off or assistant text,
 * leak a name or a key); these checks hold the policy regardless:
 *
 * - **secrets** — nothing that looks like a credential survives; a constraint built around one is dropped;
 * - **evidence** — each constraint must be supported by what the user said or confirmed (content-unit
 *   overlap with a user sentence, a confirmed offer or a traced step), not only by the assistant;
 * - **scope** — a constraint whose support is one-time, or not durable, is dropped (forced extraction
 *   keeps the requirements of the task at hand, never one-time ones);
 * - **de-identification** — names, e-mails, phones, URLs and identifying numbers are removed;
 * - **generic-ness** — with no durable constraint left there is no candidate (forced: no candidate for
 *   small talk or trivia).
 *
 * Identity text copied from a one-off request is replaced by text built from the topic.
 */
import {
  CANDIDATE_LIMITS,
  type Candidate,
  CandidateSchema,
  type Evidence,
  type ResourceFile,
} from './candidate.js';
import { deidentifyText, findNovelNames, findPersonNames, tidyPlaceholders } from './deidentify.js';
import {
  durableCues,
  isAcknowledgement,
  isAffirmation,
  isOffer,
  isPhatic,
  isSequenceStep,
  oneTimeCues,
} from './extract-cues.js';
import {
  type AnalysedSentence,
  type ConversationAnalysis,
  type RuleUnit,
  stripOfferFrame,
} from './extract-policy.js';
import { topicFromRule } from './extract-topic.js';
import { containsCredential, redactSecrets } from './redact-secrets.js';
import { maskQuoted, quotedSpans, splitItems, splitSentences } from './segment.js';
import { describeTopic, type SkillKind } from './skill-naming.js';
import { clip, contentUnits, coverage } from './text-units.js';

/** What an extractor proposes before the checks: the seeds' fields. */
export interface DraftCandidate {
  name: string;
  description: string;
  prompt: string;
  triggers: readonly string[];
  tags: readonly string[];
  confidence?: number;
  resources?: readonly ResourceFile[];
}

export type DropReason =
  | 'credential'
  | 'personal-data'
  | 'one-time'
  | 'not-durable'
  | 'assistant-only'
  | 'unsupported'
  | 'generic-after-deidentification'
  | 'copied-request'
  | 'not-a-trigger'
  | 'duplicate';

export interface DroppedPart {
  field: 'constraint' | 'goal' | 'description' | 'name' | 'trigger' | 'tag' | 'resource';
  /** The dropped text, redacted (never a secret). */
  text: string;
  reason: DropReason;
}

export interface CheckCandidateOptions {
  draft: DraftCandidate;
  analysis: ConversationAnalysis;
  /** Forced extraction (`/extract_now`). @default false */
  forced?: boolean;
  origin: Candidate['origin'];
}

export interface CheckCandidateResult {
  candidate: Candidate | undefined;
  /** Why there is no candidate, when there is none. */
  reason?: string;
  dropped: DroppedPart[];
}

interface Section {
  kind: 'goal' | 'constraints' | 'workflow';
  units: string[];
}

const GOAL_HEADING = /goal|objective|role|purpose|task|目标|角色|任务|目的/i;
const WORKFLOW_HEADING = /workflow|steps?|process|procedure|流程|步骤/i;
const CONTACT_PLACEHOLDER = /<(?:EMAIL|PHONE|CARD_NUMBER|ID|URL|NAME)>/;
const ANY_PLACEHOLDER = /<[A-Z_]+>/g;
/** Triggers are short intent phrases; a longer one is a copied sentence. */
const TRIGGER_LENGTH = 40;

/** Splits a Markdown prompt into goal, constraint and workflow units (bullets, numbered steps, sentences). */
export function readPromptSections(prompt: string): Section[] {
  const sections: Section[] = [];
  let current: Section | undefined;
  for (const rawLine of prompt.split(/\r?\n/)) {
    const heading = /^\s*#{1,6}\s+(.+?)\s*#*\s*$/.exec(rawLine);
    if (heading) {
      const title = heading[1] ?? '';
      current = {
        kind: GOAL_HEADING.test(title) ? 'goal' : WORKFLOW_HEADING.test(title) ? 'workflow' : 'constraints',
        units: [],
      };
      sections.push(current);
      continue;
    }
    if (rawLine.trim().length === 0) continue;
    if (!current) {
      current = { kind: sections.length === 0 ? 'goal' : 'constraints', units: [] };
      sections.push(current);
    }
    const line = rawLine.replace(/^\s*(?:[-*•]|\d{1,2}[.)、])\s+/, '').trim();
    const pieces = splitSentences(line).map((segment) => segment.text);
    current.units.push(...pieces.filter((piece) => /[\p{L}\p{N}]/u.test(piece)));
  }
  // A prompt with no headings: its first sentence is the goal, the rest are constraints.
  if (sections.length === 1 && sections[0]?.kind === 'goal' && (sections[0]?.units.length ?? 0) > 1) {
    const [goal, ...rest] = sections[0].units;
    return [
      { kind: 'goal', units: goal ? [goal] : [] },
      { kind: 'constraints', units: rest },
    ];
  }
  return sections;
}

interface Support {
  score: number;
  sentence: AnalysedSentence | undefined;
}

function supportThreshold(unitCount: number): number {
  return unitCount <= 2 ? unitCount : Math.max(2, Math.ceil(unitCount * 0.5));
}

function isSupported(units: readonly string[], reference: ReadonlySet<string>): boolean {
  let found = 0;
  for (const unit of units) if (reference.has(unit)) found += 1;
  return units.length > 0 && found >= supportThreshold(units.length);
}

/** Per-check context built once per candidate. */
class EvidenceIndex {
  readonly userSentences: AnalysedSentence[];
  readonly assistantSentences: AnalysedSentence[];
  private readonly unitsOf = new Map<number, Set<string>>();
  private readonly durableTurnUnits = new Map<number, Set<string>>();
  /** Content units of each rule (or task requirement) read from a sentence, and of each durable turn. */
  private readonly itemsOf = new Map<number, string[][]>();
  private readonly turnItems = new Map<number, string[][]>();
  /** Quoted texts inside durable rules ("no 'sorry for any inconvenience'"): the user's exact words. */
  private readonly literals: Array<{ literal: string; sentence: number }> = [];
  readonly ruleBySentence = new Map<number, RuleUnit[]>();
  readonly taskBySentence = new Map<number, RuleUnit[]>();

  constructor(readonly analysis: ConversationAnalysis) {
    const { sentences } = analysis;
    this.userSentences = sentences.filter(
      (sentence) =>
        sentence.speaker === 'user' || sentence.speaker === 'hint' || sentence.speaker === 'event',
    );
    this.assistantSentences = sentences.filter((sentence) => sentence.speaker === 'assistant');
    for (const sentence of sentences) this.unitsOf.set(sentence.id, new Set(contentUnits(sentence.text)));
    for (const rule of analysis.rules) {
      this.ruleBySentence.set(rule.sentence, [...(this.ruleBySentence.get(rule.sentence) ?? []), rule]);
      // Units the policy derived (a confirmed offer's content, the sections the user approved, traced
      // steps) support constraints through the sentence that made them durable.
      const own = this.unitsOf.get(rule.sentence);
      const ruleUnits = contentUnits(rule.text);
      if (own) for (const unit of ruleUnits) own.add(unit);
      const clauses = clauseUnits(rule.text);
      this.itemsOf.set(rule.sentence, [...(this.itemsOf.get(rule.sentence) ?? []), ...clauses]);
      const turn = sentences[rule.sentence]?.turn ?? -1;
      this.turnItems.set(turn, [...(this.turnItems.get(turn) ?? []), ...clauses]);
      for (const [start, end] of quotedSpans(rule.text)) {
        const literal = rule.text.slice(start, end).trim();
        if (contentUnits(literal).length >= 2)
          this.literals.push({ literal: literal.toLowerCase(), sentence: rule.sentence });
      }
      const set = this.durableTurnUnits.get(turn) ?? new Set<string>();
      for (const unit of this.unitsOf.get(rule.sentence) ?? []) set.add(unit);
      this.durableTurnUnits.set(turn, set);
    }
    for (const unit of analysis.taskUnits) {
      this.taskBySentence.set(unit.sentence, [...(this.taskBySentence.get(unit.sentence) ?? []), unit]);
      this.itemsOf.set(unit.sentence, [
        ...(this.itemsOf.get(unit.sentence) ?? []),
        ...clauseUnits(unit.text),
      ]);
    }
  }

  /**
   * The constraint must also carry a real part of one requirement the sentence holds (a third of its
   * content units): a fragment such as a section label copied from the assistant's answer ("Added")
   * overlaps a confirmed offer but states nothing.
   */
  private carriesItem(units: readonly string[], items: readonly string[][] | undefined): boolean {
    if (!items || items.length === 0) return true;
    const own = new Set(units);
    return items.some((item) => item.length === 0 || coverage(item, own) >= 1 / 3);
  }

  units(sentence: AnalysedSentence): Set<string> {
    return this.unitsOf.get(sentence.id) ?? new Set();
  }

  best(units: readonly string[], pool: readonly AnalysedSentence[], requireItem = false): Support {
    let best: Support = { score: 0, sentence: undefined };
    for (const sentence of pool) {
      const set = this.units(sentence);
      if (requireItem && !this.carriesItem(units, this.itemsOf.get(sentence.id))) continue;
      const score = isSupported(units, set) ? coverage(units, set) : 0;
      if (score > best.score) best = { score, sentence };
    }
    return best;
  }

  /**
   * A constraint that reproduces a quoted text of a durable rule (at least two content units) is
   * supported by that rule however the rest is worded ("never use apologetic filler like 'sorry for
   * any inconvenience'").
   */
  literal(text: string): Support {
    const lowered = text.toLowerCase();
    const found = this.literals.find((entry) => lowered.includes(entry.literal));
    const sentence = found ? this.analysis.sentences[found.sentence] : undefined;
    return sentence ? { score: 1, sentence } : { score: 0, sentence: undefined };
  }

  /** Support by a sentence that the policy made durable, or by the union of one durable turn. */
  durable(units: readonly string[]): Support {
    const pool = this.userSentences.filter((sentence) => this.ruleBySentence.has(sentence.id));
    const pooled = [
      ...pool,
      ...this.assistantSentences.filter((sentence) => this.ruleBySentence.has(sentence.id)),
    ];
    const best = this.best(units, pooled, true);
    if (best.sentence) return best;
    for (const [turn, set] of this.durableTurnUnits) {
      if (isSupported(units, set) && this.carriesItem(units, this.turnItems.get(turn))) {
        const sentence = pooled.find((candidate) => candidate.turn === turn);
        return { score: coverage(units, set), sentence };
      }
    }
    return { score: 0, sentence: undefined };
  }

  task(units: readonly string[]): Support {
    const pool = this.userSentences.filter((sentence) => this.taskBySentence.has(sentence.id));
    return this.best(units, pool, true);
  }
}

/** Content units of each clause of a rule (and of the whole rule). */
function clauseUnits(text: string): string[][] {
  const clauses = splitItems(text).map((clause) => contentUnits(clause));
  return [contentUnits(text), ...clauses].filter((units) => units.length > 0);
}

function durabilityOf(index: EvidenceIndex, sentence: AnalysedSentence | undefined): Evidence['durability'] {
  const rule = sentence ? index.ruleBySentence.get(sentence.id)?.[0] : undefined;
  return rule?.durability ?? 'explicit';
}

function sourceOf(index: EvidenceIndex, sentence: AnalysedSentence | undefined): Evidence['source'] {
  const rule = sentence
    ? (index.ruleBySentence.get(sentence.id)?.[0] ?? index.taskBySentence.get(sentence.id)?.[0])
    : undefined;
  return (
    rule?.source ?? (sentence?.speaker === 'hint' ? 'hint' : sentence?.speaker === 'event' ? 'event' : 'user')
  );
}

/** Why a unit that no durable sentence supports is dropped. */
function dropReasonFor(index: EvidenceIndex, units: readonly string[]): DropReason {
  const user = index.best(units, index.userSentences);
  if (user.sentence) {
    if (user.sentence.credential) return 'credential';
    if (user.sentence.personalData) return 'personal-data';
    if (user.sentence.oneTime.length > 0) return 'one-time';
    return 'not-durable';
  }
  return index.best(units, index.assistantSentences).sentence ? 'assistant-only' : 'unsupported';
}

interface Cleaner {
  names: string[];
  protectedLiterals: readonly string[];
}

/** Secrets out, names/URLs/ids out, clauses that only carried personal data dropped. */
function cleanText(
  text: string,
  cleaner: Cleaner,
  trimPunctuation = true,
): { text: string; credential: boolean } {
  if (containsCredential(text)) return { text: '', credential: true };
  const redacted = redactSecrets(text).text;
  const deidentified = deidentifyText(redacted, {
    names: cleaner.names,
    protectedLiterals: cleaner.protectedLiterals,
  });
  let result = tidyPlaceholders(deidentified.text);
  if (CONTACT_PLACEHOLDER.test(result)) {
    const clauses = splitItems(result);
    const kept = clauses.filter((clause) => !CONTACT_PLACEHOLDER.test(clause));
    result = kept.length === clauses.length ? result.replace(ANY_PLACEHOLDER, '').trim() : kept.join(', ');
  }
  result = result.replace(/\s{2,}/g, ' ');
  return {
    text: trimPunctuation ? result.replace(/^[,，;；\s]+|[,，;；\s]+$/g, '') : result.trim(),
    credential: false,
  };
}

function hasContent(text: string): boolean {
  return contentUnits(text.replace(ANY_PLACEHOLDER, ' ')).length > 0;
}

function normaliseKey(text: string): string {
  return text.toLowerCase().replace(/[\s\p{P}]+/gu, '');
}

/**
 * Applies the checks (see the module comment) and returns a valid candidate, or none with the reason.
 * `dropped` lists every part removed and why, with secrets already redacted.
 */
export function checkCandidate(options: CheckCandidateOptions): CheckCandidateResult {
  const { draft, analysis, origin } = options;
  const forced = options.forced ?? false;
  const dropped: DroppedPart[] = [];
  const drop = (field: DroppedPart['field'], text: string, reason: DropReason) =>
    dropped.push({ field, text: clip(redactSecrets(text).text, 200), reason });

  if (forced && (analysis.kind === 'small-talk' || analysis.kind === 'trivia' || analysis.kind === 'empty')) {
    return {
      candidate: undefined,
      reason: `nothing to learn: the conversation is ${analysis.kind}`,
      dropped,
    };
  }

  const index = new EvidenceIndex(analysis);
  const draftText = [draft.name, draft.description, draft.prompt, ...draft.triggers, ...draft.tags].join(
    '\n',
  );
  const cleaner: Cleaner = {
    names: [
      ...analysis.personNames,
      ...findPersonNames(draftText),
      ...findNovelNames(draftText, analysis.userText),
    ],
    protectedLiterals: analysis.protectedLiterals,
  };

  // Constraints and workflow steps: evidence, scope, secrets, de-identification.
  const sections = readPromptSections(draft.prompt);
  const kept: Array<{ text: string; step: boolean; evidence: Evidence; sentence: AnalysedSentence }> = [];
  const seen = new Set<string>();
  for (const section of sections) {
    if (section.kind === 'goal') continue;
    for (const unit of section.units) {
      if (containsCredential(unit)) {
        drop('constraint', unit, 'credential');
        continue;
      }
      if (oneTimeCues(maskQuoted(unit)).length > 0) {
        drop('constraint', unit, 'one-time');
        continue;
      }
      const units = contentUnits(unit);
      let support = index.durable(units);
      if (!support.sentence) support = index.literal(unit);
      // A near-copy of one sentence is judged by that sentence: a request copied next to a traced
      // step, or an assistant report ("Done: tests passed…") is not made durable by overlapping it.
      const closest = index.best(units, [...index.userSentences, ...index.assistantSentences]);
      if (
        support.sentence &&
        closest.sentence &&
        !index.ruleBySentence.has(closest.sentence.id) &&
        closest.score > support.score + 0.15
      ) {
        support = { score: 0, sentence: undefined };
      }
      let durability: Evidence['durability'] | undefined = support.sentence
        ? durabilityOf(index, support.sentence)
        : undefined;
      if (!support.sentence && forced) {
        support = index.task(units);
        durability = support.sentence ? 'task' : undefined;
      }
      if (!support.sentence || durability === undefined) {
        drop('constraint', unit, dropReasonFor(index, units));
        continue;
      }
      const asRule = isOffer(unit) && /[?？]\s*$/.test(unit) ? stripOfferFrame(unit) : unit;
      const cleaned = cleanText(asRule, cleaner);
      if (cleaned.credential) {
        drop('constraint', unit, 'credential');
        continue;
      }
      if (!hasContent(cleaned.text)) {
        drop('constraint', unit, 'generic-after-deidentification');
        continue;
      }
      const key = normaliseKey(cleaned.text);
      if (seen.has(key)) {
        drop('constraint', unit, 'duplicate');
        continue;
      }
      seen.add(key);
      const quote = cleanText(support.sentence.text, cleaner).text;
      kept.push({
        sentence: support.sentence,
        text: cleaned.text,
        step: section.kind === 'workflow' || isSequenceStep(cleaned.text),
        evidence: {
          constraint: cleaned.text,
          source: sourceOf(index, support.sentence),
          durability,
          quote: clip(quote, 300),
          support: Math.round(support.score * 100) / 100,
        },
      });
    }
  }

  const durableCount = kept.filter((item) => item.evidence.durability !== 'task').length;
  if (!forced && durableCount === 0) {
    const reasons = [
      ...new Set(dropped.filter((part) => part.field === 'constraint').map((part) => part.reason)),
    ];
    return {
      candidate: undefined,
      reason: `no durable constraint stated or confirmed by the user${reasons.length > 0 ? ` (dropped: ${reasons.join(', ')})` : ''}`,
      dropped,
    };
  }
  if (forced && kept.length === 0 && analysis.kind !== 'task' && analysis.kind !== 'durable') {
    return { candidate: undefined, reason: 'nothing to learn in this conversation', dropped };
  }

  // Identity text: keep the model's wording unless it carries a secret, personal data, a one-time
  // marker, or is a copy of a one-off request; fall back to text built from the topic.
  const steps = kept.filter((item) => item.step);
  const kind: SkillKind = durableCount === 0 ? 'capability' : steps.length >= 2 ? 'workflow' : 'rules';
  const topic =
    analysis.topic ?? kept.map((item) => topicFromRule(item.sentence.text, analysis.language)).find(Boolean);
  const identity = describeTopic({
    topic,
    language: analysis.language,
    kind,
    rules: kept.map((item) => item.text),
  });
  // Identity text copied from a sentence the policy did not make durable (a request, a question, a
  // one-time instruction) describes that instance, not the capability.
  const requests = analysis.sentences.filter(
    (sentence) =>
      (sentence.speaker === 'user' && !index.ruleBySentence.has(sentence.id) && !sentence.reference) ||
      sentence.oneTime.length > 0,
  );
  const copiesRequest = (text: string) => {
    const units = contentUnits(text);
    return units.length >= 4 && requests.some((sentence) => coverage(units, index.units(sentence)) >= 0.8);
  };
  const cleanIdentity = (field: DroppedPart['field'], text: string): string | undefined => {
    if (containsCredential(text)) {
      drop(field, text, 'credential');
      return undefined;
    }
    if (oneTimeCues(maskQuoted(text)).length > 0) {
      drop(field, text, 'one-time');
      return undefined;
    }
    if (copiesRequest(text)) {
      drop(field, text, 'copied-request');
      return undefined;
    }
    const cleaned = cleanText(text, cleaner, false).text;
    if (CONTACT_PLACEHOLDER.test(cleaned) || !hasContent(cleaned)) {
      drop(field, text, 'personal-data');
      return undefined;
    }
    return cleaned;
  };

  const goalUnits = sections.filter((section) => section.kind === 'goal').flatMap((section) => section.units);
  const goal =
    goalUnits
      .map((unit) => cleanIdentity('goal', unit))
      .filter(Boolean)
      .join(' ') || identity.goal;
  const description =
    splitSentences(draft.description)
      .map((segment) => cleanIdentity('description', segment.text))
      .filter(Boolean)
      .join(' ') || identity.description;
  const rawName = draft.name.trim();
  let name = cleanIdentity('name', rawName);
  // A name is a short label, not a sentence copied from the conversation.
  if (
    name &&
    (name.length > CANDIDATE_LIMITS.name || name.split(/\s+/).length > 6 || /[,.;:!?，。；：！？]/.test(name))
  ) {
    drop('name', rawName, 'copied-request');
    name = undefined;
  }
  const listOf = (field: 'trigger' | 'tag', items: readonly string[], limit: number, length: number) => {
    const result: string[] = [];
    for (const item of items) {
      // Triggers and tags name the task; replies and meta-instructions ("do it this way from now on") do not.
      const masked = maskQuoted(item);
      if (
        isAcknowledgement(item) ||
        isAffirmation(item) ||
        isPhatic(item) ||
        durableCues(masked).length > 0
      ) {
        drop(field, item, 'not-a-trigger');
        continue;
      }
      const cleaned = cleanIdentity(field, item);
      if (!cleaned) continue;
      if (cleaned.length > length) {
        drop(field, item, 'copied-request');
        continue;
      }
      if (!result.some((existing) => normaliseKey(existing) === normaliseKey(cleaned))) result.push(cleaned);
    }
    return result.slice(0, limit);
  };
  const triggers = listOf('trigger', draft.triggers, CANDIDATE_LIMITS.triggers, TRIGGER_LENGTH);
  const tags = listOf('tag', draft.tags, CANDIDATE_LIMITS.tags, CANDIDATE_LIMITS.tagLength);

  const resources: ResourceFile[] = [];
  for (const file of draft.resources ?? []) {
    if (containsCredential(file.content)) {
      drop('resource', file.path, 'credential');
      continue;
    }
    const content = deidentifyText(redactSecrets(file.content).text, { names: cleaner.names }).text;
    resources.push({ path: file.path, content });
  }

  const constraints = kept.filter((item) => !(kind === 'workflow' && item.step));
  const lines = [`# Goal`, clip(goal, 600), ''];
  if (constraints.length > 0) {
    lines.push('# Constraints & Style', ...constraints.map((item) => `- ${item.text}`), '');
  }
  if (kind === 'workflow') {
    lines.push('# Workflow', ...steps.map((item, position) => `${position + 1}. ${item.text}`), '');
  }
  const total = sections
    .filter((section) => section.kind !== 'goal')
    .reduce((sum, section) => sum + section.units.length, 0);
  const keptShare = total === 0 ? 1 : kept.length / total;
  const confidence = Math.max(0, Math.min(1, draft.confidence ?? 0.6)) * (0.6 + 0.4 * keptShare);

  const parsed = CandidateSchema.safeParse({
    name: clip(name ?? identity.name, CANDIDATE_LIMITS.name),
    description: clip(description, CANDIDATE_LIMITS.description),
    prompt: clip(lines.join('\n').trim(), CANDIDATE_LIMITS.prompt),
    triggers: triggers.length > 0 ? triggers : identity.triggers,
    tags: tags.length > 0 ? tags : identity.tags,
    confidence: Math.round(confidence * 100) / 100,
    ...(resources.length > 0 ? { resources } : {}),
    language: analysis.language,
    origin,
    forced,
    evidence: kept.map((item) => item.evidence),
  });
  if (!parsed.success) {
    return { candidate: undefined, reason: `candidate failed validation: ${parsed.error.message}`, dropped };
  }
  return { candidate: parsed.data, dropped };
}
