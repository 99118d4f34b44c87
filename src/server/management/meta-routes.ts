/**
 * @module `GET capabilities` (what this server offers, paths as templates, in the original's groups) and
 * `GET openapi.json` (generated from the route descriptions of every module). Both are derived from the
 * same route table, so a route that is not registered cannot be advertised. `/openapi.json` is served
 * too: it describes the API's shape and holds no data, so a deployment may list it in `publicPaths`.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import type { ServerRouteContext } from '../app.js';
import type { ServerEnv } from '../context.js';
import { buildOpenApiDocument, CORE_ROUTE_DESCRIPTIONS, type RouteDescription } from '../openapi.js';
import { BASE } from './skills-routes.js';

/** Paths served without credentials when listed in the server's `publicPaths`; harmless (no data). */
export const MANAGEMENT_PUBLIC_PATHS: readonly string[] = ['/openapi.json'];

/** The original's capability names for our operation ids. */
const CAPABILITY_NAMES: Record<string, [string, string]> = {
  createChatCompletion: ['chat', 'path'],
  createEmbeddings: ['embeddings', 'path'],
  listModels: ['models', 'path'],
  listSkills: ['skills', 'list'],
  getSkill: ['skills', 'get'],
  getSkillMd: ['skills', 'get_md'],
  saveSkillMd: ['skills', 'save_md'],
  deleteSkill: ['skills', 'delete'],
  restoreSkill: ['skills', 'restore'],
  rollbackSkill: ['skills', 'rollback'],
  listSkillVersions: ['skills', 'versions'],
  diffSkillRevisions: ['skills', 'diff'],
  exportSkill: ['skills', 'export'],
  searchSkills: ['skills', 'search'],
  importSkills: ['skills', 'import'],
  importConversations: ['conversations', 'import'],
  previewRetrieval: ['retrieval', 'preview'],
  getVectorStatus: ['vectors', 'status'],
  rebuildVectors: ['vectors', 'rebuild'],
  getCapabilities: ['meta', 'capabilities'],
  getOpenApi: ['meta', 'openapi'],
};

/** Extraction routes are written elsewhere; they are named by method and path. */
function extractionCapability(route: RouteDescription): string | undefined {
  const tail = route.path.startsWith(`${BASE}/extractions`)
    ? route.path.slice(`${BASE}/extractions`.length)
    : null;
  if (tail === null) return undefined;
  if (route.method === 'post' && tail === '') return 'extract_now';
  if (route.method === 'post' && tail === '/simulate') return 'simulate';
  if (route.method === 'get' && tail === '') return 'list';
  if (route.method === 'get' && tail === '/latest') return 'latest';
  if (route.method === 'get' && /^\/\{[^}]+\}$/.test(tail)) return 'get';
  if (route.method === 'get' && /^\/\{[^}]+\}\/events$/.test(tail)) return 'events_stream';
  return undefined;
}

function snakeCase(text: string): string {
  return text.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** `{group: {name: path}}` for the routes, in the original's naming where it has one. */
export function capabilityPaths(routes: readonly RouteDescription[]): Record<string, Record<string, string>> {
  const groups: Record<string, Record<string, string>> = {};
  for (const route of routes) {
    let group: string;
    let name: string;
    const known = CAPABILITY_NAMES[route.operationId];
    const extraction = extractionCapability(route);
    if (known) [group, name] = known;
    else if (extraction) [group, name] = ['extractions', extraction];
    else if (route.path.startsWith(`${BASE}/`)) {
      group = route.path.slice(BASE.length + 1).split('/')[0] ?? 'other';
      name = snakeCase(route.operationId);
    } else continue;
    groups[group] = { ...(groups[group] ?? {}), [name]: route.path };
  }
  return groups;
}

export const META_ROUTE_DESCRIPTIONS: readonly RouteDescription[] = [
  {
    method: 'get',
    path: `${BASE}/capabilities`,
    operationId: 'getCapabilities',
    summary: 'What this server supports: models, features and their paths (templates)',
    tags: ['meta'],
    response: z.object({
      object: z.literal('autoskill.capabilities'),
      data: z.record(z.string(), z.unknown()),
    }),
    errors: [401, 429],
  },
  {
    method: 'get',
    path: `${BASE}/openapi.json`,
    operationId: 'getOpenApi',
    summary: 'This document (OpenAPI 3.1), generated from the schemas that validate requests',
    tags: ['meta'],
    errors: [401, 429],
  },
];

export interface MetaRouteDependencies {
  /** Every route the server serves (core, management, extra modules). */
  routes: readonly RouteDescription[];
  /** Routes registered but without their service: described in openapi.json, left out of capabilities. */
  unavailable: ReadonlySet<string>;
  version: string;
  authEnabled: boolean;
  models: {
    llm?: { provider: string; model: string | null };
    embeddings?: { provider: string; model: string | null };
  };
  limits: Record<string, number>;
  route: ServerRouteContext;
}

export function registerMetaRoutes(app: Hono<ServerEnv>, deps: MetaRouteDependencies): void {
  let document: Record<string, unknown> | undefined;
  const openApi = () => {
    document ??= buildOpenApiDocument({
      routes: [...CORE_ROUTE_DESCRIPTIONS, ...deps.routes],
      title: 'AutoSkill API',
      version: deps.version,
      authentication: deps.authEnabled,
    });
    return document;
  };
  const available = [...CORE_ROUTE_DESCRIPTIONS, ...deps.routes].filter(
    (route) => !deps.unavailable.has(route.operationId),
  );
  const paths = capabilityPaths(available);
  app.get(`${BASE}/capabilities`, (c) => {
    const principal = c.get('principal');
    return c.json({
      object: 'autoskill.capabilities',
      data: {
        name: 'autoskill',
        version: deps.version,
        llm: deps.models.llm ?? null,
        embeddings: deps.models.embeddings
          ? { ...deps.models.embeddings, path: '/v1/embeddings' }
          : { provider: null, model: null, path: '/v1/embeddings' },
        ...paths,
        chat: { path: '/v1/chat/completions', stream: true },
        scope: deps.route.defaultScope,
        export_formats: ['files', 'md', 'zip', 'agent_skill_zip'],
        auth: { enabled: deps.authEnabled, principal: principal.kind },
        limits: deps.limits,
      },
    });
  });
  app.get(`${BASE}/openapi.json`, (c) => c.json(openApi()));
  app.get('/openapi.json', (c) => c.json(openApi()));
}
