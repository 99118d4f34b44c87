/**
 * @module The `AutoSkill` SDK: one object that learns skills from conversations (`ingest`), finds them
 * (`search`), puts them into prompts (`renderContext`, `prepareTurnContext`), imports and exports them,
 * and manages them (get, list, update, delete, restore, versions, rollback, diff). Built from the
 * layers below it: store + store-side search, the learning pipeline, the retrieve layer.
 *
 * @example
 * const autoSkill = await AutoSkill.open({
 *   llm: { provider: 'offline' },
 *   embeddings: { provider: 'hashing' },
 *   store: { provider: 'filesystem', dir: 'SkillBank' },
 * });
 * await autoSkill.ingest({ userId: 'u1', messages });
 * const hits = await autoSkill.search('How should I do a safe release?', { userId: 'u1' });
 * await autoSkill.close();
 *
 * `new AutoSkill(options)` is the same without the `await`: it opens in the background and each method waits.
 */
import type { ResolvedConfig } from './config/index.js';
import type { EmbeddingConnector } from './embeddings/types.js';
import type { ConversationMessage } from './learn/conversation.js';
import { type ExtractionLogger, extractCandidate } from './learn/extract.js';
import type { ExtractionReferenceInput } from './learn/extraction-reference.js';
import { type ImportConversationsResult, importConversations } from './learn/import-conversations.js';
import { ingest } from './learn/ingest.js';
import type { UserLock } from './learn/maintain-lock.js';
import type { LLMConnector } from './llm/types.js';
import {
  type ChatMessageLike,
  prepareTurnContext,
  type RenderableSkill,
  type RenderedSkillContext,
  renderSkillContext,
  splitLatestUserTurn,
  type TurnContext,
} from './retrieve/index.js';
import { loadTokenCounter } from './retrieve/tokens.js';
import { buildComponents, type Components, type StoreConfig } from './sdk/components.js';
import { diffLines } from './sdk/diff.js';
import { type ExportResult, type ExportSkillOptions, exportSkill } from './sdk/export.js';
import type {
  AutoSkillOptions,
  ChangeOptions,
  DiffOptions,
  ExtractCandidatesResult,
  ImportConversationsOptions,
  ImportSkillsOptions,
  IngestOptions,
  IngestResult,
  PrepareTurnOptions,
  RenderContextOptions,
  SearchSkillsOptions,
  SkillDiff,
} from './sdk/options.js';
import { userLockFor } from './sdk/user-lock.js';
import { AutoSkillError } from './shared/errors.js';
import { type ImportReport, importSkills } from './store/import/import-skills.js';
import {
  createSkillSearch,
  type RebuildVectorsOptions,
  type SkillSearch,
  type SkillSearchHit,
  type VectorRebuildReport,
  type VectorStatus,
  type VectorStatusOptions,
} from './store/skill-search.js';
import type {
  ListOptions,
  ListResult,
  ResourceChanges,
  RevisionContent,
  RevisionSummary,
  SkillFiles,
  SkillPatch,
  SkillStore,
  StoredSkill,
} from './store/types.js';

export type { ImportConversationsResult, ImportStep } from './learn/import-conversations.js';
export type { DiffHunk, DiffLine, LineDiff } from './sdk/diff.js';
export type { ExportFormat, ExportResult, ExportSkillOptions } from './sdk/export.js';
export type {
  AutoSkillOptions,
  ChangeOptions,
  DiffOptions,
  ExtractCandidatesResult,
  ImportConversationsOptions,
  ImportSkillsOptions,
  IngestOptions,
  IngestResult,
  PrepareTurnOptions,
  RenderContextOptions,
  SearchSkillsOptions,
  SkillDiff,
} from './sdk/options.js';
export type { StoreConfig };

function toRenderable(item: StoredSkill | SkillSearchHit | RenderableSkill): RenderableSkill {
  return 'skill' in item && typeof item.skill === 'object' ? item.skill : (item as RenderableSkill);
}

/** Everything an open `AutoSkill` works with: the built components plus what the SDK adds. */
interface AutoSkillParts extends Components {
  skillSearch: SkillSearch;
  userId: string;
  offline: boolean;
  userLock: UserLock;
  logger: ExtractionLogger | undefined;
  now: () => number;
}

async function openParts(options: AutoSkillOptions): Promise<AutoSkillParts> {
  const components = await buildComponents(options);
  const logger = options.logger;
  const skillSearch = createSkillSearch({
    store: components.store,
    embeddings: components.embeddings,
    ...(options.vectorsDir === undefined ? {} : { vectorsDir: options.vectorsDir }),
    onError: (error, context) =>
      logger?.warn(
        { context, error: error instanceof Error ? error.message : String(error) },
        'skill search',
      ),
  });
  return {
    ...components,
    skillSearch,
    userId: options.userId ?? components.config.userId,
    offline: options.offline ?? components.learnLlm.provider === 'offline',
    userLock: userLockFor(components.store),
    logger,
    now: options.now ?? Date.now,
  };
}

/**
 * The SDK facade (see the module comment). `new AutoSkill(options)` starts opening at once and every method
 * waits for it; `await AutoSkill.open(options)` (or `await autoSkill.ready()`) surfaces a bad configuration
 * immediately and makes the properties (`store`, `config`, `llm`, …) readable.
 */
export class AutoSkill {
  readonly #opening: Promise<AutoSkillParts>;
  #parts: AutoSkillParts | undefined;
  /** Calls still running: `close()` waits for them (and for the calls they make) before closing anything. */
  readonly #inFlight = new Set<Promise<unknown>>();
  #closing: Promise<void> | undefined;
  #closed = false;

  constructor(options: AutoSkillOptions = {}) {
    this.#opening = openParts(options).then((parts) => {
      this.#parts = parts;
      return parts;
    });
    // An SDK nobody awaited must not crash the process with an unhandled rejection; the next call reports it.
    this.#opening.catch(() => undefined);
  }

  /** Builds and opens everything: configuration, store, models, embedder; the search index opens lazily. */
  static async open(options: AutoSkillOptions = {}): Promise<AutoSkill> {
    const autoSkill = new AutoSkill(options);
    await autoSkill.ready();
    return autoSkill;
  }

  /** Resolves once the SDK is open; rejects with the error that stopped it (bad config, store, provider). */
  async ready(): Promise<void> {
    await this.#opening;
  }

  get config(): ResolvedConfig {
    return this.opened().config;
  }
  get store(): SkillStore {
    return this.opened().store;
  }
  /** The chat model (the offline stand-in unless configured). */
  get llm(): LLMConnector {
    return this.opened().llm;
  }
  /** The model that learns: extraction, merging, query rewriting, selection. */
  get learnLlm(): LLMConnector {
    return this.opened().learnLlm;
  }
  get embeddings(): EmbeddingConnector {
    return this.opened().embeddings;
  }
  /** Store-side search (lazy: opened on first use). */
  get skillSearch(): SkillSearch {
    return this.opened().skillSearch;
  }
  /** The user of calls that name none. */
  get userId(): string {
    return this.opened().userId;
  }
  /** Whether extraction is rule-based. */
  get offline(): boolean {
    return this.opened().offline;
  }
  private get ownsStore(): boolean {
    return this.opened().ownsStore;
  }
  private get userLock(): UserLock {
    return this.opened().userLock;
  }
  private get logger(): ExtractionLogger | undefined {
    return this.opened().logger;
  }
  private get now(): () => number {
    return this.opened().now;
  }

  private opened(): AutoSkillParts {
    if (this.#parts) return this.#parts;
    throw new AutoSkillError(
      'NOT_READY',
      'AutoSkill is still opening: await autoSkill.ready() (or create it with await AutoSkill.open()) before reading its properties',
    );
  }

  /** Opens the search index and loads the tokenizer now, so the first request does not pay for them. */
  async warmUp(): Promise<void> {
    return this.run(async () => {
      await Promise.all([this.skillSearch.open(), loadTokenCounter()]);
    });
  }

  /**
   * Closes the search and (when the SDK created it) the store, after every call made before it has finished;
   * calls made afterwards are refused with `CLOSED`.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const parts = await this.#opening.catch(() => undefined);
      while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
      this.#closed = true;
      if (!parts) return;
      await parts.skillSearch.close();
      if (parts.ownsStore) await parts.store.close();
    })();
    return this.#closing;
  }

  /** Runs one call once the SDK is open, tracked so that `close()` waits for it. */
  private async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#closed) {
      throw new AutoSkillError('CLOSED', 'AutoSkill is closed: open a new instance to go on');
    }
    const task = this.#opening.then(work);
    this.#inFlight.add(task);
    try {
      return await task;
    } finally {
      this.#inFlight.delete(task);
    }
  }

  // ---------------------------------------------------------------- retrieval

  /** Skills for a query in the user's scope, best first, with their calibrated score and its parts. */
  async search(query: string, options: SearchSkillsOptions = {}): Promise<SkillSearchHit[]> {
    return this.run(async () => {
      return this.skillSearch.search(query, {
        userId: options.userId ?? this.userId,
        scope: options.scope ?? this.config.retrieval.scope,
        limit: options.limit ?? 5,
        minScore: options.minScore ?? 0,
        ...(options.filters ? { filters: options.filters } : {}),
        ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
      });
    });
  }

  /** Renders skills into one context block under a token budget (full prompt for the best ones). */
  async renderContext(options: RenderContextOptions): Promise<RenderedSkillContext> {
    return this.run(async () => {
      return renderSkillContext({
        skills: options.skills.map(toRenderable),
        maxTokens: options.maxTokens ?? this.config.retrieval.maxContextTokens,
        ...(options.query === undefined ? {} : { query: options.query }),
      });
    });
  }

  /** The skill context of one chat turn (rewrite → search → select → render); once the SDK is open it never throws (failures become an empty context). */
  async prepareTurnContext(options: PrepareTurnOptions): Promise<TurnContext> {
    return this.run(async () => {
      const retrieval = this.config.retrieval;
      return prepareTurnContext({
        search: this.skillSearch,
        userId: options.userId ?? this.userId,
        messages: options.messages,
        scope: options.scope ?? retrieval.scope,
        topK: options.topK ?? retrieval.topK,
        minScore: options.minScore ?? retrieval.minScore,
        rewriteMode: options.rewriteMode ?? retrieval.rewriteMode,
        historyTurns: retrieval.rewriteHistoryTurns,
        selection: options.selection ?? retrieval.selection,
        maxContextTokens: options.maxContextTokens ?? retrieval.maxContextTokens,
        ...(this.offline ? {} : { llm: this.learnLlm }),
        ...(options.filters ? { filters: options.filters } : {}),
        ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
        now: this.now,
      });
    });
  }

  // ---------------------------------------------------------------- learning

  /**
   * Learns from a conversation: extracts at most one candidate, then creates a skill, merges it into the
   * one it belongs to (patch version bump, new revision) or discards it. Concurrent ingests for one user
   * are serialised (across processes too, for the filesystem store), so one capability gives one skill.
   */
  async ingest(options: IngestOptions): Promise<IngestResult> {
    return this.run(async () => {
      return ingest({
        store: this.store,
        search: this.skillSearch,
        llm: this.llm,
        learnLlm: this.learnLlm,
        offline: this.offline,
        userId: options.userId ?? this.userId,
        messages: options.messages ?? [],
        events: options.events,
        hint: options.hint,
        metadata: options.metadata,
        forced: options.forced ?? false,
        reference: options.reference,
        logger: this.logger,
        abortSignal: options.abortSignal,
        actor: 'maintainer',
        lock: this.userLock,
      });
    });
  }

  /** Dry run of extraction: the candidate a conversation would give, nothing stored. */
  async extractCandidates(options: IngestOptions): Promise<ExtractCandidatesResult> {
    return this.run(async () => {
      const userId = options.userId ?? this.userId;
      const messages = options.messages ?? [];
      const reference =
        options.reference === undefined ? await this.referenceFor(userId, messages) : options.reference;
      const result = await extractCandidate({
        messages,
        ...(options.events ? { events: options.events } : {}),
        ...(options.hint ? { hint: options.hint } : {}),
        forced: options.forced ?? false,
        reference,
        llm: this.learnLlm,
        offline: this.offline,
        ...(this.logger ? { logger: this.logger } : {}),
        ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
      });
      return {
        candidates: result.candidate ? [result.candidate] : [],
        outcome: result.outcome,
        reason: result.reason,
        dropped: result.dropped,
      };
    });
  }

  /**
   * Learns from every conversation of an OpenAI-format `.json` / `.jsonl` file (or parsed data): one
   * ingest each, so at most one skill change per conversation.
   */
  async importOpenAIConversations(options: ImportConversationsOptions): Promise<ImportConversationsResult> {
    return this.run(async () => {
      return importConversations(
        {
          ...(options.file === undefined ? {} : { file: options.file }),
          ...(options.data === undefined ? {} : { data: options.data }),
          maxMessagesPerConversation: options.maxMessagesPerConversation ?? 0,
          continueOnError: options.continueOnError ?? true,
          ...(options.hint ? { hint: options.hint } : {}),
          ...(options.metadata ? { metadata: options.metadata } : {}),
          ...(options.onProgress ? { onProgress: options.onProgress } : {}),
          ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
        },
        (messages, context) =>
          this.ingest({
            ...(options.userId ? { userId: options.userId } : {}),
            messages,
            metadata: context.metadata,
            ...(context.hint ? { hint: context.hint } : {}),
            ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
          }),
      );
    });
  }

  /** Imports Agent Skill folders (or a zip) into a user's skills or a read-only library. */
  async importSkills(options: ImportSkillsOptions): Promise<ImportReport> {
    return this.run(async () => {
      return importSkills(this.store, {
        source: options.source,
        target: options.library ? { library: options.library } : { userId: options.userId ?? this.userId },
        overwrite: options.overwrite ?? false,
        includeFiles: options.includeFiles ?? true,
        maxDepth: options.maxDepth ?? 6,
        actor: 'sdk',
      });
    });
  }

  /** One skill as SKILL.md text, a folder or a zip (see `ExportSkillOptions`). */
  async export(options: ExportSkillOptions): Promise<ExportResult> {
    return this.run(async () => {
      const skill = await this.require(options.id);
      return exportSkill(skill, await this.store.readFiles(options.id), options);
    });
  }

  // ---------------------------------------------------------------- store operations

  async get(id: string): Promise<StoredSkill | null> {
    return this.run(async () => {
      return this.store.get(id);
    });
  }

  /** A user's skills, the libraries', or both. @default the SDK's user, scope `user` */
  async list(options: ListOptions = {}): Promise<ListResult> {
    return this.run(async () => {
      const scope = options.scope ?? 'user';
      return this.store.list({
        ...options,
        scope,
        ...(scope !== 'library' && options.userId === undefined ? { userId: this.userId } : {}),
      });
    });
  }

  /** SKILL.md text and resource files of a skill. */
  async readFiles(id: string): Promise<SkillFiles> {
    return this.run(async () => {
      return this.store.readFiles(id);
    });
  }

  /** Changes fields (and resource files), writing a new revision. */
  async update(
    id: string,
    patch: SkillPatch,
    options: ChangeOptions & { files?: ResourceChanges } = {},
  ): Promise<StoredSkill> {
    return this.run(async () => {
      return this.store.update(
        id,
        patch,
        this.context(options, 'update'),
        options.files ? { files: options.files } : {},
      );
    });
  }

  /** Replaces SKILL.md with edited text (it must keep the id). */
  async saveSkillMd(id: string, text: string, options: ChangeOptions = {}): Promise<StoredSkill> {
    return this.run(async () => {
      return this.store.saveSkillMd(id, text, this.context(options, 'edit'));
    });
  }

  async delete(id: string, options: ChangeOptions = {}): Promise<void> {
    return this.run(async () => {
      return this.store.delete(id, this.context(options, 'delete'));
    });
  }

  async restore(id: string, options: ChangeOptions = {}): Promise<StoredSkill> {
    return this.run(async () => {
      return this.store.restore(id, this.context(options, 'restore'));
    });
  }

  /** Restores the content of `toRevision` as a new revision (history is never destroyed). */
  async rollback(id: string, toRevision: number, options: ChangeOptions = {}): Promise<StoredSkill> {
    return this.run(async () => {
      return this.store.rollback(id, toRevision, this.context(options, `rollback to r${toRevision}`));
    });
  }

  /** History, oldest first. */
  async versions(id: string): Promise<RevisionSummary[]> {
    return this.run(async () => {
      return this.store.versions(id);
    });
  }

  async getRevision(id: string, revision: number): Promise<RevisionContent> {
    return this.run(async () => {
      return this.store.getRevision(id, revision);
    });
  }

  /** Line diff of SKILL.md between two revisions (`to` defaults to the current one). */
  async diff(options: DiffOptions): Promise<SkillDiff> {
    return this.run(async () => {
      const older = await this.store.getRevision(options.id, options.from);
      let newerText: string;
      let to: number;
      if (options.to === undefined) {
        const skill = await this.require(options.id);
        newerText = (await this.store.readFiles(options.id)).skillMd;
        to = skill.revision;
      } else {
        newerText = (await this.store.getRevision(options.id, options.to)).skillMd;
        to = options.to;
      }
      const diff = diffLines({
        oldText: older.skillMd,
        newText: newerText,
        oldLabel: `r${options.from}/SKILL.md`,
        newLabel: `r${to}/SKILL.md`,
        ...(options.context === undefined ? {} : { context: options.context }),
      });
      return { id: options.id, from: options.from, to, ...diff };
    });
  }

  /** Agreement of the vector index with the skills (the `vectors status` command). */
  async vectorStatus(options: VectorStatusOptions = {}): Promise<VectorStatus> {
    return this.run(async () => {
      return this.skillSearch.vectorStatus(options);
    });
  }

  /** Embeds missing and stale skills (all with `force`) and drops vectors of deleted ones. */
  async rebuildVectors(options: RebuildVectorsOptions = {}): Promise<VectorRebuildReport> {
    return this.run(async () => {
      return this.skillSearch.rebuildVectors(options);
    });
  }

  // ---------------------------------------------------------------- helpers

  private context(options: ChangeOptions, reason: string) {
    return {
      actor: options.actor ?? 'sdk',
      reason: options.reason ?? reason,
      ...(options.baseRevision === undefined ? {} : { baseRevision: options.baseRevision }),
    };
  }

  private async require(id: string): Promise<StoredSkill> {
    const skill = await this.store.get(id);
    if (!skill) {
      throw new AutoSkillError('SKILL_NOT_FOUND', `No skill with id ${JSON.stringify(id)}`, {
        details: { id },
      });
    }
    return skill;
  }

  /** The top-1 skill the latest user message retrieves, as extraction identity context. */
  private async referenceFor(
    userId: string,
    messages: readonly ConversationMessage[],
  ): Promise<ExtractionReferenceInput | null> {
    const latest = splitLatestUserTurn(messages as readonly ChatMessageLike[]);
    if (!latest) return null;
    try {
      const [top] = await this.search(latest.latest, {
        userId,
        limit: 1,
        minScore: this.config.retrieval.minScore,
      });
      if (!top) return null;
      return {
        id: top.skill.id,
        name: top.skill.name,
        description: top.skill.description,
        triggers: top.skill.triggers.slice(0, 20),
        resourcePaths: top.skill.resources.slice(0, 16),
        scope: top.source.startsWith('library:') ? 'library' : top.skill.owner === userId ? 'user' : 'other',
        score: top.score,
      };
    } catch {
      return null;
    }
  }
}
