/**
 * @module Merging a candidate into an existing skill of the same capability — a semantic union — and
 * writing it as a new revision.
 *
 * **Rule-based** (offline, and the fallback of the model path): the existing prompt's sections are kept
 * line for line; each durable candidate rule the skill does not carry is appended to the section it
 * belongs to (a workflow step to the workflow section, a prohibition to an anti-patterns section when
 * the skill has one, anything else to its constraints section — created, in the skill's language, when
 * missing); a rule that changes one of the skill's rules (other numbers, opposite polarity) replaces
 * that line in place, so the newer rule wins and the old one is gone; duplicates and near-duplicates
 * are skipped. The requirements of the candidate's one task are never merged. Name and description stay.
 *
 * **Model** (`merge-skill.md`): the model writes the union; its reply is accepted only if it keeps every
 * existing rule that was not replaced, carries every new rule, and has no front matter or section
 * headers of the SKILL.md file; lines that neither skill supports (invented content, a planted name or
 * key) are dropped. Anything else falls back to the rule-based merge.
 *
 * Both paths: triggers and tags are the existing ones first, then new ones that are not near-duplicates,
 * capped at 8 each (a list already longer keeps its entries but never grows); the patch version is
 * bumped; the final text is scrubbed (`merge-safety.ts`); the write is `store.update` with
 * `baseRevision`, so a concurrent change from another process is refused instead of overwritten.
 */
import { z } from 'zod';
import type { LLMConnector } from '../llm/types.js';
import { bumpPatch } from '../skill/version.js';
import type { SkillPatch, SkillStore, StoredSkill } from '../store/types.js';
import { acceptInstructionsAsPrompt, type Candidate } from './candidate.js';
import type { ExtractionLogger } from './extract.js';
import { constraintCovered } from './extract-eval.js';
import type { ConstraintComparison } from './maintain-evidence.js';
import { callModelJson } from './maintain-model.js';
import { scrubField, scrubText } from './merge-safety.js';
import {
  appendItems,
  type PromptSection,
  parsePromptSections,
  promptStatements,
  readListItem,
  renderPromptSections,
  replaceItem,
} from './merge-sections.js';
import { clip, contentUnits, coverage, detectLanguage, type Language } from './text-units.js';

export const MERGE_CAPS = { triggers: 8, tags: 8 } as const;

export interface MergedSkill {
  name: string;
  description: string;
  instructions: string;
  triggers: string[];
  tags: string[];
  version: string;
  /** Rules added, and rules replaced (old → new). */
  added: string[];
  replaced: Array<{ old: string; new: string }>;
  mergedBy: 'rules' | 'model';
  notes: string[];
}

/** Tags an extractor adds to describe the candidate, not the capability. */
const META_TAGS = new Set([
  'task',
  'general',
  'rules',
  'rule',
  'style',
  'workflow',
  'preference',
  'preferences',
  '任务',
  '通用',
  '规范',
  '风格',
  '流程',
  '要求',
  '偏好',
]);

/** Words extractors wrap a topic in to make triggers ("help with X", "X guidelines", X要求). */
const TRIGGER_FILLER = contentUnits('help with guidelines guideline rules rule 要求 规范 帮助 怎么 如何');

const NEGATED = /\b(?:not|no|never|don'?t|avoid|without|stop)\b|不要|别|禁止|严禁|避免|勿/i;

function sameIdea(left: string, right: string): boolean {
  const a = contentUnits(left);
  const b = contentUnits(right);
  if (a.length === 0 || b.length === 0) return left.trim().toLowerCase() === right.trim().toLowerCase();
  const setB = new Set(b);
  const shared = a.filter((unit) => setB.has(unit)).length;
  return shared / Math.min(a.length, b.length) >= 0.8 || shared / new Set([...a, ...b]).size >= 0.6;
}

/** Existing entries first, then new ones that are not near-duplicates; never grows past the cap. */
export function unionCapped(
  existing: readonly string[],
  incoming: readonly string[],
  cap: number,
  skip: (value: string) => boolean = () => false,
): string[] {
  const result: string[] = [];
  for (const value of existing) {
    const trimmed = value.trim();
    if (trimmed && !result.some((known) => known.toLowerCase() === trimmed.toLowerCase()))
      result.push(trimmed);
  }
  const limit = Math.max(cap, result.length);
  for (const value of incoming) {
    if (result.length >= limit) break;
    const trimmed = value.trim();
    if (!trimmed || skip(trimmed) || result.some((known) => sameIdea(known, trimmed))) continue;
    result.push(trimmed);
  }
  return result;
}

function skillLanguage(skill: StoredSkill): Language {
  return detectLanguage(`${skill.name}\n${skill.description}\n${skill.instructions.slice(0, 2000)}`);
}

function findSection(sections: PromptSection[], role: PromptSection['role']): PromptSection | undefined {
  return sections.find((section) => section.role === role);
}

function ensureConstraintsSection(sections: PromptSection[], language: Language): PromptSection {
  const existing = findSection(sections, 'constraints');
  if (existing) return existing;
  const created: PromptSection = {
    heading: language === 'zh' ? '# 约束' : '# Constraints & Style',
    role: 'constraints',
    lines: [],
  };
  const goalIndex = sections.findIndex((section) => section.role === 'goal');
  const at = goalIndex >= 0 ? goalIndex + 1 : sections.length;
  const before = sections[at - 1];
  if (before && before.lines.length > 0 && (before.lines[before.lines.length - 1] ?? '').trim() !== '') {
    before.lines.push('');
  }
  sections.splice(at, 0, created);
  return created;
}

function sectionFor(
  sections: PromptSection[],
  rule: string,
  kind: 'constraints' | 'workflow',
  language: Language,
): PromptSection {
  if (kind === 'workflow') {
    const workflow = findSection(sections, 'workflow');
    if (workflow) return workflow;
  }
  if (NEGATED.test(rule)) {
    const antiPatterns = findSection(sections, 'anti-patterns');
    if (antiPatterns && !findSection(sections, 'constraints')) return antiPatterns;
  }
  return ensureConstraintsSection(sections, language);
}

export interface RuleMergeInput {
  existing: StoredSkill;
  candidate: Candidate;
  comparisons: readonly ConstraintComparison[];
}

/** The rule-based merge (see the module comment). */
export function mergeByRules(input: RuleMergeInput): MergedSkill {
  const { existing, candidate } = input;
  const language = skillLanguage(existing);
  const sections = parsePromptSections(existing.instructions);
  const added: string[] = [];
  const replaced: MergedSkill['replaced'] = [];
  const replacedLines = new Set<string>();
  const durable = input.comparisons.filter((comparison) => comparison.constraint.durable);

  for (const comparison of durable) {
    if (comparison.relation !== 'conflict' || !comparison.existing) continue;
    const key = `${comparison.existing.section}:${comparison.existing.line}`;
    const section = sections[comparison.existing.section];
    if (!section || replacedLines.has(key)) continue;
    replacedLines.add(key);
    replaceItem(section, comparison.existing.line, comparison.constraint.rule);
    replaced.push({ old: comparison.existing.text, new: comparison.constraint.rule });
  }
  const pending = new Map<PromptSection, string[]>();
  for (const comparison of durable) {
    const rule = comparison.constraint.rule;
    const isReplacement = comparison.relation === 'conflict' && replaced.some((entry) => entry.new === rule);
    if (comparison.relation === 'duplicate' || isReplacement) continue;
    if ([...added, ...replaced.map((entry) => entry.new)].some((known) => sameIdea(known, rule))) continue;
    const section = sectionFor(sections, rule, comparison.constraint.section, language);
    pending.set(section, [...(pending.get(section) ?? []), rule]);
    added.push(rule);
  }
  for (const [section, rules] of pending) appendItems(section, rules);

  // New triggers and tags must be about the new rules (a forced candidate's are often about one task).
  const rulesUnits = new Set(
    contentUnits(durable.map((comparison) => comparison.constraint.text).join('\n')),
  );
  const aboutRules = (value: string) => {
    const units = contentUnits(value);
    return units.length > 0 && coverage(units, rulesUnits) >= 0.5;
  };
  // A new trigger must add a way to reach the skill: a word its name and triggers do not have yet.
  const reachable = new Set(
    contentUnits([existing.name.replace(/[-_]+/g, ' '), ...existing.triggers].join('\n')).concat(
      TRIGGER_FILLER,
    ),
  );
  const newWay = (value: string) => contentUnits(value).some((unit) => !reachable.has(unit));
  return {
    name: existing.name,
    description: existing.description.trim() || candidate.description,
    instructions: renderPromptSections(sections),
    triggers: unionCapped(
      existing.triggers,
      candidate.triggers.filter((trigger) => aboutRules(trigger) && newWay(trigger)),
      MERGE_CAPS.triggers,
    ),
    tags: unionCapped(existing.tags, candidate.tags.filter(aboutRules), MERGE_CAPS.tags, (tag) =>
      META_TAGS.has(tag.toLowerCase()),
    ),
    version: bumpPatch(existing.version),
    added,
    replaced,
    mergedBy: 'rules',
    notes: [],
  };
}

const MergeReplySchema = z.preprocess(
  acceptInstructionsAsPrompt,
  z.looseObject({
    name: z.string().trim().default(''),
    description: z.string().trim().default(''),
    prompt: z.string().trim().min(1),
    triggers: z.array(z.unknown()).default([]),
    tags: z.array(z.unknown()).default([]),
  }),
);

/** Share of a merged line's content units that must come from the existing skill or the new rules. */
const LINE_SUPPORT = 0.8;
/** Same for the description, triggers and tags a model proposes: every unit. */
const FIELD_SUPPORT = 1;

const FILE_STRUCTURE = /^---\s*$|^##\s+(?:Prompt|Triggers|Examples|Files)\b/im;

function statementsOf(prompt: string): string[] {
  return promptStatements(parsePromptSections(prompt))
    .filter((statement) => statement.role !== 'goal' || statement.text.length > 0)
    .map((statement) => statement.text);
}

export interface MergeSkillOptions extends RuleMergeInput {
  /** What the user wrote in the conversation (names in it are the user's own vocabulary). */
  userText?: string;
  llm?: LLMConnector | undefined;
  /** @default true when `llm` is undefined */
  offline?: boolean | undefined;
  abortSignal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  logger?: ExtractionLogger | undefined;
}

export interface MergeSkillResult {
  merged: MergedSkill;
  modelCalls: number;
}

function strings(values: readonly unknown[]): string[] {
  return values.filter((value): value is string => typeof value === 'string').map((value) => value.trim());
}

/** Validates a model merge against the rule-based one; `undefined` (with a note) when it must not be used. */
function acceptModelMerge(
  reply: z.infer<typeof MergeReplySchema>,
  input: RuleMergeInput,
  rules: MergedSkill,
  notes: string[],
): MergedSkill | undefined {
  if (FILE_STRUCTURE.test(reply.prompt)) {
    notes.push('model merge rejected: its prompt holds SKILL.md front matter or file sections');
    return undefined;
  }
  const replacedOld = new Set(rules.replaced.map((entry) => entry.old));
  const keptRules = statementsOf(input.existing.instructions).filter(
    (statement) => !replacedOld.has(statement),
  );
  const lost = keptRules.filter((statement) => !constraintCovered(statement, reply.prompt));
  if (lost.length > 0) {
    notes.push(`model merge rejected: it dropped ${lost.length} existing rule(s)`);
    return undefined;
  }
  const language = skillLanguage(input.existing);
  const missing = [...rules.added, ...rules.replaced.map((entry) => entry.new)].filter(
    (rule) => detectLanguage(rule) === language && !constraintCovered(rule, reply.prompt),
  );
  if (missing.length > 0) {
    notes.push(`model merge rejected: it left out ${missing.length} new rule(s)`);
    return undefined;
  }
  // Only the existing skill and the new durable rules may be in the result: a line that is not made of
  // them is invented, planted, or a requirement of the candidate's one task — dropped.
  const support = new Set(
    contentUnits(
      [
        input.existing.name,
        input.existing.instructions,
        input.existing.description,
        ...input.existing.triggers,
        ...rules.added,
        ...rules.replaced.map((entry) => entry.new),
      ].join('\n'),
    ),
  );
  const supported = (text: string, share: number) => {
    const units = contentUnits(text);
    return units.length === 0 || coverage(units, support) >= share;
  };
  const rulesLanguage = detectLanguage(rules.added.join('\n') || input.candidate.prompt);
  const sections = parsePromptSections(reply.prompt);
  let dropped = 0;
  for (const section of sections) {
    section.lines = section.lines.filter((line) => {
      if (supported(line, LINE_SUPPORT)) return true;
      // A rule translated into the skill's language cannot be judged by its units: keep it.
      if (
        rulesLanguage !== language &&
        detectLanguage(line) === language &&
        !/[A-Z][a-z]+ [A-Z][a-z]+/.test(line)
      ) {
        return true;
      }
      dropped += 1;
      return false;
    });
  }
  // A section repeated under the same heading (the candidate's own "# Constraints & Style") joins the first.
  const kept: PromptSection[] = [];
  for (const section of sections) {
    if (!section.lines.some((line) => line.trim() !== '')) continue;
    const title = section.heading
      .replace(/^#+\s*/, '')
      .trim()
      .toLowerCase();
    const earlier = title
      ? kept.find(
          (other) =>
            other.heading
              .replace(/^#+\s*/, '')
              .trim()
              .toLowerCase() === title,
        )
      : undefined;
    if (!earlier) {
      kept.push(section);
      continue;
    }
    const items = section.lines.map((line) => line.trim()).filter((line) => line !== '');
    const known = new Set(earlier.lines.map((line) => line.trim()));
    appendItems(
      earlier,
      items.filter((line) => !known.has(line)).map((line) => readListItem(line)?.text ?? line),
    );
  }
  if (dropped > 0) notes.push(`model merge: ${dropped} unsupported line(s) dropped`);
  const description =
    reply.description && supported(reply.description, FIELD_SUPPORT) ? reply.description : rules.description;
  const modelTriggers = strings(reply.triggers).filter((trigger) => supported(trigger, FIELD_SUPPORT));
  const modelTags = strings(reply.tags).filter((tag) => supported(tag, FIELD_SUPPORT));
  return {
    ...rules,
    description,
    instructions: renderPromptSections(kept),
    triggers: unionCapped(rules.triggers, modelTriggers, MERGE_CAPS.triggers),
    tags: unionCapped(rules.tags, modelTags, MERGE_CAPS.tags, (tag) => META_TAGS.has(tag.toLowerCase())),
    mergedBy: 'model',
  };
}

/** Scrubs every field of a merge (see `merge-safety.ts`). */
function scrubMerged(merged: MergedSkill, knownText: string): MergedSkill {
  const options = { knownText };
  const instructions = scrubText(merged.instructions, options);
  const notes = [...merged.notes];
  if (instructions.removed.length > 0)
    notes.push(`scrubbed from the prompt: ${instructions.removed.join(', ')}`);
  const list = (values: readonly string[]) =>
    values.map((value) => scrubField(value, options)).filter((value): value is string => value !== undefined);
  return {
    ...merged,
    name: scrubField(merged.name, options) ?? merged.name,
    description: scrubField(merged.description, options) ?? '',
    instructions: instructions.text,
    triggers: list(merged.triggers),
    tags: list(merged.tags),
    added: list(merged.added),
    notes,
  };
}

/** Merges a candidate into an existing skill (see the module comment); never writes. */
export async function mergeSkill(options: MergeSkillOptions): Promise<MergeSkillResult> {
  const rules = mergeByRules(options);
  const existingText = [
    options.existing.name,
    options.existing.description,
    options.existing.instructions,
    ...options.existing.triggers,
  ].join('\n');
  const knownText = `${existingText}\n${options.userText ?? ''}`;
  const useModel = options.llm !== undefined && !(options.offline ?? options.llm === undefined);
  if (!useModel || !options.llm || (rules.added.length === 0 && rules.replaced.length === 0)) {
    return { merged: scrubMerged(rules, knownText), modelCalls: 0 };
  }
  const reply = await callModelJson({
    llm: options.llm,
    ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
    timeoutMs: options.timeoutMs,
    prompt: 'merge',
    schema: MergeReplySchema,
    expected: '{"name": "…", "description": "…", "prompt": "…", "triggers": ["…"], "tags": ["…"]}',
    defaultMaxTokens: 2500,
    payload: {
      task: 'merge_skills',
      existing_skill: {
        name: options.existing.name,
        description: options.existing.description,
        prompt: clip(options.existing.instructions, 12_000),
        triggers: options.existing.triggers,
        tags: options.existing.tags,
        language: skillLanguage(options.existing),
      },
      candidate_skill: {
        name: options.candidate.name,
        description: options.candidate.description,
        prompt: options.candidate.prompt,
        triggers: options.candidate.triggers,
        tags: options.candidate.tags,
      },
      new_rules: rules.added,
      replaced_rules: rules.replaced,
    },
  });
  const notes: string[] = [];
  if (!reply.ok) {
    notes.push(`model merge failed: ${reply.reason}; rule-based merge used`);
    options.logger?.warn({ reason: reply.reason }, 'model merge failed; using the rule-based merge');
    return { merged: scrubMerged({ ...rules, notes }, knownText), modelCalls: reply.calls };
  }
  const accepted = acceptModelMerge(reply.value, options, rules, notes);
  if (!accepted) {
    options.logger?.warn({ notes }, 'model merge rejected; using the rule-based merge');
    return { merged: scrubMerged({ ...rules, notes }, knownText), modelCalls: reply.calls };
  }
  return { merged: scrubMerged({ ...accepted, notes }, knownText), modelCalls: reply.calls };
}

export interface ApplyMergeOptions {
  store: SkillStore;
  existing: StoredSkill;
  merged: MergedSkill;
  candidate: Candidate;
  /** Recorded in the revision. @default 'maintainer' */
  actor?: string;
  /** Extra metadata from the ingest call (channel, source file…). */
  metadata?: Record<string, unknown>;
  clock?: () => Date;
}

/** Writes a merge as a new revision of the existing skill (fails with `STALE_REVISION` if it changed). */
export async function applyMerge(options: ApplyMergeOptions): Promise<StoredSkill> {
  const { existing, merged, candidate } = options;
  const previousConfidence =
    typeof existing.metadata['confidence'] === 'number' ? existing.metadata['confidence'] : 0;
  const merges = typeof existing.metadata['mergeCount'] === 'number' ? existing.metadata['mergeCount'] : 0;
  const patch: SkillPatch = {
    name: merged.name,
    description: merged.description,
    instructions: merged.instructions,
    triggers: merged.triggers,
    tags: merged.tags,
    version: merged.version,
    metadata: {
      ...existing.metadata,
      ...(options.metadata ?? {}),
      confidence: Math.max(previousConfidence, candidate.confidence),
      mergeCount: merges + 1,
      lastMergedAt: (options.clock ?? (() => new Date()))().toISOString(),
    },
  };
  const summary = [
    merged.added.length > 0 ? `${merged.added.length} rule(s) added` : '',
    merged.replaced.length > 0 ? `${merged.replaced.length} rule(s) replaced` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return options.store.update(existing.id, patch, {
    actor: options.actor ?? 'maintainer',
    reason: `merge: ${summary || 'no rule changed'} (from "${clip(candidate.name, 60)}")`,
    baseRevision: existing.revision,
  });
}
