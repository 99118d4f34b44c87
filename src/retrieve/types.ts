/**
 * @module Shapes the retrieve layer produces for a chat turn: the one source of these types.
 * `src/service/turn-types.ts` re-exports them, so the service's `SkillContextProvider` returns
 * `prepareTurnContext(...)` as it is.
 */

/** One chat message as a client sent it (OpenAI shape); only `role` is required. */
export interface ChatMessageLike {
  role: string;
  content?: unknown;
  [key: string]: unknown;
}

/** Whose skills a request may see: the user's own, the read-only libraries, or both. */
export type RetrievalScope = 'user' | 'library' | 'all';

/** How the query is rewritten from recent history (see `context-dependence.ts`). */
export type RewriteMode = 'never' | 'auto' | 'always';

/** One skill that was put into the prompt. */
export interface InjectedSkill {
  id: string;
  name: string;
  version: string;
  /** `user:<id>` or `library:<name>`. */
  source?: string;
  score?: number;
}

/** One search result as the retrieval record lists it (camelCase; snake_case on the wire). */
export interface RetrievalHit {
  /** One-based. */
  rank: number;
  score: number;
  id: string;
  name: string;
  description: string;
  resourcePaths: string[];
  source: string;
  owner: string;
  version: string;
}

/** What retrieval did for one request (serving.md §2.2 "Retrieval info schema"). */
export interface RetrievalInfo {
  originalQuery: string;
  rewrittenQuery: string | null;
  searchQuery: string;
  /** Epoch milliseconds. */
  eventTime: number;
  scope: RetrievalScope;
  topK: number;
  minScore: number;
  hits: RetrievalHit[];
  hitsUser: RetrievalHit[];
  hitsLibrary: RetrievalHit[];
  selectedForUseIds: string[];
  selectedForContextIds: string[];
  contextInjected: boolean;
  error: string | null;
}

/** The skill context of one chat request. */
export interface PreparedSkillContext {
  /** The rendered skills, sent as one system message; `null` when nothing is injected. */
  systemMessage: string | null;
  injected: InjectedSkill[];
  retrieval: RetrievalInfo;
  /** Why retrieval failed (the chat then goes on without skills). */
  error?: string;
}

/** An empty retrieval record for `query` (used when nothing was searched or retrieval failed). */
export function emptyRetrievalInfo(options: {
  query?: string;
  scope?: RetrievalScope;
  now?: number;
  error?: string | null;
}): RetrievalInfo {
  const query = options.query ?? '';
  return {
    originalQuery: query,
    rewrittenQuery: null,
    searchQuery: query,
    eventTime: options.now ?? 0,
    scope: options.scope ?? 'all',
    topK: 0,
    minScore: 0,
    hits: [],
    hitsUser: [],
    hitsLibrary: [],
    selectedForUseIds: [],
    selectedForContextIds: [],
    contextInjected: false,
    error: options.error ?? null,
  };
}
