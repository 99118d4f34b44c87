/**
 * @module SKILL.md front matter: a fast line parser for the simple shapes the original writes (JSON-quoted
 * scalars, `- "item"` lists, `- input: "…"` example items, plain `key: value` lines), and the `yaml`
 * library (YAML 1.2 core schema) for everything else. Both produce the same small node tree, which keeps
 * each scalar's source text so that `version: 1.10` stays the string `1.10`.
 */
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  Scalar,
} from 'yaml';
import { AutoSkillError } from '../shared/errors.js';

/** A front-matter value. `text` is the scalar as written (plain source, or the decoded quoted string). */
export type FrontMatterNode =
  | { kind: 'scalar'; text: string; value: unknown }
  | { kind: 'seq'; items: FrontMatterNode[]; value: unknown[] }
  | { kind: 'map'; entries: Array<[string, FrontMatterNode]>; value: Record<string, unknown> };

export interface FrontMatterEntry {
  key: string;
  /** 1-based line of the key in the whole file. */
  line: number;
  node: FrontMatterNode;
}

export interface ParseFrontMatterOptions {
  /** Names the file in errors. */
  source?: string;
  /** 1-based file line of the first front-matter line (the one after the opening `---`). @default 2 */
  firstLine?: number;
}

const KEY_LINE = /^([A-Za-z_][\w.-]*)[ \t]*:(?:[ \t]+(.*?))?[ \t]*$/;
const ITEM_LINE = /^([ \t]+)-(?:[ \t]+(.*?))?[ \t]*$/;
const PLAIN_FORBIDDEN_START = /^[-?:,[\]{}#&*!|>'"%@`]/;
/** Plain scalars the YAML core schema reads as null, booleans or numbers. */
const CORE_NON_STRING =
  /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|0x[0-9a-fA-F]+|0o[0-7]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

const BAIL = Symbol('bail');
const MAX_ALIASES = 100;
type Bail = typeof BAIL;

/**
 * Parses front-matter text (without the `---` lines) into entries in file order. Throws
 * `AutoSkillError('INVALID_SKILL_FILE')` naming the file and line for broken YAML, duplicate keys, or
 * front matter that is not a mapping.
 */
export function parseFrontMatter(text: string, options: ParseFrontMatterOptions = {}): FrontMatterEntry[] {
  const firstLine = options.firstLine ?? 2;
  const fast = parseFast(text, firstLine);
  if (fast !== BAIL) return fast;
  return parseWithYaml(text, firstLine, options.source);
}

function scalar(text: string, value: unknown): FrontMatterNode {
  return { kind: 'scalar', text, value };
}

/** Decodes one scalar written in a shape we can read without YAML; BAIL for anything else. */
function fastScalar(raw: string, typed: boolean): FrontMatterNode | Bail {
  if (raw === '') return scalar('', null);
  const first = raw.charCodeAt(0);
  if (first === 34 /* " */) {
    if (raw.length < 2 || raw.charCodeAt(raw.length - 1) !== 34) return BAIL;
    try {
      const value = JSON.parse(raw) as unknown;
      return typeof value === 'string' ? scalar(value, value) : BAIL;
    } catch {
      return BAIL;
    }
  }
  if (first === 39 /* ' */) {
    if (raw.length < 2 || raw.charCodeAt(raw.length - 1) !== 39) return BAIL;
    const inner = raw.slice(1, -1);
    if (inner.replaceAll("''", '').includes("'")) return BAIL;
    const value = inner.replaceAll("''", "'");
    return scalar(value, value);
  }
  if (PLAIN_FORBIDDEN_START.test(raw)) return BAIL;
  if (raw.includes(': ') || raw.includes(' #') || raw.includes('\t#') || raw.endsWith(':')) return BAIL;
  if (CORE_NON_STRING.test(raw)) {
    // Typed values (numbers, booleans, null) are exact only through YAML; the known string fields read
    // the source text instead, so they can stay on the fast path.
    return typed ? BAIL : scalar(raw, raw);
  }
  return scalar(raw, raw);
}

/** Keys whose values are read as text; any other key keeps its YAML-typed value. */
const TEXT_KEYS = new Set([
  'id',
  'skill_id',
  'name',
  'description',
  'version',
  'tags',
  'tag',
  'triggers',
  'trigger',
]);

function parseFast(text: string, firstLine: number): FrontMatterEntry[] | Bail {
  const lines = text.split('\n');
  const entries: FrontMatterEntry[] = [];
  const seen = new Set<string>();
  let index = 0;
  while (index < lines.length) {
    const line = lines[index] ?? '';
    if (line.trim() === '') {
      index += 1;
      continue;
    }
    const match = KEY_LINE.exec(line);
    if (!match) return BAIL;
    const key = match[1] ?? '';
    if (seen.has(key)) return BAIL;
    seen.add(key);
    const typed = !TEXT_KEYS.has(key.toLowerCase());
    const raw = match[2] ?? '';
    const entryLine = firstLine + index;
    index += 1;
    if (raw !== '') {
      const node = fastScalar(raw, typed);
      if (node === BAIL) return BAIL;
      entries.push({ key, line: entryLine, node });
      continue;
    }
    const block = parseFastSequence(lines, index, typed);
    if (block === BAIL) return BAIL;
    index = block.next;
    entries.push({ key, line: entryLine, node: block.node ?? scalar('', null) });
  }
  return entries;
}

/** Reads an indented block sequence of scalars or of one-level `k: v` maps starting at `start`. */
function parseFastSequence(
  lines: string[],
  start: number,
  typed: boolean,
): { node: FrontMatterNode | undefined; next: number } | Bail {
  const items: FrontMatterNode[] = [];
  let indent = -1;
  let index = start;
  while (index < lines.length) {
    const line = lines[index] ?? '';
    if (line.trim() === '') {
      index += 1;
      continue;
    }
    const first = line.charCodeAt(0);
    if (first !== 32 && first !== 9) break;
    const match = ITEM_LINE.exec(line);
    if (!match) return BAIL;
    const itemIndent = (match[1] ?? '').length;
    if (indent === -1) indent = itemIndent;
    else if (itemIndent !== indent) return BAIL;
    const raw = match[2] ?? '';
    index += 1;
    const pair = KEY_LINE.exec(raw);
    if (!pair) {
      const node = fastScalar(raw, typed);
      if (node === BAIL) return BAIL;
      items.push(node);
      continue;
    }
    // A mapping item: `- k: v` then `k: v` lines indented two more than the dash.
    const entries: Array<[string, FrontMatterNode]> = [];
    const value: Record<string, unknown> = {};
    const addPair = (key: string, rawValue: string): boolean => {
      if (Object.hasOwn(value, key) || rawValue === '') return false;
      const node = fastScalar(rawValue, true);
      if (node === BAIL) return false;
      entries.push([key, node]);
      setOwn(value, key, node.value);
      return true;
    };
    if (!addPair(pair[1] ?? '', pair[2] ?? '')) return BAIL;
    const childIndent = ' '.repeat(itemIndent + 2);
    while (index < lines.length) {
      const child = lines[index] ?? '';
      if (!child.startsWith(childIndent) || child.charCodeAt(childIndent.length) === 32) break;
      const childPair = KEY_LINE.exec(child.slice(childIndent.length));
      if (!childPair) return BAIL;
      if (!addPair(childPair[1] ?? '', childPair[2] ?? '')) return BAIL;
      index += 1;
    }
    items.push({ kind: 'map', entries, value });
  }
  if (indent === -1) return { node: undefined, next: index };
  return { node: { kind: 'seq', items, value: items.map((item) => item.value) }, next: index };
}

function parseWithYaml(text: string, firstLine: number, source: string | undefined): FrontMatterEntry[] {
  const where = source ?? 'SKILL.md';
  const lineCounter = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { schema: 'core', uniqueKeys: true, lineCounter });
  } catch (cause) {
    throw new AutoSkillError('INVALID_SKILL_FILE', `${where}:${firstLine}: unreadable YAML front matter`, {
      cause,
      details: { source, line: firstLine, reason: 'invalid_yaml' },
    });
  }
  const error = doc.errors[0];
  if (error) {
    const line = firstLine - 1 + (error.linePos?.[0]?.line ?? 1);
    const message = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw new AutoSkillError(
      'INVALID_SKILL_FILE',
      `${where}:${line}: invalid YAML front matter: ${message}`,
      {
        details: { source, line, reason: 'invalid_yaml', yamlCode: error.code },
      },
    );
  }
  const contents = doc.contents;
  if (contents === null || (isScalar(contents) && (contents.value === null || contents.value === '')))
    return [];
  if (!isMap(contents)) {
    throw new AutoSkillError(
      'INVALID_SKILL_FILE',
      `${where}:${firstLine}: front matter is not a key: value mapping`,
      { details: { source, line: firstLine, reason: 'front_matter_not_mapping' } },
    );
  }
  const budget = { aliases: MAX_ALIASES };
  const entries: FrontMatterEntry[] = [];
  for (const pair of contents.items) {
    const keyNode = pair.key as Node | null;
    const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
    const offset = keyNode?.range?.[0] ?? 0;
    const line = firstLine - 1 + lineCounter.linePos(offset).line;
    const node = convertNode(pair.value, doc, budget);
    if (node === BAIL) {
      throw new AutoSkillError(
        'INVALID_SKILL_FILE',
        `${where}:${line}: too many YAML aliases in front matter`,
        {
          details: { source, line, reason: 'invalid_yaml' },
        },
      );
    }
    entries.push({ key, line, node });
  }
  return entries;
}

/** Sets an own enumerable property, also for keys such as `__proto__`. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function convertNode(
  node: unknown,
  doc: Document.Parsed,
  budget: { aliases: number },
): FrontMatterNode | Bail {
  let resolved: unknown = node;
  if (isAlias(node)) {
    // Each alias is expanded in full, so cap them (as yaml's maxAliasCount) against alias bombs.
    budget.aliases -= 1;
    if (budget.aliases < 0) return BAIL;
    resolved = node.resolve(doc);
  }
  if (resolved === null || resolved === undefined) return scalar('', null);
  if (isScalar(resolved)) {
    const value = resolved.value;
    const text =
      resolved.type === Scalar.PLAIN && typeof resolved.source === 'string'
        ? resolved.source
        : value === null || value === undefined
          ? ''
          : String(value);
    return scalar(text, value ?? null);
  }
  if (isSeq(resolved)) {
    const items: FrontMatterNode[] = [];
    for (const item of resolved.items) {
      const child = convertNode(item, doc, budget);
      if (child === BAIL) return BAIL;
      items.push(child);
    }
    return { kind: 'seq', items, value: items.map((item) => item.value) };
  }
  if (isMap(resolved)) {
    const entries: Array<[string, FrontMatterNode]> = [];
    const value: Record<string, unknown> = {};
    for (const pair of resolved.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const child = convertNode(pair.value, doc, budget);
      if (child === BAIL) return BAIL;
      entries.push([key, child]);
      setOwn(value, key, child.value);
    }
    return { kind: 'map', entries, value };
  }
  return scalar('', null);
}
