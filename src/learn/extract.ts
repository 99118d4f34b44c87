/**
 * @module Extraction entry point: analyse the conversation with the policy, get a draft from the
 * offline extractor or the model, and pass it through the candidate checks. Returns at most one
 * candidate, or none with a stable outcome and a readable reason (also logged when a logger is given).
 */

import { z } from 'zod';
import type { LLMConnector } from '../llm/types.js';
import { validate } from '../shared/json.js';
import type { Candidate } from './candidate.js';
import { checkCandidate, type DroppedPart } from './candidate-checks.js';
import {
  type ConversationEvent,
  ConversationEventSchema,
  type ConversationMessage,
  ConversationMessageSchema,
} from './conversation.js';
import { extractWithModel } from './extract-llm.js';
import { draftFromAnalysis } from './extract-offline.js';
import { analyseConversation, type ConversationKind, type PolicyNote } from './extract-policy.js';
import {
  type ExtractionReference,
  type ExtractionReferenceInput,
  ExtractionReferenceSchema,
} from './extraction-reference.js';

/** A pino-compatible logger subset. */
export interface ExtractionLogger {
  info?(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
}

export interface ExtractCandidateOptions {
  messages: readonly ConversationMessage[];
  events?: readonly ConversationEvent[];
  /** The `/extract_now [hint]` text. */
  hint?: string;
  /** Extraction requested on demand: describe the capability even without an explicit rule. @default false */
  forced?: boolean;
  /** The top-1 retrieved skill, as identity context. */
  reference?: ExtractionReferenceInput | null;
  /** The model that extracts; without one the rule-based extractor runs. @default undefined */
  llm?: LLMConnector;
  /**
   * Use the rule-based extractor even when `llm` is set. The SDK sets it for the `offline` provider
   * unless a responder was scripted into the offline connector (which then drives the model path).
   * @default true when `llm` is undefined, else false
   */
  offline?: boolean;
  abortSignal?: AbortSignal;
  /** Per-call model timeout. @default the connector's */
  timeoutMs?: number;
  /** @default 1500 */
  maxTokens?: number;
  logger?: ExtractionLogger;
}

export type ExtractionOutcome =
  | 'candidate'
  | 'nothing-to-learn'
  | 'rejected-by-checks'
  | 'invalid-reply'
  | 'model-error'
  | 'empty-input';

export interface ExtractionResult {
  candidate: Candidate | undefined;
  outcome: ExtractionOutcome;
  /** Why there is (or is no) candidate, in one sentence. */
  reason: string;
  /** Parts the checks removed, with reasons (secrets redacted). */
  dropped: DroppedPart[];
  /** What the policy saw in the conversation. */
  conversation: { kind: ConversationKind; notes: PolicyNote[]; language: 'zh' | 'en' };
  /** Model calls made (0 offline; 2 when a repair call was needed). */
  modelCalls: number;
  notes: string[];
}

/** Extracts at most one candidate from a conversation (see the module comment). */
export async function extractCandidate(options: ExtractCandidateOptions): Promise<ExtractionResult> {
  const forced = options.forced ?? false;
  validate(options.messages, z.array(ConversationMessageSchema), { source: 'extraction messages' });
  if (options.events)
    validate(options.events, z.array(ConversationEventSchema), { source: 'extraction events' });
  const reference: ExtractionReference | undefined = options.reference
    ? validate(options.reference, ExtractionReferenceSchema, { source: 'extraction reference' })
    : undefined;
  const analysis = analyseConversation({
    messages: options.messages,
    ...(options.events ? { events: options.events } : {}),
    ...(options.hint ? { hint: options.hint } : {}),
  });
  const conversation = { kind: analysis.kind, notes: analysis.notes, language: analysis.language };
  const finish = (result: Omit<ExtractionResult, 'conversation'>): ExtractionResult => {
    const full = { ...result, conversation };
    if (!full.candidate && (full.outcome === 'invalid-reply' || full.outcome === 'model-error')) {
      options.logger?.warn(
        { outcome: full.outcome, notes: full.notes },
        `extraction dropped: ${full.reason}`,
      );
    } else {
      options.logger?.info?.(
        { outcome: full.outcome, kind: analysis.kind, dropped: full.dropped.length },
        full.candidate ? `extracted candidate "${full.candidate.name}"` : `no candidate: ${full.reason}`,
      );
    }
    return full;
  };

  if (analysis.kind === 'empty') {
    return finish({
      candidate: undefined,
      outcome: 'empty-input',
      reason: 'no messages or events',
      dropped: [],
      modelCalls: 0,
      notes: [],
    });
  }

  const offline = options.offline ?? !options.llm;
  if (offline || !options.llm) {
    const draft = draftFromAnalysis({ analysis, forced, reference });
    if (!draft) {
      const why = analysis.notes.length > 0 ? ` (${analysis.notes.join(', ')})` : '';
      return finish({
        candidate: undefined,
        outcome: 'nothing-to-learn',
        reason: `no durable rule stated or confirmed by the user; conversation is ${analysis.kind}${why}`,
        dropped: [],
        modelCalls: 0,
        notes: [],
      });
    }
    const checked = checkCandidate({ draft, analysis, forced, origin: 'offline' });
    return finish({
      candidate: checked.candidate,
      outcome: checked.candidate ? 'candidate' : 'rejected-by-checks',
      reason: checked.candidate ? 'durable rule found' : (checked.reason ?? 'rejected by the checks'),
      dropped: checked.dropped,
      modelCalls: 0,
      notes: [],
    });
  }

  const model = await extractWithModel({
    llm: options.llm,
    messages: options.messages,
    ...(options.events ? { events: options.events } : {}),
    ...(options.hint ? { hint: options.hint } : {}),
    forced,
    reference,
    language: analysis.language,
    ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.maxTokens !== undefined ? { maxTokens: options.maxTokens } : {}),
  });
  if (model.outcome === 'empty') {
    return finish({
      candidate: undefined,
      outcome: 'nothing-to-learn',
      reason: 'the model found nothing to learn',
      dropped: [],
      modelCalls: model.calls,
      notes: model.notes,
    });
  }
  if (model.outcome !== 'draft') {
    return finish({
      candidate: undefined,
      outcome: model.outcome,
      reason: model.reason,
      dropped: [],
      modelCalls: model.calls,
      notes: model.notes,
    });
  }
  const checked = checkCandidate({ draft: model.draft, analysis, forced, origin: 'llm' });
  return finish({
    candidate: checked.candidate,
    outcome: checked.candidate ? 'candidate' : 'rejected-by-checks',
    reason: checked.candidate
      ? 'the model proposed a candidate and it passed the checks'
      : (checked.reason ?? 'rejected'),
    dropped: checked.dropped,
    modelCalls: model.calls,
    notes: model.notes,
  });
}
