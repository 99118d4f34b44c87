/**
 * @module A chat turn of a chat session: retrieval in the session's settings (its failure never fails the
 * chat), the streamed reply, then — when the extract mode and turn limit say so — an extraction job for the
 * conversation window. The turn is stored whatever happens, failed or aborted ones too.
 */
import { AutoSkillError, errorMessage, isAutoSkillError } from '../shared/errors.js';
import {
  type ChatSessionRecord,
  type ChatTurnRecord,
  summarizeSession,
  visibleBytes,
} from '../store/chat-session-store.js';
import { streamReply } from './chat-session-model.js';
import { errorCodeOf, historyOf, publicMessage, titleFromText } from './chat-session-records.js';
import { type Emit, type ScheduledJob, type SessionRuntime, storeTurn } from './chat-session-runtime.js';
import { buildWindow, effectiveWindowSize, referenceFromHit } from './extraction-window.js';
import {
  type ChatMessage,
  emptyRetrievalInfo,
  type InjectedSkill,
  type RetrievalInfo,
} from './turn-types.js';

export async function runChatTurn(
  runtime: SessionRuntime,
  record: ChatSessionRecord,
  text: string,
  emit: Emit,
  abortSignal: AbortSignal | undefined,
): Promise<void> {
  const { options, now } = runtime;
  if (visibleBytes(record) + Buffer.byteLength(text, 'utf8') > runtime.limits.maxVisibleBytes) {
    throw new AutoSkillError('CONFLICT', 'This session is full; start a new session', {
      details: { sessionId: record.id },
    });
  }
  const turnId = runtime.generateId('turn');
  const createdAt = now();
  emit({ type: 'turn', sessionId: record.id, turnId, kind: 'chat', command: null });

  const history: ChatMessage[] = [
    ...historyOf(record, runtime.historyTurns),
    { role: 'user', content: text },
  ];
  const { retrieval, systemMessage, injected } = await retrieve(runtime, record, history, text, abortSignal);
  emit({ type: 'retrieval', turnId, retrieval });

  const messages: ChatMessage[] = systemMessage
    ? [{ role: 'system', content: systemMessage }, ...history]
    : history;
  let reply = '';
  let status: ChatTurnRecord['status'] = 'completed';
  let failure: { message: string; code: string } | null = null;
  try {
    for await (const piece of streamReply({
      model: options.model,
      body: {
        model: runtime.modelName,
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
  const scheduled =
    status === 'completed' ? scheduleIfDue(runtime, record, turn, { history, reply, retrieval }) : null;
  const saved = await storeTurn(runtime, record, turn, scheduled, emit);
  if (failure) emit({ type: 'error', turn, error: failure });
  else emit({ type: 'done', turn, session: summarizeSession(saved) });
}

/** The skill context of the turn; a failed retrieval gives no skills and reports its error. */
async function retrieve(
  runtime: SessionRuntime,
  record: ChatSessionRecord,
  history: ChatMessage[],
  text: string,
  abortSignal: AbortSignal | undefined,
): Promise<{ retrieval: RetrievalInfo; systemMessage: string | null; injected: InjectedSkill[] }> {
  const settings = record.settings;
  try {
    const prepared = await runtime.options.engine.prepareTurnContext({
      userId: record.userId,
      messages: history,
      scope: settings.scope,
      topK: settings.topK,
      minScore: settings.minScore,
      rewriteMode: settings.rewriteMode,
      ...(abortSignal ? { abortSignal } : {}),
    });
    return {
      retrieval: prepared.retrieval,
      systemMessage: prepared.systemMessage,
      injected: prepared.injected,
    };
  } catch (error) {
    runtime.options.logger?.warn(
      { err: error, userId: record.userId },
      'skill retrieval failed; answering without skills',
    );
    return {
      retrieval: emptyRetrievalInfo({
        query: text,
        scope: settings.scope,
        now: runtime.now(),
        error: errorMessage(error),
      }),
      systemMessage: null,
      injected: [],
    };
  }
}

/**
 * Counts the completed turn toward the extract cadence and, when due, schedules extraction of the
 * conversation window; the turn's receipt says what happened either way.
 */
function scheduleIfDue(
  runtime: SessionRuntime,
  record: ChatSessionRecord,
  turn: ChatTurnRecord,
  done: { history: ChatMessage[]; reply: string; retrieval: RetrievalInfo },
): ScheduledJob | null {
  const settings = record.settings;
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
    return null;
  }
  const jobWindow = buildWindow({
    messages: done.history,
    assistantText: done.reply,
    size: effectiveWindowSize(runtime.window, settings.extractMode, settings.extractTurnLimit),
  });
  try {
    const scheduled = runtime.schedule(record, {
      window: jobWindow,
      trigger: 'auto',
      turnId: turn.id,
      hint: null,
      reference: referenceFromHit(done.retrieval.hits[0], record.userId),
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
    return scheduled;
  } catch (error) {
    runtime.options.logger?.warn({ err: error }, 'scheduling extraction failed');
    turn.receipt = { jobId: null, status: 'failed', reason: publicMessage(error) };
    return null;
  }
}
