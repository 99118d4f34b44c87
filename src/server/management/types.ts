/**
 * @module What the management API needs from the rest of the product, as small interfaces: the store
 * (always), and optional services — search, the retrieval preview (the same `SkillContextProvider` the
 * proxy injects with), vector maintenance and conversation import. A missing service makes its routes
 * answer 501 `unsupported` and drops them from `capabilities`. The SDK facade provides all of them.
 */
import type { SearchHitParts } from '../../index/search.js';
import type { SkillContextProvider } from '../../service/turn-types.js';
import type { ListScope, SkillStore, StoredSkill } from '../../store/types.js';
import type { RouteDescription } from '../openapi.js';

export interface ManagementSearchOptions {
  /** Validated; the search covers this user's skills and/or the libraries, never another user's. */
  userId: string;
  scope: ListScope;
  limit: number;
  minScore: number;
  abortSignal?: AbortSignal;
}

export interface ManagementSearchHit {
  skill: StoredSkill;
  /** Calibrated score in [0, 1]. */
  score: number;
  parts: SearchHitParts;
}

/** Search over the store; the store-side search (`src/store/skill-search.ts`) has this shape. */
export interface SkillSearcher {
  search(query: string, options: ManagementSearchOptions): Promise<ManagementSearchHit[]>;
}

/** Vector maintenance; the store-side search (`src/store/skill-search.ts`) has this shape. */
export interface VectorMaintenance {
  /** Counts for the user's view of the index (camelCase; sent snake_case). */
  vectorStatus(options: { userId: string; scope: ListScope }): Promise<object>;
  /** Embeds missing and stale vectors (all with `force`); camelCase report. */
  rebuildVectors(options: {
    force: boolean;
    onProgress?: (done: number, total: number) => void;
    abortSignal?: AbortSignal;
  }): Promise<object>;
}

/** One conversation to learn from: OpenAI chat messages. */
export interface ConversationInput {
  messages: Array<Record<string, unknown>>;
}

export interface ConversationImportResult {
  processed: number;
  failed: number;
  /** Skills created or merged. */
  skills: StoredSkill[];
  errors: Array<{ index: number; error: string }>;
}

export interface ConversationImporter {
  importConversations(input: {
    userId: string;
    conversations: ConversationInput[];
    hint?: string;
    continueOnError: boolean;
    abortSignal?: AbortSignal;
  }): Promise<ConversationImportResult>;
}

export interface ManagementLimits {
  /** Largest `skills/import` and `conversations/import` body. @default 20971520 (20 MiB) */
  importBodyBytes?: number;
  /** Largest total uncompressed size of an uploaded skill archive or folder. @default 52428800 (50 MiB) */
  importTotalBytes?: number;
  /** Largest single file in an upload. @default 1000000 */
  importFileBytes?: number;
  /** Most conversations in one `conversations/import` (it runs while the request waits). @default 200 */
  conversationsPerImport?: number;
  /** Most messages in a `retrieval/preview` request. @default 200 */
  previewMessages?: number;
}

export interface ManagementRoutesOptions {
  store: SkillStore;
  search?: SkillSearcher;
  /** What the proxy would inject; usually the very provider given to `createServerApp`. */
  retrieval?: SkillContextProvider;
  vectors?: VectorMaintenance;
  conversations?: ConversationImporter;
  /** Shown by `capabilities`. */
  models?: {
    llm?: { provider: string; model: string | null };
    embeddings?: { provider: string; model: string | null };
  };
  /** Routes of other modules (the extraction routes) for `openapi.json` and `capabilities`. */
  extraRoutes?: readonly RouteDescription[];
  /** Whether the server asks for credentials (`openapi.json` security). @default true */
  authEnabled?: boolean;
  /** Search defaults. @default { limit: 10, minScore: 0 } for `skills/search` */
  searchDefaults?: { limit?: number; minScore?: number };
  /** Longest a `vectors/rebuild` request waits before answering 202 with progress. @default 2000 */
  rebuildWaitMs?: number;
  limits?: ManagementLimits;
  /** Reported by `openapi.json`. @default the package version */
  version?: string;
}
