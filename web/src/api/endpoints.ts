/** @module Typed calls to the AutoSkill HTTP API that the UI uses (paths from docs/web-api.md and the management API). */
import type { z } from 'zod';
import { type ApiClient, errorFromResponse } from './client.js';
import { ApiError } from './errors.js';
import {
  AnySchema,
  ConversationImportSchema,
  DiffSchema,
  ExtractionEnvelopeSchema,
  type ExtractionEvent,
  ExtractionEventSchema,
  ImportResultSchema,
  MeSchema,
  type Revision,
  SaveSkillMdSchema,
  SearchResultSchema,
  type Session,
  SessionEnvelopeSchema,
  SessionListSchema,
  type SessionSettings,
  SkillEnvelopeSchema,
  SkillListSchema,
  SkillMdSchema,
  VersionListSchema,
} from './schemas.js';
import { decodeTurnEvent, parseData, type TurnStreamEvent } from './turn-events.js';

const API = '/v1/autoskill';
const enc = encodeURIComponent;

export type Scope = 'user' | 'library' | 'all';

export function getMe(client: ApiClient, signal?: AbortSignal) {
  return client.request(`${API}/me`, { schema: MeSchema, signal });
}

// Sessions

export async function listSessions(client: ApiClient, signal?: AbortSignal): Promise<Session[]> {
  return (await client.request(`${API}/sessions`, { schema: SessionListSchema, signal })).data;
}

export async function createSession(
  client: ApiClient,
  options: { title?: string; settings?: SessionSettings } = {},
): Promise<Session> {
  return (
    await client.request(`${API}/sessions`, { method: 'POST', body: options, schema: SessionEnvelopeSchema })
  ).data;
}

export async function getSession(client: ApiClient, id: string, signal?: AbortSignal): Promise<Session> {
  return (await client.request(`${API}/sessions/${enc(id)}`, { schema: SessionEnvelopeSchema, signal })).data;
}

export async function updateSession(
  client: ApiClient,
  id: string,
  patch: { title?: string; settings?: Partial<SessionSettings> },
): Promise<Session> {
  return (
    await client.request(`${API}/sessions/${enc(id)}`, {
      method: 'PATCH',
      body: patch,
      schema: SessionEnvelopeSchema,
    })
  ).data;
}

export async function deleteSession(client: ApiClient, id: string): Promise<void> {
  await client.request(`${API}/sessions/${enc(id)}`, { method: 'DELETE', schema: AnySchema });
}

export async function sendMessage(
  client: ApiClient,
  options: {
    sessionId: string;
    content: string;
    signal?: AbortSignal;
    onEvent: (event: TurnStreamEvent) => void;
  },
): Promise<void> {
  await client.stream(`${API}/sessions/${enc(options.sessionId)}/messages`, {
    method: 'POST',
    body: { content: options.content },
    signal: options.signal,
    onEvent: (message) => options.onEvent(decodeTurnEvent(message.event, message.data)),
  });
}

export async function extractNow(
  client: ApiClient,
  sessionId: string,
  hint?: string,
): Promise<ExtractionEvent> {
  const body = hint?.trim() ? { hint: hint.trim() } : {};
  return (
    await client.request(`${API}/sessions/${enc(sessionId)}/extract`, {
      method: 'POST',
      body,
      schema: ExtractionEnvelopeSchema,
    })
  ).data;
}

function decodeExtraction(raw: string): ExtractionEvent | null {
  const data = parseData(raw);
  const direct = ExtractionEventSchema.safeParse(data);
  if (direct.success) return direct.data;
  const wrapped = ExtractionEnvelopeSchema.safeParse(data);
  return wrapped.success ? wrapped.data.data : null;
}

/** Follows `GET sessions/{id}/events` until `signal` aborts or the server ends the stream. */
export async function followSessionEvents(
  client: ApiClient,
  options: { sessionId: string; signal: AbortSignal; onEvent: (event: ExtractionEvent) => void },
): Promise<void> {
  await client.stream(`${API}/sessions/${enc(options.sessionId)}/events`, {
    signal: options.signal,
    onEvent: (message) => {
      const event = decodeExtraction(message.data);
      if (event) options.onEvent(event);
    },
  });
}

/** Follows one extraction job (`GET extractions/{id}/events`) until it ends. */
export async function followExtraction(
  client: ApiClient,
  options: { jobId: string; signal: AbortSignal; onEvent: (event: ExtractionEvent) => void },
): Promise<void> {
  await client.stream(`${API}/extractions/${enc(options.jobId)}/events`, {
    signal: options.signal,
    onEvent: (message) => {
      const event = decodeExtraction(message.data);
      if (event) options.onEvent(event);
    },
  });
}

// Skills

export interface ListSkillsOptions {
  scope: Scope;
  limit: number;
  offset: number;
  q?: string;
  includeDeleted?: boolean;
  signal?: AbortSignal;
}

export function listSkills(client: ApiClient, options: ListSkillsOptions) {
  return client.request(`${API}/skills`, {
    query: {
      scope: options.scope,
      limit: options.limit,
      offset: options.offset,
      q: options.q,
      include: options.includeDeleted ? 'deleted' : undefined,
    },
    schema: SkillListSchema,
    signal: options.signal,
  });
}

export async function getSkill(client: ApiClient, id: string, signal?: AbortSignal) {
  const answer = await client.request(`${API}/skills/${enc(id)}`, {
    query: { include_md: 1 },
    schema: SkillEnvelopeSchema,
    signal,
  });
  return { ...answer.data, revision: answer.data.revision ?? answer.revision ?? null };
}

export type SkillDetail = Awaited<ReturnType<typeof getSkill>>;

export function getSkillMd(client: ApiClient, id: string, signal?: AbortSignal) {
  return client.request(`${API}/skills/${enc(id)}/md`, { schema: SkillMdSchema, signal });
}

export function saveSkillMd(
  client: ApiClient,
  options: { id: string; skillMd: string; baseRevision: Revision | null },
) {
  return client.request(`${API}/skills/${enc(options.id)}/md`, {
    method: 'PUT',
    body: {
      skill_md: options.skillMd,
      ...(options.baseRevision === null ? {} : { base_revision: options.baseRevision }),
    },
    schema: SaveSkillMdSchema,
  });
}

export function deleteSkill(client: ApiClient, id: string) {
  return client.request(`${API}/skills/${enc(id)}`, { method: 'DELETE', schema: AnySchema });
}

export function restoreSkill(client: ApiClient, id: string) {
  return client.request(`${API}/skills/${enc(id)}/restore`, { method: 'POST', body: {}, schema: AnySchema });
}

export function rollbackSkill(client: ApiClient, id: string, toRevision?: Revision) {
  return client.request(`${API}/skills/${enc(id)}/rollback`, {
    method: 'POST',
    body: toRevision === undefined ? {} : { to_revision: toRevision },
    schema: SaveSkillMdSchema,
  });
}

export function listVersions(client: ApiClient, id: string, signal?: AbortSignal) {
  return client.request(`${API}/skills/${enc(id)}/versions`, { schema: VersionListSchema, signal });
}

export async function getDiff(
  client: ApiClient,
  options: { id: string; from: Revision; to: Revision; signal?: AbortSignal },
): Promise<string> {
  const answer = await client.request(`${API}/skills/${enc(options.id)}/diff`, {
    query: { from: options.from, to: options.to },
    schema: DiffSchema,
    signal: options.signal,
  });
  if (typeof answer.diff === 'string') return answer.diff;
  if (typeof answer.unified_diff === 'string') return answer.unified_diff;
  const data = answer.data;
  if (typeof data === 'string') return data;
  if (data && typeof data === 'object' && 'diff' in data && typeof data.diff === 'string') return data.diff;
  throw new ApiError({
    kind: 'invalid_response',
    status: 200,
    code: 'invalid_response',
    message: 'The diff answer holds no diff text',
  });
}

export function searchSkills(
  client: ApiClient,
  options: { query: string; scope: Scope; limit: number; signal?: AbortSignal },
) {
  return client.request(`${API}/skills/search`, {
    method: 'POST',
    body: { query: options.query, scope: options.scope, limit: options.limit },
    schema: SearchResultSchema,
    signal: options.signal,
  });
}

export function skillExportUrl(
  client: ApiClient,
  id: string,
  format: 'md' | 'zip' | 'agent_skill_zip',
): string {
  return client.url(`${API}/skills/${enc(id)}/export`, { format, download: 1 });
}

// Imports (uploads go through XMLHttpRequest for upload progress)

export interface UploadProgress {
  loaded: number;
  total: number;
}

function upload<T>(
  client: ApiClient,
  options: {
    path: string;
    body: unknown;
    schema: z.ZodType<T>;
    onProgress?: (progress: UploadProgress) => void;
    signal?: AbortSignal;
  },
): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', client.url(options.path));
    xhr.setRequestHeader('Content-Type', 'application/json');
    xhr.setRequestHeader('Accept', 'application/json');
    for (const [name, value] of Object.entries(client.headers())) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => options.onProgress?.({ loaded: event.loaded, total: event.total });
    xhr.onerror = () =>
      reject(
        new ApiError({ kind: 'network', status: 0, code: 'network_error', message: 'The upload failed' }),
      );
    xhr.onabort = () =>
      reject(new ApiError({ kind: 'aborted', status: 0, code: 'aborted', message: 'Cancelled' }));
    xhr.onload = async () => {
      const response = new Response(xhr.responseText, {
        status: xhr.status,
        headers: { 'Content-Type': xhr.getResponseHeader('Content-Type') ?? 'application/json' },
      });
      if (xhr.status < 200 || xhr.status >= 300) {
        reject(await errorFromResponse(response));
        return;
      }
      try {
        const parsed = options.schema.safeParse(JSON.parse(xhr.responseText || '{}'));
        if (parsed.success) resolve(parsed.data);
        else
          reject(
            new ApiError({
              kind: 'invalid_response',
              status: xhr.status,
              code: 'invalid_response',
              message: `Unexpected answer from ${options.path}`,
            }),
          );
      } catch {
        reject(
          new ApiError({
            kind: 'invalid_response',
            status: xhr.status,
            code: 'invalid_response',
            message: `The server answered ${options.path} with something that is not JSON`,
          }),
        );
      }
    };
    options.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(JSON.stringify(options.body));
  });
}

export function importSkills(
  client: ApiClient,
  options: {
    body:
      | { zip_base64: string; name?: string }
      | { files: Record<string, string>; files_base64?: Record<string, string>; name?: string };
    overwrite: boolean;
    onProgress?: (progress: UploadProgress) => void;
    signal?: AbortSignal;
  },
) {
  return upload(client, {
    path: `${API}/skills/import`,
    body: { ...options.body, overwrite: options.overwrite },
    schema: ImportResultSchema,
    onProgress: options.onProgress,
    signal: options.signal,
  });
}

export function importConversations(
  client: ApiClient,
  options: {
    content: string;
    fileName: string;
    hint?: string;
    onProgress?: (progress: UploadProgress) => void;
    signal?: AbortSignal;
  },
) {
  return upload(client, {
    path: `${API}/conversations/import`,
    body: {
      data: options.content,
      ...(options.hint?.trim() ? { hint: options.hint.trim() } : {}),
    },
    schema: ConversationImportSchema,
    onProgress: options.onProgress,
    signal: options.signal,
  });
}
