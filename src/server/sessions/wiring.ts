/**
 * @module Building the chat sessions from the parts a server already runs: the SDK (retrieval, skill
 * reads, store root), the service runtime (job queue, event bus, job events) and the proxy's chat
 * upstream. `sessionRoutes(parts)` is what `autoskill serve` and `autoskill web` mount; the terminal chat
 * uses `createSessionService(parts)` with a memory store.
 */
import { join } from 'node:path';
import type { AutoSkill } from '../../sdk.js';
import { type ChatSessionService, createChatSessionService } from '../../service/chat-session.js';
import type { ServiceLogger } from '../../service/job-queue.js';
import type { ServiceRuntime } from '../../service/runtime.js';
import { createSdkEngine } from '../../service/sdk-engine.js';
import type { ChatSessionSettings, ChatSessionStore } from '../../store/chat-session-store.js';
import { FileChatSessionStore } from '../../store/fs/file-chat-session-store.js';
import { FileSkillStore, STATE_DIR } from '../../store/fs/file-skill-store.js';
import { MemoryChatSessionStore } from '../../store/memory-chat-session-store.js';
import { PostgresChatSessionStore } from '../../store/postgres/postgres-chat-session-store.js';
import { PostgresSkillStore } from '../../store/postgres/postgres-skill-store.js';
import type { ServerRouteModule } from '../app.js';
import { createChatUpstream } from '../proxy/upstreams/create.js';
import type { ChatUpstream } from '../proxy/upstreams/types.js';
import { createSessionRoutes, type SessionRoutesOptions } from './routes.js';

export interface SessionRoutesParts {
  sdk: AutoSkill;
  runtime: ServiceRuntime;
  /** The proxy's chat upstream. @default built from `sdk.config.llm` and `env` */
  upstream?: ChatUpstream;
  /** @default the filesystem store's `.autoskill/sessions/`, or memory for other stores */
  store?: ChatSessionStore;
  /** For the default upstream's API keys. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** Overrides of the new sessions' settings. @default the SDK's configuration */
  defaults?: Partial<ChatSessionSettings>;
  /** `channel` of the jobs sessions schedule. @default 'web' */
  channel?: string;
  /** SKILL.md characters `/export` prints. @default 20000 */
  exportMaxChars?: number;
  /** Completed chat turns sent to the model. @default 50 */
  historyTurns?: number;
  /** Temperature of chat requests. @default unset (the model's default) */
  temperature?: number;
  logger?: ServiceLogger;
  /** Route tuning (stream timeouts, keep-alive). */
  routes?: Omit<SessionRoutesOptions, 'service' | 'llm'>;
}

/** The default chat upstream of a configuration (what the proxy forwards to). */
export function upstreamFromConfig(
  sdk: AutoSkill,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ChatUpstream {
  const { llm } = sdk.config;
  return createChatUpstream(
    {
      provider: llm.provider,
      ...(llm.model ? { model: llm.model } : {}),
      ...(llm.baseUrl ? { baseUrl: llm.baseUrl } : {}),
      ...(llm.apiKey ? { apiKey: llm.apiKey } : {}),
    },
    { env },
  );
}

/** Where sessions live for this SDK's store. */
export function defaultSessionStore(sdk: AutoSkill): ChatSessionStore {
  // Replicas of one PostgreSQL database share sessions, so a conversation may move between them.
  if (sdk.store instanceof PostgresSkillStore)
    return new PostgresChatSessionStore({ database: sdk.store.db });
  return sdk.store instanceof FileSkillStore
    ? new FileChatSessionStore({
        stateDir: join(sdk.store.root, STATE_DIR),
        durability: sdk.config.store.durability,
      })
    : new MemoryChatSessionStore();
}

/** Settings of new sessions from the configuration (the server's `--skill-scope`, `--top-k`…). */
export function defaultSessionSettings(sdk: AutoSkill): ChatSessionSettings {
  const { retrieval, extraction } = sdk.config;
  return {
    scope: retrieval.scope,
    rewriteMode: retrieval.rewriteMode,
    extractMode: extraction.mode,
    extractTurnLimit: extraction.turnLimit,
    minScore: retrieval.minScore,
    topK: Math.min(20, retrieval.topK),
  };
}

/** The session engine over a running SDK and service runtime. The store is opened by the caller. */
export function createSessionService(
  parts: SessionRoutesParts & { store: ChatSessionStore; upstream: ChatUpstream },
): ChatSessionService {
  const { sdk, runtime } = parts;
  return createChatSessionService({
    store: parts.store,
    engine: createSdkEngine(sdk),
    async listSkills(userId, limit) {
      const { items } = await sdk.list({ userId, scope: 'user', limit });
      return items.map((skill) => ({ id: skill.id, name: skill.name, version: skill.version }));
    },
    model: parts.upstream,
    queue: runtime.queue,
    jobs: runtime.extractions,
    bus: runtime.bus,
    defaults: { ...defaultSessionSettings(sdk), ...parts.defaults },
    window: sdk.config.extraction.window,
    ...(parts.channel ? { channel: parts.channel } : {}),
    ...(parts.exportMaxChars !== undefined ? { exportMaxChars: parts.exportMaxChars } : {}),
    ...(parts.historyTurns !== undefined ? { historyTurns: parts.historyTurns } : {}),
    ...(parts.temperature !== undefined ? { temperature: parts.temperature } : {}),
    ...(parts.logger ? { logger: parts.logger } : {}),
  });
}

/**
 * The sessions API as a route module. The session store opens on the first request that needs it (route
 * modules are registered synchronously); an unwritable store answers that request with its error.
 */
export function sessionRoutes(parts: SessionRoutesParts): ServerRouteModule {
  const upstream = parts.upstream ?? upstreamFromConfig(parts.sdk, parts.env);
  const store = parts.store ?? defaultSessionStore(parts.sdk);
  let opened: Promise<void> | undefined;
  const ready = () => {
    opened ??= store.open().catch((error: unknown) => {
      opened = undefined;
      throw error;
    });
    return opened;
  };
  const after =
    <T>(action: () => Promise<T>) =>
    async (): Promise<T> => {
      await ready();
      return action();
    };
  const lazyStore: ChatSessionStore = {
    open: ready,
    close: () => store.close(),
    create: (record) => after(() => store.create(record))(),
    get: (userId, sessionId) => after(() => store.get(userId, sessionId))(),
    list: (userId, options) => after(() => store.list(userId, options))(),
    count: (userId) => after(() => store.count(userId))(),
    save: (record) => after(() => store.save(record))(),
    delete: (userId, sessionId) => after(() => store.delete(userId, sessionId))(),
  };
  const service = createSessionService({ ...parts, store: lazyStore, upstream });
  return createSessionRoutes({
    ...parts.routes,
    service,
    llm: { provider: upstream.provider, model: upstream.defaultModel ?? parts.sdk.config.llm.model ?? null },
  });
}
