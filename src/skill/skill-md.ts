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
import { type FrontMatterEntry, type FrontMatterNode, parseFrontMatter, setOwn } from './front-matter.js';
import { deterministicSkillId } from './ids.js';
import type { Skill, SkillExample } from './schema.js';
import { extractBody, firstHeading, firstParagraph, renderHead, trailerResources } from './skill-md-body.js';
import {
  normaliseText,
  quoteScalar,
  skillFileError,
  splitFrontMatter,
  stripLeadingBlankLines,
} from './skill-md-text.js';

export type { DecodeSkillFileOptions } from './skill-file.js';
export { DEFAULT_MAX_SKILL_FILE_BYTES, decodeSkillFile } from './skill-file.js';
export { quoteScalar, splitFrontMatter } from './skill-md-text.js';
export { upsertSkillMdId } from './upsert-id.js';

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
    throw skillFileError(
      source,
      entry.line,
      'invalid_field',
      `\`${entry.key}\` must be a single text value`,
      {
        field: entry.key,
      },
    );
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
    throw skillFileError(
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
    throw skillFileError(
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
