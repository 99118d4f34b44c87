/**
 * @module Agent Skills (agentskills.io) interop: strict validation of a skill folder, and export of our
 * skills as spec-valid folders or zips.
 *
 * Validation follows the specification and its reference validator (`skills-ref validate`): front matter
 * is required; only `name`, `description`, `license`, `compatibility`, `metadata` and `allowed-tools` may
 * appear; `name` is 1–64 of `a-z0-9-` (ASCII, as our brief requires), no leading, trailing or double
 * hyphen, equal to the folder name; `description` 1–1024 characters; `compatibility` 1–500; `metadata`
 * maps strings to strings; `allowed-tools` is a string or a list of strings. Lengths count code points.
 *
 * Export (`toAgentSkill`): the name is `asciiSlug(name, { hints: tags })`; the body is `# <name>` and the
 * prompt (the title is not repeated when the prompt already starts with it); spec keys we hold in `extraFrontMatter` (license,
 * compatibility, allowed-tools, metadata) stay top-level; everything else goes under `metadata` as
 * strings: `id`, `version`, `display-name` (when the name had to change), and `tags`, `triggers`,
 * `examples` and any foreign keys as JSON text. A metadata key the skill already had is never
 * overwritten: ours then gets an `autoskill-` prefix.
 */
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { zipSync } from 'fflate';
import { stringify as stringifyYaml } from 'yaml';
import { AutoSkillError, isAutoSkillError } from '../shared/errors.js';
import { type FrontMatterEntry, parseFrontMatter } from './front-matter.js';
import type { Skill } from './schema.js';
import { decodeSkillFile } from './skill-file.js';
import { normaliseText, splitFrontMatter } from './skill-md-text.js';
import { asciiSlug } from './slug.js';

export const AGENT_SKILL_FIELDS = [
  'name',
  'description',
  'license',
  'compatibility',
  'metadata',
  'allowed-tools',
] as const;
export const MAX_AGENT_SKILL_NAME = 64;
export const MAX_AGENT_SKILL_DESCRIPTION = 1024;
export const MAX_AGENT_SKILL_COMPATIBILITY = 500;
const SKILL_FILE = 'SKILL.md';

/** One rule broken by a skill folder; `field` is a front-matter key, or `file`/`front matter`. */
export interface AgentSkillProblem {
  path: string;
  line?: number;
  field: string;
  message: string;
}

export interface ValidateAgentSkillTextOptions {
  /** The folder the SKILL.md sits in; `name` must equal it. */
  folderName: string;
  /** Path shown in problems. @default 'SKILL.md' */
  path?: string;
}

/** Error messages start with `<source>[:<line>]: `; a problem carries those separately. */
function withoutSource(message: string, source: string): string {
  return message.startsWith(source) ? message.slice(source.length).replace(/^(?::\d+)?: /, '') : message;
}

function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

function describeType(value: unknown): string {
  if (value === null) return 'empty';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : `a ${typeof value}`;
}

function nameProblems(value: unknown, folderName: string): string[] {
  if (typeof value !== 'string' || value.trim() === '') return ['must be a non-empty string'];
  const problems: string[] = [];
  const length = codePoints(value);
  if (length > MAX_AGENT_SKILL_NAME)
    problems.push(`must be at most ${MAX_AGENT_SKILL_NAME} characters (has ${length})`);
  if (!/^[a-z0-9-]*$/.test(value)) {
    problems.push('may contain only lowercase letters a-z, digits and hyphens');
  }
  if (value.startsWith('-') || value.endsWith('-')) problems.push('must not start or end with a hyphen');
  if (value.includes('--')) problems.push('must not contain consecutive hyphens');
  if (value !== folderName) problems.push(`must equal the folder name "${folderName}"`);
  return problems;
}

function lengthProblem(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string') return `must be a string, not ${describeType(value)}`;
  if (value.trim() === '') return 'must not be empty';
  const length = codePoints(value);
  return length > max ? `must be at most ${max} characters (has ${length})` : undefined;
}

/** Problems of one SKILL.md text against the agentskills.io rules. */
export function validateAgentSkillText(
  text: string,
  options: ValidateAgentSkillTextOptions,
): AgentSkillProblem[] {
  const path = options.path ?? SKILL_FILE;
  const split = splitFrontMatter(normaliseText(text));
  if (split.frontMatter === null) {
    return [
      {
        path,
        line: 1,
        field: 'front matter',
        message: 'SKILL.md must start with YAML front matter between --- lines',
      },
    ];
  }
  let entries: FrontMatterEntry[];
  try {
    entries = parseFrontMatter(split.frontMatter, { source: path, firstLine: 2 });
  } catch (error) {
    if (!isAutoSkillError(error)) throw error;
    const line = typeof error.details.line === 'number' ? error.details.line : 1;
    return [{ path, line, field: 'front matter', message: withoutSource(error.message, path) }];
  }
  const problems: AgentSkillProblem[] = [];
  const add = (entry: FrontMatterEntry | undefined, field: string, message: string) => {
    problems.push({ path, line: entry?.line ?? 1, field, message });
  };
  const byKey = new Map(entries.map((entry) => [entry.key, entry]));
  for (const entry of entries) {
    if (!(AGENT_SKILL_FIELDS as readonly string[]).includes(entry.key)) {
      add(
        entry,
        entry.key,
        `is not an Agent Skills field (allowed: ${AGENT_SKILL_FIELDS.join(', ')}); move it under metadata`,
      );
    }
  }
  const name = byKey.get('name');
  if (!name) add(undefined, 'name', 'is required');
  else for (const message of nameProblems(name.node.value, options.folderName)) add(name, 'name', message);

  const description = byKey.get('description');
  if (!description) add(undefined, 'description', 'is required');
  else {
    const message = lengthProblem(description.node.value, MAX_AGENT_SKILL_DESCRIPTION);
    if (message) add(description, 'description', message);
  }
  const compatibility = byKey.get('compatibility');
  if (compatibility) {
    const message = lengthProblem(compatibility.node.value, MAX_AGENT_SKILL_COMPATIBILITY);
    if (message) add(compatibility, 'compatibility', message);
  }
  const license = byKey.get('license');
  if (license && (typeof license.node.value !== 'string' || license.node.value.trim() === '')) {
    add(license, 'license', 'must be a non-empty string');
  }
  const metadata = byKey.get('metadata');
  if (metadata) {
    if (metadata.node.kind !== 'map')
      add(
        metadata,
        'metadata',
        `must be a mapping of strings to strings, not ${describeType(metadata.node.value)}`,
      );
    else {
      for (const [key, child] of metadata.node.entries) {
        if (typeof child.value !== 'string') {
          add(metadata, `metadata.${key}`, `must be a string, not ${describeType(child.value)} (quote it)`);
        }
      }
    }
  }
  const tools = byKey.get('allowed-tools');
  if (tools) {
    const value = tools.node.value;
    const valid =
      typeof value === 'string' || (Array.isArray(value) && value.every((item) => typeof item === 'string'));
    if (!valid) add(tools, 'allowed-tools', 'must be a space-separated string or a list of strings');
  }
  return problems;
}

/** Problems of one skill folder: SKILL.md must exist, be readable text, and follow the rules. */
export async function validateAgentSkillDir(
  dir: string,
  options: { maxBytes?: number } = {},
): Promise<AgentSkillProblem[]> {
  const file = join(dir, SKILL_FILE);
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) return [{ path: dir, field: 'file', message: 'is not a folder' }];
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch {
    return [{ path: file, field: 'file', message: 'SKILL.md is missing (the name is case-sensitive)' }];
  }
  try {
    const text = decodeSkillFile(bytes, { source: file, maxBytes: options.maxBytes });
    return validateAgentSkillText(text, { folderName: basename(dir), path: file });
  } catch (error) {
    if (!isAutoSkillError(error)) throw error;
    const line = typeof error.details.line === 'number' ? error.details.line : undefined;
    return [
      {
        path: file,
        ...(line === undefined ? {} : { line }),
        field: 'file',
        message: withoutSource(error.message, file),
      },
    ];
  }
}

/** A spec-valid Agent Skill: the folder name (equal to `name`) and the SKILL.md text. */
export interface AgentSkillExport {
  folderName: string;
  text: string;
}

function truncateCodePoints(text: string, max: number): string {
  const points = Array.from(text);
  return points.length <= max ? text : `${points.slice(0, max - 1).join('')}…`;
}

function asMetadataString(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const SPEC_EXTRAS = new Set(['license', 'compatibility', 'allowed-tools', 'metadata']);

/** Converts a skill into a strict, spec-valid SKILL.md (see the module note for the mapping). */
export function toAgentSkill(skill: Skill): AgentSkillExport {
  const folderName = asciiSlug(skill.name, { hints: skill.tags });
  const extra = skill.extraFrontMatter;
  const description = truncateCodePoints(
    skill.description.trim() || skill.name.trim() || folderName,
    MAX_AGENT_SKILL_DESCRIPTION,
  );
  const front: Record<string, unknown> = { name: folderName, description };
  if (typeof extra.license === 'string' && extra.license.trim() !== '') front.license = extra.license;
  if (typeof extra.compatibility === 'string' && extra.compatibility.trim() !== '') {
    front.compatibility = truncateCodePoints(extra.compatibility, MAX_AGENT_SKILL_COMPATIBILITY);
  }
  const tools = extra['allowed-tools'];
  if (
    typeof tools === 'string' ||
    (Array.isArray(tools) && tools.every((item) => typeof item === 'string'))
  ) {
    front['allowed-tools'] = tools;
  }

  const metadata = new Map<string, string>();
  const existing = extra.metadata;
  if (existing !== null && typeof existing === 'object' && !Array.isArray(existing)) {
    for (const [key, value] of Object.entries(existing)) metadata.set(key, asMetadataString(value));
  }
  const ours: Array<[string, unknown]> = [
    ['id', skill.id],
    ['version', skill.version],
  ];
  if (skill.name.trim() !== folderName) ours.push(['display-name', skill.name.trim()]);
  if (skill.tags.length > 0) ours.push(['tags', skill.tags]);
  if (skill.triggers.length > 0) ours.push(['triggers', skill.triggers]);
  if (skill.examples.length > 0) ours.push(['examples', skill.examples]);
  for (const [key, value] of Object.entries(extra)) {
    if (!SPEC_EXTRAS.has(key) && value !== undefined) ours.push([key, value]);
  }
  for (const [key, value] of ours) {
    metadata.set(metadata.has(key) ? `autoskill-${key}` : key, asMetadataString(value));
  }
  front.metadata = Object.fromEntries(metadata);

  const instructions = skill.instructions.trim();
  const title = skill.name.replace(/\s+/g, ' ').trim();
  const heading = `# ${title}`;
  const hasTitle = instructions === heading || instructions.startsWith(`${heading}\n`);
  const body = hasTitle ? instructions : `${heading}\n\n${instructions}`.trim();
  const yaml = stringifyYaml(front, { lineWidth: 0, minContentWidth: 0, blockQuote: false });
  return { folderName, text: `---\n${yaml}---\n\n${body}\n` };
}

/** Resource files of a skill folder: relative path → bytes. */
export type AgentSkillFiles = ReadonlyMap<string, Uint8Array> | Readonly<Record<string, Uint8Array>>;

function fileEntries(files: AgentSkillFiles): Array<[string, Uint8Array]> {
  return files instanceof Map ? [...files.entries()] : Object.entries(files as Record<string, Uint8Array>);
}

/**
 * A resource path that stays inside the skill folder: `/`-separated, no empty, `.` or `..` segments, no
 * absolute or drive paths, no NUL, and not `SKILL.md` itself. Throws `INVALID_PATH` otherwise.
 */
export function safeResourcePath(path: string): string {
  const refuse = (why: string) =>
    new AutoSkillError('INVALID_PATH', `Refused resource path ${JSON.stringify(path)}: ${why}`, {
      details: { path, reason: why },
    });
  if (path.includes('\0')) throw refuse('contains a NUL byte');
  const unified = path.replace(/\\/g, '/');
  if (unified.startsWith('/') || /^[A-Za-z]:/.test(unified)) throw refuse('is absolute');
  const segments = unified.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.some((segment) => segment === '..')) throw refuse('leaves the skill folder');
  if (segments.length === 0) throw refuse('is empty');
  const safe = segments.join('/');
  if (safe.toLowerCase() === 'skill.md') throw refuse('would replace SKILL.md');
  if (safe.length > 4096) throw refuse('is too long');
  return safe;
}

export interface ExportAgentSkillFolderOptions {
  /** Replace an existing folder of the same name instead of refusing. @default false */
  overwrite?: boolean;
}

/**
 * Writes the skill as `<targetDir>/<folderName>/SKILL.md` plus its resources and returns the folder.
 * Refuses unsafe resource paths (`INVALID_PATH`) and an existing folder unless `overwrite` (`CONFLICT`).
 */
export async function exportAgentSkillFolder(
  skill: Skill,
  files: AgentSkillFiles,
  targetDir: string,
  options: ExportAgentSkillFolderOptions = {},
): Promise<string> {
  const exported = toAgentSkill(skill);
  const entries = fileEntries(files).map(([path, bytes]) => [safeResourcePath(path), bytes] as const);
  const folder = join(targetDir, exported.folderName);
  if (await stat(folder).catch(() => undefined)) {
    if (!options.overwrite) {
      throw new AutoSkillError('CONFLICT', `${folder} already exists; pass overwrite to replace it`, {
        details: { path: folder },
      });
    }
    await rm(folder, { recursive: true, force: true });
  }
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, SKILL_FILE), exported.text, 'utf8');
  for (const [path, bytes] of entries) {
    const target = join(folder, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, bytes);
  }
  return folder;
}

export interface FindAgentSkillDirsOptions {
  /** Folder levels below `root` to search. @default 6 */
  maxDepth?: number;
}

/**
 * Skill folders at or under `root`: a folder with a `SKILL.md` is a skill and is not searched further;
 * folders whose name starts with `.` and `node_modules` are skipped. Sorted by path.
 */
export async function findAgentSkillDirs(
  root: string,
  options: FindAgentSkillDirsOptions = {},
): Promise<string[]> {
  const maxDepth = options.maxDepth ?? 6;
  const found: string[] = [];
  const visit = async (dir: string, depth: number): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    if (entries.some((entry) => entry.name === SKILL_FILE && entry.isFile())) {
      found.push(dir);
      return;
    }
    if (depth >= maxDepth) return;
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      await visit(join(dir, entry.name), depth + 1);
    }
  };
  await visit(root, 0);
  return found.sort();
}

/** A fixed timestamp keeps exported zips byte-identical for the same skill. */
const ZIP_MTIME = new Date('1980-01-01T00:00:00Z');

/** The same folder as a zip archive (`<folderName>/SKILL.md`, `<folderName>/<resource>`). */
export function exportAgentSkillZip(skill: Skill, files: AgentSkillFiles): Uint8Array {
  const exported = toAgentSkill(skill);
  const entries: Record<string, [Uint8Array, { mtime: Date }]> = {};
  entries[`${exported.folderName}/${SKILL_FILE}`] = [
    new TextEncoder().encode(exported.text),
    { mtime: ZIP_MTIME },
  ];
  for (const [path, bytes] of fileEntries(files)) {
    entries[`${exported.folderName}/${safeResourcePath(path)}`] = [bytes, { mtime: ZIP_MTIME }];
  }
  return zipSync(entries, { level: 6 });
}
