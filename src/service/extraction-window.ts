/**
 * @module What an extraction reads and when it is due, for stateless chat requests:
 *
 * - **Due**: `never` schedules nothing (only on demand); `always` every completed turn; `auto` when the
 *   request's number of user turns is a multiple of the turn limit N (turns N, 2N, …). A turn that ends in
 *   tool calls is not finished yet (the app comes back with the tool results), so it schedules nothing.
 * - **Window**: the conversation's user and assistant messages (text only; system, developer and tool
 *   messages are the app's, not the user's evidence) **plus the assistant reply just produced**, cut to the
 *   last `size` messages, and widened to 2 × N so that no user turn between two extractions is skipped.
 *   Including the reply costs no user message (a window of 6 still holds 3 user turns), lets a
 *   preference stated in the very first turn be learnt at once, and keeps the user's reaction to an
 *   earlier answer — the main evidence — in view: the feedback on reply t is user turn t + 1, which the
 *   next window contains. An offer in the new reply counts only once the user confirms it in a later turn.
 */
import { createHash } from 'node:crypto';
import type { ExtractMode } from '../config/schema.js';
import type { JobMessage, JobReference } from '../store/job-store.js';
import type { ChatMessage, RetrievalHit } from './turn-types.js';

/** The text of a message's content: a string, or the `text` of its parts (images are skipped). */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => {
      const record = part as Record<string, unknown> | null;
      return record && typeof record['text'] === 'string' ? record['text'] : '';
    })
    .filter((text) => text.length > 0)
    .join('\n');
}

export function countUserTurns(messages: readonly ChatMessage[]): number {
  let count = 0;
  for (const message of messages) if (message.role === 'user') count += 1;
  return count;
}

export interface ExtractionDue {
  due: boolean;
  /** Why not (or why), in a few words. */
  reason: string;
}

export function extractionDue(options: {
  mode: ExtractMode;
  turnLimit: number;
  userTurns: number;
}): ExtractionDue {
  const { mode, turnLimit, userTurns } = options;
  if (mode === 'never') return { due: false, reason: 'extract mode is never (on demand only)' };
  if (userTurns === 0) return { due: false, reason: 'the request has no user turn' };
  if (mode === 'always') return { due: true, reason: 'extract mode is always' };
  if (userTurns % turnLimit === 0)
    return { due: true, reason: `user turn ${userTurns} of every ${turnLimit}` };
  const next = Math.ceil(userTurns / turnLimit) * turnLimit;
  return { due: false, reason: `next extraction at user turn ${next} (every ${turnLimit})` };
}

/** The last `size` user/assistant text messages of the conversation, plus the reply just produced. */
export function buildWindow(options: {
  messages: readonly ChatMessage[];
  assistantText?: string | null;
  size: number;
}): JobMessage[] {
  const all: JobMessage[] = [];
  for (const message of options.messages) {
    if (message.role !== 'user' && message.role !== 'assistant') continue;
    const content = contentText(message.content).trim();
    if (content.length > 0) all.push({ role: message.role, content });
  }
  const reply = options.assistantText?.trim();
  if (reply) all.push({ role: 'assistant', content: reply });
  return all.slice(-Math.max(1, options.size));
}

/** The window size for a turn limit: `ingestWindow`, widened to cover every user turn since the last run. */
export function effectiveWindowSize(ingestWindow: number, mode: ExtractMode, turnLimit: number): number {
  return mode === 'auto' ? Math.max(ingestWindow, 2 * turnLimit) : ingestWindow;
}

/** The top-1 hit as the extraction reference (serving.md §1.10): `user` when the user owns it. */
export function referenceFromHit(hit: RetrievalHit | undefined, userId: string): JobReference | null {
  if (!hit) return null;
  const owner = hit.owner || '';
  const scope: JobReference['scope'] =
    owner.toLowerCase().startsWith('library:') || hit.source.startsWith('library:')
      ? 'library'
      : owner === userId
        ? 'user'
        : 'other';
  return {
    id: hit.id,
    name: hit.name,
    description: hit.description,
    triggers: [],
    resourcePaths: hit.resourcePaths.slice(0, 16),
    scope,
    score: hit.score,
  };
}

/** Identical windows of one user (same messages, hint and mode) share a key. */
export function dedupeKey(options: {
  userId: string;
  window: readonly JobMessage[];
  hint: string | null;
  forced: boolean;
}): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify([options.userId, options.hint ?? '', options.forced]));
  for (const message of options.window) hash.update(`\u0000${message.role}\u0000${message.content}`);
  return hash.digest('hex');
}
