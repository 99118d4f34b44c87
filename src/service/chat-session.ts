/**
 * @module The chat session engine shared by the web sessions API and the terminal chat (one turn pipeline,
 * DESIGN.md §3). A session keeps its own settings (scope, rewrite mode, extract mode and turn limit, min
 * score, top k) and its turns in a `ChatSessionStore`. One chat turn:
 *
 * 1. take the session's lock (turns of one session are serialised, never interleaved) and read it fresh;
 * 2. prepare the skill context with the engine's `prepareTurnContext` in the session's settings → a
 *    `retrieval` event (retrieval failing never fails the chat: no skills, and the error is reported);
 * 3. send an OpenAI chat body — the skill system message first, then the conversation — to the same chat
 *    upstream the proxy uses, streaming → `delta` events (the offline upstream says it is offline and
 *    lists the skills it would inject);
 * 4. store the turn (bounded in size), then, when the session's extract mode and turn limit say so, hand
 *    the conversation window to the shared job queue → an `extraction` event (`scheduled`); the chat
 *    never waits for extraction, whose later events reach `watch` subscribers;
 * 5. `done` with the stored turn (or `error` with the failed turn, which is stored too).
 *
 * Commands (`/extract_now [hint]`, `/extract_every <n>`, `/extract …`, `/rewrite …`, `/scope …`,
 * `/search <q>`, `/skills`, `/export <id>`, `/help`, `/clear`) run under the same lock and are stored as
 * turns of kind `command`. Cadence (`turnsSinceExtraction`) is part of the stored record, so `auto`
 * extraction keeps its rhythm across restarts (the original lost it — serving.md §11.2 item 23).
 */
import { randomBytes } from 'node:crypto';
import { AutoSkillError, errorMessage, isAutoSkillError } from '../shared/errors.js';
import {
  type ChatSessionRecord,
  type ChatSessionSettings,
  ChatSessionSettingsSchema,
  type ChatSessionStore,
  type ChatSessionSummary,
  type ChatTurnRecord,
  DEFAULT_SESSION_LIMITS,
  fitSessionRecord,
  SESSION_EXTRACT_MODES,
  SESSION_REWRITE_MODES,
  type SessionJob,
  sessionNotFound,
  summarizeSession,
  visibleBytes,
} from '../store/chat-session-store.js';
import type { JobEvent, JobMessage, JobReference } from '../store/job-store.js';
import { createEventChannel } from './chat-session-channel.js';
import {
  helpText,
  parseChatInput,
  parseModeArgument,
  parseScopeArgument,
  parseTurnLimitArgument,
  USAGE,
} from './chat-session-commands.js';
import { createKeyedLock } from './chat-session-lock.js';
import { type ChatModel, streamReply } from './chat-session-model.js';
import type { ServiceEngine } from './engine.js';
import type { JobEventBus } from './event-bus.js';
import { buildWindow, effectiveWindowSize, referenceFromHit } from './extraction-window.js';
import type { JobQueue, ServiceLogger } from './job-queue.js';
import {
  type ChatMessage,
  emptyRetrievalInfo,
  type InjectedSkill,
  type RetrievalInfo,
} from './turn-types.js';

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

const DEFAULT_TITLE = 'New chat';
const TITLE_CHARS = 32;
const MAX_JOB_WAIT_MS = 2000;

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

function publicMessage(error: unknown): string {
  return isAutoSkillError(error) ? error.message : 'Internal error';
}

function invalid(message: string, param: string): AutoSkillError {
  return new AutoSkillError('INVALID_INPUT', message, { details: { param } });
}

/** The conversation the model sees: the last completed chat turns as user/assistant pairs. */
function historyOf(record: ChatSessionRecord, turns: number): ChatMessage[] {
  const chat = record.turns.filter(
    (turn) => turn.kind === 'chat' && turn.status === 'completed' && turn.replyText !== null,
  );
  return chat.slice(-Math.max(0, turns)).flatMap((turn) => [
    { role: 'user', content: turn.userText },
    { role: 'assistant', content: turn.replyText ?? '' },
  ]);
}

function lastReference(record: ChatSessionRecord, userId: string): JobReference | null {
  for (let index = record.turns.length - 1; index >= 0; index -= 1) {
    const turn = record.turns[index];
    if (turn?.kind === 'chat' && turn.retrieval) return referenceFromHit(turn.retrieval.hits[0], userId);
  }
  return null;
}

export function createChatSessionService(options: ChatSessionServiceOptions): ChatSessionService {
  const { store, engine, model, queue, bus, jobs } = options;
  const now = options.now ?? Date.now;
  const generateId = options.generateId ?? ((prefix) => `${prefix}_${randomBytes(12).toString('hex')}`);
  const window = options.window ?? 6;
  const historyTurns = options.historyTurns ?? 50;
  const channel = options.channel ?? 'web';
  const exportMaxChars = options.exportMaxChars ?? 20_000;
  const maxSessions = options.maxSessionsPerUser ?? 500;
  const maxJobs = options.maxJobsPerSession ?? 100;
  const limits = {
    maxRecordBytes: options.maxRecordBytes ?? DEFAULT_SESSION_LIMITS.maxRecordBytes,
    maxVisibleBytes: options.maxVisibleBytes ?? DEFAULT_SESSION_LIMITS.maxVisibleBytes,
  };
  const defaults = ChatSessionSettingsSchema.parse(options.defaults);
  const modelName = options.modelName ?? model.defaultModel ?? 'autoskill';
  const lock = createKeyedLock({ defaultTimeoutMs: options.lockTimeoutMs ?? 120_000 });
  /** Live watchers per session, so jobs scheduled from now on reach them. */
  const watchers = new Map<string, Set<{ jobs: Map<string, SessionJob>; watcher: SessionWatcher }>>();

  const keyOf = (userId: string, sessionId: string) => `${userId}\u0000${sessionId}`;

  const require = async (userId: string, sessionId: string): Promise<ChatSessionRecord> => {
    const record = await store.get(userId, sessionId);
    if (!record) throw sessionNotFound(sessionId);
    return record;
  };

  const mergeSettings = (current: ChatSessionSettings, patch: Partial<ChatSessionSettings> | undefined) => {
    const result = ChatSessionSettingsSchema.safeParse({ ...current, ...(patch ?? {}) });
    if (!result.success) {
      const issue = result.error.issues[0];
      const field = issue?.path.map(String).join('.') ?? 'settings';
      throw invalid(`Invalid setting ${field}: ${issue?.message ?? 'invalid value'}`, `settings.${field}`);
    }
    return result.data;
  };

  const checkedTitle = (title: string | undefined): string | undefined => {
    if (title === undefined) return undefined;
    const trimmed = title.replace(/\s+/g, ' ').trim();
    if (!trimmed || [...trimmed].length > 200) throw invalid('The title must have 1–200 characters', 'title');
    return trimmed;
  };

  const save = async (record: ChatSessionRecord): Promise<ChatSessionRecord> => {
    const fitted = fitSessionRecord(record, limits);
    await store.save(fitted);
    return fitted;
  };

  const rememberJob = (record: ChatSessionRecord, job: SessionJob) => {
    record.jobs = [...record.jobs.filter((item) => item.jobId !== job.jobId), job].slice(-maxJobs);
    for (const entry of watchers.get(keyOf(record.userId, record.id)) ?? []) entry.jobs.set(job.jobId, job);
  };

  const asSessionEvent = (sessionId: string, job: SessionJob, event: JobEvent): SessionJobEvent => ({
    sessionId,
    turnId: job.turnId,
    hint: job.hint,
    event,
  });

  /** Schedules a job for the session (no await); the caller stores the record. */
  const schedule = (
    record: ChatSessionRecord,
    request: {
      window: JobMessage[];
      trigger: 'auto' | 'extract_now';
      turnId: string | null;
      hint: string | null;
      reference: JobReference | null;
    },
  ) => {
    const receipt = queue.schedule({
      userId: record.userId,
      window: request.window,
      trigger: request.trigger,
      hint: request.hint,
      forced: request.trigger === 'extract_now',
      reference: request.reference,
      metadata: {
        channel,
        session_id: record.id,
        ...(request.turnId ? { turn_id: request.turnId } : {}),
      },
    });
    const job: SessionJob = {
      jobId: receipt.jobId,
      turnId: request.turnId,
      trigger: request.trigger,
      hint: request.hint,
      createdAt: now(),
    };
    rememberJob(record, job);
    return { receipt, job };
  };

  /** The job's first stored event (bounded wait: storing a job takes milliseconds). */
  const firstEvent = async (
    userId: string,
    receipt: ReturnType<JobQueue['schedule']>,
  ): Promise<JobEvent | null> => {
    const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), MAX_JOB_WAIT_MS).unref());
    const persisted = await Promise.race([receipt.persisted, timeout]);
    if (!receipt.duplicate) return persisted;
    return (await jobs.jobEvents(userId, receipt.jobId).catch(() => [])).at(-1) ?? persisted;
  };

  const latestJobEvents = async (
    userId: string,
    sessionJobs: readonly SessionJob[],
  ): Promise<SessionJobEvent[]> => {
    const events = await Promise.all(
      sessionJobs.map(async (job) => {
        const latest = (await jobs.jobEvents(userId, job.jobId).catch(() => [])).at(-1);
        return latest ? asSessionEvent('', job, latest) : null;
      }),
    );
    return events.filter((event): event is SessionJobEvent => event !== null);
  };

  // ------------------------------------------------------------------------------------------ commands

  interface CommandResult {
    reply: string;
    retrieval?: RetrievalInfo;
    scheduled?: { receipt: ReturnType<JobQueue['schedule']>; job: SessionJob };
  }

  const runCommand = async (
    record: ChatSessionRecord,
    name: string,
    argument: string,
    turnId: string,
    abortSignal: AbortSignal | undefined,
  ): Promise<CommandResult> => {
    const userId = record.userId;
    const settings = record.settings;
    switch (name) {
      case '/help':
        return { reply: helpText() };
      case '/clear':
        record.turns = [];
        record.turnsSinceExtraction = 0;
        return { reply: 'Conversation cleared.' };
      case '/rewrite': {
        const mode = parseModeArgument(argument, SESSION_REWRITE_MODES);
        if (!mode) return { reply: USAGE['/rewrite'] ?? '' };
        record.settings = { ...settings, rewriteMode: mode };
        return { reply: `Rewrite mode: ${mode}` };
      }
      case '/extract': {
        const mode = parseModeArgument(argument, SESSION_EXTRACT_MODES);
        if (!mode) return { reply: USAGE['/extract'] ?? '' };
        record.settings = { ...settings, extractMode: mode };
        return { reply: `Extraction mode: ${mode}` };
      }
      case '/extract_every': {
        const limit = parseTurnLimitArgument(argument);
        if (limit === null) return { reply: USAGE['/extract_every'] ?? '' };
        record.settings = { ...settings, extractTurnLimit: limit };
        return { reply: `Extraction interval (turns): ${limit}` };
      }
      case '/scope': {
        const scope = parseScopeArgument(argument);
        if (!scope) return { reply: USAGE['/scope'] ?? '' };
        record.settings = { ...settings, scope };
        return { reply: `Skill scope: ${scope}` };
      }
      case '/search': {
        if (!argument) return { reply: USAGE['/search'] ?? '' };
        const prepared = await engine
          .prepareTurnContext({
            userId,
            messages: [{ role: 'user', content: argument }],
            scope: settings.scope,
            topK: Math.max(settings.topK, 5),
            minScore: settings.minScore,
            rewriteMode: 'never',
            ...(abortSignal ? { abortSignal } : {}),
          })
          .catch((error: unknown) => ({
            retrieval: emptyRetrievalInfo({
              query: argument,
              scope: settings.scope,
              now: now(),
              error: errorMessage(error),
            }),
          }));
        const retrieval: RetrievalInfo = {
          ...prepared.retrieval,
          selectedForContextIds: [],
          contextInjected: false,
        };
        const lines = retrieval.hits.map(
          (hit) => `${hit.rank}. ${hit.score.toFixed(4)} · ${hit.name} (${hit.id}) · ${hit.source}`,
        );
        if (retrieval.error) lines.push(`(search error: ${retrieval.error})`);
        return {
          reply: [`Search: ${argument}`, ...(lines.length > 0 ? lines : ['(no hits)'])].join('\n'),
          retrieval,
        };
      }
      case '/skills': {
        const skills = await options.listSkills(userId, 200);
        if (skills.length === 0) return { reply: '(no skills)' };
        return {
          reply: skills.map((skill) => `- ${skill.id} | v${skill.version} | ${skill.name}`).join('\n'),
        };
      }
      case '/export': {
        if (!argument) return { reply: USAGE['/export'] ?? '' };
        const skill = await engine.getSkill(argument);
        const visible =
          skill !== null && (skill.owner === userId || skill.readOnly || skill.owner.startsWith('library:'));
        const md = visible ? await engine.readSkillMd(argument) : null;
        if (md === null) return { reply: '(not found)' };
        return {
          reply: md.length > exportMaxChars ? `${md.slice(0, exportMaxChars)}\n\n...(truncated)...\n` : md,
        };
      }
      case '/extract_now': {
        const messages = historyOf(record, historyTurns);
        const jobWindow = buildWindow({ messages, size: window });
        if (!jobWindow.some((message) => message.role === 'user')) {
          return { reply: '(no conversation context to extract from)' };
        }
        const hint = argument || null;
        const scheduled = schedule(record, {
          window: jobWindow,
          trigger: 'extract_now',
          turnId,
          hint,
          reference: lastReference(record, userId),
        });
        const duplicate = scheduled.receipt.duplicate ? ' (the same conversation already has a job)' : '';
        return {
          reply: `[extract_now] scheduled in background${hint ? ` (hint: ${hint})` : ''}${duplicate}`,
          scheduled,
        };
      }
      default:
        return { reply: 'Unknown command. Use /help.' };
    }
  };

  // ---------------------------------------------------------------------------------------------- turns

  type Emit = (event: ChatSessionEvent) => void;

  const runCommandTurn = async (
    record: ChatSessionRecord,
    parsed: { name: string; argument: string; text: string },
    emit: Emit,
    abortSignal: AbortSignal | undefined,
  ) => {
    const turnId = generateId('turn');
    const createdAt = now();
    emit({ type: 'turn', sessionId: record.id, turnId, kind: 'command', command: parsed.name });
    let result: CommandResult;
    try {
      result = await runCommand(record, parsed.name, parsed.argument, turnId, abortSignal);
    } catch (error) {
      options.logger?.warn({ err: error, command: parsed.name }, 'a chat command failed');
      result = { reply: `${parsed.name} failed: ${publicMessage(error)}` };
    }
    if (result.retrieval) emit({ type: 'retrieval', turnId, retrieval: result.retrieval });
    emit({ type: 'delta', turnId, content: result.reply });
    const turn: ChatTurnRecord = {
      id: turnId,
      kind: 'command',
      command: parsed.name,
      status: 'completed',
      userText: parsed.text,
      replyText: result.reply,
      retrieval: result.retrieval ?? null,
      injected: [],
      jobIds: result.scheduled ? [result.scheduled.job.jobId] : [],
      receipt: result.scheduled
        ? {
            jobId: result.scheduled.receipt.jobId,
            status: result.scheduled.receipt.status,
            reason: result.scheduled.receipt.reason,
          }
        : null,
      error: null,
      trimmed: false,
      createdAt,
      finishedAt: now(),
    };
    record.turns.push(turn);
    record.updatedAt = now();
    const saved = await save(record);
    if (result.scheduled) {
      const event = await firstEvent(record.userId, result.scheduled.receipt);
      if (event)
        emit({ type: 'extraction', extraction: asSessionEvent(record.id, result.scheduled.job, event) });
    }
    emit({ type: 'done', turn, session: summarizeSession(saved) });
  };

  const runChatTurn = async (
    record: ChatSessionRecord,
    text: string,
    emit: Emit,
    abortSignal: AbortSignal | undefined,
  ) => {
    const userId = record.userId;
    const settings = record.settings;
    if (visibleBytes(record) + Buffer.byteLength(text, 'utf8') > limits.maxVisibleBytes) {
      throw new AutoSkillError('CONFLICT', 'This session is full; start a new session', {
        details: { sessionId: record.id },
      });
    }
    const turnId = generateId('turn');
    const createdAt = now();
    emit({ type: 'turn', sessionId: record.id, turnId, kind: 'chat', command: null });

    const history = [...historyOf(record, historyTurns), { role: 'user', content: text }];
    let retrieval: RetrievalInfo;
    let systemMessage: string | null = null;
    let injected: InjectedSkill[] = [];
    try {
      const prepared = await engine.prepareTurnContext({
        userId,
        messages: history,
        scope: settings.scope,
        topK: settings.topK,
        minScore: settings.minScore,
        rewriteMode: settings.rewriteMode,
        ...(abortSignal ? { abortSignal } : {}),
      });
      retrieval = prepared.retrieval;
      systemMessage = prepared.systemMessage;
      injected = prepared.injected;
    } catch (error) {
      options.logger?.warn({ err: error, userId }, 'skill retrieval failed; answering without skills');
      retrieval = emptyRetrievalInfo({
        query: text,
        scope: settings.scope,
        now: now(),
        error: errorMessage(error),
      });
    }
    emit({ type: 'retrieval', turnId, retrieval });

    const messages: ChatMessage[] = systemMessage
      ? [{ role: 'system', content: systemMessage }, ...history]
      : history;
    let reply = '';
    let status: ChatTurnRecord['status'] = 'completed';
    let failure: { message: string; code: string } | null = null;
    try {
      for await (const piece of streamReply({
        model,
        body: {
          model: modelName,
          messages,
          ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
        },
        ...(abortSignal ? { abortSignal } : {}),
        injected,
        requestId: turnId,
      })) {
        reply += piece;
        emit({ type: 'delta', turnId, content: piece });
      }
      if (!reply) {
        reply = '(empty response)';
        emit({ type: 'delta', turnId, content: reply });
      }
    } catch (error) {
      status = abortSignal?.aborted || isAutoSkillError(error, 'ABORTED') ? 'aborted' : 'failed';
      failure = { message: publicMessage(error), code: errorCodeOf(error) };
      if (!isAutoSkillError(error)) options.logger?.error({ err: error }, 'a chat turn failed');
    }

    const turn: ChatTurnRecord = {
      id: turnId,
      kind: 'chat',
      command: null,
      status,
      userText: text,
      replyText: reply || null,
      retrieval,
      injected,
      jobIds: [],
      receipt: null,
      error: failure,
      trimmed: false,
      createdAt,
      finishedAt: now(),
    };
    if (record.titleSource === 'auto' && !record.turns.some((item) => item.kind === 'chat')) {
      record.title = titleFromText(text);
    }

    let scheduled: ReturnType<typeof schedule> | null = null;
    if (status === 'completed') {
      record.turnsSinceExtraction += 1;
      const due =
        settings.extractMode === 'always' ||
        (settings.extractMode === 'auto' && record.turnsSinceExtraction >= settings.extractTurnLimit);
      if (!due) {
        turn.receipt = {
          jobId: null,
          status: settings.extractMode === 'never' ? 'disabled' : 'skipped',
          reason:
            settings.extractMode === 'never'
              ? 'extract mode is never (on demand only)'
              : `next extraction after ${settings.extractTurnLimit - record.turnsSinceExtraction} more turn(s)`,
        };
      } else {
        const jobWindow = buildWindow({
          messages: history,
          assistantText: reply,
          size: effectiveWindowSize(window, settings.extractMode, settings.extractTurnLimit),
        });
        try {
          scheduled = schedule(record, {
            window: jobWindow,
            trigger: 'auto',
            turnId,
            hint: null,
            reference: referenceFromHit(retrieval.hits[0], userId),
          });
          record.turnsSinceExtraction = 0;
          turn.jobIds = [scheduled.job.jobId];
          turn.receipt = {
            jobId: scheduled.receipt.jobId,
            status: scheduled.receipt.status,
            reason:
              settings.extractMode === 'always'
                ? 'extract mode is always'
                : `every ${settings.extractTurnLimit} turn(s)`,
          };
        } catch (error) {
          options.logger?.warn({ err: error }, 'scheduling extraction failed');
          turn.receipt = { jobId: null, status: 'failed', reason: publicMessage(error) };
        }
      }
    }
    record.turns.push(turn);
    record.updatedAt = now();
    const saved = await save(record);
    if (scheduled) {
      const event = await firstEvent(userId, scheduled.receipt);
      if (event) emit({ type: 'extraction', extraction: asSessionEvent(record.id, scheduled.job, event) });
    }
    if (failure) emit({ type: 'error', turn, error: failure });
    else emit({ type: 'done', turn, session: summarizeSession(saved) });
  };

  // ------------------------------------------------------------------------------------------- service

  return {
    defaults,

    async create(userId, input = {}) {
      if ((await store.count(userId)) >= maxSessions) {
        throw new AutoSkillError(
          'CONFLICT',
          `You have ${maxSessions} sessions, the most a user may keep; delete some first`,
          { details: { maxSessions } },
        );
      }
      const title = checkedTitle(input.title);
      const at = now();
      const record: ChatSessionRecord = {
        version: 1,
        id: generateId('ses'),
        userId,
        title: title ?? DEFAULT_TITLE,
        titleSource: title === undefined ? 'auto' : 'user',
        createdAt: at,
        updatedAt: at,
        settings: mergeSettings(defaults, input.settings),
        turns: [],
        jobs: [],
        turnsSinceExtraction: 0,
      };
      await store.create(record);
      return record;
    },

    list: (userId, { limit } = {}) => store.list(userId, limit === undefined ? {} : { limit }),

    get: require,

    async update(userId, sessionId, input) {
      const title = checkedTitle(input.title);
      const release = await lock.acquire(keyOf(userId, sessionId));
      try {
        const record = await require(userId, sessionId);
        if (title !== undefined) {
          record.title = title;
          record.titleSource = 'user';
        }
        record.settings = mergeSettings(record.settings, input.settings);
        record.updatedAt = now();
        return await save(record);
      } finally {
        release();
      }
    },

    async delete(userId, sessionId) {
      const release = await lock.acquire(keyOf(userId, sessionId));
      try {
        if (!(await store.delete(userId, sessionId))) throw sessionNotFound(sessionId);
      } finally {
        release();
      }
      const key = keyOf(userId, sessionId);
      for (const entry of watchers.get(key) ?? []) entry.watcher.onClose();
      watchers.delete(key);
    },

    send(userId, sessionId, content, { abortSignal } = {}) {
      const events = createEventChannel<ChatSessionEvent>();
      const parsed = parseChatInput(content);
      void (async () => {
        if (parsed.kind === 'empty') throw invalid('The message is empty', 'content');
        const release = await lock.acquire(
          keyOf(userId, sessionId),
          abortSignal ? { signal: abortSignal } : {},
        );
        try {
          const record = await require(userId, sessionId);
          const emit: Emit = (event) => events.push(event);
          if (parsed.kind === 'command') await runCommandTurn(record, parsed, emit, abortSignal);
          else await runChatTurn(record, parsed.text, emit, abortSignal);
        } finally {
          release();
        }
      })().then(
        () => events.close(),
        (error: unknown) => {
          if (!isAutoSkillError(error))
            options.logger?.error({ err: error, sessionId }, 'a chat turn failed');
          events.fail(error);
        },
      );
      return events;
    },

    async extractNow(userId, sessionId, { hint } = {}) {
      const release = await lock.acquire(keyOf(userId, sessionId));
      try {
        const record = await require(userId, sessionId);
        const jobWindow = buildWindow({ messages: historyOf(record, historyTurns), size: window });
        if (!jobWindow.some((message) => message.role === 'user')) {
          throw invalid(
            'There is no conversation context to extract from yet: send a message first',
            'session_id',
          );
        }
        const trimmedHint = hint?.trim() ? hint.trim() : null;
        const scheduled = schedule(record, {
          window: jobWindow,
          trigger: 'extract_now',
          turnId: null,
          hint: trimmedHint,
          reference: lastReference(record, userId),
        });
        record.updatedAt = now();
        await save(record);
        const event = await firstEvent(userId, scheduled.receipt);
        if (!event) {
          throw new AutoSkillError(
            'INTERNAL',
            'The extraction job could not be stored; nothing was scheduled',
            {
              details: { jobId: scheduled.receipt.jobId },
            },
          );
        }
        return {
          extraction: asSessionEvent(sessionId, scheduled.job, event),
          duplicate: scheduled.receipt.duplicate,
        };
      } finally {
        release();
      }
    },

    latestJobEvents,

    async watch(userId, sessionId, watcher, { replayJobs = 20 } = {}) {
      const record = await require(userId, sessionId);
      const key = keyOf(userId, sessionId);
      const entry = { jobs: new Map(record.jobs.map((job) => [job.jobId, job])), watcher };
      const seen = new Set<string>();
      const buffered: SessionJobEvent[] = [];
      let replaying = true;
      const deliver = (event: SessionJobEvent) => {
        if (seen.has(event.event.eventId)) return;
        seen.add(event.event.eventId);
        watcher.onEvent(event);
      };
      const set = watchers.get(key) ?? new Set();
      set.add(entry);
      watchers.set(key, set);
      // Subscribe before reading the replay, so nothing published in between is lost.
      const unsubscribe = bus.subscribe(
        { userId },
        {
          onEvent(event) {
            const job = entry.jobs.get(event.jobId);
            if (!job) return;
            const item = asSessionEvent(sessionId, job, event);
            if (replaying) buffered.push(item);
            else deliver(item);
          },
          onClose: () => watcher.onClose(),
        },
      );
      const stop = () => {
        unsubscribe();
        set.delete(entry);
        if (set.size === 0 && watchers.get(key) === set) watchers.delete(key);
      };
      try {
        const replay = await latestJobEvents(userId, record.jobs.slice(-Math.max(0, replayJobs)));
        for (const event of replay) deliver({ ...event, sessionId });
      } catch (error) {
        stop();
        throw error;
      }
      replaying = false;
      for (const event of buffered.splice(0)) deliver(event);
      return { stop };
    },
  };
}
