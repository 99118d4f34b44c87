/**
 * @module The chat sessions API (docs/web-api.md) as a `ServerRouteModule`: sessions CRUD, a message as a
 * Server-Sent Events turn, extract now, the session's pushed extraction events, and `GET /v1/autoskill/me`
 * (who the UI is signed in as). Every route acts for the user the request resolves to
 * (`resolveRequestUser`) and reads only that user's sessions, so another user's session answers 404
 * exactly like an unknown one. Bodies and queries are validated by the schemas `openapi.json` is generated
 * from (`SESSION_ROUTE_DESCRIPTIONS`).
 */
import type { Context, Hono } from 'hono';
import type { ChatSessionService, SessionJobEvent } from '../../service/chat-session.js';
import { isValidSessionId, sessionNotFound, summarizeSession } from '../../store/chat-session-store.js';
import type { ServerRouteContext, ServerRouteModule } from '../app.js';
import { resolveRequestUser } from '../auth/resolve-user.js';
import type { ServerEnv } from '../context.js';
import { parseBody, parseQuery } from '../management/request.js';
import type { RouteDescription } from '../openapi.js';
import { SSE_HEADERS, sessionEventStream, turnEventStream } from './event-streams.js';
import {
  CreateSessionBodySchema,
  ExtractSessionBodySchema,
  ListSessionsQuerySchema,
  MeAnswerSchema,
  SendMessageBodySchema,
  SessionAnswerSchema,
  SessionDeletedAnswerSchema,
  SessionEventsQuerySchema,
  SessionExtractionAnswerSchema,
  SessionListAnswerSchema,
  sessionEventToWire,
  sessionToWire,
  settingsFromWire,
  settingsToWire,
  summaryToWire,
  UpdateSessionBodySchema,
  UserQuerySchema,
} from './wire.js';

export const SESSIONS_PATH = '/v1/autoskill/sessions';
export const ME_PATH = '/v1/autoskill/me';
const ID = '{session_id}';

/** Every sessions route, as data (for `openapi.json` and `capabilities`). */
export const SESSION_ROUTE_DESCRIPTIONS: readonly RouteDescription[] = [
  {
    method: 'post',
    path: SESSIONS_PATH,
    operationId: 'createSession',
    summary: 'Create a chat session (optional title and settings)',
    tags: ['sessions'],
    body: CreateSessionBodySchema,
    response: SessionAnswerSchema,
    errors: [400, 401, 403, 409, 413, 429],
  },
  {
    method: 'get',
    path: SESSIONS_PATH,
    operationId: 'listSessions',
    summary: 'The user’s chat sessions, most recently updated first',
    tags: ['sessions'],
    query: ListSessionsQuerySchema,
    response: SessionListAnswerSchema,
    errors: [400, 401, 403, 429],
  },
  {
    method: 'get',
    path: `${SESSIONS_PATH}/${ID}`,
    operationId: 'getSession',
    summary: 'One session with its messages and turns (each turn with the latest event of its jobs)',
    tags: ['sessions'],
    pathParameters: { session_id: 'The session id' },
    query: UserQuerySchema,
    response: SessionAnswerSchema,
    errors: [401, 403, 404, 429],
  },
  {
    method: 'patch',
    path: `${SESSIONS_PATH}/${ID}`,
    operationId: 'updateSession',
    summary: 'Rename a session or change its settings',
    tags: ['sessions'],
    pathParameters: { session_id: 'The session id' },
    body: UpdateSessionBodySchema,
    response: SessionAnswerSchema,
    errors: [400, 401, 403, 404, 413, 429, 503],
  },
  {
    method: 'delete',
    path: `${SESSIONS_PATH}/${ID}`,
    operationId: 'deleteSession',
    summary: 'Delete a session (skills learnt from it stay)',
    tags: ['sessions'],
    pathParameters: { session_id: 'The session id' },
    response: SessionDeletedAnswerSchema,
    errors: [401, 403, 404, 429, 503],
  },
  {
    method: 'post',
    path: `${SESSIONS_PATH}/${ID}/messages`,
    operationId: 'sendSessionMessage',
    summary: 'Send a message or a command; the turn streams back as Server-Sent Events',
    description:
      'Events: `turn`, `retrieval`, `delta`*, `extraction` (a job was scheduled), then `done` (the stored turn) ' +
      'or `error`. Turns of one session are serialised. Commands: `/help`, `/clear`, `/rewrite`, `/extract`, ' +
      '`/extract_every`, `/scope`, `/search`, `/skills`, `/export`, `/extract_now [hint]`.',
    tags: ['sessions'],
    pathParameters: { session_id: 'The session id' },
    body: SendMessageBodySchema,
    responseContentType: 'text/event-stream',
    errors: [400, 401, 403, 404, 409, 413, 429],
  },
  {
    method: 'post',
    path: `${SESSIONS_PATH}/${ID}/extract`,
    operationId: 'extractSessionNow',
    summary: 'Extract now: a forced extraction of the session’s recent messages (optional hint)',
    tags: ['sessions'],
    pathParameters: { session_id: 'The session id' },
    body: ExtractSessionBodySchema,
    response: SessionExtractionAnswerSchema,
    errors: [400, 401, 403, 404, 413, 429, 503],
  },
  {
    method: 'get',
    path: `${SESSIONS_PATH}/${ID}/events`,
    operationId: 'streamSessionEvents',
    summary: 'Server-Sent Events: the session’s extraction events, pushed as its jobs progress',
    description:
      'Frames: `id: <event_id>` / `event: extraction` / `data: <event>`; first the latest event of the ' +
      'session’s 20 most recent jobs, then new events live; `: keep-alive` comments; `event: end` at the timeout.',
    tags: ['sessions'],
    pathParameters: { session_id: 'The session id' },
    query: SessionEventsQuerySchema,
    responseContentType: 'text/event-stream',
    errors: [400, 401, 403, 404, 429],
  },
  {
    method: 'get',
    path: ME_PATH,
    operationId: 'getMe',
    summary: 'Who the request acts for, whether auth is on, and the defaults of new sessions',
    tags: ['sessions'],
    query: UserQuerySchema,
    response: MeAnswerSchema,
    errors: [401, 403, 429],
  },
];

export interface SessionRoutesOptions {
  service: ChatSessionService;
  /** The chat model, as `/me` reports it. */
  llm: { provider: string; model: string | null };
  /** Seconds a session event stream lasts unless the client asks otherwise. @default 300 */
  defaultEventsTimeoutS?: number;
  /** Interval of `: keep-alive` comments. @default 15000 */
  keepAliveMs?: number;
  /** Jobs whose latest event a session read includes. @default 50 */
  jobsPerRead?: number;
}

function sessionIdParam(c: Context<ServerEnv>): string {
  const id = c.req.param('session_id') ?? '';
  if (!isValidSessionId(id)) throw sessionNotFound(id);
  return id;
}

export function registerSessionRoutes(
  app: Hono<ServerEnv>,
  context: ServerRouteContext,
  options: SessionRoutesOptions,
): void {
  const { service } = options;
  const maxBytes = context.limits.defaultBodyBytes;
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  const defaultTimeoutS = options.defaultEventsTimeoutS ?? 300;
  const jobsPerRead = options.jobsPerRead ?? 50;

  const fullSession = async (userId: string, sessionId: string) => {
    const record = await service.get(userId, sessionId);
    const events = await service.latestJobEvents(userId, record.jobs.slice(-jobsPerRead));
    const byJob = new Map<string, SessionJobEvent>(
      events.map((event) => [event.event.jobId, { ...event, sessionId: record.id }]),
    );
    return { object: 'session' as const, data: sessionToWire(record, summarizeSession(record), byJob) };
  };

  app.post(SESSIONS_PATH, async (c) => {
    const { data } = await parseBody(c, CreateSessionBodySchema, { maxBytes, allowEmpty: true });
    const userId = resolveRequestUser(c, { bodyUser: data.user });
    const record = await service.create(userId, {
      ...(data.title !== undefined ? { title: data.title } : {}),
      settings: settingsFromWire(data.settings),
    });
    return c.json({ object: 'session', data: sessionToWire(record, summarizeSession(record)) });
  });

  app.get(SESSIONS_PATH, async (c) => {
    const query = parseQuery(c, ListSessionsQuerySchema);
    const userId = resolveRequestUser(c);
    const sessions = await service.list(userId, { limit: query.limit ?? 100 });
    return c.json({ object: 'list', data: sessions.map(summaryToWire) });
  });

  app.get(`${SESSIONS_PATH}/:session_id`, async (c) => {
    parseQuery(c, UserQuerySchema);
    const sessionId = sessionIdParam(c);
    return c.json(await fullSession(resolveRequestUser(c), sessionId));
  });

  app.patch(`${SESSIONS_PATH}/:session_id`, async (c) => {
    const sessionId = sessionIdParam(c);
    const { data } = await parseBody(c, UpdateSessionBodySchema, { maxBytes });
    const userId = resolveRequestUser(c, { bodyUser: data.user });
    await service.update(userId, sessionId, {
      ...(data.title !== undefined ? { title: data.title } : {}),
      settings: settingsFromWire(data.settings),
    });
    return c.json(await fullSession(userId, sessionId));
  });

  app.delete(`${SESSIONS_PATH}/:session_id`, async (c) => {
    const sessionId = sessionIdParam(c);
    const userId = resolveRequestUser(c);
    await service.delete(userId, sessionId);
    return c.json({ ok: true, deleted: true, id: sessionId });
  });

  app.post(`${SESSIONS_PATH}/:session_id/messages`, async (c) => {
    const sessionId = sessionIdParam(c);
    const { data } = await parseBody(c, SendMessageBodySchema, { maxBytes });
    const userId = resolveRequestUser(c, { bodyUser: data.user });
    // Unknown (or another user's) session: a plain 404 before any stream starts.
    await service.get(userId, sessionId);
    const logger = c.get('logger');
    const body = turnEventStream({
      events: service.send(userId, sessionId, data.content, { abortSignal: c.req.raw.signal }),
      keepAliveMs,
      onError: (error) => logger.warn({ err: error, sessionId }, 'a session turn failed'),
    });
    return new Response(body, { status: 200, headers: SSE_HEADERS });
  });

  app.post(`${SESSIONS_PATH}/:session_id/extract`, async (c) => {
    const sessionId = sessionIdParam(c);
    const { data } = await parseBody(c, ExtractSessionBodySchema, { maxBytes, allowEmpty: true });
    const userId = resolveRequestUser(c, { bodyUser: data.user });
    const scheduled = await service.extractNow(
      userId,
      sessionId,
      data.hint !== undefined ? { hint: data.hint } : {},
    );
    return c.json({
      object: 'extraction_event',
      data: sessionEventToWire(scheduled.extraction),
      duplicate: scheduled.duplicate,
    });
  });

  app.get(`${SESSIONS_PATH}/:session_id/events`, async (c) => {
    const query = parseQuery(c, SessionEventsQuerySchema);
    const sessionId = sessionIdParam(c);
    const userId = resolveRequestUser(c);
    await service.get(userId, sessionId);
    const logger = c.get('logger');
    const body = sessionEventStream({
      service,
      userId,
      sessionId,
      timeoutMs: (query.timeout_s ?? defaultTimeoutS) * 1000,
      keepAliveMs,
      onError: (error) => logger.warn({ err: error, sessionId }, 'reading session events failed'),
    });
    return new Response(body, { status: 200, headers: SSE_HEADERS });
  });

  app.get(ME_PATH, (c) => {
    parseQuery(c, UserQuerySchema);
    const principal = c.get('principal');
    return c.json({
      object: 'autoskill.me',
      user_id: resolveRequestUser(c),
      auth_enabled: principal.kind !== 'anonymous',
      is_admin: principal.kind === 'admin',
      principal: principal.kind,
      default_settings: settingsToWire(service.defaults),
      llm: {
        provider: options.llm.provider,
        model: options.llm.model,
        online: options.llm.provider !== 'offline',
      },
    });
  });
}

/** The sessions API as a module for `createServerApp({ routes })`. */
export function createSessionRoutes(options: SessionRoutesOptions): ServerRouteModule {
  return (app, context) => registerSessionRoutes(app, context, options);
}
