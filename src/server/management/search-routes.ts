/**
 * @module `POST skills/search` (plain hybrid search, hits with their score parts) and `POST
 * retrieval/preview` (exactly what the proxy would inject for these messages: it calls the same
 * `SkillContextProvider`, so rewriting, selection, rendering and the server's top_k/min_score apply).
 * Hits are filtered once more by owner, so a search service bug cannot show another user's skill.
 */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { ChatMessageSchema, type SkillContextProvider } from '../../service/turn-types.js';
import { AutoSkillError } from '../../shared/errors.js';
import { isLibraryOwner } from '../../skill/schema.js';
import type { SkillStore } from '../../store/types.js';
import type { ServerRouteContext } from '../app.js';
import { resolveRequestUser } from '../auth/resolve-user.js';
import type { ServerEnv } from '../context.js';
import type { RouteDescription } from '../openapi.js';
import { retrievalInfoToWire } from '../proxy/autoskill-field.js';
import { narrowScope } from '../proxy/chat-request.js';
import { BodyUserSchema, parseBody, ScopeSchema } from './request.js';
import { BASE } from './skills-routes.js';
import type { SkillSearcher } from './types.js';
import { HIT_WIRE_FIELDS, SearchHitSchema, SkillSummarySchema, searchHit, skillSummary } from './wire.js';

export const MAX_SEARCH_LIMIT = 200;

export const SearchBodySchema = z.object({
  query: z.string().max(10_000).optional().describe('What to search for (required; alias `q`)'),
  q: z.string().max(10_000).optional().describe('Alias of `query`'),
  scope: ScopeSchema.optional().describe('`user`, `library` (alias `common`) or `all`; default the server’s'),
  limit: z.number().int().min(1).max(MAX_SEARCH_LIMIT).optional().describe('1–200'),
  min_score: z.number().min(0).max(1).optional().describe('Calibrated score threshold in [0, 1]'),
  user: BodyUserSchema,
});

export function previewBodySchema(maxMessages: number) {
  return z.object({
    messages: z
      .array(ChatMessageSchema)
      .min(1)
      .max(maxMessages)
      .optional()
      .describe('The chat messages, as a client would send them to /v1/chat/completions'),
    query: z.string().max(10_000).optional().describe('A single user message instead of `messages`'),
    q: z.string().max(10_000).optional().describe('Alias of `query`'),
    scope: ScopeSchema.optional().describe('May narrow the server’s scope, never widen it'),
    user: BodyUserSchema,
  });
}

const SearchResponseSchema = z.object({
  object: z.literal('list'),
  query: z.string(),
  user: z.string(),
  scope: z.enum(['user', 'library', 'all']),
  data: z.array(SearchHitSchema),
  data_user: z.array(SearchHitSchema),
  data_library: z.array(SearchHitSchema),
  error: z.string().nullable(),
});

const PreviewHitSchema = z.object({ rank: z.number(), ...HIT_WIRE_FIELDS });
const PreviewResponseSchema = z.object({
  object: z.literal('retrieval_preview'),
  user: z.string(),
  scope: z.enum(['user', 'library', 'all']),
  query: z.string(),
  latest_user_query: z.string(),
  original_query: z.string(),
  rewritten_query: z.string().nullable(),
  search_query: z.string(),
  event_time: z.number(),
  top_k: z.number(),
  min_score: z.number(),
  hits: z.array(PreviewHitSchema),
  hits_user: z.array(PreviewHitSchema),
  hits_library: z.array(PreviewHitSchema),
  selected_for_use_ids: z.array(z.string()),
  selected_for_context_ids: z.array(z.string()),
  context_injected: z.boolean(),
  selected_skills: z.array(SkillSummarySchema),
  context: z.string().describe('The system message the proxy would add; empty when none'),
  error: z.string().nullable(),
});

export function searchRouteDescriptions(maxMessages: number): RouteDescription[] {
  return [
    {
      method: 'post',
      path: `${BASE}/skills/search`,
      operationId: 'searchSkills',
      summary: 'Hybrid search (keywords + vectors) in the user’s scope; hits with their score parts',
      tags: ['search'],
      body: SearchBodySchema,
      response: SearchResponseSchema,
      errors: [400, 401, 403, 413, 429, 501],
    },
    {
      method: 'post',
      path: `${BASE}/retrieval/preview`,
      operationId: 'previewRetrieval',
      summary: 'What the proxy would inject for these messages (rewritten query, hits, selection, context)',
      tags: ['search'],
      body: previewBodySchema(maxMessages),
      response: PreviewResponseSchema,
      errors: [400, 401, 403, 413, 429, 501],
    },
  ];
}

export interface SearchRouteDependencies {
  store: SkillStore;
  search?: SkillSearcher;
  retrieval?: SkillContextProvider;
  defaults: { limit: number; minScore: number };
  maxBodyBytes: number;
  maxMessages: number;
  route: ServerRouteContext;
}

function unsupported(what: string): AutoSkillError {
  return new AutoSkillError('UNSUPPORTED', `${what} is not available on this server`);
}

function requireQuery(value: string | undefined, param: string): string {
  const query = value?.trim() ?? '';
  if (query === '') {
    throw new AutoSkillError('INVALID_INPUT', `${param} is required`, { details: { param } });
  }
  return query;
}

async function searchSkills(c: Context<ServerEnv>, deps: SearchRouteDependencies): Promise<Response> {
  const { data: body } = await parseBody(c, SearchBodySchema, { maxBytes: deps.maxBodyBytes });
  const query = requireQuery(body.query ?? body.q, 'query');
  const userId = resolveRequestUser(c, { bodyUser: body.user });
  if (!deps.search) throw unsupported('Search');
  const scope = body.scope ?? deps.route.defaultScope;
  const hits = await deps.search.search(query, {
    userId,
    scope,
    limit: body.limit ?? deps.defaults.limit,
    minScore: body.min_score ?? deps.defaults.minScore,
    abortSignal: c.req.raw.signal,
  });
  const visible = hits.filter((hit) => hit.skill.owner === userId || isLibraryOwner(hit.skill.owner));
  const data = visible.map((hit, index) => searchHit(index + 1, hit));
  return c.json({
    object: 'list',
    query,
    user: userId,
    scope,
    data,
    data_user: data.filter((hit) => !isLibraryOwner(hit.owner)),
    data_library: data.filter((hit) => isLibraryOwner(hit.owner)),
    error: null,
  });
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (part && typeof part === 'object' ? (part as { text?: unknown }).text : undefined))
      .filter((text): text is string => typeof text === 'string')
      .join('\n');
  }
  return '';
}

async function previewRetrieval(c: Context<ServerEnv>, deps: SearchRouteDependencies): Promise<Response> {
  const { data: body } = await parseBody(c, previewBodySchema(deps.maxMessages), {
    maxBytes: deps.maxBodyBytes,
  });
  const messages = body.messages ?? [
    { role: 'user', content: requireQuery(body.query ?? body.q, 'messages') },
  ];
  const latest = [...messages].reverse().find((message) => message.role.toLowerCase() === 'user');
  const latestText = latest ? textOf(latest.content).trim() : '';
  if (latestText === '') {
    throw new AutoSkillError('INVALID_INPUT', 'messages must include a user message with text', {
      details: { param: 'messages' },
    });
  }
  const userId = resolveRequestUser(c, { bodyUser: body.user });
  if (!deps.retrieval) throw unsupported('Retrieval preview');
  const scope = narrowScope(deps.route.defaultScope, body.scope);
  const prepared = await deps.retrieval.prepare({
    userId,
    messages,
    scope,
    requestId: c.get('requestId'),
    abortSignal: c.req.raw.signal,
  });
  const selected = [];
  for (const injected of prepared.injected) {
    const skill = await deps.store.get(injected.id);
    if (skill && (skill.owner === userId || isLibraryOwner(skill.owner))) selected.push(skillSummary(skill));
  }
  const retrieval = retrievalInfoToWire(prepared.retrieval);
  return c.json({
    object: 'retrieval_preview',
    user: userId,
    ...retrieval,
    scope,
    query: latestText,
    latest_user_query: latestText,
    selected_skills: selected,
    context: prepared.systemMessage ?? '',
    context_injected: prepared.systemMessage !== null && prepared.systemMessage !== '',
    error: prepared.error ?? prepared.retrieval.error ?? null,
  });
}

export function registerSearchRoutes(app: Hono<ServerEnv>, deps: SearchRouteDependencies): void {
  app.post(`${BASE}/skills/search`, (c) => searchSkills(c, deps));
  app.post(`${BASE}/retrieval/preview`, (c) => previewRetrieval(c, deps));
}
