/**
 * @module The maintainer's model calls: the skill-set decision (`add` / `merge` / `discard`), the
 * capability identity judge, and the JSON plumbing they share with the merger — prompt files from
 * `prompts/`, a redacted JSON payload, temperature 0, lenient reading of the reply (fences, prose
 * around it, a cut-off tail), and one repair call. A reply that is still unreadable, a refusal, a
 * timeout or a provider error gives a reason instead of a value; the caller falls back to the
 * evidence. Caller aborts propagate as `ABORTED`.
 */
import { z } from 'zod';
import { keepHeadAndTail } from '../llm/messages.js';
import type { LLMConnector } from '../llm/types.js';
import { AutoSkillError, errorMessage, isAutoSkillError } from '../shared/errors.js';
import { readPromptFile } from '../shared/prompt-files.js';
import { type JsonPrefix, parseJsonPrefix } from './lenient-json.js';
import { redactSecrets, redactValue } from './redact-secrets.js';

export const MAINTAIN_PROMPT_FILES = {
  decision: 'maintain-decision.md',
  judge: 'maintain-identity-judge.md',
  merge: 'merge-skill.md',
  repair: 'maintain-repair-json.md',
} as const;

export type MaintainPromptName = keyof typeof MAINTAIN_PROMPT_FILES;

/** The text of one of the maintainer's prompt files, read once per process. */
export function loadMaintainPrompt(name: MaintainPromptName): string {
  return readPromptFile(MAINTAIN_PROMPT_FILES[name]);
}

export interface ModelCallSettings {
  llm: LLMConnector;
  abortSignal?: AbortSignal | undefined;
  /** Per-call timeout. @default the connector's */
  timeoutMs?: number | undefined;
  /** @default 800 (decision, judge), 2500 (merge) */
  maxTokens?: number | undefined;
}

export type ModelJsonResult<T> =
  | { ok: true; value: T; calls: number; repaired: boolean }
  | { ok: false; reason: string; calls: number };

async function generate(
  settings: ModelCallSettings,
  system: string,
  user: string,
  maxTokens: number,
): Promise<{ text: string } | { error: string }> {
  try {
    const result = await settings.llm.doGenerate({
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: user },
      ],
      temperature: 0,
      maxTokens: settings.maxTokens ?? maxTokens,
      responseFormat: 'json',
      ...(settings.abortSignal ? { abortSignal: settings.abortSignal } : {}),
      ...(settings.timeoutMs !== undefined ? { timeoutMs: settings.timeoutMs } : {}),
    });
    if (result.finishReason === 'content-filter') return { error: 'the provider filtered the reply' };
    return { text: result.text };
  } catch (error) {
    if (settings.abortSignal?.aborted || isAutoSkillError(error, 'ABORTED')) {
      throw isAutoSkillError(error)
        ? error
        : new AutoSkillError('ABORTED', 'Maintenance was aborted.', { cause: error });
    }
    const code = isAutoSkillError(error) ? error.code : 'UPSTREAM_ERROR';
    return { error: `${code}: ${redactSecrets(errorMessage(error)).text}` };
  }
}

const FENCE = /```[ \t]*(?:json|JSON|javascript|js)?[ \t]*\r?\n?([\s\S]*?)(?:```|$)/g;

/**
 * The reply's JSON object: the whole reply, else the first object in a code fence, else the first
 * object in the text (prose around it); a cut-off object is returned as far as it goes.
 */
export function readJsonObject(text: string): JsonPrefix | undefined {
  const trimmed = text.trim();
  const isObject = (parse: JsonPrefix | undefined) =>
    parse !== undefined &&
    parse.value !== null &&
    typeof parse.value === 'object' &&
    !Array.isArray(parse.value);
  const whole = trimmed.startsWith('{') ? parseJsonPrefix(trimmed) : undefined;
  if (isObject(whole)) return whole;
  for (const match of trimmed.matchAll(FENCE)) {
    const body = match[1] ?? '';
    const start = body.indexOf('{');
    const parse = start >= 0 ? parseJsonPrefix(body, start) : undefined;
    if (isObject(parse)) return parse;
  }
  for (let start = trimmed.indexOf('{'); start >= 0; start = trimmed.indexOf('{', start + 1)) {
    const parse = parseJsonPrefix(trimmed, start);
    if (isObject(parse)) return parse;
  }
  return undefined;
}

function readReply<T>(text: string, schema: z.ZodType<T>): { value: T } | { problem: string } {
  if (text.trim().length === 0) return { problem: 'empty reply' };
  const json = readJsonObject(text);
  if (!json) return { problem: 'no JSON object in the reply' };
  const parsed = schema.safeParse(json.value);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(reply)').join(', ');
    return {
      problem: json.complete ? `wrong schema: missing or invalid ${fields}` : `reply cut off (${fields})`,
    };
  }
  return { value: parsed.data };
}

export interface ModelJsonOptions<T> extends ModelCallSettings {
  prompt: MaintainPromptName;
  /** The user message; redacted before it is sent. */
  payload: Record<string, unknown>;
  schema: z.ZodType<T>;
  /** A JSON example of the expected reply, for the repair call. */
  expected: string;
  defaultMaxTokens: number;
}

/** One model call with lenient reading and at most one repair call (see the module comment). */
export async function callModelJson<T>(options: ModelJsonOptions<T>): Promise<ModelJsonResult<T>> {
  const payload = JSON.stringify(redactValue(options.payload));
  const first = await generate(
    options,
    loadMaintainPrompt(options.prompt),
    payload,
    options.defaultMaxTokens,
  );
  if ('error' in first) return { ok: false, reason: first.error, calls: 1 };
  const reading = readReply(first.text, options.schema);
  if ('value' in reading) return { ok: true, value: reading.value, calls: 1, repaired: false };
  const repairInput = JSON.stringify({
    problem: reading.problem,
    expected: options.expected,
    draft: redactSecrets(keepHeadAndTail(first.text, 8000)).text,
  });
  const second = await generate(options, loadMaintainPrompt('repair'), repairInput, options.defaultMaxTokens);
  if ('error' in second) {
    return { ok: false, reason: `${reading.problem}; the repair call failed: ${second.error}`, calls: 2 };
  }
  const repaired = readReply(second.text, options.schema);
  if ('value' in repaired) return { ok: true, value: repaired.value, calls: 2, repaired: true };
  return { ok: false, reason: `${reading.problem}; after one repair call: ${repaired.problem}`, calls: 2 };
}

// ---- decision -------------------------------------------------------------------------------------

export type MaintenanceAction = 'add' | 'merge' | 'discard';

const ACTION_SYNONYMS: Record<string, MaintenanceAction> = {
  add: 'add',
  create: 'add',
  new: 'add',
  insert: 'add',
  merge: 'merge',
  update: 'merge',
  upsert: 'merge',
  combine: 'merge',
  discard: 'discard',
  delete: 'discard',
  drop: 'discard',
  ignore: 'discard',
  skip: 'discard',
  reject: 'discard',
  none: 'discard',
};

const textOrNull = z.preprocess(
  (value) =>
    typeof value === 'string' && value.trim() !== '' && value.trim() !== 'null' ? value.trim() : null,
  z.string().nullable(),
);

/** The decision reply, read leniently: action synonyms, `target` for `target_skill_id`, `rationale` for `reason`. */
export const DecisionReplySchema = z
  .looseObject({
    action: z.string(),
    target_skill_id: z.unknown().optional(),
    target: z.unknown().optional(),
    reason: z.unknown().optional(),
    rationale: z.unknown().optional(),
  })
  .transform((reply, context) => {
    const action = ACTION_SYNONYMS[reply.action.trim().toLowerCase()];
    if (!action) {
      context.addIssue({ code: 'custom', path: ['action'], message: `unknown action "${reply.action}"` });
      return z.NEVER;
    }
    const target = textOrNull.parse(reply.target_skill_id ?? reply.target ?? null);
    const reason = textOrNull.parse(reply.reason ?? reply.rationale ?? null);
    return { action, targetSkillId: target, reason: reason ?? '' };
  });
export type DecisionReply = z.infer<typeof DecisionReplySchema>;

export const DECISION_EXAMPLE = '{"action": "merge", "target_skill_id": "…", "reason": "…"}';

export async function askDecision(
  settings: ModelCallSettings & { payload: Record<string, unknown> },
): Promise<ModelJsonResult<DecisionReply>> {
  return callModelJson({
    ...settings,
    prompt: 'decision',
    schema: DecisionReplySchema,
    expected: DECISION_EXAMPLE,
    defaultMaxTokens: 800,
  });
}

// ---- identity judge -------------------------------------------------------------------------------

const booleanValue = z.preprocess((value) => {
  if (typeof value === 'string') {
    const text = value.trim().toLowerCase();
    if (['true', 'yes', 'same', '是', 'y'].includes(text)) return true;
    if (['false', 'no', 'different', '否', 'n'].includes(text)) return false;
  }
  return value;
}, z.boolean());

const confidenceValue = z.preprocess(
  (value) => (typeof value === 'string' && value.trim() !== '' ? Number(value) : value),
  z.number().finite(),
);

export const JudgeReplySchema = z
  .looseObject({
    same_capability: booleanValue,
    confidence: confidenceValue.optional(),
    reason: z.unknown().optional(),
  })
  .transform((reply) => ({
    same: reply.same_capability,
    confidence: Math.max(0, Math.min(1, reply.confidence ?? 0.5)),
    reason: typeof reply.reason === 'string' ? reply.reason : '',
  }));
export type JudgeReply = z.infer<typeof JudgeReplySchema>;

export const JUDGE_EXAMPLE = '{"same_capability": false, "confidence": 0.8, "reason": "…"}';

/** The judge's verdict counts only at or above this confidence (below: the evidence midpoint decides). */
export const JUDGE_MIN_CONFIDENCE = 0.55;

export async function askIdentityJudge(
  settings: ModelCallSettings & { payload: Record<string, unknown> },
): Promise<ModelJsonResult<JudgeReply>> {
  return callModelJson({
    ...settings,
    prompt: 'judge',
    schema: JudgeReplySchema,
    expected: JUDGE_EXAMPLE,
    defaultMaxTokens: 400,
  });
}
