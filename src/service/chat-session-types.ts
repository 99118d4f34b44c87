/** @module The chat session service's contract: its events, inputs, watcher and options. */
import type {
  ChatSessionRecord,
  ChatSessionSettings,
  ChatSessionStore,
  ChatSessionSummary,
  ChatTurnRecord,
  SessionJob,
} from '../store/chat-session-store.js';
import type { JobEvent } from '../store/job-store.js';
import type { ChatModel } from './chat-session-model.js';
import type { ServiceEngine } from './engine.js';
import type { JobEventBus } from './event-bus.js';
import type { JobQueue, ServiceLogger } from './job-queue.js';
import type { RetrievalInfo } from './turn-types.js';

/** A job event as a session reports it: the job's event plus the session, turn and hint it belongs to. */
export interface SessionJobEvent {
  sessionId: string;
  /** Null for "extract now" outside a turn. */
  turnId: string | null;
  hint: string | null;
  event: JobEvent;
}

/** The events of one turn, in order: `turn`, `retrieval`?, `delta`*, `extraction`?, then `done` or `error`. */
export type ChatSessionEvent =
  | {
      type: 'turn';
      sessionId: string;
      turnId: string;
      kind: ChatTurnRecord['kind'];
      command: string | null;
    }
  | { type: 'retrieval'; turnId: string; retrieval: RetrievalInfo }
  | { type: 'delta'; turnId: string; content: string }
  | { type: 'extraction'; extraction: SessionJobEvent }
  | { type: 'done'; turn: ChatTurnRecord; session: ChatSessionSummary }
  | { type: 'error'; turn: ChatTurnRecord | null; error: { message: string; code: string } };

export interface SessionInput {
  title?: string;
  settings?: Partial<ChatSessionSettings>;
}

export interface ScheduledSessionExtraction {
  extraction: SessionJobEvent;
  duplicate: boolean;
}

export interface SessionWatcher {
  onEvent(event: SessionJobEvent): void;
  /** The session was deleted or the server is shutting down. */
  onClose(): void;
}

/** A skill as `/skills` lists it. */
export interface SkillListing {
  id: string;
  name: string;
  version: string;
}

export interface ChatSessionService {
  /** Settings of new sessions. */
  readonly defaults: ChatSessionSettings;
  create(userId: string, input?: SessionInput): Promise<ChatSessionRecord>;
  list(userId: string, options?: { limit?: number }): Promise<ChatSessionSummary[]>;
  /** `NOT_FOUND` for an unknown session or another user's. */
  get(userId: string, sessionId: string): Promise<ChatSessionRecord>;
  update(userId: string, sessionId: string, input: SessionInput): Promise<ChatSessionRecord>;
  delete(userId: string, sessionId: string): Promise<void>;
  /**
   * Runs one message (chat or command) as its own task and returns its events. The turn is stored whatever
   * the reader does; an `abortSignal` (the client left) aborts the model call and stores the turn as
   * `aborted`. Errors before the turn starts (unknown session, busy, full) end the iteration with a throw.
   */
  send(
    userId: string,
    sessionId: string,
    content: string,
    options?: { abortSignal?: AbortSignal },
  ): AsyncIterable<ChatSessionEvent>;
  /** A forced extraction of the session's recent messages (the "extract now" button). */
  extractNow(
    userId: string,
    sessionId: string,
    options?: { hint?: string },
  ): Promise<ScheduledSessionExtraction>;
  /** The latest event of each of the given jobs (missing jobs are left out). */
  latestJobEvents(userId: string, jobs: readonly SessionJob[]): Promise<SessionJobEvent[]>;
  /**
   * Follows the session's extraction jobs: first the latest event of its `replayJobs` most recent jobs
   * (oldest first), then each new event as it is published, all through `watcher.onEvent` (some calls
   * happen before the promise settles). `stop` ends the subscription. @default replayJobs 20
   */
  watch(
    userId: string,
    sessionId: string,
    watcher: SessionWatcher,
    options?: { replayJobs?: number },
  ): Promise<{ stop: () => void }>;
}

export interface ChatSessionServiceOptions {
  store: ChatSessionStore;
  /** Retrieval (`prepareTurnContext`) and skill reads for `/export`. */
  engine: Pick<ServiceEngine, 'prepareTurnContext' | 'getSkill' | 'readSkillMd'>;
  /** The user's own skills, for `/skills`. */
  listSkills(userId: string, limit: number): Promise<SkillListing[]>;
  model: ChatModel;
  queue: Pick<JobQueue, 'schedule'>;
  /** Where job events are read from (the job store or the extraction service). */
  jobs: { jobEvents(userId: string, jobId: string): Promise<JobEvent[]> };
  bus: JobEventBus;
  /** Settings of new sessions (the server's flags). */
  defaults: ChatSessionSettings;
  /** Messages handed to the extractor (the seeds' ingest window). @default 6 */
  window?: number;
  /** The `model` of chat requests. @default `model.defaultModel`, else 'autoskill' */
  modelName?: string;
  /** Sent as `temperature` when set. @default unset (the model's default) */
  temperature?: number;
  /** Completed chat turns sent to the model as history. @default 50 */
  historyTurns?: number;
  /** `channel` label of the jobs this service schedules. @default 'web' */
  channel?: string;
  /** Characters of SKILL.md `/export` replies with before truncating. @default 20000 */
  exportMaxChars?: number;
  /** @default 500 */
  maxSessionsPerUser?: number;
  /** @default 2 MiB */
  maxRecordBytes?: number;
  /** @default 8 MiB */
  maxVisibleBytes?: number;
  /** How long a message waits for the session's previous turn. @default 120000 */
  lockTimeoutMs?: number;
  /** Jobs remembered per session (for its event stream). @default 100 */
  maxJobsPerSession?: number;
  logger?: ServiceLogger;
  /** Epoch milliseconds. @default Date.now */
  now?: () => number;
  /** `ses_…`, `turn_…` ids. @default prefix + 24 random hex digits */
  generateId?: (prefix: 'ses' | 'turn') => string;
}
