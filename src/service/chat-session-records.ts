/** @module Pure helpers of the chat session service over its records: titles, settings, history, errors. */
import { AutoSkillError, isAutoSkillError } from '../shared/errors.js';
import {
  type ChatSessionRecord,
  type ChatSessionSettings,
  ChatSessionSettingsSchema,
  type SessionJob,
} from '../store/chat-session-store.js';
import type { JobEvent, JobReference } from '../store/job-store.js';
import type { SessionJobEvent } from './chat-session-types.js';
import { referenceFromHit } from './extraction-window.js';
import type { ChatMessage } from './turn-types.js';

export const DEFAULT_TITLE = 'New chat';
const TITLE_CHARS = 32;

/** The title a first message gives a session: whitespace collapsed, at most 32 characters. */
export function titleFromText(text: string): string {
  const collapsed = text.replace(/\s+/g, ' ').trim();
  if (!collapsed) return DEFAULT_TITLE;
  const characters = [...collapsed];
  return characters.length > TITLE_CHARS ? `${characters.slice(0, TITLE_CHARS - 1).join('')}…` : collapsed;
}

/** A stable lower-case code for the wire (`upstream_error`, `busy`…): `details.wireCode`, else the code. */
export function errorCodeOf(error: unknown): string {
  if (!isAutoSkillError(error)) return 'internal_error';
  const wire = error.details['wireCode'];
  if (typeof wire === 'string') return wire;
  if (error.code === 'LOCK_TIMEOUT') return 'busy';
  return error.code.toLowerCase();
}

export function publicMessage(error: unknown): string {
  return isAutoSkillError(error) ? error.message : 'Internal error';
}

export function invalid(message: string, param: string): AutoSkillError {
  return new AutoSkillError('INVALID_INPUT', message, { details: { param } });
}

/** `current` with `patch` applied, validated; `INVALID_INPUT` naming the first bad field. */
export function mergeSettings(
  current: ChatSessionSettings,
  patch: Partial<ChatSessionSettings> | undefined,
): ChatSessionSettings {
  const result = ChatSessionSettingsSchema.safeParse({ ...current, ...(patch ?? {}) });
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue?.path.map(String).join('.') ?? 'settings';
    throw invalid(`Invalid setting ${field}: ${issue?.message ?? 'invalid value'}`, `settings.${field}`);
  }
  return result.data;
}

/** A user-given title with whitespace collapsed (1–200 characters), or undefined when none is given. */
export function checkedTitle(title: string | undefined): string | undefined {
  if (title === undefined) return undefined;
  const trimmed = title.replace(/\s+/g, ' ').trim();
  if (!trimmed || [...trimmed].length > 200) throw invalid('The title must have 1–200 characters', 'title');
  return trimmed;
}

/** The conversation the model sees: the last completed chat turns as user/assistant pairs. */
export function historyOf(record: ChatSessionRecord, turns: number): ChatMessage[] {
  const chat = record.turns.filter(
    (turn) => turn.kind === 'chat' && turn.status === 'completed' && turn.replyText !== null,
  );
  return chat.slice(-Math.max(0, turns)).flatMap((turn) => [
    { role: 'user', content: turn.userText },
    { role: 'assistant', content: turn.replyText ?? '' },
  ]);
}

/** The top hit of the last chat turn that retrieved, as the reference of an extraction job. */
export function lastReference(record: ChatSessionRecord, userId: string): JobReference | null {
  for (let index = record.turns.length - 1; index >= 0; index -= 1) {
    const turn = record.turns[index];
    if (turn?.kind === 'chat' && turn.retrieval) return referenceFromHit(turn.retrieval.hits[0], userId);
  }
  return null;
}

export function asSessionEvent(sessionId: string, job: SessionJob, event: JobEvent): SessionJobEvent {
  return { sessionId, turnId: job.turnId, hint: job.hint, event };
}
