/**
 * @module The extraction input: chat messages in the OpenAI shapes (string or text-part content) and
 * behaviour events (tool calls, actions and their results, user feedback), validated with zod and
 * normalised into plain user/assistant turns and readable event lines.
 */
import { z } from 'zod';

const TextPartSchema = z.looseObject({ type: z.string(), text: z.string().optional() });

export const ConversationMessageSchema = z.looseObject({
  role: z.string().min(1),
  content: z.union([z.string(), z.array(TextPartSchema), z.null()]).optional(),
});
export type ConversationMessage = z.infer<typeof ConversationMessageSchema>;

/** Events are free-form JSON objects; the fields below are the ones the extractor reads. */
export const ConversationEventSchema = z.record(z.string(), z.unknown());
export type ConversationEvent = z.infer<typeof ConversationEventSchema>;

export interface Turn {
  /** Index in the original message list. */
  index: number;
  role: 'user' | 'assistant';
  text: string;
}

/** Assistant replies that are error or offline notes, not content (they must not count as evidence). */
const NON_CONTENT_REPLY = /^\s*(?:offline mode:|\(llm error:|离线模式：)/i;

/**
 * User and assistant turns with text content, in order. System, developer and tool messages are
 * dropped: they are written by the application, not by the user.
 */
export function toTurns(messages: readonly ConversationMessage[]): Turn[] {
  const turns: Turn[] = [];
  messages.forEach((message, index) => {
    const role = message.role.toLowerCase();
    if (role !== 'user' && role !== 'assistant') return;
    const content = message.content;
    const text =
      typeof content === 'string'
        ? content
        : Array.isArray(content)
          ? content
              .map((part) => part.text ?? '')
              .filter(Boolean)
              .join('\n')
          : '';
    if (text.trim().length === 0) return;
    if (role === 'assistant' && NON_CONTENT_REPLY.test(text)) return;
    turns.push({ index, role, text });
  });
  return turns;
}

export interface EventStep {
  index: number;
  /** Who acted: the user (feedback, edits) or the agent (tool calls). */
  actor: 'user' | 'agent';
  /** A readable step, e.g. "run tests" or the user's feedback text. */
  text: string;
  /** False when the event reports a failure. */
  ok: boolean;
}

function firstString(event: ConversationEvent, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = event[key];
    if (typeof value === 'string' && value.trim().length > 0) return value.trim();
  }
  return undefined;
}

function humanise(name: string): string {
  return name
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/[_.:/-]+/g, ' ')
    .trim()
    .toLowerCase();
}

/** Reads one event into a step; `undefined` when it names no action and carries no text. */
export function toEventStep(event: ConversationEvent, index: number): EventStep | undefined {
  const actorField = firstString(event, ['actor', 'role', 'source', 'by', 'from'])?.toLowerCase();
  const actor = actorField === 'user' || actorField === 'human' ? 'user' : 'agent';
  const status = firstString(event, ['status', 'outcome', 'result_status'])?.toLowerCase();
  const failed =
    event['ok'] === false ||
    event['success'] === false ||
    event['error'] !== undefined ||
    (status !== undefined && /fail|error|denied|rejected|timeout/.test(status));
  const action = firstString(event, ['name', 'tool', 'tool_name', 'action', 'command', 'function']);
  const text = firstString(event, ['content', 'text', 'message', 'feedback', 'comment']);
  if (actor === 'user' && text) return { index, actor, text, ok: !failed };
  if (action) return { index, actor, text: humanise(action), ok: !failed };
  if (text) return { index, actor, text, ok: !failed };
  return undefined;
}

export function toEventSteps(events: readonly ConversationEvent[]): EventStep[] {
  return events.flatMap((event, index) => {
    const step = toEventStep(event, index);
    return step ? [step] : [];
  });
}
