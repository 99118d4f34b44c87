/**
 * @module The two small interfaces through which a chat entry point (the proxy today; the web UI, the
 * terminal chat and OpenClaw later) talks to the skill machinery: a `SkillContextProvider` that prepares
 * the skill system message for one request, and a `TurnObserver` told about every finished turn. Also
 * trivial implementations: no skills, a fixed context (tests, previews) and a recording observer.
 */
import { z } from 'zod';
import {
  emptyRetrievalInfo,
  type InjectedSkill,
  type PreparedSkillContext,
  type RetrievalInfo,
  type RetrievalScope,
} from '../retrieve/types.js';

// The retrieve layer owns the shapes of a turn's retrieval; the service speaks them as they are.
export type { InjectedSkill, PreparedSkillContext, RetrievalHit, RetrievalInfo } from '../retrieve/types.js';

/**
 * One chat message as a client sent it (OpenAI chat shape). Only `role` is required; everything else
 * (content parts, images, `tool_calls`, `name`, unknown fields) is kept untouched.
 */
export const ChatMessageSchema = z.looseObject({
  role: z.string().min(1),
  content: z.unknown().optional(),
});
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

/** Whose skills a request may see: the user's own, the read-only libraries, or both. */
export type SkillScope = RetrievalScope;

export interface PrepareSkillContextInput {
  /** Already validated (safe as a folder name). */
  userId: string;
  /** The client's messages, untouched. */
  messages: readonly ChatMessage[];
  /** Narrowed by the request when it asked for a narrower scope than the server default. */
  scope?: SkillScope;
  requestId: string;
  /** Aborts when the client disconnects or the server's retrieval deadline passes. */
  abortSignal?: AbortSignal;
}

/**
 * Prepares the skill context for one chat request. Must never throw for retrieval failures: it returns
 * `systemMessage: null` and an `error` instead (the chat goes on without skills, and it is logged). The
 * proxy still guards against a provider that throws or hangs.
 */
export interface SkillContextProvider {
  prepare(input: PrepareSkillContextInput): Promise<PreparedSkillContext>;
}

/** How a turn ended. Only `completed` turns may be used for extraction. */
export type TurnStatus = 'completed' | 'failed' | 'aborted';

/** Everything an observer learns about one finished chat turn. */
export interface CompletedTurn {
  requestId: string;
  userId: string;
  scope?: SkillScope;
  /** The model the client asked for. */
  model: string;
  stream: boolean;
  /** The client's messages, as sent (without the injected skill message). */
  messages: readonly ChatMessage[];
  /** Text of the first choice (accumulated from the stream, or taken from the response); null on failure. */
  assistantText: string | null;
  /** `finish_reason` of the first choice, when known. */
  finishReason: string | null;
  /** Tool calls of the first choice, as the upstream sent them (arguments as text). */
  toolCalls: Array<{ id?: string; name: string; arguments: string }>;
  status: TurnStatus;
  /** Set when `status` is `failed`: the upstream status (when there was one) and its message. */
  error?: { statusCode?: number; message: string };
  usage?: { promptTokens?: number; completionTokens?: number; totalTokens?: number };
  injected: InjectedSkill[];
  retrieval?: RetrievalInfo;
  /** Epoch milliseconds. */
  startedAt: number;
  endedAt: number;
}

/** What an observer reports back synchronously (for the non-stream `autoskill.extraction` field). */
export interface TurnReceipt {
  extraction?: {
    jobId: string | null;
    /** The original's statuses plus `skipped` (mode `never`, not due yet, failed turn…). */
    status: 'scheduled' | 'running' | 'completed' | 'failed' | 'disabled' | 'skipped';
    reason?: string;
  };
}

/**
 * Told about every finished turn; schedules extraction in the background and returns at once (it is never
 * awaited by the response path, and a throw is logged, not shown to the client). Implementations must not
 * extract from turns whose `status` is not `completed`.
 */
export interface TurnObserver {
  onTurnComplete(turn: CompletedTurn): TurnReceipt | undefined;
}

// Built by the retrieve layer, which records retrievals; importable from here as before.
export { emptyRetrievalInfo };

/** Injects nothing (no store configured, or skills turned off). */
export const noSkillContext: SkillContextProvider = {
  prepare: async ({ scope }) => ({
    systemMessage: null,
    injected: [],
    retrieval: emptyRetrievalInfo(scope === undefined ? {} : { scope }),
  }),
};

/** Always injects the same message and skills; for tests, demos and previews. */
export function fixedSkillContext(options: {
  systemMessage: string;
  injected?: InjectedSkill[];
}): SkillContextProvider {
  const injected = options.injected ?? [];
  return {
    prepare: async ({ scope }) => ({
      systemMessage: options.systemMessage,
      injected,
      retrieval: {
        ...emptyRetrievalInfo(scope === undefined ? {} : { scope }),
        selectedForContextIds: injected.map((skill) => skill.id),
        selectedForUseIds: injected.map((skill) => skill.id),
        contextInjected: true,
      },
    }),
  };
}

/** Ignores every turn. */
export const noopTurnObserver: TurnObserver = {
  onTurnComplete: () => undefined,
};

export interface RecordingTurnObserver extends TurnObserver {
  readonly turns: readonly CompletedTurn[];
  /** Forgets the recorded turns. */
  clear(): void;
  /** Resolves once at least `count` turns were observed. @default timeoutMs 5000 */
  waitForTurns(count: number, options?: { timeoutMs?: number }): Promise<CompletedTurn[]>;
}

/** Keeps every turn in memory (tests); answers with `receipt` when given. */
export function createRecordingTurnObserver(
  options: { receipt?: (turn: CompletedTurn) => TurnReceipt | undefined } = {},
): RecordingTurnObserver {
  const turns: CompletedTurn[] = [];
  const waiters = new Set<{ count: number; resolve: () => void }>();
  return {
    turns,
    clear() {
      turns.length = 0;
    },
    onTurnComplete(turn) {
      turns.push(turn);
      for (const waiter of waiters) {
        if (turns.length >= waiter.count) {
          waiters.delete(waiter);
          waiter.resolve();
        }
      }
      return options.receipt?.(turn);
    },
    async waitForTurns(count, { timeoutMs = 5000 } = {}) {
      if (turns.length < count) {
        await new Promise<void>((resolve, reject) => {
          const waiter = { count, resolve: () => resolve() };
          const timer = setTimeout(() => {
            waiters.delete(waiter);
            reject(new RangeError(`${turns.length} of ${count} turns observed after ${timeoutMs} ms`));
          }, timeoutMs);
          waiter.resolve = () => {
            clearTimeout(timer);
            resolve();
          };
          waiters.add(waiter);
        });
      }
      return [...turns];
    },
  };
}
