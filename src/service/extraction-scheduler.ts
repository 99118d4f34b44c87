/**
 * @module The `TurnObserver` that schedules background extraction after chat turns, per the extract mode
 * and turn limit (the original's proxy ignored both — serving.md §11 item 32). Only completed turns count;
 * it never waits for the job (the chat answer is already on its way) and reports a receipt for the
 * `autoskill.extraction` field. Window and due rules: `extraction-window.ts`.
 */
import type { ExtractMode } from '../config/schema.js';
import { errorMessage } from '../shared/errors.js';
import {
  buildWindow,
  countUserTurns,
  effectiveWindowSize,
  extractionDue,
  referenceFromHit,
} from './extraction-window.js';
import type { JobQueue, ServiceLogger } from './job-queue.js';
import type { CompletedTurn, TurnObserver, TurnReceipt } from './turn-types.js';

export interface ExtractionSettings {
  mode: ExtractMode;
  /** In `auto` mode: extract when the request's user-turn count is a multiple of this. */
  turnLimit: number;
  /** Messages handed to the extractor (the seeds' ingest window). */
  window: number;
}

export interface ExtractionScheduler extends TurnObserver {
  /** The live settings (a chat session may change them). */
  readonly settings: ExtractionSettings;
  onTurnComplete(turn: CompletedTurn): TurnReceipt;
}

export function createExtractionScheduler(options: {
  queue: JobQueue;
  settings: ExtractionSettings;
  /** @default 'proxy_chat_completion' */
  trigger?: string;
  /** Stored with each job (`channel`). @default 'proxy' */
  channel?: string;
  logger?: ServiceLogger;
}): ExtractionScheduler {
  const settings = { ...options.settings };
  const trigger = options.trigger ?? 'proxy_chat_completion';
  const channel = options.channel ?? 'proxy';
  const skipped = (reason: string, status: 'skipped' | 'disabled' = 'skipped'): TurnReceipt => ({
    extraction: { jobId: null, status, reason },
  });

  return {
    settings,
    onTurnComplete(turn: CompletedTurn): TurnReceipt {
      if (turn.status !== 'completed')
        return skipped(`the turn ${turn.status}; only completed turns are learnt from`);
      if (turn.finishReason === 'tool_calls' || (turn.toolCalls.length > 0 && !turn.assistantText?.trim())) {
        return skipped('the turn continues with tool calls');
      }
      const due = extractionDue({
        mode: settings.mode,
        turnLimit: settings.turnLimit,
        userTurns: countUserTurns(turn.messages),
      });
      if (!due.due) return skipped(due.reason, settings.mode === 'never' ? 'disabled' : 'skipped');
      const window = buildWindow({
        messages: turn.messages,
        assistantText: turn.assistantText,
        size: effectiveWindowSize(settings.window, settings.mode, settings.turnLimit),
      });
      if (!window.some((message) => message.role === 'user')) return skipped('no user text to learn from');
      try {
        const receipt = options.queue.schedule({
          userId: turn.userId,
          window,
          trigger,
          reference: referenceFromHit(turn.retrieval?.hits[0], turn.userId),
          metadata: { channel, request_id: turn.requestId },
        });
        return {
          extraction: {
            jobId: receipt.jobId,
            status: receipt.status,
            reason: receipt.duplicate ? receipt.reason : due.reason,
          },
        };
      } catch (error) {
        options.logger?.warn({ err: error, requestId: turn.requestId }, 'scheduling extraction failed');
        return { extraction: { jobId: null, status: 'failed', reason: errorMessage(error) } };
      }
    },
  };
}
