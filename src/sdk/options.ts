/**
 * @module The options and results of the `AutoSkill` SDK methods (`sdk.ts` re-exports them): who acts,
 * search, render and turn-preparation settings, ingest, conversation and skill imports, diffs.
 */
import type { SearchFilters } from '../index/search.js';
import type { Candidate } from '../learn/candidate.js';
import type { DroppedPart } from '../learn/candidate-checks.js';
import type { ConversationEvent, ConversationMessage } from '../learn/conversation.js';
import type { ExtractionLogger, ExtractionOutcome } from '../learn/extract.js';
import type { ExtractionReferenceInput } from '../learn/extraction-reference.js';
import type { ImportConversationsOptions as LearnImportConversationsOptions } from '../learn/import-conversations.js';
import type { IngestResult as LearnIngestResult } from '../learn/ingest.js';
import type { ChatMessageLike, RenderableSkill, RetrievalScope, RewriteMode } from '../retrieve/index.js';
import type { SkillSearchHit } from '../store/skill-search.js';
import type { StoredSkill } from '../store/types.js';
import type { ComponentOptions } from './components.js';
import type { LineDiff } from './diff.js';

export interface AutoSkillOptions extends ComponentOptions {
  /** The user of calls that name none. @default `config.userId` ('u1') */
  userId?: string;
  /**
   * Use the rule-based (offline) extractor. @default true when the learning model's provider is
   * `offline` (pass `false` with an offline connector scripted by `respond` to drive the model path)
   */
  offline?: boolean;
  /** Folder of the vector files; `null` keeps them in memory. @default `<store>/vectors` for the filesystem store */
  vectorsDir?: string | null;
  /** Told about problems in the background (vector writes, failed embeddings) and dropped extractions. */
  logger?: ExtractionLogger;
  /** @default Date.now */
  now?: () => number;
}

/** Who makes a change and why (recorded in the revision); the base revision refuses stale edits. */
export interface ChangeOptions {
  /** @default 'sdk' */
  actor?: string;
  reason?: string;
  baseRevision?: number;
}

export interface SearchSkillsOptions {
  /** @default the SDK's user */
  userId?: string;
  /** @default `config.retrieval.scope` ('all') */
  scope?: RetrievalScope | 'common' | 'shared';
  /** @default 5 */
  limit?: number;
  /**
   * Calibrated score a hit needs (docs/retrieval.md). `search` is a ranking, so nothing is cut by
   * default; pass `config.retrieval.minScore` (0.4) to keep only hits that would be injected.
   * @default 0
   */
  minScore?: number;
  filters?: SearchFilters;
  abortSignal?: AbortSignal;
}

export interface RenderContextOptions {
  /** Skills (or search hits), best first. */
  skills: ReadonlyArray<StoredSkill | SkillSearchHit | RenderableSkill>;
  /** @default `config.retrieval.maxContextTokens` (1500) */
  maxTokens?: number;
  /** The query (picks the header language). */
  query?: string;
}

export interface PrepareTurnOptions {
  /** @default the SDK's user */
  userId?: string;
  messages: readonly ChatMessageLike[];
  /** @default `config.retrieval.scope` */
  scope?: RetrievalScope;
  /** @default `config.retrieval.topK` (1) */
  topK?: number;
  /** @default `config.retrieval.minScore` (0.4) */
  minScore?: number;
  /** @default `config.retrieval.rewriteMode` ('auto') */
  rewriteMode?: RewriteMode;
  /** @default `config.retrieval.selection` ('off') */
  selection?: 'off' | 'llm';
  /** @default `config.retrieval.maxContextTokens` (1500) */
  maxContextTokens?: number;
  filters?: SearchFilters;
  abortSignal?: AbortSignal;
}

export interface IngestOptions {
  /** @default the SDK's user */
  userId?: string;
  messages?: readonly ConversationMessage[];
  /** Behaviour traces: tool calls, actions and their results. */
  events?: readonly ConversationEvent[];
  /** The `/extract_now [hint]` text. */
  hint?: string;
  metadata?: Record<string, unknown>;
  /** Extraction on demand: describe the capability even without an explicit rule. @default false */
  forced?: boolean;
  /** The top-1 retrieved skill as identity context; `null` for none. @default searched from the latest user message */
  reference?: ExtractionReferenceInput | null;
  abortSignal?: AbortSignal;
}

/**
 * What an ingest did: created a skill, merged into one (new version, new revision), discarded the
 * candidate, or found nothing to learn — with the reason, the candidate, the extraction and the decision.
 */
export type IngestResult = LearnIngestResult;

export interface ExtractCandidatesResult {
  /** At most one candidate. */
  candidates: Candidate[];
  outcome: ExtractionOutcome;
  reason: string;
  dropped: DroppedPart[];
}

export interface ImportConversationsOptions extends LearnImportConversationsOptions {
  /** @default the SDK's user */
  userId?: string;
}

export interface ImportSkillsOptions {
  /** A folder of skill folders (or one skill folder), or a `.zip`. */
  source: string;
  /** Import into this user's skills. @default the SDK's user (unless `library` is given) */
  userId?: string;
  /** Import into the read-only library `Common/<library>/` instead (filesystem and PostgreSQL stores). */
  library?: string;
  /** @default false */
  overwrite?: boolean;
  /** @default true */
  includeFiles?: boolean;
  /** @default 6 */
  maxDepth?: number;
}

export interface DiffOptions {
  id: string;
  /** Older revision number. */
  from: number;
  /** Newer revision number. @default the current revision */
  to?: number;
  /** Context lines around each change. @default 3 */
  context?: number;
}

export interface SkillDiff extends LineDiff {
  id: string;
  from: number;
  to: number;
}
