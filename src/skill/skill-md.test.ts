import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SKILLBANK } from '../../test/support/fixtures.js';
import { type AutoSkillError, isAutoSkillError } from '../shared/errors.js';
import { type Skill, SkillSchema } from './schema.js';
import { decodeSkillFile, parseSkillMd, renderSkillMd, upsertSkillMdId } from './skill-md.js';

function skill(fields: Partial<Skill> = {}): Skill {
  return SkillSchema.parse({
    id: '0d10b3e6-a845-4304-8021-1efefa3c27e9',
    owner: 'u1',
    name: 'Standard release process',
    description: 'General SOP for releases.',
    instructions: 'Follow this SOP:\n1) build\n2) test',
    ...fields,
  });
}

function roundTrip(value: Skill): Skill {
  return parseSkillMd(renderSkillMd(value), { owner: value.owner });
}

function thrown(run: () => unknown): AutoSkillError {
  try {
    run();
  } catch (error) {
    if (isAutoSkillError(error)) return error;
    throw error;
  }
  throw new Error('expected an AutoSkillError');
}

const PROMPT_WITH_HEADINGS = [
  '# Goal',
  'Write a weekly report.',
  '',
  '# Constraints & Style',
  '- never invent numbers',
  '',
  '## Details',
  'Use the team template.',
  '',
  '# Workflow',
  '1. collect',
  '2. draft',
].join('\n');

describe('renderSkillMd', () => {
  it('writes the original format (core.md §2.1)', () => {
    const text = renderSkillMd(
      skill({
        tags: ['release', 'steps'],
        triggers: ['Use when the user asks for a process or checklist.'],
        examples: [{ input: 'Ship 1.2', output: 'Done', notes: null }],
      }),
    );
    expect(text).toBe(
      [
        '---',
        'id: "0d10b3e6-a845-4304-8021-1efefa3c27e9"',
        'name: "Standard release process"',
        'description: "General SOP for releases."',
        'version: "0.1.0"',
        'tags:',
        '  - "release"',
        '  - "steps"',
        'triggers:',
        '  - "Use when the user asks for a process or checklist."',
        'examples:',
        '  - input: "Ship 1.2"',
        '    output: "Done"',
        '---',
        '',
        '# Standard release process',
        '',
        'General SOP for releases.',
        '',
        '## Prompt',
        '',
        'Follow this SOP:',
        '1) build',
        '2) test',
        '',
        '## Triggers',
        '',
        '- Use when the user asks for a process or checklist.',
        '',
        '## Examples',
        '',
        '### Example 1',
        '',
        'Input:',
        '',
        '  Ship 1.2',
        '',
        'Output:',
        '',
        '  Done',
        '',
      ].join('\n'),
    );
  });

  it('lists resources under ## Files and reads them back', () => {
    const value = skill({ resources: ['scripts/run.py', 'references/guide.md'] });
    expect(renderSkillMd(value)).toContain('## Files\n\n- `scripts/run.py`\n- `references/guide.md`\n');
    expect(roundTrip(value).resources).toEqual(['scripts/run.py', 'references/guide.md']);
  });
});

describe('prompt round trip (the original bug, fixed)', () => {
  it('keeps # and ## headings byte-identical', () => {
    const value = skill({ instructions: PROMPT_WITH_HEADINGS, triggers: ['weekly report'] });
    const text = renderSkillMd(value);
    expect(text).not.toContain('\ninstructions:');
    expect(roundTrip(value).instructions).toBe(PROMPT_WITH_HEADINGS);
  });

  it('keeps a prompt that contains its own ## Triggers / ## Examples / ## Files sections', () => {
    const instructions = `${PROMPT_WITH_HEADINGS}\n\n## Triggers\n\n- not a trigger\n\n## Examples\n\nnone\n\n## Files\n\nx`;
    for (const triggers of [[], ['real trigger']]) {
      for (const examples of [[], [{ input: 'in', output: null, notes: null }]]) {
        const value = skill({ instructions, triggers, examples });
        const back = roundTrip(value);
        expect(back.instructions).toBe(instructions);
        expect(back.triggers).toEqual(triggers);
        expect(back.examples).toEqual(examples);
      }
    }
  });

  it('keeps a prompt that ends with what looks like a ## Files list (front-matter escape)', () => {
    const instructions = 'Do the thing.\n\n## Files\n\n- `notes.md`';
    const value = skill({ instructions });
    const text = renderSkillMd(value);
    expect(text).toContain(`instructions: ${JSON.stringify(instructions)}`);
    const back = roundTrip(value);
    expect(back.instructions).toBe(instructions);
    expect(back.resources).toEqual([]);
  });

  it('keeps a prompt that starts with a copy of the title and ## Prompt', () => {
    const instructions = '# Standard release process\n\nintro\n\n## Prompt\n\nbody';
    expect(roundTrip(skill({ instructions })).instructions).toBe(instructions);
  });

  it('keeps a description that contains a ## Prompt line', () => {
    const value = skill({ description: 'first\n## Prompt\nsecond', instructions: 'real prompt' });
    const back = roundTrip(value);
    expect(back.description).toBe('first\n## Prompt\nsecond');
    expect(back.instructions).toBe('real prompt');
  });
});

describe('parseSkillMd', () => {
  it('reads a legacy file mangled by the original bug without the nested copy', () => {
    const text = readFileSync(join(SKILLBANK, 'Users/u8/政府报告撰写-务实合规犀利版/SKILL.md'), 'utf8');
    const value = parseSkillMd(text, { owner: 'u8' });
    expect(value.name).toBe('政府报告撰写-务实合规犀利版');
    expect(value.version).toBe('0.1.4');
    expect(value.triggers).toHaveLength(18);
    expect(value.instructions.startsWith('# Goal\n')).toBe(true);
    expect(value.instructions).not.toContain('## Prompt');
    expect(value.instructions).not.toContain('## Triggers');
    expect(value.instructions).toContain('# Workflow');
  });

  it('gives an id-less imported skill the original deterministic id and keeps foreign keys', () => {
    const original = readFileSync(join(SKILLBANK, 'Common/anthropics-skill/docx/SKILL.md'), 'utf8');
    const text = original.replace(/^id: .*\n/m, '');
    expect(text).not.toContain('087f95df');
    const value = parseSkillMd(text, {
      owner: 'library:anthropics-skill',
      fallbackName: 'docx',
      deterministicIdKey: 'anthropics-skill/docx',
    });
    expect(value.id).toBe('087f95df-f870-5a59-8465-2aecf4314057');
    expect(value.name).toBe('docx');
    expect(Object.keys(value.extraFrontMatter)).toEqual(['license']);
    expect(value.instructions.startsWith('# DOCX')).toBe(true);
    const back = roundTrip(value);
    expect(back.extraFrontMatter).toEqual(value.extraFrontMatter);
    expect(back.instructions).toBe(value.instructions);
  });

  it('reads unquoted scalars, flow lists, block scalars and aliases', () => {
    const text = [
      '---',
      'name: My Skill',
      'description: >',
      '  Folded text',
      '  on two lines.',
      'version: 1.10',
      'tags: [alpha, Beta, beta, " gamma "]',
      'trigger: when asked',
      'prompt: |',
      '  # Goal',
      '  Keep it.',
      'license: MIT',
      'user-invocable: true',
      'metadata:',
      '  author: vercel',
      "  version: '1.0.0'",
      '---',
      '',
      '# Ignored title',
    ].join('\n');
    const value = parseSkillMd(text, { owner: 'u1' });
    expect(value.name).toBe('My Skill');
    expect(value.description).toBe('Folded text on two lines.');
    expect(value.version).toBe('1.10');
    expect(value.tags).toEqual(['alpha', 'Beta', 'gamma']);
    expect(value.triggers).toEqual(['when asked']);
    expect(value.instructions).toBe('# Goal\nKeep it.');
    expect(value.extraFrontMatter).toEqual({
      license: 'MIT',
      'user-invocable': true,
      metadata: { author: 'vercel', version: '1.0.0' },
    });
    expect(Object.keys(value.extraFrontMatter)).toEqual(['license', 'user-invocable', 'metadata']);
    const rendered = renderSkillMd(value);
    expect(rendered).toContain('version: "1.10"');
    expect(rendered).toMatch(/license: MIT\nuser-invocable: true\nmetadata:\n {2}author: vercel\n/);
    const back = parseSkillMd(rendered, { owner: 'u1' });
    expect(back.extraFrontMatter).toEqual(value.extraFrontMatter);
    expect(back.instructions).toBe(value.instructions);
  });

  it('keeps unquoted version-like values as written', () => {
    for (const version of ['1.10', '1.0', '2', '0x10', '1e3', 'true']) {
      const value = parseSkillMd(`---\nname: x\nversion: ${version}\n---\nbody`, { owner: 'u1' });
      expect(value.version).toBe(version);
    }
  });

  it('reads CRLF files like LF files', () => {
    const lf = renderSkillMd(skill({ instructions: PROMPT_WITH_HEADINGS, triggers: ['a', 'b'] }));
    const crlf = lf.replace(/\n/g, '\r\n');
    expect(parseSkillMd(crlf, { owner: 'u1' })).toEqual(parseSkillMd(lf, { owner: 'u1' }));
  });

  it('reads a file without front matter', () => {
    const text = '# Weekly report\n\nWrites the weekly report.\n\nStep one.\n\n## Details\n\nMore.\n';
    const value = parseSkillMd(text, { owner: 'u1', fallbackName: 'weekly' });
    expect(value.name).toBe('Weekly report');
    expect(value.description).toBe('Writes the weekly report.');
    expect(value.instructions).toBe(text.trim());
    expect(value.version).toBe('0.1.0');
  });

  it('reads body trigger bullets when there is no front matter', () => {
    const text =
      '# Deploy\n\nDeploys.\n\n## Prompt\n\n# Goal\nShip.\n\n## Triggers\n\n- deploy it\n- Deploy it\n';
    const value = parseSkillMd(text, { owner: 'u1' });
    expect(value.instructions).toBe('# Goal\nShip.');
    expect(value.triggers).toEqual(['deploy it']);
  });

  it('uses the folder name when there is neither a name nor a heading', () => {
    const value = parseSkillMd('just some text', { owner: 'u1', fallbackName: 'my-folder' });
    expect(value.name).toBe('my-folder');
    expect(value.instructions).toBe('just some text');
    expect(value.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('treats an unclosed front-matter block as body, as the original', () => {
    const value = parseSkillMd('---\nname: x\n\n# Title\n', { owner: 'u1' });
    expect(value.name).toBe('Title');
  });

  it('keeps __proto__ as plain data', () => {
    const value = parseSkillMd('---\nname: x\n__proto__:\n  polluted: yes\n---\n', { owner: 'u1' });
    expect(Object.keys(value.extraFrontMatter)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const back = parseSkillMd(renderSkillMd(value), { owner: 'u1' });
    expect(JSON.stringify(back.extraFrontMatter)).toBe('{"__proto__":{"polluted":"yes"}}');
  });
});

describe('parseSkillMd errors name the file and the line', () => {
  it.each([
    ['no name anywhere', 'just text', 1, 'missing_name'],
    ['broken YAML', '---\nname: x\ndescription: [unclosed\nversion: "1"\n---\n', 4, 'invalid_yaml'],
    ['duplicate key', '---\nname: a\ndescription: d\nname: b\n---\n', 4, 'invalid_yaml'],
    ['line without a key', '---\nname: a\nfoo\nx: 1\n---\n', 3, 'invalid_yaml'],
    ['front matter is a list', '---\n- a\n- b\n---\n', 2, 'front_matter_not_mapping'],
    ['name is a list', '---\nid: "1"\nname:\n  - a\n---\n', 3, 'invalid_field'],
    ['examples is a map', '---\nname: a\nexamples:\n  input: x\n---\n', 3, 'invalid_field'],
  ])('%s', (_label, text, line, reason) => {
    const error = thrown(() => parseSkillMd(text, { owner: 'u1', source: 'Users/u1/bad/SKILL.md' }));
    expect(error.code).toBe('INVALID_SKILL_FILE');
    expect(error.message.startsWith(`Users/u1/bad/SKILL.md:${line}: `)).toBe(true);
    expect(error.details).toMatchObject({ source: 'Users/u1/bad/SKILL.md', line, reason });
  });

  it('refuses alias bombs', () => {
    const lines = ['---', 'name: x', 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let level = 1; level < 12; level += 1) {
      const previous = `*a${level - 1}`;
      lines.push(`a${level}: &a${level} [${Array(10).fill(previous).join(', ')}]`);
    }
    lines.push('---');
    const error = thrown(() => parseSkillMd(lines.join('\n'), { owner: 'u1', source: 'bomb.md' }));
    expect(error.details).toMatchObject({ reason: 'invalid_yaml' });
  });
});

describe('decodeSkillFile', () => {
  const encode = (text: string) => new TextEncoder().encode(text);

  it('decodes UTF-8 and keeps a BOM for the parser to drop', () => {
    expect(decodeSkillFile(encode('# 技能\n'), { source: 'a' })).toBe('# 技能\n');
    const withBom = decodeSkillFile(new Uint8Array([0xef, 0xbb, 0xbf, ...encode('# x')]), { source: 'a' });
    expect(parseSkillMd(withBom, { owner: 'u1' }).name).toBe('x');
  });

  it('refuses files over the limit', () => {
    const error = thrown(() => decodeSkillFile(new Uint8Array(11), { source: 'big/SKILL.md', maxBytes: 10 }));
    expect(error.message).toContain('big/SKILL.md');
    expect(error.details).toMatchObject({ reason: 'too_large', bytes: 11, maxBytes: 10 });
  });

  it('refuses binary files with the line of the first NUL byte', () => {
    const error = thrown(() => decodeSkillFile(encode('a\nb\nc\0d'), { source: 'bin/SKILL.md' }));
    expect(error.message).toBe('bin/SKILL.md:3: file is binary (contains a NUL byte)');
    expect(error.details).toMatchObject({ reason: 'binary', line: 3 });
  });

  it('refuses invalid UTF-8 with its line', () => {
    const bytes = new Uint8Array([...encode('ok\nstill ok\n'), 0xe4, 0xb8, 0x41]);
    const error = thrown(() => decodeSkillFile(bytes, { source: 'latin1/SKILL.md' }));
    expect(error.details).toMatchObject({ reason: 'invalid_utf8', line: 3 });
  });
});

describe('upsertSkillMdId', () => {
  it('inserts a missing id as the first front-matter line, touching nothing else', () => {
    const text = '---\nname: docx\ndescription: "d"\nlicense: x\n---\n\n# Body  \n\n\n';
    expect(upsertSkillMdId(text, 'abc')).toBe(
      '---\nid: "abc"\nname: docx\ndescription: "d"\nlicense: x\n---\n\n# Body  \n\n\n',
    );
  });

  it('replaces only the top-level id, never nested ones', () => {
    const text = '---\nname: a\nmetadata:\n  id: keep-me\nID: old\n---\nbody';
    expect(upsertSkillMdId(text, 'new')).toBe('---\nname: a\nmetadata:\n  id: keep-me\nid: "new"\n---\nbody');
  });

  it('replaces a block-valued id with its block', () => {
    const text = '---\nid: |\n  old\n  older\nname: a\n---\n';
    expect(upsertSkillMdId(text, 'n')).toBe('---\nid: "n"\nname: a\n---\n');
  });

  it('keeps CRLF files CRLF', () => {
    const text = '---\r\nname: a\r\n---\r\n\r\nbody\r\n';
    expect(upsertSkillMdId(text, 'i')).toBe('---\r\nid: "i"\r\nname: a\r\n---\r\n\r\nbody\r\n');
  });

  it('adds a front-matter block to a file without one', () => {
    expect(upsertSkillMdId('# Title\n', 'i')).toBe('---\nid: "i"\n---\n\n# Title\n');
    expect(upsertSkillMdId('# T\r\nx\r\n', 'i')).toBe('---\r\nid: "i"\r\n---\r\n\r\n# T\r\nx\r\n');
  });

  it('produces a file whose parsed id is the one written', () => {
    const text = readFileSync(join(SKILLBANK, 'Common/anthropics-skill/docx/SKILL.md'), 'utf8').replace(
      /^id: .*\n/m,
      '',
    );
    const updated = upsertSkillMdId(text, '087f95df-f870-5a59-8465-2aecf4314057');
    expect(parseSkillMd(updated, { owner: 'library:anthropics-skill' }).id).toBe(
      '087f95df-f870-5a59-8465-2aecf4314057',
    );
    expect(updated.replace(/^id: .*\n/m, '')).toBe(text);
  });
});

describe('upsertSkillMdId and block scalars', () => {
  it('does not take an indented --- inside a block scalar for the end of the front matter', () => {
    const text = '---\nname: a\nnotes: |\n  ---\nid: old\n---\nbody\n';
    const updated = upsertSkillMdId(text, 'new');
    expect(updated).toBe('---\nname: a\nnotes: |\n  ---\nid: "new"\n---\nbody\n');
    expect(parseSkillMd(updated, { owner: 'u1' }).id).toBe('new');
  });
});
