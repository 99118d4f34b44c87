/**
 * @module The extraction routes under `/v1/autoskill/extractions` as a `ServerRouteModule`: extract now
 * (a forced job, optional hint), simulate (the candidate, nothing stored), latest, list (newest job first),
 * get, and the pushed SSE event stream. Every route acts for the user the request resolves to
 * (`resolveRequestUser`: a pinned credential can only name itself) and reads only that user's jobs, so
 * another user's job id answers 404 exactly like an unknown one. Bodies and queries are validated by the
 * schemas that `openapi.json` is generated from.
 */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import type { ExtractionService } from '../../service/extraction-service.js';
import { ChatMessageSchema } from '../../service/turn-types.js';
import { AutoSkillError } from '../../shared/errors.js';
import type { ServerRouteContext, ServerRouteModule } from '../app.js';
import { resolveRequestUser } from '../auth/resolve-user.js';
import type { ServerEnv } from '../context.js';
import { BodyUserSchema, parseBody, parseQuery, queryInteger, ScopeSchema } from '../management/request.js';
import type { RouteDescription } from '../openapi.js';
import { jobEventStream } from './event-stream.js';
import {
  candidateToWire,
  ExtractionEventWireSchema,
  ExtractionJobWireSchema,
  eventToWire,
  jobToWire,
  SimulatedSkillWireSchema,
} from './wire.js';

export const EXTRACTIONS_PATH = '/v1/autoskill/extractions';
const MAX_MESSAGES = 500;

export const ExtractionBodySchema = z
  .object({
    messages: z
      .array(ChatMessageSchema)
      .min(1)
      .max(MAX_MESSAGES)
      .optional()
      .describe('The conversation (OpenAI chat messages); its last `ingest_window` messages are read'),
    query: z
      .string()
      .trim()
      .min(1)
      .max(100_000)
      .optional()
      .describe('A single user message instead of `messages`'),
    hint: z.string().max(2_000).optional().describe('What to focus on (the seeds’ `/extract_now <hint>`)'),
    scope: ScopeSchema.optional().describe(
      'Scope of the reference lookup; may narrow the server’s, never widen',
    ),
    min_score: z.number().min(0).max(1).optional().describe('Threshold of the reference lookup'),
    user: BodyUserSchema,
  })
  .refine((body) => body.messages !== undefined || body.query !== undefined, {
    message: 'give `messages` or `query`',
    path: ['messages'],
  });

export const ListExtractionsQuerySchema = z.object({
  limit: queryInteger(1, 200).optional().describe('1–200, default 20'),
  user: z.string().optional(),
});

export const GetExtractionQuerySchema = z.object({
  include: z.enum(['events']).optional().describe('`events`: add every event of the job, oldest first'),
  user: z.string().optional(),
});

export const EventStreamQuerySchema = z.object({
  timeout_s: queryInteger(1, 3600)
    .optional()
    .describe('Seconds before the stream ends (default 30, max 3600)'),
  user: z.string().optional(),
});

const EventAnswerSchema = z.object({
  object: z.literal('extraction_event'),
  data: ExtractionEventWireSchema,
});

/** Every extraction route, as data (for `openapi.json` and `capabilities`). */
export const EXTRACTION_ROUTE_DESCRIPTIONS: readonly RouteDescription[] = [
  {
    method: 'post',
    path: EXTRACTIONS_PATH,
    operationId: 'createExtraction',
    summary: 'Extract now: schedule a forced extraction of this conversation (optional hint)',
    description:
      'Answers at once with the job’s first event (`scheduled`); follow it with the events stream. An identical ' +
      'request (same user, messages, hint) within 10 minutes returns the same job (`duplicate: true`).',
    tags: ['extractions'],
    body: ExtractionBodySchema,
    response: EventAnswerSchema.extend({ job: ExtractionJobWireSchema, duplicate: z.boolean() }),
    errors: [400, 401, 403, 413, 429],
  },
  {
    method: 'post',
    path: `${EXTRACTIONS_PATH}/simulate`,
    operationId: 'simulateExtraction',
    summary: 'Dry run: the skill candidate an extraction would propose; nothing is stored',
    tags: ['extractions'],
    body: ExtractionBodySchema,
    response: z.object({
      object: z.literal('extraction_simulation'),
      user: z.string(),
      count: z.number().int(),
      reason: z.string(),
      skills: z.array(SimulatedSkillWireSchema),
    }),
    errors: [400, 401, 403, 413, 429, 502, 504],
  },
  {
    method: 'get',
    path: `${EXTRACTIONS_PATH}/latest`,
    operationId: 'getLatestExtraction',
    summary: 'The most recent extraction event of the user (or null)',
    tags: ['extractions'],
    query: z.object({ user: z.string().optional() }),
    response: z.object({ object: z.literal('extraction_event'), data: ExtractionEventWireSchema.nullable() }),
    errors: [400, 401, 403, 429],
  },
  {
    method: 'get',
    path: EXTRACTIONS_PATH,
    operationId: 'listExtractions',
    summary: 'The user’s extraction jobs, newest first: the latest event of each',
    tags: ['extractions'],
    query: ListExtractionsQuerySchema,
    response: z.object({ object: z.literal('list'), data: z.array(ExtractionEventWireSchema) }),
    errors: [400, 401, 403, 429],
  },
  {
    method: 'get',
    path: `${EXTRACTIONS_PATH}/{job_id}`,
    operationId: 'getExtraction',
    summary: 'One job: its latest event, the job record, and (with `include=events`) every event',
    tags: ['extractions'],
    pathParameters: { job_id: 'The job id returned when it was scheduled' },
    query: GetExtractionQuerySchema,
    response: EventAnswerSchema.extend({
      job: ExtractionJobWireSchema,
      events: z.array(ExtractionEventWireSchema).optional(),
    }),
    errors: [400, 401, 403, 404, 429],
  },
  {
    method: 'get',
    path: `${EXTRACTIONS_PATH}/{job_id}/events`,
    operationId: 'streamExtractionEvents',
    summary: 'Server-Sent Events: the job’s past events, then each new one as it happens, until it ends',
    description:
      'Frames: `id: <event_id>` / `event: update` / `data: <event>`; `: keep-alive` comments; at the end ' +
      '`event: done` with the latest event, then `data: [DONE]`. Send `Last-Event-ID` to resume.',
    tags: ['extractions'],
    pathParameters: { job_id: 'The job id' },
    query: EventStreamQuerySchema,
    responseContentType: 'text/event-stream',
    errors: [400, 401, 403, 404, 429],
  },
];

export interface ExtractionRoutesOptions {
  service: ExtractionService;
  /** Seconds an event stream lasts unless the client asks otherwise. @default 30 */
  defaultStreamTimeoutS?: number;
  /** Interval of `: keep-alive` comments. @default 15000 */
  keepAliveMs?: number;
}

function jobIdParam(c: Context<ServerEnv>): string {
  const id = c.req.param('job_id') ?? '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (id.length === 0 || id.length > 200 || /[\u0000-\u001f]/.test(id)) throw jobNotFound(id);
  return id;
}

function jobNotFound(jobId: string): AutoSkillError {
  return new AutoSkillError('NOT_FOUND', 'Extraction job not found', {
    details: { param: 'job_id', jobId: jobId.slice(0, 200) },
  });
}

function conversation(body: z.output<typeof ExtractionBodySchema>) {
  return body.messages ?? [{ role: 'user', content: body.query ?? '' }];
}

export function registerExtractionRoutes(
  app: Hono<ServerEnv>,
  context: ServerRouteContext,
  options: ExtractionRoutesOptions,
): void {
  const { service } = options;
  const maxBytes = context.limits.defaultBodyBytes;
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  const defaultTimeoutS = options.defaultStreamTimeoutS ?? 30;

  const onDemand = async (c: Context<ServerEnv>) => {
    const { data } = await parseBody(c, ExtractionBodySchema, { maxBytes });
    const userId = resolveRequestUser(c, { bodyUser: data.user });
    return {
      userId,
      request: {
        userId,
        messages: conversation(data),
        ...(data.hint !== undefined ? { hint: data.hint } : {}),
        ...(data.scope !== undefined ? { scope: data.scope } : {}),
        ...(data.min_score !== undefined ? { minScore: data.min_score } : {}),
        abortSignal: c.req.raw.signal,
      },
    };
  };

  app.post(EXTRACTIONS_PATH, async (c) => {
    const { request } = await onDemand(c);
    const scheduled = await service.extractNow(request);
    return c.json({
      object: 'extraction_event',
      data: eventToWire(scheduled.event),
      job: jobToWire(scheduled.job),
      duplicate: scheduled.duplicate,
    });
  });

  app.post(`${EXTRACTIONS_PATH}/simulate`, async (c) => {
    const { userId, request } = await onDemand(c);
    const result = await service.simulate(request);
    return c.json({
      object: 'extraction_simulation',
      user: userId,
      count: result.candidates.length,
      reason: result.reason,
      skills: result.candidates.map(candidateToWire),
    });
  });

  app.get(`${EXTRACTIONS_PATH}/latest`, async (c) => {
    parseQuery(c, z.object({ user: z.string().optional() }));
    const userId = resolveRequestUser(c);
    const latest = await service.latest(userId);
    return c.json({ object: 'extraction_event', data: latest ? eventToWire(latest) : null });
  });

  app.get(EXTRACTIONS_PATH, async (c) => {
    const query = parseQuery(c, ListExtractionsQuerySchema);
    const userId = resolveRequestUser(c);
    const events = await service.listLatest(userId, query.limit ?? 20);
    return c.json({ object: 'list', data: events.map(eventToWire) });
  });

  app.get(`${EXTRACTIONS_PATH}/:job_id`, async (c) => {
    const query = parseQuery(c, GetExtractionQuerySchema);
    const jobId = jobIdParam(c);
    const userId = resolveRequestUser(c);
    const job = await service.getJob(userId, jobId);
    if (!job) throw jobNotFound(jobId);
    const events = await service.jobEvents(userId, jobId);
    const latest = events.at(-1);
    if (!latest) throw jobNotFound(jobId);
    return c.json({
      object: 'extraction_event',
      data: eventToWire(latest),
      job: jobToWire(job),
      ...(query.include === 'events' ? { events: events.map(eventToWire) } : {}),
    });
  });

  app.get(`${EXTRACTIONS_PATH}/:job_id/events`, async (c) => {
    const query = parseQuery(c, EventStreamQuerySchema);
    const jobId = jobIdParam(c);
    const userId = resolveRequestUser(c);
    if (!(await service.getJob(userId, jobId))) throw jobNotFound(jobId);
    const lastEventId = c.req.header('last-event-id')?.trim();
    const body = jobEventStream({
      service,
      userId,
      jobId,
      timeoutMs: (query.timeout_s ?? defaultTimeoutS) * 1000,
      keepAliveMs,
      ...(lastEventId ? { lastEventId } : {}),
      signal: c.req.raw.signal,
      onError: (error) => c.get('logger').error({ err: error, jobId }, 'reading job events failed'),
    });
    return new Response(body, {
      status: 200,
      headers: {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      },
    });
  });
}

/** The extraction routes as a module for `createServerApp({ routes })`. */
export function createExtractionRoutes(options: ExtractionRoutesOptions): ServerRouteModule {
  return (app, context) => registerExtractionRoutes(app, context, options);
}
