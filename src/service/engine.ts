/**
 * @module What the service layer needs from the skill machinery: the part of the `AutoSkill` SDK that
 * turns, jobs and the extraction routes call (prepare a turn's skill context, ingest a conversation,
 * dry-run an extraction, read a skill). The SDK satisfies it; tests pass small fakes.
 */
import type { RewriteMode } from '../config/schema.js';
import type { Candidate } from '../learn/candidate.js';
import type { JobMessage, JobOutcome, JobReference } from '../store/job-store.js';
import type { StoredSkill } from '../store/types.js';
import type { ChatMessage, PreparedSkillContext, SkillScope } from './turn-types.js';

export interface TurnContextRequest {
  userId: string;
  messages: readonly ChatMessage[];
  scope: SkillScope;
  topK: number;
  minScore: number;
  rewriteMode: RewriteMode;
  abortSignal?: AbortSignal;
}

export interface IngestRequest {
  userId: string;
  messages: readonly JobMessage[];
  hint?: string;
  /** Extraction on demand (`/extract_now`). */
  forced?: boolean;
  /** The top-1 retrieved skill, identity context only. */
  reference?: JobReference | null;
  metadata?: Record<string, unknown>;
  abortSignal?: AbortSignal;
}

export interface IngestResult {
  outcome: JobOutcome;
  /** The skill created or merged into (also the covering skill of a discard, when known). */
  skill?: StoredSkill;
  reason: string;
  /**
   * How extraction ended (`candidate`, `nothing-to-learn`, `model-error`, …): a `model-error` is reported
   * by extraction as "nothing", and the job runner turns a transient one into a retry.
   */
  extractionOutcome?: string;
}

export interface ExtractCandidatesRequest {
  userId: string;
  messages: readonly JobMessage[];
  hint?: string;
  forced?: boolean;
  reference?: JobReference | null;
  abortSignal?: AbortSignal;
}

export interface ExtractCandidatesResult {
  /** At most one. */
  candidates: Candidate[];
  reason: string;
}

export interface ServiceEngine {
  /** Never throws for retrieval failures (returns `error` instead). */
  prepareTurnContext(request: TurnContextRequest): Promise<PreparedSkillContext>;
  /** Extraction → maintenance → store write. Throws on model or store failures (retryable ones say so). */
  ingest(request: IngestRequest): Promise<IngestResult>;
  /** The candidate an extraction would propose; nothing is stored. */
  extractCandidates(request: ExtractCandidatesRequest): Promise<ExtractCandidatesResult>;
  getSkill(id: string): Promise<StoredSkill | null>;
  /** SKILL.md text of the visible state, or null when the skill does not exist. */
  readSkillMd(id: string): Promise<string | null>;
}
