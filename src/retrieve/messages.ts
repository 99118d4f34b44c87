/**
 * @module Plain text of chat messages in the OpenAI shapes (a string, or text parts), and the parts of a
 * conversation the retrieve layer reads: the latest user message and the turns before it.
 */
import type { ChatMessageLike } from './types.js';

/** Text of a message's content: a string, or the `text` of its parts joined by newlines. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const parts: string[] = [];
  for (const part of content) {
    if (typeof part === 'string') parts.push(part);
    else if (part !== null && typeof part === 'object') {
      const text = (part as { text?: unknown }).text;
      if (typeof text === 'string') parts.push(text);
    }
  }
  return parts.join('\n');
}

export interface ConversationTurn {
  role: 'user' | 'assistant';
  text: string;
}

/** User and assistant turns with text, in order (system, tool and empty messages left out). */
export function conversationTurns(messages: readonly ChatMessageLike[]): ConversationTurn[] {
  const turns: ConversationTurn[] = [];
  for (const message of messages) {
    const role = typeof message.role === 'string' ? message.role.toLowerCase() : '';
    if (role !== 'user' && role !== 'assistant') continue;
    const text = contentText(message.content).trim();
    if (text.length > 0) turns.push({ role, text });
  }
  return turns;
}

/** The latest user turn and the turns before it (`null` when there is no user turn). */
export function splitLatestUserTurn(
  messages: readonly ChatMessageLike[],
): { latest: string; history: ConversationTurn[] } | null {
  const turns = conversationTurns(messages);
  for (let index = turns.length - 1; index >= 0; index -= 1) {
    const turn = turns[index] as ConversationTurn;
    if (turn.role === 'user') return { latest: turn.text, history: turns.slice(0, index) };
  }
  return null;
}
