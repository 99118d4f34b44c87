/**
 * @module The model-backed extractor: builds the payload (user turns as the evidence, the whole
 * conversation as context, events, hint, the top-1 reference as identity context), redacts secrets
 * and contact data before anything leaves the machine, calls the model, reads the reply leniently,
 * makes at most one repair call, and validates the result. A reply that is still unreadable, a model
 * error, a timeout or a refusal yields no draft and a reason — never a made-up skill.
 */
import { keepHeadAndTail } from '../llm/messages.js';
import type { LLMConnector } from '../llm/types.js';
import { AutoSkillError, errorMessage, isAutoSkillError } from '../shared/errors.js';
import { ModelReplySchema, ModelSkillSchema, readResourceFiles } from './candidate.js';
import type { DraftCandidate } from './candidate-checks.js';
import type { ConversationEvent, ConversationMessage } from './conversation.js';
import { toEventSteps, toTurns } from './conversation.js';
import type { ExtractionReference } from './extraction-reference.js';
import { parseLenientJson } from './lenient-json.js';
import { extractionSystemPrompt, loadPrompt } from './prompts.js';
import { redactSecrets, redactValue } from './redact-secrets.js';
import type { Language } from './text-units.js';

export interface ExtractionPayloadOptions {
  messages: readonly ConversationMessage[];
  events?: readonly ConversationEvent[];
  hint?: string;
  forced?: boolean;
  reference?: ExtractionReference | undefined;
  language: Language;
  /** Budget for the conversation text, in characters. @default 24000 */
  maxConversationChars?: number;
}

const USER_TURN_LIMIT = 4000;
const ASSISTANT_TURN_LIMIT = 1500;
const EVENT_LIMIT = 50;
const EVENT_CHARS = 500;

/** The JSON document sent as the user message (already redacted). */
export function buildExtractionPayload(options: ExtractionPayloadOptions): Record<string, unknown> {
  const budget = options.maxConversationChars ?? 24_000;
  const turns = toTurns(options.messages).map((turn, position) => ({
    turn: position + 1,
    role: turn.role,
    text: keepHeadAndTail(turn.text, turn.role === 'user' ? USER_TURN_LIMIT : ASSISTANT_TURN_LIMIT),
  }));
  // Keep the most recent turns within the budget; the latest work item matters most.
  const kept: typeof turns = [];
  let used = 0;
  for (const turn of [...turns].reverse()) {
    const size = [...turn.text].length;
    if (used + size > budget && kept.length > 0) break;
    kept.unshift(turn);
    used += size;
  }
  const steps = toEventSteps(options.events ?? []);
  const events = (options.events ?? []).slice(-EVENT_LIMIT).map((event, position) => {
    const step = steps.find((candidate) => candidate.index === position);
    return {
      step: position + 1,
      actor: step?.actor ?? 'agent',
      action: step?.text ?? null,
      ok: step?.ok ?? true,
      raw: keepHeadAndTail(JSON.stringify(event), EVENT_CHARS),
    };
  });
  const reference = options.reference
    ? {
        name: options.reference.name,
        description: options.reference.description,
        triggers: options.reference.triggers,
        scope: options.reference.scope,
      }
    : null;
  return redactValue({
    task: options.forced ? 'extract_forced' : 'extract',
    max_candidates: 1,
    user_language: options.language,
    hint: options.hint?.trim() || null,
    primary_user_turns: kept.filter((turn) => turn.role === 'user').map(({ turn, text }) => ({ turn, text })),
    conversation: kept,
    events,
    retrieved_reference: reference,
  });
}

/** What reading a reply gave: a draft, an explicit "nothing", or a problem to repair. */
export type ReplyReading =
  | { kind: 'draft'; draft: DraftCandidate; truncated: boolean; extraSkills: number }
  | { kind: 'empty' }
  | { kind: 'invalid'; problem: string };

const REQUIRED_FIELDS = ['name', 'prompt', 'instructions', 'description'];

/** Reads one model reply (see the module comment). */
export function readExtractionReply(text: string): ReplyReading {
  if (text.trim().length === 0) return { kind: 'invalid', problem: 'empty reply' };
  const json = parseLenientJson(text);
  if (!json) return { kind: 'invalid', problem: 'no JSON object in the reply' };
  const envelope = ModelReplySchema.safeParse(json.value);
  if (!envelope.success) return { kind: 'invalid', problem: 'wrong schema: expected {"skills": [...]}' };
  const skills = envelope.data.skills;
  if (skills.length === 0) {
    return json.complete ? { kind: 'empty' } : { kind: 'invalid', problem: 'reply cut off before any skill' };
  }
  const first = skills[0];
  const cutFields = json.incomplete
    .map((path) => path.replace(/^(?:skills\.)?0\.?/, ''))
    .filter((field) => REQUIRED_FIELDS.includes(field));
  if (cutFields.length > 0)
    return { kind: 'invalid', problem: `reply cut off inside ${cutFields.join(', ')}` };
  const skill = ModelSkillSchema.safeParse(first);
  if (!skill.success) {
    const fields = skill.error.issues.map((issue) => issue.path.join('.') || '(skill)').join(', ');
    return { kind: 'invalid', problem: `wrong schema: missing or invalid ${fields}` };
  }
  const record = first as Record<string, unknown>;
  const draft: DraftCandidate = {
    name: skill.data.name,
    description: skill.data.description,
    prompt: skill.data.prompt,
    triggers: skill.data.triggers,
    tags: skill.data.tags,
    ...(skill.data.confidence !== undefined
      ? { confidence: Math.max(0, Math.min(1, skill.data.confidence)) }
      : {}),
    resources: readResourceFiles(record),
  };
  return { kind: 'draft', draft, truncated: !json.complete, extraSkills: skills.length - 1 };
}

export interface ModelExtractionOptions extends Omit<ExtractionPayloadOptions, 'maxConversationChars'> {
  llm: LLMConnector;
  abortSignal?: AbortSignal;
  /** Per-call timeout passed to the connector. @default the connector's */
  timeoutMs?: number;
  /** @default 1500 */
  maxTokens?: number;
  /** @default 24000 */
  maxConversationChars?: number;
}

export type ModelExtraction =
  | { outcome: 'draft'; draft: DraftCandidate; calls: number; repaired: boolean; notes: string[] }
  | { outcome: 'empty'; calls: number; repaired: boolean; notes: string[] }
  | {
      outcome: 'invalid-reply' | 'model-error';
      reason: string;
      calls: number;
      repaired: boolean;
      notes: string[];
    };

async function generate(
  options: ModelExtractionOptions,
  system: string,
  user: string,
): Promise<{ text: string } | { error: string }> {
  try {
    const result = await options.llm.doGenerate({
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: user },
      ],
      temperature: 0,
      maxTokens: options.maxTokens ?? 1500,
      responseFormat: 'json',
      ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
    if (result.finishReason === 'content-filter') return { error: 'the provider filtered the reply' };
    return { text: result.text };
  } catch (error) {
    if (options.abortSignal?.aborted || isAutoSkillError(error, 'ABORTED')) {
      throw isAutoSkillError(error)
        ? error
        : new AutoSkillError('ABORTED', 'Extraction was aborted.', { cause: error });
    }
    const code = isAutoSkillError(error) ? error.code : 'UPSTREAM_ERROR';
    return { error: `${code}: ${redactSecrets(errorMessage(error)).text}` };
  }
}

/**
 * Asks the model for a candidate. Caller aborts propagate as `ABORTED`; every other failure is
 * reported in the result.
 */
export async function extractWithModel(options: ModelExtractionOptions): Promise<ModelExtraction> {
  const payload = buildExtractionPayload(options);
  const notes: string[] = [];
  const first = await generate(
    options,
    extractionSystemPrompt(options.forced ?? false),
    JSON.stringify(payload),
  );
  if ('error' in first)
    return { outcome: 'model-error', reason: first.error, calls: 1, repaired: false, notes };
  const reading = readExtractionReply(first.text);
  if (reading.kind === 'empty') return { outcome: 'empty', calls: 1, repaired: false, notes };
  if (reading.kind === 'draft') {
    if (reading.truncated)
      notes.push('the reply was cut off after the required fields; the complete part was used');
    if (reading.extraSkills > 0)
      notes.push(`${reading.extraSkills} extra skill(s) ignored: at most one candidate`);
    return { outcome: 'draft', draft: reading.draft, calls: 1, repaired: false, notes };
  }

  const repairInput = JSON.stringify({
    problem: reading.problem,
    draft: redactSecrets(keepHeadAndTail(first.text, 8000)).text,
  });
  const second = await generate(options, loadPrompt('repairJson'), repairInput);
  if ('error' in second) {
    return {
      outcome: 'model-error',
      reason: `${reading.problem}; the repair call failed: ${second.error}`,
      calls: 2,
      repaired: true,
      notes,
    };
  }
  const repaired = readExtractionReply(second.text);
  if (repaired.kind === 'empty') {
    notes.push(`first reply unreadable (${reading.problem}); the repair found no skill`);
    return { outcome: 'empty', calls: 2, repaired: true, notes };
  }
  if (repaired.kind === 'draft') {
    if (repaired.extraSkills > 0)
      notes.push(`${repaired.extraSkills} extra skill(s) ignored: at most one candidate`);
    return { outcome: 'draft', draft: repaired.draft, calls: 2, repaired: true, notes };
  }
  return {
    outcome: 'invalid-reply',
    reason: `${reading.problem}; after one repair call: ${repaired.problem}`,
    calls: 2,
    repaired: true,
    notes,
  };
}
