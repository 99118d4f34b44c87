/**
 * @module Selection: an optional model filter of retrieved skills before they are injected (off by
 * default). The model sees the message, a little history and each candidate's summary, and answers
 * `{"use_skills", "selected_skill_ids", "reason"}` (`prompts/select-skills.md`); choosing none is a valid
 * answer. A failure — model error, timeout, unreadable answer, only unknown ids — keeps every candidate
 * (retrieval already gated them by score), with the reason in `error`. Never throws unless aborted.
 */
import { z } from 'zod';
import { parseLenientJson } from '../learn/lenient-json.js';
import type { LLMConnector } from '../llm/types.js';
import { errorMessage } from '../shared/errors.js';
import type { ConversationTurn } from './messages.js';
import { loadRetrievePrompt } from './prompts.js';

export interface SelectionCandidate {
  id: string;
  name: string;
  description: string;
  owner: string;
  instructions?: string;
  tags?: readonly string[];
  triggers?: readonly string[];
}

export interface SelectSkillsOptions {
  /** The user's latest message. */
  message: string;
  history?: readonly ConversationTurn[];
  /** Retrieved skills, best first. */
  candidates: readonly SelectionCandidate[];
  /** Without a model every candidate is kept. */
  llm?: LLMConnector;
  /** @default every candidate */
  maxSelected?: number;
  /** @default 15000 */
  timeoutMs?: number;
  abortSignal?: AbortSignal;
}

export interface SelectionResult {
  /** Ids to inject, in the candidates' order. */
  selectedIds: string[];
  /** `all`: no model asked; `llm`: the model chose; `kept-all`: the model failed, every candidate kept. */
  method: 'all' | 'llm' | 'kept-all';
  reason: string;
  error?: string;
}

const IdListSchema = z.union([z.array(z.unknown()), z.string()]);
const SelectionReplySchema = z.looseObject({
  use_skills: z.boolean().nullish(),
  selected_skill_ids: IdListSchema.nullish(),
  skill_ids: IdListSchema.nullish(),
  ids: IdListSchema.nullish(),
  reason: z.string().nullish(),
});

function idList(value: unknown): string[] {
  if (typeof value === 'string') return value.trim() ? [value.trim()] : [];
  if (!Array.isArray(value)) return [];
  return value.filter((item): item is string => typeof item === 'string').map((item) => item.trim());
}

function preview(text: string | undefined, max = 240): string {
  const flat = (text ?? '').replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** Reads the model's answer; `null` when it is not a selection. */
export function parseSelectionReply(
  text: string,
  knownIds: readonly string[],
): { ids: string[]; use: boolean; reason: string } | null {
  const parsed = parseLenientJson(text.replace(/<think>[\s\S]*?<\/think>/gi, ''));
  if (!parsed) return null;
  const raw = Array.isArray(parsed.value) ? { selected_skill_ids: parsed.value } : parsed.value;
  const result = SelectionReplySchema.safeParse(raw);
  if (!result.success) return null;
  const reply = result.data;
  const listed = [reply.selected_skill_ids, reply.skill_ids, reply.ids].find(
    (value) => value !== undefined && value !== null,
  );
  if (listed === undefined && reply.use_skills === undefined) return null;
  const known = new Set(knownIds);
  const ids = idList(listed).filter((id) => known.has(id));
  const use = reply.use_skills ?? ids.length > 0;
  // Ids were named but none is a candidate: the answer is about something else.
  if (use && ids.length === 0) return null;
  return { ids: use ? ids : [], use, reason: reply.reason ?? '' };
}

/** Filters retrieved skills with the model (see the module comment). */
export async function selectSkills(options: SelectSkillsOptions): Promise<SelectionResult> {
  const all = options.candidates.map((candidate) => candidate.id);
  if (!options.llm || all.length === 0) {
    return { selectedIds: all, method: 'all', reason: options.llm ? 'no candidates' : 'selection is off' };
  }
  const maxSelected = Math.max(1, options.maxSelected ?? all.length);
  const keepAll = (error: string): SelectionResult => ({
    selectedIds: all,
    method: 'kept-all',
    reason: 'selection failed; every retrieved skill is kept',
    error,
  });
  try {
    const payload = {
      message: preview(options.message, 4000),
      history: (options.history ?? [])
        .slice(-6)
        .map((turn) => ({ role: turn.role, text: preview(turn.text, 600) })),
      candidates: options.candidates.map((candidate) => ({
        id: candidate.id,
        name: candidate.name,
        description: preview(candidate.description, 400),
        tags: (candidate.tags ?? []).slice(0, 8),
        triggers: (candidate.triggers ?? []).slice(0, 8),
        owner: candidate.owner,
        prompt_preview: preview(candidate.instructions),
      })),
      max_selected: maxSelected,
    };
    const reply = await options.llm.doGenerate({
      messages: [
        { role: 'system', content: loadRetrievePrompt('selectSkills') },
        { role: 'user', content: JSON.stringify(payload) },
      ],
      temperature: 0,
      maxTokens: 300,
      responseFormat: 'json',
      timeoutMs: options.timeoutMs ?? 15_000,
      ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
    });
    const parsed = parseSelectionReply(reply.text, all);
    if (!parsed) return keepAll('the model did not answer with a selection of the candidates');
    const chosen = new Set(parsed.ids);
    const selectedIds = all.filter((id) => chosen.has(id)).slice(0, maxSelected);
    return { selectedIds, method: 'llm', reason: parsed.reason || (parsed.use ? 'selected' : 'none fits') };
  } catch (error) {
    if (options.abortSignal?.aborted) throw error;
    return keepAll(`skill selection failed: ${errorMessage(error)}`);
  }
}
