/**
 * @module The chat request as the proxy sees it: minimal validation (a `model` string and a non-empty
 * `messages` array of objects with a `role`; every other field passes through untouched), the AutoSkill
 * scope, and where the skill message goes.
 *
 * Placement: the skill context is one system message inserted right after the client's own leading
 * system/developer messages (at index 0 when there are none). The client's instructions therefore come
 * first and keep priority, the client's cached prompt prefix (its system prompt) is unchanged so provider
 * prompt caches still hit, and the conversation itself is untouched. When the client's leading
 * instructions use the `developer` role only (o-series models), the skill message uses it too.
 */
import { z } from 'zod';
import { type ChatMessage, ChatMessageSchema, type SkillScope } from '../../service/turn-types.js';
import { AutoSkillError } from '../../shared/errors.js';

export const ChatRequestSchema = z.looseObject({
  model: z.string().min(1, 'model must be a non-empty string'),
  messages: z.array(ChatMessageSchema).min(1, 'messages must contain at least one message'),
});
export type ChatRequest = z.infer<typeof ChatRequestSchema>;

/** A body that certainly passes `ChatRequestSchema` (checked by hand: zod copies every message). */
function isPlainValidChatRequest(body: Record<string, unknown>): body is ChatRequest {
  const { model, messages } = body;
  if (typeof model !== 'string' || model.length === 0) return false;
  if (!Array.isArray(messages) || messages.length === 0) return false;
  for (const message of messages) {
    if (typeof message !== 'object' || message === null || Array.isArray(message)) return false;
    const role = (message as { role?: unknown }).role;
    if (typeof role !== 'string' || role.length === 0) return false;
  }
  return true;
}

/**
 * Validates the body; a failure is a 400 naming the offending field. A valid body comes back as it is
 * (every field passes through anyway); anything else goes through the schema for its exact error.
 */
export function parseChatRequest(body: Record<string, unknown>): ChatRequest {
  if (isPlainValidChatRequest(body)) return body;
  const result = ChatRequestSchema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const param = issue?.path.map(String).join('.') || null;
  const message = issue
    ? `Invalid chat request: ${param ?? '(body)'}: ${issue.message}`
    : 'Invalid chat request';
  throw new AutoSkillError('INVALID_INPUT', message, {
    details: {
      param: issue?.path[0] !== undefined ? String(issue.path[0]) : undefined,
      wireCode: 'invalid_request',
    },
  });
}

/** `user` / `library` (alias `common`) / `all`; anything else is not a scope. */
export function parseScope(value: unknown): SkillScope | undefined {
  if (typeof value !== 'string') return undefined;
  const normalized = value.trim().toLowerCase();
  if (normalized === 'common') return 'library';
  if (normalized === 'user' || normalized === 'library' || normalized === 'all') return normalized;
  return undefined;
}

/** A request may narrow the server's scope (all → user or library), never widen it. */
export function narrowScope(serverScope: SkillScope, requested: SkillScope | undefined): SkillScope {
  if (requested === undefined || serverScope !== 'all') return serverScope;
  return requested;
}

/**
 * The scope a chat request asks for — the `X-AutoSkill-Scope` header, else a body `scope` field — and
 * the body to forward. A body `scope` that is a valid AutoSkill scope is removed before forwarding
 * (strict upstreams such as OpenAI refuse unknown fields); that is the only change besides the skill
 * message. Any other `scope` value is not ours and passes through.
 */
export function takeScope(
  body: Record<string, unknown>,
  header: string | undefined,
): { requested: SkillScope | undefined; body: Record<string, unknown> } {
  const fromBody = parseScope(body['scope']);
  const fromHeader = parseScope(header);
  if (fromBody === undefined) return { requested: fromHeader, body };
  const { scope: _ours, ...rest } = body;
  return { requested: fromHeader ?? fromBody, body: rest };
}

const INSTRUCTION_ROLES = new Set(['system', 'developer']);

/** The body with `systemMessage` inserted after the leading system/developer messages. */
export function insertSkillMessage(
  body: Record<string, unknown>,
  messages: readonly ChatMessage[],
  systemMessage: string | null,
): Record<string, unknown> {
  if (systemMessage === null || systemMessage === '') return body;
  let position = 0;
  let sawSystem = false;
  while (position < messages.length && INSTRUCTION_ROLES.has(messages[position]?.role ?? '')) {
    if (messages[position]?.role === 'system') sawSystem = true;
    position += 1;
  }
  const role = position > 0 && !sawSystem ? 'developer' : 'system';
  const original = body['messages'] as unknown[];
  return {
    ...body,
    messages: [...original.slice(0, position), { role, content: systemMessage }, ...original.slice(position)],
  };
}

/** Text of the latest user message (for logs and empty retrieval records). */
export function latestUserText(messages: readonly ChatMessage[]): string {
  for (let index = messages.length - 1; index >= 0; index -= 1) {
    const message = messages[index];
    if (message?.role !== 'user') continue;
    const { content } = message;
    if (typeof content === 'string') return content;
    if (Array.isArray(content)) {
      return content
        .map((part) => {
          const record = part as Record<string, unknown> | null;
          return record && typeof record['text'] === 'string' ? record['text'] : '';
        })
        .filter(Boolean)
        .join('\n');
    }
    return '';
  }
  return '';
}
