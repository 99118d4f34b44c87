/**
 * Property: for every skill in the format's domain, parse(render(skill)) gives the skill back.
 *
 * The domain is what the format normalises (see the skill-md module note): id, name, description,
 * version and instructions are trimmed (version non-empty); instructions have no CR (body line ends
 * become LF); tags and triggers are trimmed, non-blank and case-insensitively unique; example inputs are
 * non-blank; resources are at most 50 paths without back-ticks or line breaks; extra front-matter keys
 * are not our own keys and not integer-like (JavaScript orders those first).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAutoSkillError } from '../shared/errors.js';
import type { Skill } from './schema.js';
import { normaliseStringList, parseSkillMd, renderSkillMd } from './skill-md.js';

const FRAGMENTS = [
  '# Goal',
  '# Constraints & Style',
  '## Details',
  '## Prompt',
  '## Triggers',
  '## Examples',
  '## Files',
  '## Instructions',
  '### Example 1',
  '- `notes.md`',
  '- item',
  '---',
  '...',
  'key: value',
  ': ',
  ' #',
  '#',
  '"',
  "'",
  '\\',
  '\\n',
  '|',
  '>',
  '[a, b]',
  '{x: 1}',
  '&anchor',
  '*alias',
  '!tag',
  '@',
  '`',
  '%',
  '\t',
  ' ',
  '  ',
  '\n',
  '\n\n',
  '中文',
  '政府报告：务实、合规',
  '技能',
  'é',
  '😀',
  '\u2028',
  '\u0085',
  '\ufeff',
  'true',
  'null',
  '1.10',
  '0x1F',
  '~',
];

const piece = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...FRAGMENTS) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);
const text = (maxPieces: number) =>
  fc.array(piece, { maxLength: maxPieces }).map((pieces) => pieces.join('').replace(/\0/g, ''));
const trimmed = (maxPieces: number) => text(maxPieces).map((value) => value.trim());
const nonEmpty = (maxPieces: number) => trimmed(maxPieces).filter((value) => value !== '');
const list = fc.array(text(4), { maxLength: 6 }).map(normaliseStringList);

const OWN_KEYS = new Set([
  'id',
  'skill_id',
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
const extraKey = fc
  .oneof(
    fc.constantFrom(
      'license',
      'allowed-tools',
      'metadata',
      'compatibility',
      'user-invocable',
      '中文键',
      'a b',
    ),
    fc.string({ minLength: 1, maxLength: 10 }),
  )
  .filter((key) => !OWN_KEYS.has(key.toLowerCase()) && !/^\d+$/.test(key) && key !== '__proto__');
const extraValue: fc.Arbitrary<unknown> = fc.oneof(
  text(4),
  fc.boolean(),
  fc.integer(),
  fc.constant(null),
  fc.array(text(3), { maxLength: 3 }),
  fc.dictionary(
    fc.string({ minLength: 1, maxLength: 6 }).filter((key) => !/^\d+$/.test(key) && key !== '__proto__'),
    text(3),
    { maxKeys: 3 },
  ),
);

const example = fc.record({
  input: nonEmpty(4).filter((value) => value !== ''),
  output: fc.option(text(4), { nil: null }),
  notes: fc.option(text(4), { nil: null }),
});
const resource = fc
  .array(fc.constantFrom('scripts/', 'references/', 'assets/', 'a', 'b.md', '中文.txt', ' ', '-', '#'), {
    minLength: 1,
    maxLength: 5,
  })
  .map((parts) => parts.join(''))
  .filter((path) => path.trim() !== '');

const skillArbitrary: fc.Arbitrary<Skill> = fc.record({
  id: fc.oneof(fc.uuid(), nonEmpty(3)),
  owner: fc.constantFrom('u1', 'library:Common'),
  name: nonEmpty(6),
  description: trimmed(8),
  instructions: trimmed(30).map((value) => value.replace(/\r/g, '')),
  version: fc.oneof(fc.constantFrom('0.1.0', '1.10', '1.2.3-beta', 'v2'), nonEmpty(2)),
  tags: list,
  triggers: list,
  examples: fc.array(example, { maxLength: 4 }),
  status: fc.constant('active' as const),
  resources: fc.array(resource, { maxLength: 4 }),
  extraFrontMatter: fc.dictionary(extraKey, extraValue, { maxKeys: 3 }),
  metadata: fc.constant({}),
  createdAt: fc.constant(null),
  updatedAt: fc.constant(null),
});

describe('SKILL.md render → parse', () => {
  it('is the identity on the format domain', () => {
    fc.assert(
      fc.property(skillArbitrary, (value) => {
        const parsed = parseSkillMd(renderSkillMd(value), { owner: value.owner, source: 'prop/SKILL.md' });
        expect(parsed).toEqual(value);
      }),
      { numRuns: 1500 },
    );
  });

  it('keeps prompts made of headings and renderer-like sections byte-identical', () => {
    const headingLine = fc.constantFrom(
      '# Goal',
      '## Prompt',
      '## Triggers',
      '## Files',
      '## Examples',
      '- `a.md`',
      '- bullet',
      '',
      'text',
      '### Example 1',
      '  indented',
      'Input:',
    );
    const prompt = fc
      .array(headingLine, { minLength: 1, maxLength: 14 })
      .map((lines) => lines.join('\n').trim())
      .filter((value) => value !== '');
    fc.assert(
      fc.property(
        prompt,
        list,
        fc.array(example, { maxLength: 2 }),
        fc.array(resource, { maxLength: 2 }),
        (instructions, triggers, examples, resources) => {
          const value: Skill = {
            id: 'id-1',
            owner: 'u1',
            name: 'Goal',
            description: '',
            instructions,
            version: '0.1.0',
            tags: [],
            triggers,
            examples,
            status: 'active',
            resources,
            extraFrontMatter: {},
            metadata: {},
            createdAt: null,
            updatedAt: null,
          };
          const parsed = parseSkillMd(renderSkillMd(value), { owner: 'u1' });
          expect(parsed.instructions).toBe(instructions);
          expect(parsed.resources).toEqual(resources);
          expect(parsed.triggers).toEqual(triggers);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('never throws anything but an AutoSkillError on arbitrary text', () => {
    const fileText = fc.oneof(
      text(40),
      fc.tuple(text(12), text(20)).map(([front, body]) => `---\n${front}\n---\n${body}`),
    );
    fc.assert(
      fc.property(fileText, (input) => {
        try {
          const parsed = parseSkillMd(input, { owner: 'u1', source: 'fuzz/SKILL.md', fallbackName: 'fuzz' });
          expect(parsed.name).not.toBe('');
        } catch (error) {
          expect(isAutoSkillError(error, 'INVALID_SKILL_FILE')).toBe(true);
        }
      }),
      { numRuns: 1500 },
    );
  });
});
