/**
 * @module What `autoskill serve` and `autoskill proxy` run: from a resolved configuration, open the SDK
 * (store, models, embedder, search), run the store's startup maintenance, start the service runtime
 * (job store under `.autoskill/jobs/`, queue, event bus, scheduler, skill-context provider), build the
 * server app (OpenAI-compatible proxy + management API + extraction routes, and for `serve` the web UI's
 * static files) and listen. `close()` shuts down in order: stop accepting, drain extraction jobs
 * (bounded), end event streams, let open requests finish (bounded), close the job store and the SDK.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../../config/index.js';
import type { AutoSkill } from '../../sdk.js';
import { type CreateServerAppOptions, createServerApp, type ServerRouteModule } from '../../server/app.js';
import { type AuthOptions, HEALTH_PATHS } from '../../server/auth/authenticate.js';
import { createExtractionRoutes, EXTRACTION_ROUTE_DESCRIPTIONS } from '../../server/extractions/index.js';
import { type RunningServer, startServer } from '../../server/http/listen.js';
import { createServerLogger, createSilentLogger } from '../../server/logger.js';
import { createManagementRoutes, MANAGEMENT_PUBLIC_PATHS } from '../../server/management/index.js';
import { createChatUpstream } from '../../server/proxy/upstreams/create.js';
import type { ChatUpstream } from '../../server/proxy/upstreams/types.js';
import { SESSION_ROUTE_DESCRIPTIONS, sessionRoutes } from '../../server/sessions/index.js';
import { createMemoryEventBus } from '../../service/event-bus.js';
import { createIngestRunner } from '../../service/ingest-runner.js';
import type { RecoveryReport } from '../../service/job-queue.js';
import {
  createServiceRuntime,
  type ServiceRuntime,
  serviceSettingsFromConfig,
} from '../../service/runtime.js';
import { createSdkEngine, openAutoSkillFromConfig } from '../../service/sdk-engine.js';
import { createWorkerJobRunner } from '../../service/worker-runner.js';
import { AutoSkillError } from '../../shared/errors.js';
import type { ApiKeyStore } from '../../store/api-key-store.js';
import { createFileApiKeyStore } from '../../store/fs/file-api-key-store.js';
import { FileJobStore } from '../../store/fs/file-job-store.js';
import { STATE_DIR } from '../../store/fs/file-skill-store.js';
import type { JobStore } from '../../store/job-store.js';
import { MemoryJobStore } from '../../store/memory-job-store.js';
import { createPostgresApiKeyStore } from '../../store/postgres/postgres-api-key-store.js';
import { PostgresJobStore } from '../../store/postgres/postgres-job-store.js';
import { PostgresSkillStore } from '../../store/postgres/postgres-skill-store.js';
import {
  runStartupMaintenance,
  type StartupMaintenanceOptions,
  type StartupMaintenanceReport,
} from '../../store/startup-maintenance.js';
import type { SkillStore } from '../../store/types.js';

/**
 * What `serve`, `proxy` and `chat` do at startup, from the configuration: the auto-import settings, and
 * the library folders (the filesystem store reads them in place; PostgreSQL gets them imported).
 */
export function startupMaintenanceOptions(options: {
  config: ResolvedConfig;
  store: SkillStore;
  env: Record<string, string | undefined>;
}): StartupMaintenanceOptions {
  const { config } = options;
  return {
    store: options.store,
    env: options.env,
    defaultUserId: config.userId,
    autoImport: {
      dirs: config.startup.autoImportDirs,
      scope: config.startup.autoImportScope,
      ...(config.startup.autoImportLibrary ? { library: config.startup.autoImportLibrary } : {}),
      overwrite: config.startup.autoImportOverwrite,
      includeFiles: config.startup.autoImportIncludeFiles,
      maxDepth: config.startup.autoImportMaxDepth,
    },
    libraryDirs: config.store.libraryDirs,
  };
}

export type ServerMode = 'serve' | 'proxy';

/**
 * Further route modules `serve` mounts (the web UI's session API, …): the web engineer adds one line
 * here. Each receives the running SDK and service runtime.
 */
export type ServeRouteFactory = (parts: {
  sdk: AutoSkill;
  runtime: ServiceRuntime;
  upstream: ChatUpstream;
}) => ServerRouteModule;
export const SERVE_ROUTE_FACTORIES: ServeRouteFactory[] = [sessionRoutes];

export interface StartAutoSkillServerOptions {
  config: ResolvedConfig;
  /** API keys and `AUTOSKILL_*` variables. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** `serve` also serves the web UI's files. @default 'serve' */
  mode?: ServerMode;
  /** Allow a host other than loopback without any credential configured. @default false */
  allowNoAuth?: boolean;
  /**
   * Folder of the built web UI (`serve` only); `null` serves none.
   * @default `<package>/web/dist` when it holds an `index.html`
   */
  webDir?: string | null;
  /** @default from the config (9000) */
  port?: number;
  /** Replaces the upstream built from the config (tests, benches). */
  upstream?: ChatUpstream;
  /** `silent` turns request logs off. @default 'info' */
  logLevel?: string;
  logger?: Logger;
  /** How long shutdown waits for running extraction jobs. @default 10000 */
  drainTimeoutMs?: number;
  /** Run startup maintenance in the background instead of before listening. @default false */
  maintenanceInBackground?: boolean;
  /** Extra options for the server app (tests). */
  app?: Partial<CreateServerAppOptions>;
  /**
   * Run extraction jobs in a worker thread with its own SDK (keeps the chat path responsive while jobs
   * run; costs a second copy of the index in memory). `false` runs them in the server's thread.
   * @default true
   */
  extractionWorker?: boolean;
  /** Queue tuning (tests). */
  queue?: Parameters<typeof createServiceRuntime>[0]['queue'];
  /** @default process.cwd() */
  cwd?: string;
}

export interface RunningAutoSkillServer {
  readonly url: string;
  readonly server: RunningServer;
  readonly sdk: AutoSkill;
  readonly runtime: ServiceRuntime;
  readonly jobStore: JobStore;
  readonly authEnabled: boolean;
  readonly webDir: string | null;
  /** Startup maintenance (settled before listening unless it runs in the background). */
  readonly maintenance: Promise<StartupMaintenanceReport>;
  /**
   * Opening the search index and loading the tokenizer, started before listening and not awaited: it
   * resolves (never rejects) when both are ready. Searches before then wait for the same opening.
   */
  readonly warmUp: Promise<void>;
  readonly recovery: RecoveryReport;
  /** Graceful shutdown (see the module comment); safe to call twice. */
  close(): Promise<void>;
}

/**
 * Job leases of replicas sharing a PostgreSQL store: a replica that sends no heartbeat for `leaseMs`
 * (`AUTOSKILL_JOB_LEASE_MS`, default 60 s) is taken for dead and its running job is retried elsewhere.
 */
export function postgresReplicaSettings(env: Readonly<Record<string, string | undefined>>): {
  leaseMs: number;
  heartbeatMs: number;
  pollMs: number;
} {
  const raw = Number(env['AUTOSKILL_JOB_LEASE_MS'] ?? '');
  const leaseMs = Number.isFinite(raw) && raw >= 500 ? Math.floor(raw) : 60_000;
  return {
    leaseMs,
    heartbeatMs: Math.max(100, Math.floor(leaseMs / 4)),
    pollMs: Math.max(200, Math.min(5_000, Math.floor(leaseMs / 2))),
  };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The built web UI shipped with the package, when it exists. */
export function defaultWebDir(): string | null {
  const dir = fileURLToPath(new URL('../../../web/dist', import.meta.url));
  return existsSync(join(dir, 'index.html')) ? dir : null;
}

/** URL paths of every file under `dir` (so the UI shell is public while the API needs credentials). */
function staticPaths(dir: string): string[] {
  const out: string[] = ['/'];
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const full = join(folder, name);
      if (statSync(full).isDirectory()) walk(full);
      else out.push(`/${relative(dir, full).split(sep).join('/')}`);
    }
  };
  walk(dir);
  return out;
}

/** Serves the web UI's files (after every API route, so unknown API paths still answer the JSON 404). */
function webRoutes(dir: string): ServerRouteModule {
  return (app) => {
    app.get('*', serveStatic({ root: relative(process.cwd(), dir) || '.' }));
  };
}

function authOptions(config: ResolvedConfig, apiKeys: ApiKeyStore | undefined): AuthOptions {
  const { auth, server } = config;
  const jwt =
    auth.jwtSecret || auth.jwksUrl || auth.jwksFile
      ? {
          ...(auth.jwtSecret ? { secret: auth.jwtSecret } : {}),
          ...(auth.jwksUrl ? { jwksUrl: auth.jwksUrl } : {}),
          ...(auth.jwksFile ? { jwksFile: auth.jwksFile } : {}),
          userClaim: auth.jwtUserClaim,
          ...(auth.jwtIssuer ? { issuer: auth.jwtIssuer } : {}),
          ...(auth.jwtAudience ? { audience: auth.jwtAudience } : {}),
        }
      : undefined;
  return {
    ...(server.proxyApiKey ? { sharedKey: server.proxyApiKey } : {}),
    ...(apiKeys ? { apiKeys } : {}),
    ...(jwt ? { jwt } : {}),
    defaultUserId: config.userId,
  };
}

export async function startAutoSkillServer(
  options: StartAutoSkillServerOptions,
): Promise<RunningAutoSkillServer> {
  const { config } = options;
  const env = options.env ?? process.env;
  const mode = options.mode ?? 'serve';
  const cwd = options.cwd ?? process.cwd();
  const host = config.server.host;
  const port = options.port ?? config.server.port ?? 9000;
  const logger =
    options.logger ??
    (options.logLevel === 'silent'
      ? createSilentLogger()
      : createServerLogger({ level: options.logLevel ?? 'info' }));

  // Filesystem store state (job records, API keys) lives in `<store>/.autoskill/`.
  const stateDir =
    config.store.provider === 'filesystem' ? join(resolve(cwd, config.store.dir), STATE_DIR) : null;
  // With PostgreSQL, keys, jobs and events live in the database every replica shares.
  const postgresUrl = config.store.provider === 'postgres' ? config.store.url : undefined;
  const postgresKeys = postgresUrl
    ? createPostgresApiKeyStore({ url: postgresUrl, maxConnections: 2 })
    : undefined;
  const apiKeyStore =
    postgresKeys ?? (stateDir && existsSync(stateDir) ? createFileApiKeyStore({ stateDir }) : undefined);
  // Per-user keys turn authentication on only once one exists (auth is off by default on loopback).
  const hasKeys = apiKeyStore ? (await apiKeyStore.list()).length > 0 : false;
  const auth = authOptions(config, hasKeys ? apiKeyStore : undefined);
  const authEnabled = Boolean(auth.sharedKey || auth.apiKeys || auth.jwt);
  if (!authEnabled && !isLoopbackHost(host) && !options.allowNoAuth) {
    throw new AutoSkillError(
      'INVALID_CONFIG',
      `Refusing to listen on ${host} without authentication: anyone who can reach it could read and change ` +
        'every user’s skills. Set --proxy-api-key (or AUTOSKILL_PROXY_API_KEY), create keys with ' +
        '`autoskill keys create`, configure JWT, or pass --allow-no-auth if this network is trusted.',
      { details: { host } },
    );
  }

  const sdk = await openAutoSkillFromConfig({
    config,
    env,
    cwd,
    logger: {
      warn: (details, message) => logger.warn(details, message),
      debug: (details, message) => logger.debug(details, message),
    },
  });
  const closers: Array<() => Promise<void>> = [() => sdk.close()];
  if (postgresKeys) closers.unshift(() => postgresKeys.close());
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  };

  try {
    const maintenance = runStartupMaintenance(
      startupMaintenanceOptions({ config, store: sdk.store, env }),
    ).then((report) => {
      for (const error of report.errors) logger.warn({ error }, 'startup maintenance');
      for (const library of report.libraries) {
        logger.info(
          {
            source: library.source,
            imported: library.imported.length,
            unchanged: library.skipped.length,
            failed: library.errors.length,
          },
          'library folder imported into the PostgreSQL store',
        );
      }
      return report;
    });
    if (!options.maintenanceInBackground) await maintenance;

    // Open the search index (and load the tokenizer) in the background from now on: the server listens at
    // once (5,188 skills take a few seconds to index), and a request that comes earlier waits for this same
    // opening — never a second one — bounded by the chat route's skill-context timeout. Waiting until
    // listening was the same wait for the first request, with connections refused meanwhile.
    const warmUp = sdk.warmUp().catch((error: unknown) => {
      logger.warn({ err: error }, 'warming up the search failed; the first search opens it');
    });
    closers.push(() => warmUp);

    const postgres = sdk.store instanceof PostgresSkillStore ? sdk.store : undefined;
    const replicas = postgres ? postgresReplicaSettings(env) : undefined;
    const jobStore: JobStore = postgres
      ? new PostgresJobStore({
          database: postgres.db,
          retentionPerUser: config.extraction.retentionPerUser,
          ...(replicas ? { leaseMs: replicas.leaseMs } : {}),
        })
      : stateDir
        ? new FileJobStore({
            stateDir,
            retentionPerUser: config.extraction.retentionPerUser,
            durability: config.store.durability,
          })
        : new MemoryJobStore({ retentionPerUser: config.extraction.retentionPerUser });
    await jobStore.open();
    closers.push(() => jobStore.close());

    // Events of jobs other replicas run reach this replica's event streams (LISTEN/NOTIFY).
    const bus = createMemoryEventBus({
      onListenerError: (error) => logger.warn({ err: error }, 'an event subscriber failed'),
    });
    if (jobStore instanceof PostgresJobStore) {
      const stop = await jobStore.onEvent(({ event, local }) => {
        if (!local) bus.publish(event);
      });
      closers.push(async () => stop());
    }
    // What `completed` job events carry (the seeds' --extract-event-details / --extract-event-max-md-chars).
    const eventDetails = {
      includeSkillDetails: config.extraction.eventSkillDetails,
      maxSkillMdChars: config.extraction.eventMaxMdChars,
    };
    const runtime = createServiceRuntime({
      engine: createSdkEngine(sdk),
      jobStore,
      bus,
      ...(options.extractionWorker === false
        ? { runner: createIngestRunner({ engine: createSdkEngine(sdk), ...eventDetails }) }
        : {
            runner: createWorkerJobRunner({
              config,
              env,
              cwd,
              ...eventDetails,
              fallback: createIngestRunner({ engine: createSdkEngine(sdk), ...eventDetails }),
              logger: {
                info: (details, message) => logger.info(details, message),
                debug: (details, message) => logger.debug(details, message),
                warn: (details, message) => logger.warn(details, message),
                error: (details, message) => logger.error(details, message),
              },
            }),
          }),
      settings: serviceSettingsFromConfig(config),
      logger,
      ...(options.queue || replicas
        ? {
            queue: {
              // Replicas of one database take any job; a dead replica's jobs come back after its lease.
              ...(replicas
                ? {
                    ownJobsOnly: false,
                    heartbeatMs: replicas.heartbeatMs,
                    workerStaleMs: replicas.leaseMs,
                    pollMs: replicas.pollMs,
                  }
                : {}),
              ...options.queue,
            },
          }
        : {}),
    });
    const recovery = await runtime.start();
    closers.push(async () => {
      await runtime.close({ drainTimeoutMs: options.drainTimeoutMs ?? 10_000 });
    });

    const webDir =
      mode === 'serve' ? (options.webDir === undefined ? defaultWebDir() : options.webDir) : null;
    const upstream =
      options.upstream ??
      createChatUpstream(
        {
          provider: config.llm.provider,
          ...(config.llm.model ? { model: config.llm.model } : {}),
          ...(config.llm.baseUrl ? { baseUrl: config.llm.baseUrl } : {}),
          ...(config.llm.apiKey ? { apiKey: config.llm.apiKey } : {}),
        },
        { env },
      );
    const routes: ServerRouteModule[] = [
      createManagementRoutes({
        store: sdk.store,
        search: sdk.skillSearch,
        retrieval: runtime.skillContext,
        vectors: sdk,
        conversations: {
          async importConversations(input) {
            const result = await sdk.importOpenAIConversations({
              userId: input.userId,
              data: input.conversations,
              continueOnError: input.continueOnError,
              ...(input.hint ? { hint: input.hint } : {}),
              metadata: { channel: 'proxy_conversation_import' },
            });
            return {
              processed: result.processed,
              failed: result.failed,
              skills: result.skills,
              errors: result.errors,
            };
          },
        },
        models: {
          llm: { provider: config.llm.provider, model: upstream.defaultModel ?? config.llm.model ?? null },
          embeddings: { provider: config.embeddings.provider, model: sdk.embeddings.modelId ?? null },
        },
        extraRoutes: [
          ...EXTRACTION_ROUTE_DESCRIPTIONS,
          ...(mode === 'serve' ? SESSION_ROUTE_DESCRIPTIONS : []),
        ],
        authEnabled,
      }),
      createExtractionRoutes({ service: runtime.extractions }),
      ...(mode === 'serve'
        ? SERVE_ROUTE_FACTORIES.map((factory) => factory({ sdk, runtime, upstream }))
        : []),
      ...(webDir ? [webRoutes(webDir)] : []),
    ];
    const perMinute = config.server.rateLimitPerMinute;
    const app = createServerApp({
      upstream,
      embeddings: sdk.embeddings,
      skillContext: runtime.skillContext,
      turnObserver: runtime.turnObserver,
      auth: {
        ...auth,
        publicPaths: [...HEALTH_PATHS, ...MANAGEMENT_PUBLIC_PATHS, ...(webDir ? staticPaths(webDir) : [])],
      },
      rateLimit:
        perMinute > 0
          ? { requestsPerSecond: perMinute / 60, burst: Math.max(1, Math.ceil(perMinute / 6)) }
          : false,
      limits: { chatBodyBytes: config.server.bodyLimitBytes },
      cors: config.server.corsOrigins.length > 0 ? { origins: config.server.corsOrigins } : false,
      servedModels: config.server.servedModels,
      defaultScope: config.retrieval.scope,
      includeAutoskillField: config.server.includeAutoskillField,
      logger,
      routes,
      ...options.app,
    });
    const server = await startServer({ app, host, port });
    let closing: Promise<void> | undefined;
    return {
      url: server.url,
      server,
      sdk,
      runtime,
      jobStore,
      authEnabled,
      webDir,
      maintenance,
      warmUp,
      recovery,
      close() {
        closing ??= (async () => {
          // Stop accepting at once; open requests (chat streams) get the grace period below.
          const stopped = server.close({ graceMs: 5_000 });
          await runtime.close({ drainTimeoutMs: options.drainTimeoutMs ?? 10_000 });
          await stopped;
          await closeAll();
        })();
        return closing;
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** The endpoint list printed at start. */
export function endpointList(mode: ServerMode, webDir: string | null): string[] {
  return [
    ...(mode === 'serve' && webDir ? ['GET  /                                       web UI'] : []),
    ...(mode === 'serve'
      ? [
          'POST /v1/autoskill/sessions                    chat sessions (+ /{id}, /{id}/messages SSE, /{id}/events, /me)',
        ]
      : []),
    'POST /v1/chat/completions                      OpenAI-compatible chat (stream and non-stream)',
    'POST /v1/embeddings',
    'GET  /v1/models',
    'GET  /health                                   also /api/health',
    'GET  /v1/autoskill/capabilities                what this server supports',
    'GET  /v1/autoskill/openapi.json',
    'GET  /v1/autoskill/skills                      skills, versions, diff, export, search, import',
    'POST /v1/autoskill/retrieval/preview',
    'POST /v1/autoskill/extractions                 extract now (+ /simulate, /latest, /{id}, /{id}/events)',
    'GET  /v1/autoskill/vectors/status',
  ];
}
