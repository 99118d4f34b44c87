/**
 * @module One conversation in, at most one skill change out: retrieval of the skill the conversation
 * is about (the extraction reference, unless the caller gives one), extraction, then — under the
 * user's lock — maintenance (add / merge / discard) and the store write.
 *
 * Concurrency: the decide-and-write step runs under a per-user lock (`maintain-lock.ts`) and searches
 * again after acquiring it, so two ingests of the same new preference end with one skill (created,
 * then merged or discarded by the second). A merge is written with the revision it was decided on; if
 * another process changed the skill meanwhile the store refuses it (`STALE_REVISION`) and the step is
 * decided once more. Creates from several processes are serialised only with a file lock
 * (`createFileUserLock`), which the SDK sets up for a filesystem store.
 */
import { z } from 'zod';
import type { LLMConnector } from '../llm/types.js';
import { AutoSkillError, isAutoSkillError } from '../shared/errors.js';
import { validate } from '../shared/json.js';
import { isLibraryOwner } from '../skill/schema.js';
import { validateUserId } from '../store/safe-paths.js';
import type { SkillStore, StoredSkill } from '../store/types.js';
import type { Candidate } from './candidate.js';
import {
  type ConversationEvent,
  ConversationEventSchema,
  type ConversationMessage,
  ConversationMessageSchema,
  toTurns,
} from './conversation.js';
import { type ExtractionLogger, type ExtractionResult, extractCandidate } from './extract.js';
import type { ExtractionReferenceInput } from './extraction-reference.js';
import {
  conversationQuery,
  decideMaintenance,
  type MaintenanceDecision,
  type SimilarSkillHit,
  type SimilarSkillSearch,
  SMALL_STORE_SKILLS,
} from './maintain.js';
import { PROCESS_USER_LOCK, type UserLock } from './maintain-lock.js';
import { applyMerge, MERGE_CAPS, type MergedSkill, mergeSkill, unionCapped } from './merge.js';
import { scrubField, scrubText } from './merge-safety.js';

/** The retrieval threshold of the turn pipeline: the reference is the top hit at or above it. */
export const REFERENCE_MIN_SCORE = 0.4;

export interface IngestOptions {
  store: SkillStore;
  /** Hybrid search over the store (`createSkillSearch` in `src/store/`). */
  search: SimilarSkillSearch;
  /** The chat model; learning uses it unless `learnLlm` is given. */
  llm?: LLMConnector | undefined;
  /** The model for extraction, the identity judge, the decision and merging. @default llm */
  learnLlm?: LLMConnector | undefined;
  /** Rule-based extraction and evidence-only maintenance even with a model. @default true without a model */
  offline?: boolean | undefined;
  userId: string;
  messages?: readonly ConversationMessage[] | undefined;
  events?: readonly ConversationEvent[] | undefined;
  /** The `/extract_now [hint]` text. */
  hint?: string | undefined;
  /** Kept in the skill's metadata (channel, source file …). */
  metadata?: Record<string, unknown> | undefined;
  /** Extraction on demand (`/extract_now`). @default false */
  forced?: boolean | undefined;
  /**
   * The skill retrieved for the turn (identity context for extraction). `undefined`: ingest retrieves
   * it from the conversation (top hit ≥ 0.4); `null`: none.
   */
  reference?: ExtractionReferenceInput | null | undefined;
  logger?: ExtractionLogger | undefined;
  abortSignal?: AbortSignal | undefined;
  /** Per model call. @default the connector's */
  timeoutMs?: number | undefined;
  /** Recorded in revisions. @default 'maintainer' */
  actor?: string | undefined;
  /** Serialises decide-and-write per user. @default the process-wide in-process lock */
  lock?: UserLock | undefined;
  clock?: (() => Date) | undefined;
}

export type IngestOutcome = 'created' | 'merged' | 'discarded' | 'nothing';

export interface IngestResult {
  outcome: IngestOutcome;
  /** The created or merged skill. */
  skill?: StoredSkill;
  /** Why, in one sentence. */
  reason: string;
  candidate?: Candidate;
  extraction: ExtractionResult;
  decision?: MaintenanceDecision;
  /** For a merge: what changed. */
  merge?: Pick<MergedSkill, 'added' | 'replaced' | 'mergedBy' | 'notes'>;
  /** Model calls made by extraction and maintenance. */
  modelCalls: number;
}

const MetadataSchema = z.record(z.string(), z.unknown());
const STALE_RETRIES = 2;

function referenceFrom(
  hit: SimilarSkillHit | undefined,
  userId: string,
): ExtractionReferenceInput | undefined {
  if (!hit || hit.score < REFERENCE_MIN_SCORE) return undefined;
  const { skill } = hit;
  return {
    id: skill.id,
    name: skill.name,
    description: skill.description,
    triggers: skill.triggers.slice(0, 20),
    resourcePaths: skill.resources.slice(0, 16),
    scope: isLibraryOwner(skill.owner) ? 'library' : skill.owner === userId ? 'user' : 'other',
    score: hit.score,
  };
}

function userText(messages: readonly ConversationMessage[], hint: string | undefined): string {
  return [
    hint ?? '',
    ...toTurns(messages)
      .filter((turn) => turn.role === 'user')
      .map((turn) => turn.text),
  ].join('\n');
}

async function createFromCandidate(
  options: IngestOptions,
  candidate: Candidate,
  known: string,
): Promise<StoredSkill> {
  const scrubOptions = { knownText: known };
  const instructions = scrubText(candidate.prompt, scrubOptions).text;
  const list = (values: readonly string[], cap: number) =>
    unionCapped(
      [],
      values.map((value) => scrubField(value, scrubOptions)).filter((value): value is string => !!value),
      cap,
    );
  const files: Record<string, Uint8Array> = {};
  for (const resource of candidate.resources ?? []) {
    files[resource.path] = new TextEncoder().encode(scrubText(resource.content, scrubOptions).text);
  }
  return options.store.create(
    {
      owner: options.userId,
      name: scrubField(candidate.name, scrubOptions) ?? 'learned-skill',
      description: scrubField(candidate.description, scrubOptions) ?? '',
      instructions,
      triggers: list(candidate.triggers, MERGE_CAPS.triggers),
      tags: list(candidate.tags, MERGE_CAPS.tags),
      version: '0.1.0',
      metadata: {
        ...(options.metadata ?? {}),
        confidence: candidate.confidence,
        learnedBy: candidate.origin,
        forced: candidate.forced,
        language: candidate.language,
      },
    },
    { actor: options.actor ?? 'maintainer', reason: `learned: ${candidate.name}` },
    Object.keys(files).length > 0 ? { files } : undefined,
  );
}

/** Library counts per store, refreshed after a while (listing every library skill is not free). */
const libraryCounts = new WeakMap<SkillStore, { count: number; until: number }>();
const LIBRARY_COUNT_TTL_MS = 60_000;

/** How many skills the user sees (their own plus libraries), counted up to the small-store line. */
async function visibleSkills(store: SkillStore, userId: string): Promise<number> {
  const own = await store.list({ userId, scope: 'user', limit: 1 });
  if (own.total >= SMALL_STORE_SKILLS) return own.total;
  const cached = libraryCounts.get(store);
  if (cached && cached.until > Date.now()) return own.total + cached.count;
  const count = (await store.list({ scope: 'library', limit: 1 })).total;
  libraryCounts.set(store, { count, until: Date.now() + LIBRARY_COUNT_TTL_MS });
  return own.total + count;
}

/** Writes this process made per user: conversation hits found before a write are searched again. */
const generations = new Map<string, number>();

function writeGeneration(userId: string): number {
  return generations.get(userId) ?? 0;
}

function wrote(userId: string): void {
  generations.set(userId, writeGeneration(userId) + 1);
}

/** Learns from one conversation (see the module comment). */
export async function ingest(options: IngestOptions): Promise<IngestResult> {
  const userId = validateUserId(options.userId);
  const messages = validate(options.messages ?? [], z.array(ConversationMessageSchema), {
    source: 'ingest messages',
  });
  const events = options.events
    ? validate(options.events, z.array(ConversationEventSchema), { source: 'ingest events' })
    : undefined;
  const metadata = options.metadata
    ? validate(options.metadata, MetadataSchema, { source: 'ingest metadata' })
    : undefined;
  const hint = options.hint?.trim() ? options.hint.trim() : undefined;
  const llm = options.learnLlm ?? options.llm;
  const offline = options.offline ?? llm === undefined;
  const signal = options.abortSignal ? { abortSignal: options.abortSignal } : {};

  // The turn's retrieval: the extraction reference, unless the caller has it. Its hits are also the
  // maintainer's conversation evidence, reused when this user's skills did not change meanwhile.
  let reference = options.reference ?? undefined;
  let conversationHits: readonly SimilarSkillHit[] | undefined;
  const generation = writeGeneration(userId);
  if (options.reference === undefined && messages.length > 0) {
    const query = conversationQuery(messages, hint);
    if (query.length > 0) {
      conversationHits = await options.search.search(query, { userId, scope: 'all', limit: 5, ...signal });
      reference = referenceFrom(conversationHits[0], userId);
    }
  }

  const extraction = await extractCandidate({
    messages,
    ...(events ? { events } : {}),
    ...(hint ? { hint } : {}),
    forced: options.forced ?? false,
    ...(reference ? { reference } : {}),
    ...(llm ? { llm } : {}),
    offline,
    ...signal,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const candidate = extraction.candidate;
  if (!candidate) {
    return { outcome: 'nothing', reason: extraction.reason, extraction, modelCalls: extraction.modelCalls };
  }

  const known = userText(messages, hint);
  const lock = options.lock ?? PROCESS_USER_LOCK;
  const indexed = await options.search.indexedSkills?.();
  const smallStore = (indexed ?? (await visibleSkills(options.store, userId))) < SMALL_STORE_SKILLS;
  return lock.run(userId, async () => {
    let modelCalls = extraction.modelCalls;
    for (let attempt = 0; ; attempt += 1) {
      if (options.abortSignal?.aborted) {
        throw new AutoSkillError('ABORTED', 'Ingestion was aborted.', { cause: options.abortSignal.reason });
      }
      const decision = await decideMaintenance({
        candidate,
        userId,
        search: options.search,
        messages,
        hint,
        ...(conversationHits && attempt === 0 && writeGeneration(userId) === generation
          ? { conversationHits }
          : {}),
        llm,
        offline,
        smallStore,
        abortSignal: options.abortSignal,
        timeoutMs: options.timeoutMs,
        logger: options.logger,
      });
      modelCalls += decision.modelCalls;
      const base = { candidate, extraction, decision };
      if (decision.action === 'discard') {
        return { ...base, outcome: 'discarded', reason: decision.reason, modelCalls } satisfies IngestResult;
      }
      if (decision.action === 'add' || !decision.target) {
        const skill = await createFromCandidate(options, candidate, known);
        wrote(userId);
        return {
          ...base,
          outcome: 'created',
          skill,
          reason: decision.reason,
          modelCalls,
        } satisfies IngestResult;
      }
      const { merged, modelCalls: mergeCalls } = await mergeSkill({
        existing: decision.target,
        candidate,
        comparisons: decision.comparisons,
        userText: known,
        llm,
        offline,
        abortSignal: options.abortSignal,
        timeoutMs: options.timeoutMs,
        logger: options.logger,
      });
      modelCalls += mergeCalls;
      try {
        wrote(userId);
        const skill = await applyMerge({
          store: options.store,
          existing: decision.target,
          merged,
          candidate,
          ...(options.actor ? { actor: options.actor } : {}),
          ...(metadata ? { metadata } : {}),
          ...(options.clock ? { clock: options.clock } : {}),
        });
        return {
          ...base,
          outcome: 'merged',
          skill,
          reason: decision.reason,
          merge: {
            added: merged.added,
            replaced: merged.replaced,
            mergedBy: merged.mergedBy,
            notes: merged.notes,
          },
          modelCalls,
        } satisfies IngestResult;
      } catch (error) {
        if (!isAutoSkillError(error, 'STALE_REVISION') || attempt >= STALE_RETRIES) throw error;
        options.logger?.warn(
          { skill: decision.target.id, attempt: attempt + 1 },
          'the skill changed while merging; deciding again',
        );
      }
    }
  });
}
