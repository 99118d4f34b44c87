/**
 * @module Uploads: `POST skills/import` (a zip as base64 or as a `multipart/form-data` file, or folder
 * contents as a `files` map) and `POST conversations/import` (`.json`/`.jsonl` content, or inline
 * conversations). Only uploaded content is read — a server-side path from the caller (`root_dir`,
 * `zip_path`, `file_path`: the original's §11.1 item 5) is refused. Uploads are bounded (body size, total
 * uncompressed size, per-file size, conversations per request) and checked before anything is written.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { AutoSkillError } from '../../shared/errors.js';
import { importSkills } from '../../store/import/import-skills.js';
import { normalizeZipPath, readZipSource } from '../../store/import/skill-sources.js';
import { nameProblem } from '../../store/safe-paths.js';
import type { SkillStore, StoredSkill } from '../../store/types.js';
import { resolveRequestUser } from '../auth/resolve-user.js';
import type { ServerEnv } from '../context.js';
import { parseJsonObjectText, readBodyBytes } from '../http/read-body.js';
import type { RouteDescription } from '../openapi.js';
import { BodyUserSchema, parseValue } from './request.js';
import { actorFor, BASE } from './skills-routes.js';
import type { ConversationImporter, ConversationInput } from './types.js';
import { SkillSummarySchema, skillSummary } from './wire.js';

const SERVER_PATH_FIELDS = ['root_dir', 'zip_path', 'file_path', 'path', 'source'] as const;

const uploadFlag = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])])
  .transform(
    (value) => value === true || value === 'true' || value === '1' || value === 'yes' || value === 'on',
  );

export const SkillImportBodySchema = z.object({
  zip_base64: z.string().optional().describe('A zip of skill folders (or of one skill folder), base64'),
  files: z
    .record(z.string(), z.string())
    .optional()
    .describe('Folder contents: relative path → UTF-8 text, e.g. `{"my-skill/SKILL.md": "---\\n…"}`'),
  files_base64: z.record(z.string(), z.string()).optional().describe('Binary files: relative path → base64'),
  name: z
    .string()
    .max(64)
    .optional()
    .describe('Name of the upload; a skill at the root of the upload is keyed by it (default `upload`)'),
  overwrite: uploadFlag
    .optional()
    .describe('Replace skills imported before from the same path; default false'),
  include_files: uploadFlag.optional().describe('Import the skill folders’ other files too; default true'),
  user: BodyUserSchema,
});

export const ConversationImportBodySchema = z.object({
  conversations: z
    .array(z.unknown())
    .optional()
    .describe('Conversations: `{messages: [...]}` objects or arrays of chat messages'),
  messages: z.array(z.unknown()).optional().describe('One conversation'),
  data: z.string().optional().describe('The text of a `.json` or `.jsonl` file'),
  hint: z.string().max(2000).optional().describe('What to focus on when extracting'),
  continue_on_error: uploadFlag.optional().describe('Go on after a conversation fails; default true'),
  user: BodyUserSchema,
});

const SkillImportResponseSchema = z.object({
  ok: z.literal(true),
  object: z.literal('skill_import'),
  user: z.string(),
  imported_count: z.number().int(),
  data: z.array(SkillSummarySchema),
  skipped: z.array(z.object({ from: z.string(), id: z.string().nullable(), reason: z.string() })),
  errors: z.array(z.object({ from: z.string(), code: z.string(), message: z.string() })),
});

const ConversationImportResponseSchema = z.object({
  ok: z.literal(true),
  object: z.literal('conversation_import'),
  user: z.string(),
  total_conversations: z.number().int(),
  processed: z.number().int(),
  failed: z.number().int(),
  upserted_count: z.number().int(),
  skills: z.array(SkillSummarySchema),
  errors: z.array(z.object({ index: z.number().int(), error: z.string() })),
});

export const IMPORT_ROUTE_DESCRIPTIONS: readonly RouteDescription[] = [
  {
    method: 'post',
    path: `${BASE}/skills/import`,
    operationId: 'importSkills',
    summary: 'Import Agent Skill folders from an uploaded zip or folder contents (never a server path)',
    description:
      'JSON with `zip_base64` or `files`, or `multipart/form-data` with a `file` part (the zip) and the same ' +
      'other fields. Each skill is reported as imported, skipped (exists; use `overwrite`) or failed.',
    tags: ['import'],
    body: SkillImportBodySchema,
    alsoAccepts: ['multipart/form-data'],
    response: SkillImportResponseSchema,
    errors: [400, 401, 403, 413, 429],
  },
  {
    method: 'post',
    path: `${BASE}/conversations/import`,
    operationId: 'importConversations',
    summary: 'Learn skills from uploaded conversations (.json/.jsonl content or inline); runs while you wait',
    tags: ['import'],
    body: ConversationImportBodySchema,
    alsoAccepts: ['multipart/form-data'],
    response: ConversationImportResponseSchema,
    errors: [400, 401, 403, 413, 429, 501],
  },
];

export interface ImportRouteDependencies {
  store: SkillStore;
  conversations?: ConversationImporter;
  maxBodyBytes: number;
  maxTotalBytes: number;
  maxFileBytes: number;
  maxConversations: number;
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function decodeBase64(value: string, param: string): Uint8Array {
  const compact = value.replace(/\s+/g, '');
  if (!BASE64.test(compact)) {
    throw new AutoSkillError('INVALID_INPUT', `${param} is not valid base64`, { details: { param } });
  }
  return Buffer.from(compact, compact.includes('-') || compact.includes('_') ? 'base64url' : 'base64');
}

/** The request's fields: a JSON object, or the parts of a `multipart/form-data` body. */
async function readUpload(
  c: Context<ServerEnv>,
  maxBytes: number,
): Promise<{ fields: Record<string, unknown>; file?: { name: string; bytes: Uint8Array } }> {
  const bytes = await readBodyBytes(c.req.raw, maxBytes);
  const type = c.req.header('content-type') ?? '';
  if (/^multipart\/form-data/i.test(type)) {
    let form: FormData;
    try {
      form = await new Request('http://upload.invalid/', {
        method: 'POST',
        headers: { 'content-type': type },
        body: Buffer.from(bytes),
      }).formData();
    } catch (cause) {
      throw new AutoSkillError('INVALID_INPUT', 'The multipart/form-data body could not be read', {
        cause,
        details: { wireCode: 'invalid_multipart' },
      });
    }
    const fields: Record<string, unknown> = {};
    let part: File | undefined;
    form.forEach((value, key) => {
      if (typeof value === 'string') fields[key] = value;
      else if (key === 'file' && !part) part = value;
    });
    if (!part) return { fields };
    return { fields, file: { name: part.name, bytes: new Uint8Array(await part.arrayBuffer()) } };
  }
  return { fields: parseJsonObjectText(new TextDecoder().decode(bytes)) };
}

function refuseServerPaths(fields: Record<string, unknown>): void {
  for (const field of SERVER_PATH_FIELDS) {
    if (fields[field] !== undefined) {
      throw new AutoSkillError(
        'INVALID_INPUT',
        `${field}: server-side paths are not accepted; upload the content instead (zip_base64, files or a multipart file)`,
        { details: { param: field, wireCode: 'server_paths_not_accepted' } },
      );
    }
  }
}

function uploadName(name: string | undefined, fileName: string | undefined): string {
  const candidate = (name ?? fileName?.replace(/\.zip$/i, '') ?? 'upload').trim();
  if (nameProblem(candidate) !== null) {
    if (name !== undefined) {
      throw new AutoSkillError('INVALID_INPUT', `name: ${nameProblem(candidate)}`, {
        details: { param: 'name' },
      });
    }
    return 'upload';
  }
  return candidate;
}

/** A zip of the `files` map, with every path checked first (400 naming the path, nothing written). */
function zipFiles(text: Record<string, string>, binary: Record<string, string>): Uint8Array {
  const entries: Record<string, Uint8Array> = {};
  const add = (path: string, bytes: Uint8Array, param: string) => {
    let safe: string;
    try {
      safe = normalizeZipPath(path);
    } catch (error) {
      throw new AutoSkillError('INVALID_PATH', (error as Error).message, { details: { param, path } });
    }
    entries[safe] = bytes;
  };
  for (const [path, content] of Object.entries(text)) add(path, Buffer.from(content, 'utf8'), 'files');
  for (const [path, content] of Object.entries(binary)) {
    add(path, decodeBase64(content, `files_base64.${path}`), 'files_base64');
  }
  return zipSync(entries, { level: 0 });
}

async function importSkillUpload(c: Context<ServerEnv>, deps: ImportRouteDependencies): Promise<Response> {
  const upload = await readUpload(c, deps.maxBodyBytes);
  refuseServerPaths(upload.fields);
  const body = parseValue(upload.fields, SkillImportBodySchema);
  const userId = resolveRequestUser(c, { bodyUser: body.user });
  const sources = [upload.file, body.zip_base64, body.files ?? body.files_base64].filter(
    (item) => item !== undefined,
  );
  if (sources.length !== 1) {
    throw new AutoSkillError(
      'INVALID_INPUT',
      sources.length === 0
        ? 'Nothing to import: send zip_base64, files, or a multipart "file"'
        : 'Send exactly one of zip_base64, files (with files_base64), or a multipart "file"',
      { details: { param: 'zip_base64' } },
    );
  }
  const zip = upload.file
    ? upload.file.bytes
    : body.zip_base64 !== undefined
      ? decodeBase64(body.zip_base64, 'zip_base64')
      : zipFiles(body.files ?? {}, body.files_base64 ?? {});
  const limits = {
    maxDepth: 6,
    includeFiles: body.include_files ?? true,
    maxFileBytes: deps.maxFileBytes,
    maxTotalBytes: deps.maxTotalBytes,
  };
  // Read once here so an upload that is not a zip, too big, or holds no skill is refused before any write.
  const contents = readZipSource(zip, limits, 'upload');
  if (contents.skills.length === 0) {
    throw new AutoSkillError('INVALID_INPUT', 'The upload holds no SKILL.md', {
      details: {
        param: upload.file ? 'file' : body.zip_base64 !== undefined ? 'zip_base64' : 'files',
        problems: contents.problems,
      },
    });
  }
  const name = uploadName(body.name, upload.file?.name);
  const folder = mkdtempSync(join(tmpdir(), 'autoskill-upload-'));
  try {
    const source = join(folder, `${name}.zip`);
    writeFileSync(source, zip);
    const report = await importSkills(deps.store, {
      source,
      target: { userId },
      overwrite: body.overwrite ?? false,
      includeFiles: limits.includeFiles,
      maxFileBytes: limits.maxFileBytes,
      maxTotalBytes: limits.maxTotalBytes,
      actor: actorFor(c, userId),
    });
    const imported: StoredSkill[] = [];
    for (const item of report.imported) {
      const skill = await deps.store.get(item.id);
      if (skill) imported.push(skill);
    }
    return c.json({
      ok: true,
      object: 'skill_import',
      user: userId,
      imported_count: imported.length,
      data: imported.map((skill) => skillSummary(skill)),
      skipped: report.skipped,
      errors: report.errors,
    });
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

const CONTAINER_KEYS = ['conversations', 'dialogues', 'records', 'items', 'dataset', 'data'];

function isMessage(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { role?: unknown }).role === 'string'
  );
}

/** One conversation from `{messages: [...]}` or a bare array of messages; null when it is neither. */
function toConversation(value: unknown): ConversationInput | null {
  const messages = Array.isArray(value)
    ? value
    : value && typeof value === 'object'
      ? (value as { messages?: unknown }).messages
      : undefined;
  if (!Array.isArray(messages) || messages.length === 0 || !messages.every(isMessage)) return null;
  return { messages };
}

/** The conversations of a parsed `.json` value: a list, a container object, or one conversation. */
function conversationsOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.every(isMessage) ? [value] : value;
  if (value && typeof value === 'object') {
    for (const key of CONTAINER_KEYS) {
      const inner = (value as Record<string, unknown>)[key];
      if (Array.isArray(inner)) return inner;
    }
  }
  return [value];
}

/** `.json` (a list or container) or `.jsonl` (one conversation per line), as text. */
function parseConversationFile(text: string, param: string): unknown[] {
  try {
    return conversationsOf(JSON.parse(text));
  } catch {
    const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
    return lines.map((line, index) => {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        throw new AutoSkillError(
          'INVALID_INPUT',
          `${param}: line ${index + 1} is not JSON (.json or .jsonl expected)`,
          {
            details: { param, line: index + 1 },
          },
        );
      }
    });
  }
}

async function importConversationUpload(
  c: Context<ServerEnv>,
  deps: ImportRouteDependencies,
): Promise<Response> {
  const upload = await readUpload(c, deps.maxBodyBytes);
  refuseServerPaths(upload.fields);
  const body = parseValue(upload.fields, ConversationImportBodySchema);
  const userId = resolveRequestUser(c, { bodyUser: body.user });
  let raw: unknown[];
  let param: string;
  if (upload.file) {
    raw = parseConversationFile(new TextDecoder().decode(upload.file.bytes), 'file');
    param = 'file';
  } else if (body.data !== undefined) {
    raw = parseConversationFile(body.data, 'data');
    param = 'data';
  } else if (body.conversations !== undefined) {
    raw = body.conversations;
    param = 'conversations';
  } else if (body.messages !== undefined) {
    raw = [body.messages];
    param = 'messages';
  } else {
    throw new AutoSkillError(
      'INVALID_INPUT',
      'Nothing to import: send conversations, messages, data or a file',
      {
        details: { param: 'conversations' },
      },
    );
  }
  if (raw.length === 0) {
    throw new AutoSkillError('INVALID_INPUT', `${param} holds no conversation`, { details: { param } });
  }
  if (raw.length > deps.maxConversations) {
    throw new AutoSkillError(
      'PAYLOAD_TOO_LARGE',
      `${raw.length} conversations in one request; at most ${deps.maxConversations} (split the file)`,
      { details: { param, maxConversations: deps.maxConversations } },
    );
  }
  const conversations: ConversationInput[] = [];
  for (const [index, item] of raw.entries()) {
    const conversation = toConversation(item);
    if (!conversation) {
      throw new AutoSkillError(
        'INVALID_INPUT',
        `${param}[${index}] is not a conversation: expected {"messages": [{"role", "content"}, …]} or a list of messages`,
        { details: { param: `${param}.${index}` } },
      );
    }
    conversations.push(conversation);
  }
  if (!deps.conversations) {
    throw new AutoSkillError('UNSUPPORTED', 'Conversation import is not available on this server');
  }
  const result = await deps.conversations.importConversations({
    userId,
    conversations,
    ...(body.hint ? { hint: body.hint } : {}),
    continueOnError: body.continue_on_error ?? true,
    abortSignal: c.req.raw.signal,
  });
  const skills = result.skills.filter((skill) => skill.owner === userId);
  return c.json({
    ok: true,
    object: 'conversation_import',
    user: userId,
    total_conversations: conversations.length,
    processed: result.processed,
    failed: result.failed,
    upserted_count: skills.length,
    skills: skills.map((skill) => skillSummary(skill)),
    errors: result.errors,
  });
}

export function registerImportRoutes(app: Hono<ServerEnv>, deps: ImportRouteDependencies): void {
  app.post(`${BASE}/skills/import`, (c) => importSkillUpload(c, deps));
  app.post(`${BASE}/conversations/import`, (c) => importConversationUpload(c, deps));
}
