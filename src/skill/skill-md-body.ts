/**
 * @module The SKILL.md body: where the `## Prompt` section starts and ends, the renderer's trailing
 * sections (`## Files`, `## Triggers`, `## Examples`) and the legacy nesting left by the original's
 * round-trip bug. See the skill-md module note for the rules.
 */
import { normaliseText, stripLeadingBlankLines } from './skill-md-text.js';

export const PROMPT_HEADER = /^##[ \t]+prompt[ \t]*$/im;
const MAX_LEGACY_UNWRAP = 8;

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
export function trailerResources(trailers: string): string[] {
  const triggers = lastHeaderLine(trailers, '## Triggers', trailers.length);
  const examples = lastHeaderLine(trailers, '## Examples', trailers.length);
  const ends = [triggers, examples].filter((index) => index !== -1);
  const end = ends.length > 0 ? Math.min(...ends) : trailers.length;
  return filesSection(trailers, end)?.resources ?? [];
}

export interface BodyContext {
  name: string;
  description: string;
  /** Whether the file has front matter (trailers are then cross-checked with it). */
  hasFrontMatter: boolean;
  hasTriggers: boolean;
  hasExamples: boolean;
}

export interface BodyParts {
  instructions: string;
  resources: string[];
  /** Trigger bullets of a trailing `## Triggers` section, read only for files without front matter. */
  bodyTriggers: string[];
}

export function displayTitle(name: string): string {
  return name.replace(/\s+/g, ' ').trim();
}

/** The body up to and including the `## Prompt` line, exactly as the renderer writes it. */
export function renderHead(name: string, description: string): string {
  const description_ = normaliseText(description);
  return description_ === ''
    ? `# ${displayTitle(name)}\n\n## Prompt\n`
    : `# ${displayTitle(name)}\n\n${description_}\n\n## Prompt\n`;
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

export function extractBody(body: string, context: BodyContext): BodyParts {
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
export function firstParagraph(body: string): string {
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

export function firstHeading(body: string): string {
  const match = /^# (.*)$/m.exec(body);
  return match?.[1]?.trim() ?? '';
}
