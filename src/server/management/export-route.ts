/**
 * @module `GET /v1/autoskill/skills/{skill_id}/export`: the skill as its files (`files`, text files as
 * text and other files as base64), as SKILL.md only (`md`), as a zip of its folder exactly as stored
 * (`zip`), or as a strict agentskills.io folder in a zip (`agent_skill_zip`: lowercase hyphen `name` equal
 * to the folder, our fields under `metadata`). Zips come as base64 in JSON, or as a raw `application/zip`
 * download with `?download=1`.
 */
import { posix } from 'node:path';
import { zipSync } from 'fflate';
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { AutoSkillError } from '../../shared/errors.js';
import { exportAgentSkillZip, safeResourcePath, toAgentSkill } from '../../skill/agent-skills.js';
import type { SkillStore, StoredSkill } from '../../store/types.js';
import { resolveRequestUser } from '../auth/resolve-user.js';
import type { ServerEnv } from '../context.js';
import type { RouteDescription } from '../openapi.js';
import { readableSkill } from './access.js';
import { parseQuery, queryFlag, skillIdParam } from './request.js';
import { BASE } from './skills-routes.js';

export const ExportQuerySchema = z.object({
  format: z
    .enum(['files', 'md', 'skill_md', 'zip', 'zip_base64', 'agent_skill_zip'])
    .optional()
    .describe(
      '`files` (default), `md`, `zip` (the folder as stored) or `agent_skill_zip` (strict agentskills.io)',
    ),
  download: queryFlag.optional().describe('Zip formats: answer the raw `application/zip` file'),
  user: z.string().optional(),
});

const ExportBase = z.object({
  object: z.literal('skill_export'),
  skill_id: z.string(),
  name: z.string(),
  version: z.string(),
});
const ExportResponseSchema = z.discriminatedUnion('format', [
  ExportBase.extend({
    format: z.literal('files'),
    files: z.record(z.string(), z.string()).describe('UTF-8 files: relative path → text (SKILL.md included)'),
    binary_files: z.record(z.string(), z.string()).describe('Other files: relative path → base64'),
  }),
  ExportBase.extend({ format: z.literal('md'), skill_md: z.string() }),
  ExportBase.extend({
    format: z.enum(['zip_base64', 'agent_skill_zip_base64']),
    file_name: z.string(),
    zip_base64: z.string(),
  }),
]);

export const EXPORT_ROUTE_DESCRIPTIONS: readonly RouteDescription[] = [
  {
    method: 'get',
    path: `${BASE}/skills/{skill_id}/export`,
    operationId: 'exportSkill',
    summary: 'Export a skill: files, SKILL.md, zip or strict Agent Skill zip (base64, or `download=1`)',
    tags: ['skills'],
    pathParameters: { skill_id: 'Skill id' },
    query: ExportQuerySchema,
    response: ExportResponseSchema,
    responseContentType: 'application/json, or application/zip with download=1',
    errors: [400, 401, 403, 404],
  },
];

/** A fixed timestamp keeps zips byte-identical for the same content. */
const ZIP_MTIME = new Date('1980-01-01T00:00:00Z');
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function asText(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

/** `attachment` with an ASCII fallback name and the exact UTF-8 name (RFC 6266 / 5987). */
function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

function folderZip(skill: StoredSkill, skillMd: string, files: Record<string, Uint8Array>) {
  const folder = posix.basename(skill.location) || skill.id;
  const entries: Record<string, [Uint8Array, { mtime: Date }]> = {
    [`${folder}/SKILL.md`]: [Buffer.from(skillMd, 'utf8'), { mtime: ZIP_MTIME }],
  };
  for (const [path, bytes] of Object.entries(files)) {
    entries[`${folder}/${safeResourcePath(path)}`] = [bytes, { mtime: ZIP_MTIME }];
  }
  return { fileName: `${folder}.zip`, bytes: zipSync(entries, { level: 6 }) };
}

async function exportSkill(c: Context<ServerEnv>, store: SkillStore): Promise<Response> {
  const id = skillIdParam(c);
  const query = parseQuery(c, ExportQuerySchema);
  const skill = await readableSkill(store, id, resolveRequestUser(c));
  const format = query.format ?? 'files';
  const { skillMd, files } = await store.readFiles(id);
  const base = { object: 'skill_export', skill_id: id, name: skill.name, version: skill.version };
  if (query.download && !['zip', 'zip_base64', 'agent_skill_zip'].includes(format)) {
    throw new AutoSkillError('INVALID_INPUT', '`download=1` needs format=zip or format=agent_skill_zip', {
      details: { param: 'download' },
    });
  }
  if (format === 'md' || format === 'skill_md') return c.json({ ...base, format: 'md', skill_md: skillMd });
  if (format === 'files') {
    const text: Record<string, string> = { 'SKILL.md': skillMd };
    const binary: Record<string, string> = {};
    for (const [path, bytes] of Object.entries(files)) {
      const decoded = asText(bytes);
      if (decoded === null) binary[path] = Buffer.from(bytes).toString('base64');
      else text[path] = decoded;
    }
    return c.json({ ...base, format: 'files', files: text, binary_files: binary });
  }
  const zip =
    format === 'agent_skill_zip'
      ? { fileName: `${toAgentSkill(skill).folderName}.zip`, bytes: exportAgentSkillZip(skill, files) }
      : folderZip(skill, skillMd, files);
  if (query.download) {
    return c.body(Buffer.from(zip.bytes), 200, {
      'content-type': 'application/zip',
      'content-disposition': contentDisposition(zip.fileName),
      'cache-control': 'no-store',
    });
  }
  return c.json({
    ...base,
    format: format === 'agent_skill_zip' ? 'agent_skill_zip_base64' : 'zip_base64',
    file_name: zip.fileName,
    zip_base64: Buffer.from(zip.bytes).toString('base64'),
  });
}

export function registerExportRoute(app: Hono<ServerEnv>, store: SkillStore): void {
  app.get(`${BASE}/skills/:skill_id/export`, (c) => exportSkill(c, store));
}
