/**
 * @module Chat sessions on the wire (snake_case, docs/web-api.md): the zod schemas that validate request
 * bodies and queries and describe the answers in `openapi.json`, and the conversions from the engine's
 * records. The visible `messages` of a session are derived from its turns (one user message and, when
 * there is one, the reply), so trimming a turn's details can never lose what the user saw.
 */
import { z } from 'zod';
import type { SessionJobEvent } from '../../service/chat-session.js';
import type { RetrievalInfo } from '../../service/turn-types.js';
import type {
  ChatSessionRecord,
  ChatSessionSettings,
  ChatSessionSummary,
  ChatTurnRecord,
} from '../../store/chat-session-store.js';
import { ExtractionEventWireSchema, eventToWire } from '../extractions/wire.js';
import { BodyUserSchema, queryInteger } from '../management/request.js';
import { HIT_WIRE_FIELDS } from '../management/wire.js';
import { retrievalInfoToWire } from '../proxy/autoskill-field.js';

// ------------------------------------------------------------------------------------------- requests

export const SettingsInputSchema = z
  .object({
    scope: z
      .enum(['user', 'library', 'common', 'all'])
      .transform((value) => (value === 'common' ? 'library' : value))
      .optional()
      .describe('`user`, `library` (alias `common`) or `all`'),
    rewrite_mode: z.enum(['never', 'auto', 'always']).optional(),
    extract_mode: z.enum(['auto', 'always', 'never']).optional(),
    extract_turn_limit: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .optional()
      .describe('In `auto`: extract after every N chat turns'),
    min_score: z.number().min(0).max(1).optional(),
    top_k: z.number().int().min(1).max(20).optional(),
  })
  .strict()
  .meta({ id: 'SessionSettingsInput' });

const TitleSchema = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .describe('1–200 characters; a renamed session keeps its title');

export const CreateSessionBodySchema = z
  .object({ title: TitleSchema.optional(), settings: SettingsInputSchema.optional(), user: BodyUserSchema })
  .strict();

export const UpdateSessionBodySchema = z
  .object({ title: TitleSchema.optional(), settings: SettingsInputSchema.optional(), user: BodyUserSchema })
  .strict()
  .refine((body) => body.title !== undefined || body.settings !== undefined, {
    message: 'give `title` or `settings`',
    path: ['title'],
  });

export const SendMessageBodySchema = z
  .object({
    content: z
      .string()
      .max(100_000)
      .refine((value) => value.trim().length > 0, 'must not be empty')
      .describe('A chat message, or a command such as `/scope user` (see docs/web-api.md)'),
    user: BodyUserSchema,
  })
  .strict();

export const ExtractSessionBodySchema = z
  .object({
    hint: z.string().max(2000).optional().describe('What to focus on (the seeds’ `/extract_now <hint>`)'),
    user: BodyUserSchema,
  })
  .strict();

export const ListSessionsQuerySchema = z.object({
  limit: queryInteger(1, 500).optional().describe('1–500, default 100'),
  user: z.string().optional(),
});

export const SessionEventsQuerySchema = z.object({
  timeout_s: queryInteger(1, 3600).optional().describe('Seconds before the stream ends (default 300)'),
  user: z.string().optional(),
});

export const UserQuerySchema = z.object({ user: z.string().optional() });

/** Settings as the engine takes them (camelCase), from the validated wire input. */
export function settingsFromWire(
  input: z.output<typeof SettingsInputSchema> | undefined,
): Partial<ChatSessionSettings> {
  if (!input) return {};
  return {
    ...(input.scope !== undefined ? { scope: input.scope } : {}),
    ...(input.rewrite_mode !== undefined ? { rewriteMode: input.rewrite_mode } : {}),
    ...(input.extract_mode !== undefined ? { extractMode: input.extract_mode } : {}),
    ...(input.extract_turn_limit !== undefined ? { extractTurnLimit: input.extract_turn_limit } : {}),
    ...(input.min_score !== undefined ? { minScore: input.min_score } : {}),
    ...(input.top_k !== undefined ? { topK: input.top_k } : {}),
  };
}

// -------------------------------------------------------------------------------------------- answers

export const SettingsWireSchema = z
  .object({
    scope: z.enum(['user', 'library', 'all']),
    rewrite_mode: z.enum(['never', 'auto', 'always']),
    extract_mode: z.enum(['auto', 'always', 'never']),
    extract_turn_limit: z.number().int(),
    min_score: z.number(),
    top_k: z.number().int(),
  })
  .meta({ id: 'SessionSettings' });

const HitWireSchema = z.object({ rank: z.number().int(), ...HIT_WIRE_FIELDS });

export const RetrievalWireSchema = z
  .object({
    original_query: z.string(),
    rewritten_query: z.string().nullable(),
    search_query: z.string(),
    event_time: z.number().describe('Epoch milliseconds'),
    scope: z.enum(['user', 'library', 'all']),
    top_k: z.number().int(),
    min_score: z.number(),
    hits: z.array(HitWireSchema),
    hits_user: z.array(HitWireSchema),
    hits_library: z.array(HitWireSchema),
    selected_for_use_ids: z.array(z.string()),
    selected_for_context_ids: z.array(z.string()),
    context_injected: z.boolean(),
    error: z.string().nullable(),
  })
  .meta({ id: 'RetrievalInfo' });

export const SessionExtractionEventWireSchema = ExtractionEventWireSchema.extend({
  session_id: z.string(),
  turn_id: z.string().nullable(),
  hint: z.string().nullable(),
}).meta({ id: 'SessionExtractionEvent' });

const MessageWireSchema = z.object({
  role: z.enum(['user', 'assistant', 'system']),
  content: z.string(),
  turn_id: z.string(),
  created_at: z.string(),
});

const InjectedWireSchema = z.object({
  id: z.string(),
  name: z.string(),
  version: z.string(),
  source: z.string().optional(),
  score: z.number().optional(),
});

export const TurnWireSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['chat', 'command']),
    command: z.string().nullable(),
    status: z.enum(['completed', 'failed', 'aborted']),
    user: MessageWireSchema,
    assistant: MessageWireSchema.nullable(),
    retrieval: RetrievalWireSchema.nullable(),
    injected: z.array(InjectedWireSchema),
    extraction_job_ids: z.array(z.string()),
    extraction: z.array(SessionExtractionEventWireSchema),
    extraction_receipt: z
      .object({ job_id: z.string().nullable(), status: z.string(), reason: z.string() })
      .nullable(),
    error: z.object({ message: z.string(), code: z.string() }).nullable(),
    trimmed: z.boolean(),
    created_at: z.string(),
    finished_at: z.string().nullable(),
  })
  .meta({ id: 'SessionTurn' });

export const SessionSummaryWireSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
    settings: SettingsWireSchema,
    message_count: z.number().int(),
    turn_count: z.number().int(),
    preview: z.string(),
  })
  .meta({ id: 'SessionSummary' });

export const SessionWireSchema = SessionSummaryWireSchema.extend({
  messages: z.array(MessageWireSchema),
  turns: z.array(TurnWireSchema),
}).meta({ id: 'Session' });

export const SessionAnswerSchema = z.object({ object: z.literal('session'), data: SessionWireSchema });
export const SessionListAnswerSchema = z.object({
  object: z.literal('list'),
  data: z.array(SessionSummaryWireSchema),
});
export const SessionDeletedAnswerSchema = z.object({
  ok: z.literal(true),
  deleted: z.literal(true),
  id: z.string(),
});
export const SessionExtractionAnswerSchema = z.object({
  object: z.literal('extraction_event'),
  data: SessionExtractionEventWireSchema,
  duplicate: z.boolean(),
});
export const MeAnswerSchema = z.object({
  object: z.literal('autoskill.me'),
  user_id: z.string(),
  auth_enabled: z.boolean(),
  is_admin: z.boolean(),
  principal: z.enum(['anonymous', 'application', 'user', 'admin']),
  default_settings: SettingsWireSchema,
  llm: z.object({ provider: z.string(), model: z.string().nullable(), online: z.boolean() }),
});

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function settingsToWire(settings: ChatSessionSettings): z.infer<typeof SettingsWireSchema> {
  return {
    scope: settings.scope,
    rewrite_mode: settings.rewriteMode,
    extract_mode: settings.extractMode,
    extract_turn_limit: settings.extractTurnLimit,
    min_score: settings.minScore,
    top_k: settings.topK,
  };
}

export function retrievalToWire(retrieval: RetrievalInfo): z.infer<typeof RetrievalWireSchema> {
  return retrievalInfoToWire(retrieval) as z.infer<typeof RetrievalWireSchema>;
}

export function sessionEventToWire(event: SessionJobEvent): z.infer<typeof SessionExtractionEventWireSchema> {
  return {
    ...eventToWire(event.event),
    session_id: event.sessionId,
    turn_id: event.turnId,
    hint: event.hint,
  };
}

function turnMessages(turn: ChatTurnRecord) {
  const user = {
    role: 'user' as const,
    content: turn.userText,
    turn_id: turn.id,
    created_at: iso(turn.createdAt),
  };
  const assistant =
    turn.replyText === null
      ? null
      : {
          role: turn.kind === 'chat' ? ('assistant' as const) : ('system' as const),
          content: turn.replyText,
          turn_id: turn.id,
          created_at: iso(turn.finishedAt ?? turn.createdAt),
        };
  return { user, assistant };
}

/** A turn; `events` holds the latest known event of its jobs (by job id). */
export function turnToWire(
  turn: ChatTurnRecord,
  events: ReadonlyMap<string, SessionJobEvent> = new Map(),
): z.infer<typeof TurnWireSchema> {
  const { user, assistant } = turnMessages(turn);
  return {
    id: turn.id,
    kind: turn.kind,
    command: turn.command,
    status: turn.status,
    user,
    assistant,
    retrieval: turn.retrieval ? retrievalToWire(turn.retrieval) : null,
    injected: turn.injected.map((skill) => ({
      id: skill.id,
      name: skill.name,
      version: skill.version,
      ...(skill.source !== undefined ? { source: skill.source } : {}),
      ...(skill.score !== undefined ? { score: skill.score } : {}),
    })),
    extraction_job_ids: turn.jobIds,
    extraction: turn.jobIds.flatMap((jobId) => {
      const event = events.get(jobId);
      return event ? [sessionEventToWire(event)] : [];
    }),
    extraction_receipt: turn.receipt
      ? { job_id: turn.receipt.jobId, status: turn.receipt.status, reason: turn.receipt.reason }
      : null,
    error: turn.error,
    trimmed: turn.trimmed,
    created_at: iso(turn.createdAt),
    finished_at: turn.finishedAt === null ? null : iso(turn.finishedAt),
  };
}

export function summaryToWire(summary: ChatSessionSummary): z.infer<typeof SessionSummaryWireSchema> {
  return {
    id: summary.id,
    title: summary.title,
    created_at: iso(summary.createdAt),
    updated_at: iso(summary.updatedAt),
    settings: settingsToWire(summary.settings),
    message_count: summary.messageCount,
    turn_count: summary.turnCount,
    preview: summary.preview,
  };
}

export function sessionToWire(
  record: ChatSessionRecord,
  summary: ChatSessionSummary,
  events: ReadonlyMap<string, SessionJobEvent> = new Map(),
): z.infer<typeof SessionWireSchema> {
  const messages = record.turns.flatMap((turn) => {
    const { user, assistant } = turnMessages(turn);
    return assistant ? [user, assistant] : [user];
  });
  return {
    ...summaryToWire(summary),
    messages,
    turns: record.turns.map((turn) => turnToWire(turn, events)),
  };
}
