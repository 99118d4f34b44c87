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
 *
 * Parts: `chat-session-types.ts` (contract), `chat-session-runtime.ts` (shared state, saving, scheduling),
 * `chat-session-chat-turn.ts`, `chat-session-command-turn.ts`, `chat-session-watch.ts`,
 * `chat-session-records.ts` (pure helpers).
 */
import { AutoSkillError, isAutoSkillError } from '../shared/errors.js';
import { type ChatSessionRecord, sessionNotFound } from '../store/chat-session-store.js';
import { createEventChannel } from './chat-session-channel.js';
import { runChatTurn } from './chat-session-chat-turn.js';
import { runCommandTurn } from './chat-session-command-turn.js';
import { parseChatInput } from './chat-session-commands.js';
import {
  asSessionEvent,
  checkedTitle,
  DEFAULT_TITLE,
  historyOf,
  invalid,
  lastReference,
  mergeSettings,
} from './chat-session-records.js';
import { createSessionRuntime, type Emit } from './chat-session-runtime.js';
import type {
  ChatSessionEvent,
  ChatSessionService,
  ChatSessionServiceOptions,
} from './chat-session-types.js';
import { watchSession } from './chat-session-watch.js';
import { buildWindow } from './extraction-window.js';

export { errorCodeOf, titleFromText } from './chat-session-records.js';
export type {
  ChatSessionEvent,
  ChatSessionService,
  ChatSessionServiceOptions,
  ScheduledSessionExtraction,
  SessionInput,
  SessionJobEvent,
  SessionWatcher,
  SkillListing,
} from './chat-session-types.js';

export function createChatSessionService(options: ChatSessionServiceOptions): ChatSessionService {
  const runtime = createSessionRuntime(options);
  const { store } = options;
  const { now, lock, keyOf, require, save, defaults } = runtime;

  return {
    defaults,

    async create(userId, input = {}) {
      const maxSessions = runtime.maxSessions;
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
        id: runtime.generateId('ses'),
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
      for (const entry of runtime.watchers.get(key) ?? []) entry.watcher.onClose();
      runtime.watchers.delete(key);
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
          if (parsed.kind === 'command') await runCommandTurn(runtime, record, parsed, emit, abortSignal);
          else await runChatTurn(runtime, record, parsed.text, emit, abortSignal);
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
        const jobWindow = buildWindow({
          messages: historyOf(record, runtime.historyTurns),
          size: runtime.window,
        });
        if (!jobWindow.some((message) => message.role === 'user')) {
          throw invalid(
            'There is no conversation context to extract from yet: send a message first',
            'session_id',
          );
        }
        const trimmedHint = hint?.trim() ? hint.trim() : null;
        const scheduled = runtime.schedule(record, {
          window: jobWindow,
          trigger: 'extract_now',
          turnId: null,
          hint: trimmedHint,
          reference: lastReference(record, userId),
        });
        record.updatedAt = now();
        await save(record);
        const event = await runtime.firstEvent(userId, scheduled.receipt);
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

    latestJobEvents: runtime.latestJobEvents,

    watch: (userId, sessionId, watcher, { replayJobs = 20 } = {}) =>
      watchSession(runtime, { userId, sessionId, watcher, replayJobs }),
  };
}
