/**
 * @module The SKILL.md codec: parse what the original AutoSkill writes (and what imported Agent Skill
 * libraries contain), render the original's format, decode file bytes safely, and upsert a missing id.
 *
 * The format (core.md §2.1): front matter `id`, `name`, `description`, `version`, `tags`, `triggers`,
 * `examples` (JSON-quoted scalars), then foreign keys in file order; body `# <name>`, the description,
 * `## Prompt` + instructions, then the renderer's own trailing sections `## Files`, `## Triggers`,
 * `## Examples`.
 *
 * Where the Prompt section ends (the fix for the original's round-trip bug): headings inside the prompt
 * (`# Goal`, `## Details`, even `## Triggers`) never end it. Only the renderer's trailing sections do, and
 * only the *last* one of each, and only when the front matter says the renderer wrote it (a `## Triggers`
 * trailer exists iff `triggers` is non-empty, `## Examples` iff `examples` is non-empty; `## Files` when
 * it is a list of bullets). In the rare case that this reading would still not give back a prompt exactly
 * (a prompt that itself ends with a `## Files` bullet list, or starts with a copy of the title followed by
 * `## Prompt`), the renderer also writes the prompt into the front matter as `instructions:`, which every
 * reader (the original included) prefers over the body. So render → parse is the identity.
 *
 * What the format normalises (and so what round-trips exactly): `id`, `name`, `description`, `version`
 * and `instructions` are trimmed; an empty version becomes `0.1.0`; tags and triggers are trimmed, blanks
 * dropped and de-duplicated case-insensitively (first spelling kept); examples need a non-blank input;
 * CR LF and lone CR line ends in the body become LF (front-matter strings are JSON-quoted, so they keep
 * every character); resources round-trip through the `## Files` list up to 50 paths without back-ticks
 * or line breaks (the store lists the folder anyway).
 */

import { stringify as stringifyYaml } from 'yaml';
import { AutoSkillError } from '../shared/errors.js';
import { type FrontMatterEntry, type FrontMatterNode, parseFrontMatter, setOwn } from './front-matter.js';
import { deterministicSkillId } from './ids.js';
import type { Skill, SkillExample } from './schema.js';

export interface ParseSkillMdOptions {
  /** A user id, or `library:<name>` for library skills. */
  owner: string;
  /** The file's path, used in error messages only. */
  source?: string;
  /** The name when the file has neither a `name:` key nor a `# ` heading (usually the folder name). */
  fallbackName?: string;
  /**
   * The key of the uuid5 rule (core.md §2.5) when the file declares no id, e.g. `anthropics-skill/docx`.
   * @default fallbackName, else the parsed name
   */
  deterministicIdKey?: string;
}

export interface DecodeSkillFileOptions {
  /** The file's path, used in error messages. */
  source: string;
  /** Larger files are refused. @default 1_000_000 */
  maxBytes?: number;
}

export const DEFAULT_MAX_SKILL_FILE_BYTES = 1_000_000;
export const DEFAULT_SKILL_VERSION = '0.1.0';
/** Display limits of the body's trailing sections (the front matter always keeps everything). */
export const MAX_RENDERED_FILES = 50;
export const MAX_RENDERED_TRIGGERS = 10;
export const MAX_RENDERED_EXAMPLES = 3;

const CONSUMED_KEYS = new Set([
  'name',
  'description',
  'version',
  'tags',
  'tag',
  'triggers',
  'trigger',
  'examples',
  'prompt',
  'instructions',
]);
const ID_KEYS = new Set(['id', 'skill_id']);
const PROMPT_HEADER = /^##[ \t]+prompt[ \t]*$/im;
const MAX_LEGACY_UNWRAP = 8;

function fileError(
  source: string | undefined,
  line: number,
  reason: string,
  message: string,
  extra: Record<string, unknown> = {},
): AutoSkillError {
  const where = source ?? 'SKILL.md';
  return new AutoSkillError('INVALID_SKILL_FILE', `${where}:${line}: ${message}`, {
    details: { source, line, reason, ...extra },
  });
}

/** Line ends become LF and a leading byte-order mark is dropped. */
function normaliseText(text: string): string {
  const withoutBom = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return withoutBom.includes('\r') ? withoutBom.replace(/\r\n?/g, '\n') : withoutBom;
}

interface SplitFile {
  frontMatter: string | null;
  body: string;
  /** 1-based line of the body's first line. */
  bodyLine: number;
}

/** Splits `---` front matter from the body; an unclosed block means the whole text is body (as the original). */
export function splitFrontMatter(text: string): SplitFile {
  const firstEnd = text.indexOf('\n');
  const firstLine = firstEnd === -1 ? text : text.slice(0, firstEnd);
  if (firstLine.trim() !== '---' || firstEnd === -1) return { frontMatter: null, body: text, bodyLine: 1 };
  let start = firstEnd + 1;
  let line = 2;
  while (start <= text.length) {
    const end = text.indexOf('\n', start);
    const current = end === -1 ? text.slice(start) : text.slice(start, end);
    // The closing marker starts the line (YAML's own rule), so an indented `---` inside a block scalar
    // does not end the front matter.
    if (current.startsWith('---') && current.trimEnd() === '---') {
      return {
        // Up to and including the last newline: a keep-chomped block scalar (`|+`) owns it.
        frontMatter: text.slice(firstEnd + 1, start),
        body: end === -1 ? '' : text.slice(end + 1),
        bodyLine: line + 1,
      };
    }
    if (end === -1) break;
    start = end + 1;
    line += 1;
  }
  return { frontMatter: null, body: text, bodyLine: 1 };
}

/** Trims, drops blanks and de-duplicates case-insensitively, keeping the first spelling. */
export function normaliseStringList(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const value of values) {
    const trimmed = value.trim();
    if (trimmed === '') continue;
    const folded = trimmed.toLowerCase();
    if (seen.has(folded)) continue;
    seen.add(folded);
    out.push(trimmed);
  }
  return out;
}

function nodeText(node: FrontMatterNode): string {
  if (node.kind === 'scalar') return node.text;
  return JSON.stringify(node.value);
}

function scalarField(entry: FrontMatterEntry, source: string | undefined): string {
  if (entry.node.kind !== 'scalar') {
    throw fileError(source, entry.line, 'invalid_field', `\`${entry.key}\` must be a single text value`, {
      field: entry.key,
    });
  }
  return entry.node.text.trim();
}

function listField(entry: FrontMatterEntry): string[] {
  const node = entry.node;
  if (node.kind === 'scalar') return normaliseStringList([node.text]);
  if (node.kind === 'seq') return normaliseStringList(node.items.map(nodeText));
  return normaliseStringList([nodeText(node)]);
}

function examplesField(entry: FrontMatterEntry, source: string | undefined): SkillExample[] {
  const node = entry.node;
  if (node.kind === 'scalar' && node.value === null) return [];
  if (node.kind !== 'seq') {
    throw fileError(
      source,
      entry.line,
      'invalid_field',
      '`examples` must be a list of {input, output, notes}',
      {
        field: 'examples',
      },
    );
  }
  const examples: SkillExample[] = [];
  for (const item of node.items) {
    if (item.kind !== 'map') continue;
    const get = (key: string): string | null => {
      const found = item.entries.find(([name]) => name === key)?.[1];
      if (found === undefined || (found.kind === 'scalar' && found.value === null)) return null;
      return nodeText(found);
    };
    const input = get('input');
    if (input === null || input.trim() === '') continue;
    examples.push({ input, output: get('output'), notes: get('notes') });
  }
  return examples;
}

interface FrontMatterFields {
  id?: string;
  name?: string;
  description?: string;
  version?: string;
  tags: string[];
  triggers: string[];
  examples: SkillExample[];
  instructions?: string;
  extra: Record<string, unknown>;
}

function readFields(entries: FrontMatterEntry[], source: string | undefined): FrontMatterFields {
  const fields: FrontMatterFields = { tags: [], triggers: [], examples: [], extra: {} };
  let tagsSet = false;
  let triggersSet = false;
  for (const entry of entries) {
    const key = entry.key;
    const lower = key.toLowerCase();
    if (ID_KEYS.has(lower)) {
      // The original takes the first one-line id; a list or map id is ignored.
      if (fields.id === undefined && entry.node.kind === 'scalar' && entry.node.text.trim() !== '') {
        fields.id = entry.node.text.trim();
      }
      continue;
    }
    if (!CONSUMED_KEYS.has(key)) {
      setOwn(fields.extra, key, entry.node.value);
      continue;
    }
    switch (key) {
      case 'name':
        fields.name = scalarField(entry, source);
        break;
      case 'description':
        fields.description = scalarField(entry, source);
        break;
      case 'version':
        fields.version = scalarField(entry, source);
        break;
      case 'tags':
      case 'tag':
        if (!tagsSet || key === 'tags') fields.tags = listField(entry);
        tagsSet = true;
        break;
      case 'triggers':
      case 'trigger':
        if (!triggersSet || key === 'triggers') fields.triggers = listField(entry);
        triggersSet = true;
        break;
      case 'examples':
        fields.examples = examplesField(entry, source);
        break;
      default: {
        // prompt / instructions: an explicit prompt in the front matter wins over the body.
        const text = entry.node.kind === 'scalar' ? entry.node.text.trim() : '';
        if (text !== '' && (fields.instructions === undefined || key === 'instructions')) {
          fields.instructions = text;
        }
      }
    }
  }
  return fields;
}

/** Index of the last line exactly equal to `header` that starts before `end`, or -1. */
function lastHeaderLine(text: string, header: string, end: number): number {
  let from = end - header.length;
  while (from >= 0) {
    const index = text.lastIndexOf(header, from);
    if (index === -1) return -1;
    const after = index + header.length;
    const startsLine = index === 0 || text.charCodeAt(index - 1) === 10;
    const endsLine = after === text.length || text.charCodeAt(after) === 10;
    if (startsLine && endsLine && after <= end) return index;
    from = index - 1;
  }
  return -1;
}

function lineAfter(text: string, index: number): number {
  const end = text.indexOf('\n', index);
  return end === -1 ? text.length : end + 1;
}

function bulletLines(section: string): string[] | null {
  const bullets: string[] = [];
  for (const line of section.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    if (!trimmed.startsWith('- ')) return null;
    bullets.push(trimmed.slice(2).trim());
  }
  return bullets;
}

const FILE_BULLET = /^`([^`]+)`$/;

/** The last `## Files` section before `end` when it is a bullet list, with its back-ticked paths. */
function filesSection(region: string, end: number): { index: number; resources: string[] } | undefined {
  const index = lastHeaderLine(region, '## Files', end);
  if (index === -1) return undefined;
  const bullets = bulletLines(region.slice(lineAfter(region, index), end));
  if (bullets === null) return undefined;
  const resources: string[] = [];
  for (const bullet of bullets) {
    const path = FILE_BULLET.exec(bullet)?.[1];
    if (path !== undefined) resources.push(path);
  }
  return { index, resources };
}

/** Resources of the renderer's trailing sections (everything after the prompt). */
function trailerResources(trailers: string): string[] {
  const triggers = lastHeaderLine(trailers, '## Triggers', trailers.length);
  const examples = lastHeaderLine(trailers, '## Examples', trailers.length);
  const ends = [triggers, examples].filter((index) => index !== -1);
  const end = ends.length > 0 ? Math.min(...ends) : trailers.length;
  return filesSection(trailers, end)?.resources ?? [];
}

interface BodyContext {
  name: string;
  description: string;
  /** Whether the file has front matter (trailers are then cross-checked with it). */
  hasFrontMatter: boolean;
  hasTriggers: boolean;
  hasExamples: boolean;
}

interface BodyParts {
  instructions: string;
  resources: string[];
  /** Trigger bullets of a trailing `## Triggers` section, read only for files without front matter. */
  bodyTriggers: string[];
}

function displayTitle(name: string): string {
  return name.replace(/\s+/g, ' ').trim();
}

/** The body up to and including the `## Prompt` line, exactly as the renderer writes it. */
function renderHead(name: string, description: string): string {
  const description_ = normaliseText(description);
  return description_ === ''
    ? `# ${displayTitle(name)}\n\n## Prompt\n`
    : `# ${displayTitle(name)}\n\n${description_}\n\n## Prompt\n`;
}

function stripLeadingBlankLines(text: string): string {
  const match = /^(?:[ \t]*\n)+/.exec(text);
  return match ? text.slice(match[0].length) : text;
}

/** Drops copies of `# <name> … ## Prompt` that the original's round-trip bug nested into prompts. */
function unwrapLegacyNesting(region: string, name: string): string {
  let current = region;
  const folded = name.trim().toLowerCase();
  for (let round = 0; round < MAX_LEGACY_UNWRAP; round += 1) {
    const text = stripLeadingBlankLines(current);
    const titleEnd = lineAfter(text, 0);
    const title = text.slice(0, titleEnd).replace(/\n$/, '');
    if (!title.startsWith('# ') || title.slice(2).trim().toLowerCase() !== folded) return current;
    let cursor = titleEnd;
    let found = -1;
    while (cursor < text.length) {
      const next = lineAfter(text, cursor);
      const line = text.slice(cursor, next).replace(/\n$/, '');
      if (PROMPT_HEADER.test(line)) {
        found = next;
        break;
      }
      if (line.startsWith('#')) return current;
      cursor = next;
    }
    if (found === -1) return current;
    current = text.slice(found);
  }
  return current;
}

function extractBody(body: string, context: BodyContext): BodyParts {
  const text = stripLeadingBlankLines(body);
  const head = renderHead(context.name, context.description);
  let start: number;
  if (text.startsWith(head)) {
    start = head.length;
  } else {
    const match = PROMPT_HEADER.exec(text);
    if (!match) return { instructions: text.trim(), resources: [], bodyTriggers: [] };
    start = lineAfter(text, match.index);
  }
  let region = text.slice(start);
  let end = region.length;
  const resources: string[] = [];
  let bodyTriggers: string[] = [];

  if (context.hasExamples) {
    const index = lastHeaderLine(region, '## Examples', end);
    if (index !== -1) end = index;
  }
  if (context.hasTriggers || !context.hasFrontMatter) {
    const index = lastHeaderLine(region, '## Triggers', end);
    if (index !== -1) {
      const bullets = context.hasFrontMatter ? [] : bulletLines(region.slice(lineAfter(region, index), end));
      if (bullets !== null) {
        bodyTriggers = bullets;
        end = index;
      }
    }
  }
  const files = filesSection(region, end);
  if (files) {
    resources.push(...files.resources);
    end = files.index;
  }
  region = unwrapLegacyNesting(region.slice(0, end), context.name);
  return { instructions: region.trim(), resources, bodyTriggers };
}

/** First paragraph after the first `# ` heading (the original's description fallback). */
function firstParagraph(body: string): string {
  const lines = body.split('\n');
  const heading = lines.findIndex((line) => line.startsWith('# '));
  if (heading === -1) return '';
  const collected: string[] = [];
  for (const line of lines.slice(heading + 1)) {
    const trimmed = line.trim();
    if (trimmed === '') {
      if (collected.length > 0) break;
      continue;
    }
    if (trimmed.startsWith('#')) break;
    collected.push(trimmed);
  }
  return collected.join(' ');
}

function firstHeading(body: string): string {
  const match = /^# (.*)$/m.exec(body);
  return match?.[1]?.trim() ?? '';
}

/**
 * Parses SKILL.md text into a Skill. Throws `AutoSkillError('INVALID_SKILL_FILE')` whose message starts
 * with `<source>:<line>:` and whose details hold `{source, line, reason}`.
 */
export function parseSkillMd(text: string, options: ParseSkillMdOptions): Skill {
  const source = options.source;
  const normalised = normaliseText(text);
  const split = splitFrontMatter(normalised);
  const hasFrontMatter = split.frontMatter !== null;
  const fields: FrontMatterFields = hasFrontMatter
    ? readFields(parseFrontMatter(split.frontMatter ?? '', { source, firstLine: 2 }), source)
    : { tags: [], triggers: [], examples: [], extra: {} };
  const body = split.body;

  const name = fields.name || firstHeading(body) || options.fallbackName?.trim() || '';
  if (name === '') {
    throw fileError(
      source,
      1,
      'missing_name',
      'no skill name: add `name:` to the front matter or a `# ` heading to the body',
    );
  }
  const description = fields.description ?? (firstParagraph(body) || name);
  const parts = extractBody(body, {
    name,
    description,
    hasFrontMatter,
    hasTriggers: fields.triggers.length > 0,
    hasExamples: fields.examples.length > 0,
  });
  // With an explicit prompt in the front matter, the body is `head + prompt + trailers`: read the
  // trailers only, so that a prompt ending in a `## Files` list is not taken for the resources.
  let resources = parts.resources;
  if (fields.instructions !== undefined && hasFrontMatter) {
    const prefix = `${renderHead(name, description)}\n${normaliseText(fields.instructions)}`;
    const text = stripLeadingBlankLines(body);
    if (text.startsWith(prefix)) resources = trailerResources(text.slice(prefix.length));
  }
  const idKey = options.deterministicIdKey ?? options.fallbackName ?? name;
  return {
    id: fields.id ?? deterministicSkillId(options.owner, idKey),
    owner: options.owner,
    name,
    description,
    instructions: fields.instructions ?? parts.instructions,
    version: fields.version || DEFAULT_SKILL_VERSION,
    tags: fields.tags,
    triggers: hasFrontMatter ? fields.triggers : normaliseStringList(parts.bodyTriggers),
    examples: fields.examples,
    status: 'active',
    resources,
    extraFrontMatter: fields.extra,
    metadata: {},
    createdAt: null,
    updatedAt: null,
  };
}

const EXTRA_ESCAPES = /[\u007f-\u009f\u2028\u2029\ufeff]/g;

/** A JSON string literal, which is also a YAML double-quoted scalar; escapes what YAML forbids raw. */
export function quoteScalar(value: string): string {
  return JSON.stringify(value).replace(
    EXTRA_ESCAPES,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function indentBlock(text: string): string {
  return normaliseText(text)
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

function renderExamplesFrontMatter(examples: readonly SkillExample[]): string[] {
  const lines: string[] = [];
  for (const example of examples) {
    lines.push(`  - input: ${quoteScalar(example.input)}`);
    if (example.output !== null) lines.push(`    output: ${quoteScalar(example.output)}`);
    if (example.notes !== null) lines.push(`    notes: ${quoteScalar(example.notes)}`);
  }
  return lines;
}

function renderExtraFrontMatter(extra: Record<string, unknown>): string {
  let out = '';
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined || CONSUMED_KEYS.has(key) || ID_KEYS.has(key.toLowerCase())) continue;
    // Double quotes rather than block scalars: yaml 2 writes some whitespace-only lines of block scalars
    // ambiguously (` \n\n` comes back as `\n\n`).
    out += stringifyYaml({ [key]: value }, { lineWidth: 0, minContentWidth: 0, blockQuote: false });
  }
  return out;
}

interface NormalisedSkill {
  id: string;
  name: string;
  description: string;
  version: string;
  instructions: string;
  tags: string[];
  triggers: string[];
  examples: SkillExample[];
  resources: string[];
}

function normaliseSkill(skill: Skill): NormalisedSkill {
  return {
    id: skill.id.trim(),
    name: skill.name.trim(),
    description: skill.description.trim(),
    version: skill.version.trim() || DEFAULT_SKILL_VERSION,
    instructions: skill.instructions.trim(),
    tags: normaliseStringList(skill.tags),
    triggers: normaliseStringList(skill.triggers),
    examples: skill.examples.filter((example) => example.input.trim() !== ''),
    resources: skill.resources.filter((path) => path.trim() !== ''),
  };
}

function renderBody(skill: NormalisedSkill): string {
  const lines: string[] = [
    renderHead(skill.name, skill.description).slice(0, -1),
    '',
    skill.instructions,
    '',
  ];
  if (skill.resources.length > 0) {
    lines.push('## Files', '');
    for (const path of skill.resources.slice(0, MAX_RENDERED_FILES)) lines.push(`- \`${path}\``);
    const hidden = skill.resources.length - MAX_RENDERED_FILES;
    if (hidden > 0) lines.push(`- … and ${hidden} more files`);
    lines.push('');
  }
  if (skill.triggers.length > 0) {
    lines.push('## Triggers', '');
    for (const trigger of skill.triggers.slice(0, MAX_RENDERED_TRIGGERS)) {
      lines.push(`- ${trigger.replace(/\s+/g, ' ')}`);
    }
    lines.push('');
  }
  if (skill.examples.length > 0) {
    lines.push('## Examples', '');
    skill.examples.slice(0, MAX_RENDERED_EXAMPLES).forEach((example, index) => {
      lines.push(`### Example ${index + 1}`, '', 'Input:', '', indentBlock(example.input));
      if (example.output?.trim()) lines.push('', 'Output:', '', indentBlock(example.output));
      if (example.notes?.trim()) lines.push('', 'Notes:', '', indentBlock(example.notes));
      lines.push('');
    });
  }
  return normaliseText(lines.join('\n')).trim();
}

/**
 * Renders a Skill as SKILL.md in the original's format (core.md §2.1), keeping foreign front-matter keys
 * (after ours, in their order) and writing the prompt so that any prompt survives a parse unchanged.
 */
export function renderSkillMd(skill: Skill): string {
  const normalised = normaliseSkill(skill);
  const body = renderBody(normalised);
  const front: string[] = [
    `id: ${quoteScalar(normalised.id)}`,
    `name: ${quoteScalar(normalised.name)}`,
    `description: ${quoteScalar(normalised.description)}`,
    `version: ${quoteScalar(normalised.version)}`,
  ];
  if (normalised.tags.length > 0)
    front.push('tags:', ...normalised.tags.map((tag) => `  - ${quoteScalar(tag)}`));
  if (normalised.triggers.length > 0) {
    front.push('triggers:', ...normalised.triggers.map((trigger) => `  - ${quoteScalar(trigger)}`));
  }
  if (normalised.examples.length > 0)
    front.push('examples:', ...renderExamplesFrontMatter(normalised.examples));
  const fromBody = extractBody(body, {
    name: normalised.name,
    description: normalised.description,
    hasFrontMatter: true,
    hasTriggers: normalised.triggers.length > 0,
    hasExamples: normalised.examples.length > 0,
  });
  if (fromBody.instructions !== normalised.instructions) {
    front.push(`instructions: ${quoteScalar(normalised.instructions)}`);
  }
  return `---\n${front.join('\n')}\n${renderExtraFrontMatter(skill.extraFrontMatter)}---\n\n${body}\n`;
}

function lineOfOffset(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let index = 0; index < offset; index += 1) if (bytes[index] === 10) line += 1;
  return line;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Turns a SKILL.md file's bytes into text: refuses files over `maxBytes`, files with a NUL byte (binary)
 * and invalid UTF-8, each with an `INVALID_SKILL_FILE` error naming the file (and the line when known).
 */
export function decodeSkillFile(bytes: Uint8Array, options: DecodeSkillFileOptions): string {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_SKILL_FILE_BYTES;
  const source = options.source;
  if (bytes.byteLength > maxBytes) {
    throw new AutoSkillError(
      'INVALID_SKILL_FILE',
      `${source}: file is too large (${bytes.byteLength} bytes, limit ${maxBytes})`,
      { details: { source, reason: 'too_large', bytes: bytes.byteLength, maxBytes } },
    );
  }
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    throw fileError(source, lineOfOffset(bytes, nul), 'binary', 'file is binary (contains a NUL byte)', {
      offset: nul,
    });
  }
  try {
    return UTF8.decode(bytes);
  } catch (cause) {
    const offset = firstInvalidUtf8(bytes);
    throw new AutoSkillError(
      'INVALID_SKILL_FILE',
      `${source}:${lineOfOffset(bytes, offset)}: file is not valid UTF-8`,
      { cause, details: { source, line: lineOfOffset(bytes, offset), reason: 'invalid_utf8', offset } },
    );
  }
}

function firstInvalidUtf8(bytes: Uint8Array): number {
  let index = 0;
  while (index < bytes.length) {
    const byte = bytes[index] ?? 0;
    const length =
      byte < 0x80
        ? 1
        : byte >= 0xc2 && byte < 0xe0
          ? 2
          : byte >= 0xe0 && byte < 0xf0
            ? 3
            : byte >= 0xf0 && byte < 0xf5
              ? 4
              : 0;
    if (length === 0) return index;
    try {
      UTF8.decode(bytes.subarray(index, index + length));
    } catch {
      return index;
    }
    index += length;
  }
  return bytes.length;
}

const TOP_LEVEL_ID = /^id[ \t]*:/i;

/**
 * Writes `id: "<id>"` into a SKILL.md's front matter: replaces the top-level `id` key (and any block
 * value under it) or inserts it as the first front-matter line; adds a front-matter block when the file
 * has none. Every other byte is kept, including CR LF line ends.
 */
export function upsertSkillMdId(text: string, id: string): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const bom = text.charCodeAt(0) === 0xfeff ? '\ufeff' : '';
  const content = bom ? text.slice(1) : text;
  const idLine = `id: ${quoteScalar(id)}`;
  const lines = content.split('\n');
  const bare = (line: string): string => (line.endsWith('\r') ? line.slice(0, -1) : line);
  const close =
    bare(lines[0] ?? '').trim() === '---'
      ? lines.findIndex((line, index) => index > 0 && bare(line).trim() === '---')
      : -1;
  if (close === -1) return `${bom}---${eol}${idLine}${eol}---${eol}${eol}${content}`;
  const lineEnd = lines[0]?.endsWith('\r') ? '\r' : '';
  const existing = lines.findIndex((line, index) => index > 0 && index < close && TOP_LEVEL_ID.test(line));
  if (existing === -1) {
    lines.splice(1, 0, `${idLine}${lineEnd}`);
  } else {
    let blockEnd = existing + 1;
    while (
      blockEnd < close &&
      /^[ \t]/.test(lines[blockEnd] ?? '') &&
      bare(lines[blockEnd] ?? '').trim() !== ''
    ) {
      blockEnd += 1;
    }
    const ending = lines[existing]?.endsWith('\r') ? '\r' : '';
    lines.splice(existing, blockEnd - existing, `${idLine}${ending}`);
  }
  return bom + lines.join('\n');
}
