/**
 * @module A skill prompt as Markdown sections that can be edited in place: each `#` heading starts a
 * section whose role (goal, constraints, anti-patterns, workflow, other) is read from its title in
 * English or Chinese. Lines are kept verbatim, so a prompt that is parsed and rendered without edits
 * comes back byte for byte; merges append to or replace lines of the right section.
 */

export type SectionRole = 'goal' | 'constraints' | 'anti-patterns' | 'workflow' | 'other';

export interface PromptSection {
  /** The heading line as written (`# Constraints & Style`); empty for text before the first heading. */
  heading: string;
  role: SectionRole;
  /** Body lines, verbatim (blank lines included). */
  lines: string[];
}

const HEADING = /^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$/;
const ROLE_PATTERNS: ReadonlyArray<[SectionRole, RegExp]> = [
  ['anti-patterns', /anti-?patterns?|avoid|don'?ts|禁止|避免|反模式|禁忌/i],
  ['workflow', /workflow|steps?\b|process|procedure|流程|步骤|工作流/i],
  ['goal', /goal|objective|role\b|purpose|mission|目标|角色|任务|目的/i],
  [
    'constraints',
    /constraint|rule|style|preference|requirement|guideline|format|convention|约束|规则|要求|规范|风格|格式|偏好|注意/i,
  ],
];

function roleOf(title: string): SectionRole {
  for (const [role, pattern] of ROLE_PATTERNS) if (pattern.test(title)) return role;
  return 'other';
}

/** Splits a prompt into sections (see the module comment). Headings inside code fences are ignored. */
export function parsePromptSections(prompt: string): PromptSection[] {
  const sections: PromptSection[] = [{ heading: '', role: 'goal', lines: [] }];
  let inFence = false;
  for (const line of prompt.split(/\r?\n/)) {
    if (/^\s*(?:```|~~~)/.test(line)) inFence = !inFence;
    const heading = inFence ? null : HEADING.exec(line);
    if (heading) {
      sections.push({ heading: line.trimEnd(), role: roleOf(heading[2] ?? ''), lines: [] });
      continue;
    }
    (sections[sections.length - 1] as PromptSection).lines.push(line);
  }
  const first = sections[0] as PromptSection;
  if (first.lines.every((line) => line.trim() === '')) sections.shift();
  return sections;
}

/** Renders sections back to Markdown (the inverse of {@link parsePromptSections}). */
export function renderPromptSections(sections: readonly PromptSection[]): string {
  const parts: string[] = [];
  for (const section of sections) {
    if (section.heading) parts.push(section.heading);
    parts.push(...section.lines);
  }
  return parts
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** A bullet or numbered-list line: its marker and its text. */
export interface ListItem {
  marker: string;
  text: string;
}

const LIST_ITEM = /^(\s*(?:[-*•+]|\d{1,3}[.)、]|[（(]?\d{1,3}[)）]))\s+(.*)$/;

export function readListItem(line: string): ListItem | undefined {
  const match = LIST_ITEM.exec(line);
  if (!match) return undefined;
  return { marker: match[1] as string, text: (match[2] as string).trim() };
}

/**
 * The statements of a section: list items, or the sentences of plain lines. Bold labels such as
 * `**Strict Conciseness**:` are kept (they are part of the rule's wording).
 */
export function sectionStatements(section: PromptSection): Array<{ line: number; text: string }> {
  const statements: Array<{ line: number; text: string }> = [];
  section.lines.forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === '' || /^(?:```|~~~)/.test(trimmed)) return;
    const item = readListItem(line);
    statements.push({ line: index, text: item ? item.text : trimmed });
  });
  return statements;
}

/** Every statement of the prompt with the role of the section it sits in. */
export function promptStatements(
  sections: readonly PromptSection[],
): Array<{ section: number; line: number; role: SectionRole; text: string }> {
  return sections.flatMap((section, sectionIndex) =>
    sectionStatements(section).map((statement) => ({
      section: sectionIndex,
      line: statement.line,
      role: section.role,
      text: statement.text,
    })),
  );
}

/** Index of the last non-blank line of a section, or -1. */
function lastContentLine(section: PromptSection): number {
  for (let index = section.lines.length - 1; index >= 0; index -= 1) {
    if ((section.lines[index] as string).trim() !== '') return index;
  }
  return -1;
}

/**
 * Appends statements to a section as list items in the section's own list style: numbered when its
 * last item is numbered (continuing the count), else `- ` bullets (with the section's indentation).
 */
export function appendItems(section: PromptSection, texts: readonly string[]): void {
  if (texts.length === 0) return;
  const last = lastContentLine(section);
  const lastItem = last >= 0 ? readListItem(section.lines[last] as string) : undefined;
  const numbered = lastItem ? /\d/.exec(lastItem.marker) : null;
  let next = numbered ? Number(/\d+/.exec(lastItem?.marker ?? '')?.[0] ?? '0') + 1 : 0;
  const indent = lastItem ? (/^\s*/.exec(lastItem.marker)?.[0] ?? '') : '';
  const punctuation = lastItem ? (/\d+([.)、])/.exec(lastItem.marker)?.[1] ?? '.') : '.';
  const newLines = texts.map((text) => {
    if (numbered) {
      const line = `${indent}${next}${punctuation} ${text}`;
      next += 1;
      return line;
    }
    return `${indent}- ${text}`;
  });
  const at = last + 1;
  section.lines.splice(at, 0, ...newLines);
  // Keep one blank line between this section and the next heading.
  if (section.lines.length === at + newLines.length) section.lines.push('');
}

/** Replaces the text of the list item (or plain line) at `line`, keeping its marker. */
export function replaceItem(section: PromptSection, line: number, text: string): void {
  const current = section.lines[line];
  if (current === undefined) return;
  const item = readListItem(current);
  section.lines[line] = item ? `${item.marker} ${text}` : text;
}

/** Removes the line at `line` (a replaced or conflicting rule). */
export function removeLine(section: PromptSection, line: number): void {
  section.lines.splice(line, 1);
}
