import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../test/support/fixtures.js';
import { isAutoSkillError } from '../shared/errors.js';
import {
  exportAgentSkillFolder,
  exportAgentSkillZip,
  findAgentSkillDirs,
  safeResourcePath,
  toAgentSkill,
  validateAgentSkillDir,
  validateAgentSkillText,
} from './agent-skills.js';
import { type Skill, SkillSchema } from './schema.js';
import { parseSkillMd } from './skill-md.js';

function skill(fields: Partial<Skill> = {}): Skill {
  return SkillSchema.parse({
    id: '0d10b3e6-a845-4304-8021-1efefa3c27e9',
    owner: 'u1',
    name: '政府报告撰写-务实',
    description: '写政府报告，不编造数字。',
    instructions: '# Goal\nWrite the report.\n\n## Details\nNo invented numbers.',
    version: '0.1.4',
    tags: ['government-report', '公文'],
    triggers: ['写政府报告'],
    examples: [{ input: '写一份报告', output: null, notes: 'n' }],
    extraFrontMatter: { license: 'MIT', metadata: { version: '1.0.0' }, 'user-invocable': true },
    ...fields,
  });
}

let temp: { dir: string; cleanup: () => void };
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.cleanup());

function writeSkill(folder: string, text: string): string {
  const dir = join(temp.dir, folder);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'SKILL.md'), text);
  return dir;
}

describe('validateAgentSkillText', () => {
  it('accepts a spec-valid skill', () => {
    const text =
      '---\nname: pdf-tools\ndescription: Work with PDFs.\nlicense: MIT\ncompatibility: Node 20\nallowed-tools: Bash(git:*) Read\nmetadata:\n  author: me\n  version: "1.0"\n---\n\n# PDF\n';
    expect(validateAgentSkillText(text, { folderName: 'pdf-tools' })).toEqual([]);
  });

  it('reports every broken rule with its line and field', () => {
    const text = [
      '---',
      'name: -Bad--Name_',
      `description: "${'x'.repeat(1025)}"`,
      `compatibility: "${'c'.repeat(501)}"`,
      'metadata:',
      '  count: 3',
      '  nested: {a: b}',
      'allowed-tools: {a: 1}',
      'version: 1.0',
      '---',
      'body',
    ].join('\n');
    const problems = validateAgentSkillText(text, { folderName: 'bad-name', path: 'bad-name/SKILL.md' });
    const summary = problems.map((problem) => `${problem.line}:${problem.field}`);
    expect(summary).toEqual([
      '9:version',
      '2:name',
      '2:name',
      '2:name',
      '2:name',
      '3:description',
      '4:compatibility',
      '5:metadata.count',
      '5:metadata.nested',
      '8:allowed-tools',
    ]);
    expect(problems.every((problem) => problem.path === 'bad-name/SKILL.md')).toBe(true);
    expect(problems[1]?.message).toContain('lowercase letters a-z');
    expect(problems.find((problem) => problem.message.includes('folder name'))?.message).toContain(
      '"bad-name"',
    );
  });

  it('requires front matter, name and description', () => {
    expect(validateAgentSkillText('# Just a body', { folderName: 'x' })).toEqual([
      expect.objectContaining({ line: 1, field: 'front matter' }),
    ]);
    expect(
      validateAgentSkillText('---\nlicense: MIT\n---\n', { folderName: 'x' }).map((p) => p.field),
    ).toEqual(['name', 'description']);
    expect(validateAgentSkillText('---\nname: x\ndescription: ""\n---\n', { folderName: 'x' })).toEqual([
      expect.objectContaining({ line: 3, field: 'description', message: 'must not be empty' }),
    ]);
  });

  it('checks Chinese names and lengths in characters', () => {
    const problems = validateAgentSkillText('---\nname: 政府报告\ndescription: 好\n---\n', {
      folderName: '政府报告',
    });
    expect(problems.map((problem) => problem.field)).toEqual(['name']);
    const long = `---\nname: a\ndescription: "${'中'.repeat(1024)}"\n---\n`;
    expect(validateAgentSkillText(long, { folderName: 'a' })).toEqual([]);
  });

  it('reports broken YAML at its line', () => {
    const problems = validateAgentSkillText('---\nname: a\ndescription: [x\nlicense: y\n---\n', {
      folderName: 'a',
      path: 'a/SKILL.md',
    });
    expect(problems).toEqual([
      expect.objectContaining({ path: 'a/SKILL.md', line: 4, field: 'front matter' }),
    ]);
    expect(problems[0]?.message).toMatch(/^invalid YAML front matter/);
  });
});

describe('validateAgentSkillDir', () => {
  it('reports a missing SKILL.md, binary files and a missing folder', async () => {
    mkdirSync(join(temp.dir, 'empty'));
    expect(await validateAgentSkillDir(join(temp.dir, 'empty'))).toEqual([
      expect.objectContaining({ field: 'file', message: expect.stringContaining('SKILL.md is missing') }),
    ]);
    const binary = writeSkill('bin', '---\nname: bin\n\0\n');
    expect(await validateAgentSkillDir(binary)).toEqual([
      {
        path: join(binary, 'SKILL.md'),
        line: 3,
        field: 'file',
        message: 'file is binary (contains a NUL byte)',
      },
    ]);
    expect(await validateAgentSkillDir(join(temp.dir, 'nope'))).toEqual([
      expect.objectContaining({ message: 'is not a folder' }),
    ]);
  });

  it('checks the name against the folder', async () => {
    const dir = writeSkill('pdf', '---\nname: pdf-tools\ndescription: d\n---\n');
    expect(await validateAgentSkillDir(dir)).toEqual([
      expect.objectContaining({ line: 2, field: 'name', message: 'must equal the folder name "pdf"' }),
    ]);
  });
});

describe('findAgentSkillDirs', () => {
  it('finds skill folders, skipping hidden ones and not descending into skills', async () => {
    writeSkill('a', 'x');
    writeSkill('a/inner', 'x');
    writeSkill('group/b', 'x');
    writeSkill('.hidden/c', 'x');
    writeSkill('deep/1/2/3/d', 'x');
    expect(await findAgentSkillDirs(temp.dir)).toEqual(
      ['a', 'deep/1/2/3/d', 'group/b'].map((folder) => join(temp.dir, folder)),
    );
    expect(await findAgentSkillDirs(temp.dir, { maxDepth: 2 })).toEqual(
      ['a', 'group/b'].map((folder) => join(temp.dir, folder)),
    );
  });
});

describe('toAgentSkill', () => {
  it('makes a spec-valid file with an ASCII name and our fields under metadata', () => {
    const exported = toAgentSkill(skill());
    expect(exported.folderName).toMatch(/^government-report-[0-9a-f]{8}$/);
    expect(validateAgentSkillText(exported.text, { folderName: exported.folderName })).toEqual([]);
    const parsed = parseSkillMd(exported.text, { owner: 'u1' });
    expect(parsed.name).toBe(exported.folderName);
    expect(parsed.description).toBe('写政府报告，不编造数字。');
    expect(parsed.instructions).toBe(`# 政府报告撰写-务实\n\n${skill().instructions}`);
    expect(parsed.extraFrontMatter).toEqual({
      license: 'MIT',
      metadata: {
        version: '1.0.0',
        id: '0d10b3e6-a845-4304-8021-1efefa3c27e9',
        'autoskill-version': '0.1.4',
        'display-name': '政府报告撰写-务实',
        tags: '["government-report","公文"]',
        triggers: '["写政府报告"]',
        examples: '[{"input":"写一份报告","output":null,"notes":"n"}]',
        'user-invocable': 'true',
      },
    });
  });

  it('keeps ASCII names readable and truncates long descriptions', () => {
    const exported = toAgentSkill(skill({ name: 'My PDF Tool', description: 'd'.repeat(2000), tags: [] }));
    expect(exported.folderName).toBe('my-pdf-tool');
    expect(validateAgentSkillText(exported.text, { folderName: 'my-pdf-tool' })).toEqual([]);
  });
});

describe('export', () => {
  const files = {
    'scripts/run.py': new TextEncoder().encode('print(1)\n'),
    'references\\guide.md': new Uint8Array([1]),
  };

  it('writes a folder that validates', async () => {
    const folder = await exportAgentSkillFolder(skill({ name: 'Release SOP' }), files, temp.dir);
    expect(folder).toBe(join(temp.dir, 'release-sop'));
    expect(await validateAgentSkillDir(folder)).toEqual([]);
    expect(readFileSync(join(folder, 'scripts/run.py'), 'utf8')).toBe('print(1)\n');
    expect(readdirSync(join(folder, 'references'))).toEqual(['guide.md']);
  });

  it('refuses to replace an existing folder unless asked', async () => {
    await exportAgentSkillFolder(skill({ name: 'Release SOP' }), {}, temp.dir);
    await expect(exportAgentSkillFolder(skill({ name: 'Release SOP' }), {}, temp.dir)).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    await exportAgentSkillFolder(skill({ name: 'Release SOP' }), {}, temp.dir, { overwrite: true });
  });

  it('zips the same folder deterministically', () => {
    const zip = exportAgentSkillZip(skill({ name: 'Release SOP' }), files);
    const entries = unzipSync(zip);
    expect(Object.keys(entries).sort()).toEqual([
      'release-sop/SKILL.md',
      'release-sop/references/guide.md',
      'release-sop/scripts/run.py',
    ]);
    expect(new TextDecoder().decode(entries['release-sop/SKILL.md'])).toBe(
      toAgentSkill(skill({ name: 'Release SOP' })).text,
    );
    expect(exportAgentSkillZip(skill({ name: 'Release SOP' }), files)).toEqual(zip);
  });

  it.each([
    '../escape.txt',
    'a/../../b',
    '/etc/passwd',
    'C:\\Windows\\x',
    '..\\x',
    'nul\0byte',
    'SKILL.md',
    './skill.MD',
    '',
    '././',
  ])('refuses the unsafe path %j', async (path) => {
    let caught: unknown;
    try {
      safeResourcePath(path);
    } catch (error) {
      caught = error;
    }
    expect(isAutoSkillError(caught, 'INVALID_PATH')).toBe(true);
    expect(() => exportAgentSkillZip(skill(), { [path]: new Uint8Array() })).toThrow();
    await expect(
      exportAgentSkillFolder(skill(), { [path]: new Uint8Array() }, temp.dir),
    ).rejects.toMatchObject({
      code: 'INVALID_PATH',
    });
  });

  it('normalises harmless path spellings', () => {
    expect(safeResourcePath('./scripts//run.py')).toBe('scripts/run.py');
    expect(safeResourcePath('assets\\图.png')).toBe('assets/图.png');
  });
});
