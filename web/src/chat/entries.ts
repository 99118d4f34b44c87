/** @module Turns a stored session (messages + turns) into the chat log the UI shows, each entry linked to its turn. */
import type { ChatMessage, InjectedSkill, Retrieval, Session, Turn } from '../api/schemas.js';
import { messageText } from '../format.js';

export interface ChatEntry {
  key: string;
  role: 'user' | 'assistant' | 'system';
  text: string;
  turnId: string | null;
  retrieval: Retrieval | null;
  injected: InjectedSkill[];
  streaming?: boolean;
  error?: string;
}

export interface TurnInfo {
  turnId: string;
  retrieval: Retrieval | null;
  injected: InjectedSkill[];
  jobIds: string[];
}

function refText(ref: Turn['user']): string | null {
  if (ref === null || ref === undefined) return null;
  if (typeof ref === 'string') return ref;
  return messageText(ref.content);
}

export function turnId(turn: Turn, index: number): string {
  return turn.turn_id ?? turn.id ?? `turn-${index}`;
}

export function turnInfo(turn: Turn, index: number): TurnInfo {
  const jobIds = [...(turn.extraction_job_ids ?? [])];
  const extraction = turn.extraction;
  for (const event of Array.isArray(extraction) ? extraction : extraction ? [extraction] : []) {
    if (event.job_id && !jobIds.includes(event.job_id)) jobIds.push(event.job_id);
  }
  return {
    turnId: turnId(turn, index),
    retrieval: turn.retrieval ?? null,
    injected: turn.injected ?? [],
    jobIds,
  };
}

function roleOf(message: ChatMessage): ChatEntry['role'] {
  return message.role === 'user' ? 'user' : message.role === 'assistant' ? 'assistant' : 'system';
}

/**
 * The chat log of a session. Messages are what the user saw; a message carrying `turn_id` belongs to
 * that turn, otherwise turns are matched to user/assistant pairs in order. Without messages, the turns'
 * own texts are used.
 */
export function sessionEntries(session: Session): ChatEntry[] {
  const turns = session.turns ?? [];
  const infos = turns.map(turnInfo);
  const byId = new Map(infos.map((info) => [info.turnId, info]));
  const messages = session.messages ?? [];
  if (messages.length === 0) {
    const entries: ChatEntry[] = [];
    turns.forEach((turn, index) => {
      const info = infos[index]!;
      const user = refText(turn.user ?? turn.user_message);
      const assistant = refText(turn.assistant ?? turn.assistant_message);
      if (user !== null)
        entries.push({ key: `${info.turnId}-u`, role: 'user', text: user, ...linkFields(info) });
      if (assistant !== null)
        entries.push({ key: `${info.turnId}-a`, role: 'assistant', text: assistant, ...linkFields(info) });
    });
    return entries;
  }
  const usesIds = messages.some((message) => message.turn_id);
  let nextTurn = 0;
  let current: TurnInfo | null = null;
  return messages.map((message, index) => {
    const role = roleOf(message);
    let info: TurnInfo | null = null;
    if (usesIds) info = message.turn_id ? (byId.get(message.turn_id) ?? null) : null;
    else if (role === 'user') {
      current = infos[nextTurn] ?? null;
      nextTurn += 1;
      info = current;
    } else if (role === 'assistant') info = current;
    return {
      key: `m${index}`,
      role,
      text: messageText(message.content),
      ...(info ? linkFields(info) : { turnId: null, retrieval: null, injected: [] }),
    };
  });
}

function linkFields(info: TurnInfo): Pick<ChatEntry, 'turnId' | 'retrieval' | 'injected'> {
  return { turnId: info.turnId, retrieval: info.retrieval, injected: info.injected };
}
