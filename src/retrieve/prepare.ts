/**
 * @module One turn's skill context: rewrite the query (per `rewriteMode`), search the user's scope
 * (`topK`, `minScore`), optionally let a model select, render what was selected under the token
 * budget. The result has the shape of the service layer's `PreparedSkillContext`, so a
 * `SkillContextProvider` is a thin wrapper around this function.
 *
 * `topK` is the number of hits over the whole scope (scope `all` searches users' and library skills
 * together; the original ran one search per side and could inject 2 × top_k). Nothing here throws:
 * a failed search gives no skills and `error`; a failed rewrite searches the original message; a
 * failed selection keeps every hit; their reasons are listed in `details.warnings`.
 */

import type { SearchFilters } from '../index/search.js';
import type { LLMConnector } from '../llm/types.js';
import { errorMessage } from '../shared/errors.js';
import type { SkillSearch, SkillSearchHit } from '../store/skill-search.js';
import { splitLatestUserTurn } from './messages.js';
import { type RenderedSkill, renderSkillContext } from './render.js';
import { type RewriteResult, rewriteQuery } from './rewrite.js';
import { type SelectionResult, selectSkills } from './select.js';
import type { TokenCounter } from './tokens.js';
import {
  type ChatMessageLike,
  emptyRetrievalInfo,
  type InjectedSkill,
  type PreparedSkillContext,
  type RetrievalHit,
  type RetrievalScope,
  type RewriteMode,
} from './types.js';

export interface PrepareTurnContextOptions {
  /** The store-side search (`createSkillSearch`) or anything with the same `search`. */
  search: Pick<SkillSearch, 'search'>;
  userId: string;
  /** The client's messages; the latest user message is the query. */
  messages: readonly ChatMessageLike[];
  /** @default 'all' */
  scope?: RetrievalScope;
  /** Skills retrieved (and at most injected). @default 1 */
  topK?: number;
  /** Calibrated score a hit needs (docs/retrieval.md). @default 0.4 */
  minScore?: number;
  /** @default 'auto' */
  rewriteMode?: RewriteMode;
  /** Model for rewriting and selection (the learning LLM); absent → deterministic rewrite, no selection. */
  llm?: LLMConnector;
  /** Earlier exchanges the rewriter and the selector read. @default 6 */
  historyTurns?: number;
  /** `llm`: the model filters the hits before injection. @default 'off' */
  selection?: 'off' | 'llm';
  /** Token budget of the rendered block. @default 1500 */
  maxContextTokens?: number;
  filters?: SearchFilters;
  /** Per model call (rewrite, selection). @default 15000 */
  modelTimeoutMs?: number;
  abortSignal?: AbortSignal;
  /** @default Date.now */
  now?: () => number;
  countTokens?: TokenCounter;
}

export interface TurnContextDetails {
  rewrite: Pick<RewriteResult, 'method' | 'reason'> & { cue: string | null };
  selection: Pick<SelectionResult, 'method' | 'reason'> | null;
  /** How each injected skill was rendered. */
  rendered: RenderedSkill[];
  tokens: number;
  /** Non-fatal problems (failed rewrite or selection). */
  warnings: string[];
}

export interface TurnContext extends PreparedSkillContext {
  details: TurnContextDetails;
}

/** A retrieval record for one hit list (rank from 1). */
export function toRetrievalHit(hit: SkillSearchHit, rank: number): RetrievalHit {
  return {
    rank,
    score: hit.score,
    id: hit.skill.id,
    name: hit.skill.name,
    description: hit.skill.description,
    resourcePaths: hit.skill.resources.slice(0, 12),
    source: hit.source,
    owner: hit.skill.owner,
    version: hit.skill.version,
  };
}

/** Prepares the skill context of one chat turn (see the module comment). */
export async function prepareTurnContext(options: PrepareTurnContextOptions): Promise<TurnContext> {
  const scope = options.scope ?? 'all';
  const topK = Math.max(1, Math.floor(options.topK ?? 1));
  const minScore = options.minScore ?? 0.4;
  const eventTime = (options.now ?? Date.now)();
  const warnings: string[] = [];
  const latest = splitLatestUserTurn(options.messages);
  const info = emptyRetrievalInfo({ query: latest?.latest ?? '', scope, now: eventTime });
  info.topK = topK;
  info.minScore = minScore;
  const details: TurnContextDetails = {
    rewrite: { method: 'none', reason: 'no-message', cue: null },
    selection: null,
    rendered: [],
    tokens: 0,
    warnings,
  };
  const nothing = (error?: string): TurnContext => ({
    systemMessage: null,
    injected: [],
    retrieval: { ...info, error: error ?? null },
    ...(error === undefined ? {} : { error }),
    details,
  });
  if (!latest || latest.latest.trim().length === 0) return nothing();

  try {
    const rewrite = await rewriteQuery({
      messages: options.messages,
      mode: options.rewriteMode ?? 'auto',
      ...(options.llm ? { llm: options.llm } : {}),
      historyTurns: options.historyTurns ?? 6,
      ...(options.modelTimeoutMs === undefined ? {} : { timeoutMs: options.modelTimeoutMs }),
      ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
    });
    details.rewrite = {
      method: rewrite.method,
      reason: rewrite.reason,
      cue: rewrite.dependence?.cue ?? null,
    };
    if (rewrite.error) warnings.push(rewrite.error);
    info.rewrittenQuery = rewrite.rewritten;
    info.searchQuery = rewrite.query;

    const hits = await options.search.search(rewrite.query, {
      userId: options.userId,
      scope,
      limit: topK,
      minScore,
      ...(options.filters ? { filters: options.filters } : {}),
      ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
    });
    info.hits = hits.map((hit, index) => toRetrievalHit(hit, index + 1));
    info.hitsUser = info.hits.filter((hit) => !hit.source.startsWith('library:'));
    info.hitsLibrary = info.hits.filter((hit) => hit.source.startsWith('library:'));

    let selectedIds = hits.map((hit) => hit.skill.id);
    if (options.selection === 'llm' && options.llm && hits.length > 0) {
      const selection = await selectSkills({
        message: latest.latest,
        history: latest.history,
        candidates: hits.map((hit) => hit.skill),
        llm: options.llm,
        ...(options.modelTimeoutMs === undefined ? {} : { timeoutMs: options.modelTimeoutMs }),
        ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
      });
      details.selection = { method: selection.method, reason: selection.reason };
      if (selection.error) warnings.push(selection.error);
      selectedIds = selection.selectedIds;
    }
    info.selectedForUseIds = selectedIds;
    const chosen = new Set(selectedIds);
    const selected = hits.filter((hit) => chosen.has(hit.skill.id));
    if (selected.length === 0) return { systemMessage: null, injected: [], retrieval: info, details };

    const rendered = await renderSkillContext({
      skills: selected.map((hit) => hit.skill),
      maxTokens: options.maxContextTokens ?? 1500,
      query: latest.latest,
      ...(options.countTokens ? { countTokens: options.countTokens } : {}),
    });
    details.rendered = rendered.skills;
    details.tokens = rendered.tokens;
    info.selectedForContextIds = rendered.skills.map((skill) => skill.id);
    info.contextInjected = rendered.text !== null;
    const inContext = new Set(info.selectedForContextIds);
    const injected: InjectedSkill[] = selected
      .filter((hit) => inContext.has(hit.skill.id))
      .map((hit) => ({
        id: hit.skill.id,
        name: hit.skill.name,
        version: hit.skill.version,
        source: hit.source,
        score: hit.score,
      }));
    return { systemMessage: rendered.text, injected, retrieval: info, details };
  } catch (error) {
    const message = options.abortSignal?.aborted
      ? 'retrieval aborted'
      : `retrieval failed: ${errorMessage(error)}`;
    info.hits = [];
    info.hitsUser = [];
    info.hitsLibrary = [];
    info.selectedForUseIds = [];
    info.selectedForContextIds = [];
    info.contextInjected = false;
    return nothing(message);
  }
}
