/**
 * @module The offline (rule-based) extractor used by the `offline` provider. It follows the same
 * policy as the model prompt, through the same analysis: a candidate only when the user stated or
 * confirmed a durable rule (or, when forced, the requirements of the task at hand), written in the
 * user's language with the `# Goal / # Constraints & Style / # Workflow` shape, named after the
 * capability so paraphrases of one capability get one name. Unlike the original's offline extractor,
 * it returns nothing for one-off requests, one-time constraints, small talk and trivia.
 */
import type { DraftCandidate } from './candidate-checks.js';
import type { ConversationAnalysis, RuleUnit } from './extract-policy.js';
import { topicUnits } from './extract-topic.js';
import type { ExtractionReference } from './extraction-reference.js';
import { describeTopic, type SkillKind } from './skill-naming.js';
import { contentUnits, coverage } from './text-units.js';

export interface OfflineDraftOptions {
  analysis: ConversationAnalysis;
  /** Forced extraction (`/extract_now`). @default false */
  forced?: boolean;
  reference?: ExtractionReference | undefined;
}

/**
 * The reference's name when the conversation is about the same capability (so the maintainer can
 * merge): the topic is covered by the reference's name and triggers, or most of the reference's name
 * appears in what the user said. The reference is identity context only; its content is never copied.
 */
function referenceName(
  analysis: ConversationAnalysis,
  reference: ExtractionReference | undefined,
): string | undefined {
  if (reference?.scope !== 'user') return undefined;
  const referenceUnits = new Set(
    contentUnits([reference.name.replace(/[-_]/g, ' '), ...reference.triggers].join(' ')),
  );
  const topic = analysis.topic ? topicUnits(analysis.topic) : [];
  if (topic.length > 0 && coverage(topic, referenceUnits) >= 0.5) return reference.name;
  const nameUnits = contentUnits(reference.name.replace(/[-_]/g, ' '));
  return nameUnits.length >= 2 && coverage(nameUnits, new Set(contentUnits(analysis.userText))) >= 0.5
    ? reference.name
    : undefined;
}

function confidenceOf(units: readonly RuleUnit[]): number {
  if (units.some((unit) => unit.durability === 'explicit')) return 0.8;
  if (units.some((unit) => unit.durability === 'inherited' || unit.durability === 'confirmed')) return 0.7;
  return 0.5;
}

/** The offline draft for an analysed conversation; `undefined` when the policy finds nothing to learn. */
export function draftFromAnalysis(options: OfflineDraftOptions): DraftCandidate | undefined {
  const { analysis } = options;
  const forced = options.forced ?? false;
  const canDescribeTask = forced && (analysis.kind === 'task' || analysis.kind === 'durable');
  const units = analysis.rules.length > 0 ? analysis.rules : canDescribeTask ? analysis.taskUnits : [];
  // Forced with nothing stated and no task named (e.g. only a password was given): nothing to describe.
  if (units.length === 0 && !(canDescribeTask && analysis.topic)) return undefined;

  const steps = units.filter((unit) => unit.step);
  const kind: SkillKind =
    analysis.rules.length === 0 ? 'capability' : steps.length >= 2 ? 'workflow' : 'rules';
  const identity = describeTopic({
    topic: analysis.topic,
    language: analysis.language,
    kind,
    rules: units.map((unit) => unit.text),
  });
  const constraints = kind === 'workflow' ? units.filter((unit) => !unit.step) : units;
  const lines = ['# Goal', identity.goal, ''];
  if (constraints.length > 0)
    lines.push('# Constraints & Style', ...constraints.map((unit) => `- ${unit.text}`), '');
  if (kind === 'workflow')
    lines.push('# Workflow', ...steps.map((unit, index) => `${index + 1}. ${unit.text}`), '');
  return {
    name: referenceName(analysis, options.reference) ?? identity.name,
    description: identity.description,
    prompt: lines.join('\n').trim(),
    triggers: identity.triggers,
    tags: identity.tags,
    confidence: confidenceOf(units),
  };
}
