/**
 * @module `GET vectors/status` and `POST vectors/rebuild`. A rebuild runs in the background, one at a
 * time per server: the request waits up to `wait_ms` (default 2 s) and answers 200 with the result, or
 * 202 with progress (`done`/`total`) that `vectors/status` keeps reporting under `rebuild`. A second
 * request while one runs gets the running one. Rebuilding touches every user's vectors and may cost
 * embedding calls, so holders of a per-user key (or JWT) may not start one (403); admins, the shared
 * application key and callers with auth off may.
 */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { AutoSkillError, errorMessage } from '../../shared/errors.js';
import type { ServerRouteContext } from '../app.js';
import { resolveRequestUser } from '../auth/resolve-user.js';
import type { ServerEnv } from '../context.js';
import type { RouteDescription } from '../openapi.js';
import { BodyUserSchema, parseBody, parseQuery, ScopeSchema } from './request.js';
import { BASE } from './skills-routes.js';
import type { VectorMaintenance } from './types.js';
import { toSnakeCase } from './wire.js';

const MAX_WAIT_MS = 30_000;

export const VectorStatusQuerySchema = z.object({
  scope: ScopeSchema.optional().describe('Count the user’s skills, the libraries’ or both; default `all`'),
  user: z.string().optional(),
});

export const VectorRebuildBodySchema = z.object({
  force: z
    .boolean()
    .optional()
    .describe('Re-embed every skill, not only missing and stale ones; default false'),
  wait_ms: z
    .number()
    .int()
    .min(0)
    .max(MAX_WAIT_MS)
    .optional()
    .describe('How long to wait for the result before answering 202 with progress'),
  user: BodyUserSchema,
});

const RebuildJobSchema = z.object({
  id: z.string(),
  status: z.enum(['running', 'completed', 'failed']),
  force: z.boolean(),
  done: z.number().int(),
  total: z.number().int(),
  started_at: z.string(),
  finished_at: z.string().nullable(),
  report: z.record(z.string(), z.unknown()).nullable(),
  error: z.string().nullable(),
});

export const VECTOR_ROUTE_DESCRIPTIONS: readonly RouteDescription[] = [
  {
    method: 'get',
    path: `${BASE}/vectors/status`,
    operationId: 'getVectorStatus',
    summary: 'Vector index health for the user’s view (missing, stale, backend, embeddings) and any rebuild',
    tags: ['vectors'],
    query: VectorStatusQuerySchema,
    response: z.object({
      object: z.literal('vector_status'),
      data: z.record(z.string(), z.unknown()),
      rebuild: RebuildJobSchema.nullable(),
    }),
    errors: [400, 401, 403, 501],
  },
  {
    method: 'post',
    path: `${BASE}/vectors/rebuild`,
    operationId: 'rebuildVectors',
    summary: 'Embed missing and stale vectors (all with `force`); 200 when done within `wait_ms`, else 202',
    tags: ['vectors'],
    body: VectorRebuildBodySchema,
    response: z.object({
      ok: z.literal(true),
      object: z.literal('vector_rebuild'),
      already_running: z.boolean(),
      data: RebuildJobSchema,
    }),
    errors: [400, 401, 403, 501],
  },
];

interface RebuildJob {
  id: string;
  status: 'running' | 'completed' | 'failed';
  force: boolean;
  done: number;
  total: number;
  startedAt: number;
  finishedAt: number | null;
  report: object | null;
  error: string | null;
  /** The error itself, rethrown to the request that waited for the failed rebuild. */
  failure: unknown;
  finished: Promise<void>;
}

export interface VectorRouteDependencies {
  vectors?: VectorMaintenance;
  maxBodyBytes: number;
  defaultWaitMs: number;
  route: ServerRouteContext;
}

function requireVectors(vectors: VectorMaintenance | undefined): VectorMaintenance {
  if (!vectors) throw new AutoSkillError('UNSUPPORTED', 'Vector maintenance is not available on this server');
  return vectors;
}

function jobToWire(job: RebuildJob): z.infer<typeof RebuildJobSchema> {
  return {
    id: job.id,
    status: job.status,
    force: job.force,
    done: job.done,
    total: job.total,
    started_at: new Date(job.startedAt).toISOString(),
    finished_at: job.finishedAt === null ? null : new Date(job.finishedAt).toISOString(),
    report: job.report === null ? null : (toSnakeCase(job.report) as Record<string, unknown>),
    error: job.error,
  };
}

export function registerVectorRoutes(app: Hono<ServerEnv>, deps: VectorRouteDependencies): void {
  let latest: RebuildJob | undefined;
  let sequence = 0;
  const now = deps.route.now;

  const start = (vectors: VectorMaintenance, force: boolean): RebuildJob => {
    sequence += 1;
    const job: RebuildJob = {
      id: `rebuild_${now().toString(36)}_${sequence}`,
      status: 'running',
      force,
      done: 0,
      total: 0,
      startedAt: now(),
      finishedAt: null,
      report: null,
      error: null,
      failure: undefined,
      finished: Promise.resolve(),
    };
    job.finished = vectors
      .rebuildVectors({
        force,
        onProgress: (done, total) => {
          job.done = done;
          job.total = total;
        },
      })
      .then(
        (report) => {
          job.status = 'completed';
          job.report = report;
        },
        (error: unknown) => {
          job.status = 'failed';
          job.error = errorMessage(error);
          job.failure = error;
          deps.route.logger.error({ err: error }, 'vector rebuild failed');
        },
      )
      .finally(() => {
        job.finishedAt = now();
      });
    return job;
  };

  app.get(`${BASE}/vectors/status`, async (c) => {
    const query = parseQuery(c, VectorStatusQuerySchema);
    const userId = resolveRequestUser(c);
    const vectors = requireVectors(deps.vectors);
    const scope = query.scope ?? 'all';
    const status = await vectors.vectorStatus({ userId, scope });
    return c.json({
      object: 'vector_status',
      data: { ...(toSnakeCase(status) as Record<string, unknown>), user: userId, scope },
      rebuild: latest ? jobToWire(latest) : null,
    });
  });

  app.post(`${BASE}/vectors/rebuild`, async (c: Context<ServerEnv>) => {
    const { data: body } = await parseBody(c, VectorRebuildBodySchema, {
      maxBytes: deps.maxBodyBytes,
      allowEmpty: true,
    });
    resolveRequestUser(c, { bodyUser: body.user });
    if (c.get('principal').kind === 'user') {
      throw new AutoSkillError(
        'FORBIDDEN',
        'Rebuilding vectors affects every user; it needs an admin key or the application key',
        { details: { reason: 'admin-only' } },
      );
    }
    const vectors = requireVectors(deps.vectors);
    const alreadyRunning = latest?.status === 'running';
    const job = alreadyRunning && latest ? latest : start(vectors, body.force ?? false);
    latest = job;
    const waitMs = Math.min(body.wait_ms ?? deps.defaultWaitMs, MAX_WAIT_MS);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      job.finished,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, waitMs);
      }),
    ]);
    clearTimeout(timer);
    if (job.status === 'failed' && !alreadyRunning) throw job.failure;
    return c.json(
      { ok: true, object: 'vector_rebuild', already_running: alreadyRunning, data: jobToWire(job) },
      job.status === 'running' ? 202 : 200,
    );
  });
}
