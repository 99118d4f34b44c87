/**
 * @module Message helpers shared by connectors: plain text of a message, and fitting a conversation into
 * an input budget. The budget counts every code point of every script (the original counted only CJK
 * ideographs and ASCII words, so Korean, kana or Cyrillic input was unbounded) and never drops a message
 * (the original sent an empty user turn when the system prompt alone was too long).
 */
import type { LLMMessage } from './types.js';

export const TRUNCATION_MARKER = '\n…[truncated]…\n';

export function messageText(message: LLMMessage): string {
  if (typeof message.content === 'string') return message.content;
  return message.content.map((part) => part.text).join('');
}

/** Keeps `limit` code points: 70 % from the head, the rest from the tail, joined by the marker. */
export function keepHeadAndTail(text: string, limit: number): string {
  const characters = Array.from(text);
  if (characters.length <= limit) return text;
  const markerLength = Array.from(TRUNCATION_MARKER).length;
  if (limit <= markerLength + 2) return characters.slice(0, Math.max(0, limit)).join('');
  const room = limit - markerLength;
  const head = Math.ceil(room * 0.7);
  const tail = room - head;
  return (
    characters.slice(0, head).join('') +
    TRUNCATION_MARKER +
    (tail > 0 ? characters.slice(characters.length - tail).join('') : '')
  );
}

/** The largest per-message cap whose capped lengths sum to at most `budget` (water-filling). */
function capFor(lengths: readonly number[], budget: number): number {
  const sorted = [...lengths].sort((a, b) => a - b);
  let remaining = budget;
  for (let index = 0; index < sorted.length; index += 1) {
    const length = sorted[index] as number;
    const left = sorted.length - index;
    if (length * left > remaining) return Math.floor(remaining / left);
    remaining -= length;
  }
  return Number.POSITIVE_INFINITY;
}

/**
 * Returns `messages` unchanged when their text fits `maxChars`; otherwise shortens the longest messages
 * to a common cap (head and tail kept) so the total fits. Short messages are never touched.
 */
export function fitMessagesToBudget(messages: readonly LLMMessage[], maxChars: number): LLMMessage[] {
  const texts = messages.map(messageText);
  const lengths = texts.map((text) => Array.from(text).length);
  const total = lengths.reduce((sum, length) => sum + length, 0);
  if (total <= maxChars) return [...messages];
  const cap = capFor(lengths, maxChars);
  return messages.map((message, index) =>
    (lengths[index] as number) > cap
      ? { role: message.role, content: keepHeadAndTail(texts[index] as string, cap) }
      : message,
  );
}
