/**
 * @module The generated `openapi.json`: every route module describes its routes as data
 * (`RouteDescription`: method, path template, summary, and the zod schemas that validate its query and
 * body — the same objects the handlers use, so the document cannot drift from the validation), and
 * `buildOpenApiDocument` turns the collected descriptions into an OpenAPI 3.1 document with
 * `z.toJSONSchema`. The core proxy routes are described here; the management and extraction route
 * modules export their own lists.
 */
import { z } from 'zod';
import { ChatRequestSchema } from './proxy/chat-request.js';

export type RouteMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** One route of the HTTP API, as data. */
export interface RouteDescription {
  method: RouteMethod;
  /** OpenAPI path template with `{name}` parameters, e.g. `/v1/autoskill/skills/{skill_id}`. */
  path: string;
  /** Unique, camelCase, e.g. `getSkill`. */
  operationId: string;
  summary: string;
  /** Longer text (markdown). */
  description?: string;
  /** Grouping in viewers, e.g. `skills`. @default none */
  tags?: readonly string[];
  /** Path parameters (all strings), name → description. */
  pathParameters?: Readonly<Record<string, string>>;
  /** The schema that validates the query string (an object of optional string-ish fields). */
  query?: z.ZodObject;
  /** The schema that validates the JSON body. */
  body?: z.ZodType;
  /** Further accepted request content types besides JSON, e.g. `multipart/form-data`. */
  alsoAccepts?: readonly string[];
  /** The schema of the 200 JSON answer, when it is described. */
  response?: z.ZodType;
  /** A non-JSON success body, e.g. `text/event-stream` or `application/zip`. */
  responseContentType?: string;
  /** Error statuses the route documents (the body is always the OpenAI error object). */
  errors?: readonly number[];
  /** Served without credentials even when auth is on. @default false */
  public?: boolean;
}

/** The OpenAI error body every failure uses. */
export const OpenAIErrorSchema = z
  .object({
    error: z.object({
      message: z.string(),
      type: z.string(),
      param: z.string().nullable(),
      code: z.string().nullable(),
    }),
  })
  .describe('OpenAI-style error');

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid input (`invalid_request`, `invalid_json`, `invalid_user_id`, `invalid_skill_file`)',
  401: 'Missing or unknown credential (`invalid_api_key`)',
  403: 'The credential may not do this (`forbidden`, `read_only`)',
  404: 'No such resource visible to this user (`not_found`)',
  409: 'Conflict (`stale_revision`, `conflict`)',
  413: 'The body is too large (`payload_too_large`)',
  429: 'Rate limit (`rate_limit_exceeded`); see `Retry-After`',
  501: 'Not available on this server (`unsupported`)',
  502: 'The upstream model failed (`upstream_error`)',
  503: 'Busy; retry (`busy`)',
  504: 'The upstream model timed out (`upstream_timeout`)',
};

/** The proxy's own routes (`src/server/proxy/`), described with the schemas they validate with. */
export const CORE_ROUTE_DESCRIPTIONS: readonly RouteDescription[] = [
  {
    method: 'post',
    path: '/v1/chat/completions',
    operationId: 'createChatCompletion',
    summary: 'OpenAI-compatible chat completion (stream and non-stream) with the user’s skills injected',
    description:
      'Every field is forwarded to the upstream model as sent; AutoSkill adds one system message with the ' +
      'retrieved skills and an `autoskill` field to the answer (first chunk of a stream).',
    tags: ['openai'],
    body: ChatRequestSchema,
    responseContentType: 'application/json or text/event-stream',
    errors: [400, 401, 413, 429, 502, 504],
  },
  {
    method: 'post',
    path: '/v1/embeddings',
    operationId: 'createEmbeddings',
    summary: 'OpenAI-compatible embeddings from the configured embedding provider',
    tags: ['openai'],
    body: z.looseObject({
      input: z.union([z.string(), z.array(z.string())]),
      model: z.string().optional(),
      encoding_format: z.enum(['float', 'base64']).optional(),
      dimensions: z.number().int().positive().optional(),
    }),
    errors: [400, 401, 413, 429, 501],
  },
  {
    method: 'get',
    path: '/v1/models',
    operationId: 'listModels',
    summary: 'Served models',
    tags: ['openai'],
    errors: [401, 429],
  },
  {
    method: 'get',
    path: '/health',
    operationId: 'health',
    summary: 'Liveness: `{"ok": true, "name": "autoskill", "version"}`',
    tags: ['meta'],
    public: true,
  },
  {
    method: 'get',
    path: '/api/health',
    operationId: 'apiHealth',
    summary: 'The same as `/health` (the seeds’ second spelling)',
    tags: ['meta'],
    public: true,
  },
];

const SAFE_INTEGER_BOUNDS = new Set([Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]);

/**
 * The JSON Schema of `schema` for OpenAPI: named schemas (`.meta({ id })`) move to `components` and are
 * referenced there; zod's safe-integer bounds (noise for readers) are dropped.
 */
function jsonSchema(
  schema: z.ZodType,
  io: 'input' | 'output',
  components: Record<string, unknown>,
): Record<string, unknown> {
  const generated = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  const text = JSON.stringify(generated, (key, value) =>
    (key === 'minimum' || key === 'maximum') && SAFE_INTEGER_BOUNDS.has(value as number) ? undefined : value,
  ).replaceAll('"#/$defs/', '"#/components/schemas/');
  const { $schema: _dialect, $defs, ...rest } = JSON.parse(text) as Record<string, unknown>;
  if ($defs && typeof $defs === 'object') Object.assign(components, $defs);
  return rest;
}

function queryParameters(query: z.ZodObject, components: Record<string, unknown>): unknown[] {
  const schema = jsonSchema(query, 'input', components);
  const properties = (schema['properties'] ?? {}) as Record<string, Record<string, unknown>>;
  const required = new Set((schema['required'] ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: 'query',
      required: required.has(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

export interface BuildOpenApiOptions {
  routes: readonly RouteDescription[];
  /** @default 'AutoSkill API' */
  title?: string;
  /** The API's version (the package version). */
  version: string;
  /** Whether the server asks for credentials (adds the bearer security scheme). @default true */
  authentication?: boolean;
}

/** An OpenAPI 3.1 document for the routes. Throws `TypeError` on duplicate method + path. */
export function buildOpenApiDocument(options: BuildOpenApiOptions): Record<string, unknown> {
  const components: Record<string, unknown> = {};
  const paths: Record<string, Record<string, unknown>> = {};
  const authentication = options.authentication ?? true;
  components['Error'] = jsonSchema(OpenAIErrorSchema, 'output', components);
  for (const route of options.routes) {
    const entry = paths[route.path] ?? {};
    paths[route.path] = entry;
    if (entry[route.method]) throw new TypeError(`Route described twice: ${route.method} ${route.path}`);
    const parameters: unknown[] = Object.entries(route.pathParameters ?? {}).map(([name, description]) => ({
      name,
      in: 'path',
      required: true,
      description,
      schema: { type: 'string' },
    }));
    if (route.query) parameters.push(...queryParameters(route.query, components));
    const responses: Record<string, unknown> = {};
    if (route.response) {
      responses['200'] = {
        description: 'Success',
        content: {
          'application/json': { schema: jsonSchema(route.response, 'output', components) },
        },
      };
    } else {
      responses['200'] = {
        description: route.responseContentType ? `Success (${route.responseContentType})` : 'Success',
      };
    }
    for (const status of route.errors ?? []) {
      responses[String(status)] = {
        description: ERROR_TEXT[status] ?? 'Error',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
    const operation: Record<string, unknown> = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      ...(route.tags && route.tags.length > 0 ? { tags: [...route.tags] } : {}),
      ...(parameters.length > 0 ? { parameters } : {}),
      responses,
      ...(route.public && authentication ? { security: [] } : {}),
    };
    if (route.body) {
      const bodySchema = jsonSchema(route.body, 'input', components);
      const content: Record<string, unknown> = { 'application/json': { schema: bodySchema } };
      for (const type of route.alsoAccepts ?? []) content[type] = {};
      operation['requestBody'] = { required: true, content };
    }
    entry[route.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: { title: options.title ?? 'AutoSkill API', version: options.version },
    paths,
    components: {
      schemas: components,
      ...(authentication
        ? { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'API key or JWT' } } }
        : {}),
    },
    ...(authentication ? { security: [{ bearer: [] }] } : {}),
  };
}
