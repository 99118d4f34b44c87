/**
 * @module The server app factory: one hono app with everything injected (upstream, embeddings, skill
 * context, turn observer, auth, limits, CORS, logger, clock), the OpenAI-compatible routes, `/health`,
 * and a hook for further route modules (the management API, the web UI) that share its middleware:
 * request ids, CORS, authentication on every path but an allow-list, per-credential rate limits, one
 * error handler and a JSON 404.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type Context, Hono } from 'hono';
import { cors } from 'hono/cors';
import type { Logger } from 'pino';
import type { EmbeddingConnector } from '../embeddings/types.js';
import {
  noopTurnObserver,
  noSkillContext,
  type SkillContextProvider,
  type SkillScope,
  type TurnObserver,
} from '../service/turn-types.js';
import { type AuthOptions, authMiddleware, createAuthenticator, HEALTH_PATHS } from './auth/authenticate.js';
import { createRateLimiter, type RateLimitOptions, rateLimitMiddleware } from './auth/rate-limit.js';
import { USER_HEADER } from './auth/resolve-user.js';
import type { ServerEnv } from './context.js';
import { handleNotFound, handleServerError } from './errors.js';
import { createSilentLogger } from './logger.js';
import { REQUEST_ID_HEADER, SKILLS_HEADER } from './proxy/autoskill-field.js';
import { registerChatRoute, SCOPE_HEADER } from './proxy/chat-route.js';
import { registerEmbeddingsRoute } from './proxy/embeddings-route.js';
import { normalizeServedModels, registerModelsRoute, type ServedModelInput } from './proxy/models-route.js';
import { createOfflineUpstream } from './proxy/upstreams/offline.js';
import type { ChatUpstream } from './proxy/upstreams/types.js';

export interface ServerLimits {
  /** Largest `POST /v1/chat/completions` body (images make them big). @default 10485760 (10 MiB) */
  chatBodyBytes?: number;
  /** Largest body of every other route. @default 1048576 (1 MiB) */
  defaultBodyBytes?: number;
}

export interface CorsSettings {
  /** Allowed origins, or `'*'`. */
  origins: readonly string[] | '*';
  /** @default false */
  credentials?: boolean;
  /** Preflight cache, in seconds. @default 600 */
  maxAgeSeconds?: number;
}

/** What a route module receives besides the app: the resolved settings it may need. */
export interface ServerRouteContext {
  limits: Required<ServerLimits>;
  logger: Logger;
  now: () => number;
  defaultScope: SkillScope;
}

/** Adds routes (e.g. the management API) to the app; runs after the core routes are registered. */
export type ServerRouteModule = (app: Hono<ServerEnv>, context: ServerRouteContext) => void;

export interface CreateServerAppOptions {
  /** Where chat requests go. @default the offline responder */
  upstream?: ChatUpstream;
  /** Serves `POST /v1/embeddings`; without one that route answers 501. */
  embeddings?: EmbeddingConnector;
  /** @default noSkillContext (nothing injected) */
  skillContext?: SkillContextProvider;
  /** @default noopTurnObserver */
  turnObserver?: TurnObserver;
  /** @default {} (auth off) */
  auth?: AuthOptions;
  /**
   * Per-credential token bucket. @default 20 requests/s with bursts of 40 when auth is on; off when auth
   * is off (every anonymous caller would share one bucket)
   */
  rateLimit?: RateLimitOptions | false;
  limits?: ServerLimits;
  /** @default false (no CORS headers at all) */
  cors?: CorsSettings | false;
  /** Served models for `GET /v1/models`: ids or `{id, object?, owned_by?, created?}`. @default [] */
  servedModels?: readonly ServedModelInput[];
  /** The server's skill scope; a request may narrow it. @default 'all' */
  defaultScope?: SkillScope;
  /** Add the `autoskill` field to chat responses (first chunk of streams). @default true */
  includeAutoskillField?: boolean;
  /** Send `X-AutoSkill-Skills` with the injected skill ids. @default true */
  includeAutoskillHeaders?: boolean;
  /** Longest wait for the skill context before answering without skills. @default 5000 */
  skillContextTimeoutMs?: number;
  /** Redacting pino logger (see `createServerLogger`). @default silent */
  logger?: Logger;
  /** Epoch milliseconds. @default Date.now */
  now?: () => number;
  /** @default a random UUID without dashes */
  generateRequestId?: () => string;
  /** Reported by `/health`. @default this package's version */
  version?: string;
  /** Further route modules (management API, web UI). */
  routes?: readonly ServerRouteModule[];
}

let cachedVersion: string | undefined;

/** The package version from package.json (two folders up from both src/server and dist/server). */
export function packageVersion(): string {
  if (cachedVersion !== undefined) return cachedVersion;
  try {
    const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
    const match = /"version"\s*:\s*"([^"]+)"/.exec(text);
    cachedVersion = match?.[1] ?? '0.0.0';
  } catch {
    cachedVersion = '0.0.0';
  }
  return cachedVersion;
}

/**
 * Sets a header on the finished response. `c.header()` after `next()` rebuilds the response from its body
 * stream, which turns `@hono/node-server`'s lightweight response (a string written in one go with a
 * `Content-Length`) into a streamed, chunked one — measurably slower on every request. Editing the headers
 * in place keeps it lightweight; responses whose headers are immutable (a `fetch` response passed through)
 * still go the rebuilding way.
 */
function setResponseHeader(c: Context<ServerEnv>, name: string, value: string): void {
  try {
    c.res.headers.set(name, value);
  } catch {
    c.header(name, value);
  }
}

export function createServerApp(options: CreateServerAppOptions = {}): Hono<ServerEnv> {
  const now = options.now ?? Date.now;
  const logger = options.logger ?? createSilentLogger();
  const generateRequestId = options.generateRequestId ?? (() => randomUUID().replaceAll('-', ''));
  const limits: Required<ServerLimits> = {
    chatBodyBytes: options.limits?.chatBodyBytes ?? 10 * 1024 * 1024,
    defaultBodyBytes: options.limits?.defaultBodyBytes ?? 1024 * 1024,
  };
  const defaultScope = options.defaultScope ?? 'all';
  const upstream = options.upstream ?? createOfflineUpstream({ now });
  const authenticator = createAuthenticator(options.auth ?? {}, { now });
  const servedModels = normalizeServedModels(options.servedModels ?? [], Math.floor(now() / 1000));
  const version = options.version ?? packageVersion();

  const app = new Hono<ServerEnv>();

  app.use('*', async (c, next) => {
    const requestId = generateRequestId();
    const started = now();
    const requestLogger = logger.child({ requestId });
    c.set('requestId', requestId);
    c.set('logger', requestLogger);
    c.header(REQUEST_ID_HEADER, requestId);
    await next();
    setResponseHeader(c, REQUEST_ID_HEADER, requestId);
    requestLogger.info(
      { method: c.req.method, path: c.req.path, status: c.res.status, ms: now() - started },
      'request',
    );
  });

  if (options.cors) {
    const settings = options.cors;
    app.use(
      '*',
      cors({
        origin: settings.origins === '*' ? '*' : [...settings.origins],
        allowHeaders: ['Authorization', 'Content-Type', 'X-Api-Key', 'X-AutoSkill-User', 'X-AutoSkill-Scope'],
        allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
        exposeHeaders: [REQUEST_ID_HEADER, SKILLS_HEADER, 'Retry-After'],
        maxAge: settings.maxAgeSeconds ?? 600,
        credentials: settings.credentials ?? false,
      }),
    );
  }

  app.use('*', authMiddleware(authenticator));

  const rateLimit =
    options.rateLimit === undefined
      ? authenticator.enabled
        ? { requestsPerSecond: 20, burst: 40 }
        : false
      : options.rateLimit;
  if (rateLimit) {
    app.use(
      '*',
      rateLimitMiddleware(createRateLimiter({ now, ...rateLimit }), {
        isExempt: (path) => authenticator.isPublicPath(path),
      }),
    );
  }

  // `/api/health` is the seeds' second spelling (their proxy and web UI answer both).
  for (const path of HEALTH_PATHS) app.get(path, (c) => c.json({ ok: true, name: 'autoskill', version }));

  registerChatRoute(app, {
    upstream,
    skillContext: options.skillContext ?? noSkillContext,
    turnObserver: options.turnObserver ?? noopTurnObserver,
    defaultScope,
    includeAutoskillField: options.includeAutoskillField ?? true,
    includeAutoskillHeaders: options.includeAutoskillHeaders ?? true,
    skillContextTimeoutMs: options.skillContextTimeoutMs ?? 5000,
    maxBodyBytes: limits.chatBodyBytes,
    now,
  });
  registerEmbeddingsRoute(app, { embeddings: options.embeddings, maxBodyBytes: limits.defaultBodyBytes });
  registerModelsRoute(app, { servedModels, fallbackModel: upstream.defaultModel, now });

  for (const register of options.routes ?? []) register(app, { limits, logger, now, defaultScope });

  app.notFound(handleNotFound);
  app.onError(handleServerError);
  return app;
}

/** Header names a client may send to steer AutoSkill (documented in the README). */
export const AUTOSKILL_REQUEST_HEADERS = { user: USER_HEADER, scope: SCOPE_HEADER } as const;
