/**
 * @module The `ChatSessionStore` contract: durable chat sessions of the web UI (and any client of the
 * sessions API), one record per session, owned by one user. Storage-neutral and small: the in-memory
 * store (tests, the terminal chat), the filesystem store (`.autoskill/sessions/<user>/`) and a later
 * PostgreSQL store implement it. The record is plain JSON data validated by the schemas below; the
 * session engine (`src/service/chat-session.ts`) decides what goes in it and serialises writes per
 * session. Also the size policy every implementation shares (`fitSessionRecord`): old turns lose their
 * details first, never the text the user saw.
 */
import { z } from 'zod';
import { AutoSkillError } from '../shared/errors.js';

export const SESSION_SCOPES = ['user', 'library', 'all'] as const;
export const SESSION_REWRITE_MODES = ['never', 'auto', 'always'] as const;
export const SESSION_EXTRACT_MODES = ['auto', 'always', 'never'] as const;

/** A session's retrieval and extraction settings (no user, store or model overrides, by design). */
export const ChatSessionSettingsSchema = z
  .object({
    scope: z.enum(SESSION_SCOPES),
    rewriteMode: z.enum(SESSION_REWRITE_MODES),
    extractMode: z.enum(SESSION_EXTRACT_MODES),
    /** In `auto`: extract after every N completed chat turns. */
    extractTurnLimit: z.number().int().min(1).max(1000),
    minScore: z.number().min(0).max(1),
    topK: z.number().int().min(1).max(20),
  })
  .strict();
export type ChatSessionSettings = z.infer<typeof ChatSessionSettingsSchema>;

const StoredHitSchema = z.object({
  rank: z.number(),
  score: z.number(),
  id: z.string(),
  name: z.string(),
  description: z.string(),
  resourcePaths: z.array(z.string()),
  source: z.string(),
  owner: z.string(),
  version: z.string(),
});

/** What retrieval did for a turn (the service's `RetrievalInfo`, kept as data). */
export const StoredRetrievalSchema = z.object({
  originalQuery: z.string(),
  rewrittenQuery: z.string().nullable(),
  searchQuery: z.string(),
  eventTime: z.number(),
  scope: z.enum(SESSION_SCOPES),
  topK: z.number(),
  minScore: z.number(),
  hits: z.array(StoredHitSchema),
  hitsUser: z.array(StoredHitSchema),
  hitsLibrary: z.array(StoredHitSchema),
  selectedForUseIds: z.array(z.string()),
  selectedForContextIds: z.array(z.string()),
  contextInjected: z.boolean(),
  error: z.string().nullable(),
});
export type StoredRetrieval = z.infer<typeof StoredRetrievalSchema>;

export const StoredInjectedSkillSchema = z.object({
  id: z.string(),
  name: z.string(),
  version: z.string(),
  source: z.string().optional(),
  score: z.number().optional(),
});

export const ChatTurnRecordSchema = z.object({
  id: z.string().min(1),
  /** `chat`: a message to the model; `command`: `/scope user`, `/extract_now`… */
  kind: z.enum(['chat', 'command']),
  /** The command name (`/scope`), commands only. */
  command: z.string().nullable(),
  status: z.enum(['completed', 'failed', 'aborted']),
  /** What the user sent. */
  userText: z.string(),
  /** The model's reply (chat) or the command's answer; null when nothing came back. */
  replyText: z.string().nullable(),
  retrieval: StoredRetrievalSchema.nullable(),
  injected: z.array(StoredInjectedSkillSchema),
  /** Extraction jobs this turn scheduled. */
  jobIds: z.array(z.string()),
  /** Whether and why extraction was (not) scheduled after this turn. */
  receipt: z.object({ jobId: z.string().nullable(), status: z.string(), reason: z.string() }).nullable(),
  error: z.object({ message: z.string(), code: z.string() }).nullable(),
  /** True once old details (retrieval, injected skills) were dropped to bound the record's size. */
  trimmed: z.boolean(),
  /** Epoch milliseconds. */
  createdAt: z.number(),
  finishedAt: z.number().nullable(),
});
export type ChatTurnRecord = z.infer<typeof ChatTurnRecordSchema>;

/** One extraction job started from the session (by a turn, or by "extract now" with no turn). */
export const SessionJobSchema = z.object({
  jobId: z.string().min(1),
  turnId: z.string().nullable(),
  trigger: z.string(),
  hint: z.string().nullable().default(null),
  createdAt: z.number(),
});
export type SessionJob = z.infer<typeof SessionJobSchema>;

export const CHAT_SESSION_RECORD_VERSION = 1;

export const ChatSessionRecordSchema = z.object({
  version: z.literal(CHAT_SESSION_RECORD_VERSION),
  id: z.string().min(1),
  userId: z.string().min(1),
  title: z.string(),
  /** `auto`: taken from the first message (until renamed); `user`: set by the user. */
  titleSource: z.enum(['auto', 'user']),
  createdAt: z.number(),
  updatedAt: z.number(),
  settings: ChatSessionSettingsSchema,
  turns: z.array(ChatTurnRecordSchema),
  /** The most recent jobs of the session (bounded), oldest first. */
  jobs: z.array(SessionJobSchema),
  /** Completed chat turns since the last automatic extraction (the `auto` cadence survives restarts). */
  turnsSinceExtraction: z.number().int().min(0),
});
export type ChatSessionRecord = z.infer<typeof ChatSessionRecordSchema>;

/** What a session list shows, without the turns (cheap to list). */
export const ChatSessionSummarySchema = z.object({
  id: z.string(),
  userId: z.string(),
  title: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
  settings: ChatSessionSettingsSchema,
  messageCount: z.number().int().min(0),
  turnCount: z.number().int().min(0),
  /** The last visible message, at most 120 characters. */
  preview: z.string(),
});
export type ChatSessionSummary = z.infer<typeof ChatSessionSummarySchema>;

export interface ListChatSessionsOptions {
  /** @default 100 */
  limit?: number;
}

/**
 * Durable chat sessions. Every call names the user; a session of another user is simply not found. The
 * caller serialises writes to one session (the engine's per-session lock); `save` replaces the record.
 */
export interface ChatSessionStore {
  open(): Promise<void>;
  close(): Promise<void>;
  /** Stores a new session; `CONFLICT` when the id exists. */
  create(record: ChatSessionRecord): Promise<void>;
  get(userId: string, sessionId: string): Promise<ChatSessionRecord | null>;
  /** The user's sessions, most recently updated first. */
  list(userId: string, options?: ListChatSessionsOptions): Promise<ChatSessionSummary[]>;
  /** Number of sessions the user has. */
  count(userId: string): Promise<number>;
  /** Replaces a session's record; `NOT_FOUND` when it was deleted meanwhile. */
  save(record: ChatSessionRecord): Promise<void>;
  /** True when something was deleted. */
  delete(userId: string, sessionId: string): Promise<boolean>;
}

const SESSION_ID = /^[A-Za-z0-9_-]{1,80}$/;

/** Session ids are safe as file names (letters, digits, `_`, `-`; at most 80). */
export function isValidSessionId(id: string): boolean {
  return SESSION_ID.test(id);
}

export function sessionNotFound(sessionId: string): AutoSkillError {
  return new AutoSkillError('NOT_FOUND', 'Session not found', {
    details: { param: 'session_id', sessionId: sessionId.slice(0, 80) },
  });
}

const PREVIEW_CHARS = 120;

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** The visible messages of a turn: the user's text and, when there is one, the reply. */
export function visibleMessageCount(turn: ChatTurnRecord): number {
  return turn.replyText === null ? 1 : 2;
}

export function summarizeSession(record: ChatSessionRecord): ChatSessionSummary {
  let messageCount = 0;
  for (const turn of record.turns) messageCount += visibleMessageCount(turn);
  let preview = '';
  for (let index = record.turns.length - 1; index >= 0 && !preview; index -= 1) {
    const turn = record.turns[index];
    if (!turn) continue;
    preview = collapse(turn.replyText ?? '') || collapse(turn.userText);
  }
  return {
    id: record.id,
    userId: record.userId,
    title: record.title,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    settings: record.settings,
    messageCount,
    turnCount: record.turns.length,
    preview: preview.length > PREVIEW_CHARS ? `${preview.slice(0, PREVIEW_CHARS - 1)}…` : preview,
  };
}

export interface SessionSizeLimits {
  /** Bytes of JSON the record should stay under; old turns' details are dropped to get there. @default 2 MiB */
  maxRecordBytes?: number;
  /** Bytes the visible text (messages) may reach; over it the record is refused. @default 8 MiB */
  maxVisibleBytes?: number;
}

export const DEFAULT_SESSION_LIMITS: Required<SessionSizeLimits> = {
  maxRecordBytes: 2 * 1024 * 1024,
  maxVisibleBytes: 8 * 1024 * 1024,
};

export function visibleBytes(record: ChatSessionRecord): number {
  let total = 0;
  for (const turn of record.turns) {
    total += Buffer.byteLength(turn.userText, 'utf8');
    if (turn.replyText !== null) total += Buffer.byteLength(turn.replyText, 'utf8');
  }
  return total;
}

function recordBytes(record: ChatSessionRecord): number {
  return Buffer.byteLength(JSON.stringify(record), 'utf8');
}

/**
 * The record bounded in size: while its JSON is larger than `maxRecordBytes`, the oldest untrimmed turn
 * loses its retrieval details (the text the user saw always stays). A record whose visible text alone is
 * over `maxVisibleBytes` is refused with `CONFLICT` (the session is full: start a new one).
 */
export function fitSessionRecord(
  record: ChatSessionRecord,
  limits: SessionSizeLimits = {},
): ChatSessionRecord {
  const maxRecordBytes = limits.maxRecordBytes ?? DEFAULT_SESSION_LIMITS.maxRecordBytes;
  const maxVisibleBytes = limits.maxVisibleBytes ?? DEFAULT_SESSION_LIMITS.maxVisibleBytes;
  if (visibleBytes(record) > maxVisibleBytes) {
    throw new AutoSkillError(
      'CONFLICT',
      'This session is full (its messages passed the size limit); start a new session',
      { details: { sessionId: record.id, maxVisibleBytes } },
    );
  }
  let size = recordBytes(record);
  if (size <= maxRecordBytes) return record;
  const turns = [...record.turns];
  // Keep the newest turn's details: the UI is showing them right now.
  for (let index = 0; index < turns.length - 1 && size > maxRecordBytes; index += 1) {
    const turn = turns[index];
    if (!turn || turn.trimmed) continue;
    const trimmed: ChatTurnRecord = { ...turn, retrieval: null, injected: [], trimmed: true };
    size -= Buffer.byteLength(JSON.stringify(turn)) - Buffer.byteLength(JSON.stringify(trimmed));
    turns[index] = trimmed;
  }
  return { ...record, turns };
}
