import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../test/support/fixtures.js';
import { commonImportSkillId, deterministicSkillId } from '../../skill/ids.js';
import { FileSkillStore } from '../fs/file-skill-store.js';
import { MemorySkillStore } from '../memory-skill-store.js';
import { importSkills } from './import-skills.js';

const encode = (text: string) => new TextEncoder().encode(text);

function put(path: string, content: string | Uint8Array): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
}

describe('importSkills', () => {
  let temp: { dir: string; cleanup: () => void };
  let source: string;
  let store: FileSkillStore;
  beforeEach(async () => {
    temp = makeTempDir('autoskill-import-');
    source = join(temp.dir, 'skills');
    put(
      join(source, 'docx', 'SKILL.md'),
      '---\nname: docx\ndescription: "Word"\nlicense: MIT\n---\n\nUse it.\n',
    );
    put(join(source, 'docx', 'scripts', 'run.py'), 'print(1)\n');
    put(join(source, 'docx', '.git', 'config'), 'secret\n');
    put(join(source, 'group', 'pdf', 'SKILL.md'), '---\nname: pdf\n---\n\nPDF.\n');
    put(join(source, 'group', 'pdf', 'nested', 'SKILL.md'), '---\nname: nested\n---\n\nnot a skill\n');
    put(join(source, '.hidden', 'x', 'SKILL.md'), '---\nname: hidden\n---\n\nx\n');
    put(join(source, 'binary', 'SKILL.md'), Buffer.from('---\nname: b\n---\n\0'));
    put(join(source, 'deep', 'a', 'b', 'c', 'SKILL.md'), '---\nname: deep\n---\n\nx\n');
    store = new FileSkillStore({ root: join(temp.dir, 'SkillBank') });
    await store.open();
  });
  afterEach(() => temp.cleanup());

  it('imports skill folders into a user with resources, skipping hidden folders and reporting bad files', async () => {
    const report = await importSkills(store, { source, target: { userId: 'u1' }, maxDepth: 3 });
    expect(report.imported.map((item) => [item.from, item.name, item.location]).sort()).toEqual([
      ['docx', 'docx', 'Users/u1/docx'],
      ['group/pdf', 'pdf', 'Users/u1/pdf'],
    ]);
    expect(report.errors).toEqual([
      expect.objectContaining({
        from: 'binary',
        code: 'INVALID_SKILL_FILE',
        message: expect.stringContaining('binary'),
      }),
    ]);
    const docx = await store.get(deterministicSkillId('u1', 'docx'));
    expect(docx).toMatchObject({
      resources: ['scripts/run.py'],
      extraFrontMatter: { license: 'MIT' },
      revision: 1,
    });
    const files = await store.readFiles(docx!.id);
    expect(files.skillMd).toContain('license: MIT');
    expect(Object.keys(files.files)).toEqual(['scripts/run.py']);
    expect(existsSync(join(temp.dir, 'SkillBank', 'Users', 'u1', 'docx', '.git'))).toBe(false);
  });

  it('skips existing skills unless asked to overwrite', async () => {
    await importSkills(store, { source, target: { userId: 'u1' } });
    put(join(source, 'docx', 'SKILL.md'), '---\nname: docx\ndescription: "Word v2"\n---\n\nUse it.\n');
    const again = await importSkills(store, { source, target: { userId: 'u1' } });
    expect(again.imported).toEqual([]);
    expect(again.skipped.map((item) => item.from).sort()).toEqual(['deep/a/b/c', 'docx', 'group/pdf']);
    const overwrite = await importSkills(store, { source, target: { userId: 'u1' }, overwrite: true });
    expect(overwrite.imported).toHaveLength(3);
    const docx = await store.get(deterministicSkillId('u1', 'docx'));
    expect(docx).toMatchObject({ description: 'Word v2', revision: 2, location: 'Users/u1/docx' });
  });

  it('applies the per-file limit and can leave resources out', async () => {
    put(join(source, 'docx', 'assets', 'big.bin'), new Uint8Array(2048));
    const report = await importSkills(store, { source, target: { userId: 'u2' }, maxFileBytes: 1024 });
    expect(report.errors.map((item) => item.code)).toContain('PAYLOAD_TOO_LARGE');
    expect((await store.get(deterministicSkillId('u2', 'docx')))?.resources).toEqual(['scripts/run.py']);
    const bare = await importSkills(store, { source, target: { userId: 'u3' }, includeFiles: false });
    expect(bare.imported.length).toBeGreaterThan(0);
    expect((await store.get(deterministicSkillId('u3', 'docx')))?.resources).toEqual([]);
  });

  it('does not follow symlinks out of the source', async () => {
    put(join(temp.dir, 'outside.txt'), 'secret');
    symlinkSync(join(temp.dir, 'outside.txt'), join(source, 'docx', 'link.txt'));
    await importSkills(store, { source, target: { userId: 'u1' } });
    expect((await store.get(deterministicSkillId('u1', 'docx')))?.resources).toEqual(['scripts/run.py']);
  });

  it('imports into a read-only library with the bootstrap ids, atomically per folder', async () => {
    const report = await importSkills(store, { source, target: { library: 'team' } });
    expect(report.imported.map((item) => item.location).sort()).toEqual([
      'Common/team/deep/a/b/c',
      'Common/team/docx',
      'Common/team/group/pdf',
    ]);
    const id = commonImportSkillId('team', 'docx');
    expect(await store.get(id)).toMatchObject({ owner: 'library:team', readOnly: true, name: 'docx' });
    const text = readFileSync(join(temp.dir, 'SkillBank', 'Common', 'team', 'docx', 'SKILL.md'), 'utf8');
    expect(text).toContain(`id: "${id}"`);
    expect(existsSync(join(temp.dir, 'SkillBank', 'Common', 'team', 'docx', 'scripts', 'run.py'))).toBe(true);
    const again = await importSkills(store, { source, target: { library: 'team' } });
    expect(again.skipped).toHaveLength(3);
    await expect(
      importSkills(new MemorySkillStore(), { source, target: { library: 'team' } }),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  });

  it('reads zips: nested folders, hidden entries skipped, uncompressed size limit checked first', async () => {
    const zip = join(temp.dir, 'pack.zip');
    writeFileSync(
      zip,
      zipSync({
        'pack/one/SKILL.md': encode('---\nname: one\n---\n\nx\n'),
        'pack/one/scripts/a.sh': encode('echo\n'),
        'pack/.secret/SKILL.md': encode('---\nname: secret\n---\n\nx\n'),
        'pack/two/SKILL.md': encode('---\nname: two\n---\n\nx\n'),
      }),
    );
    const report = await importSkills(store, { source: zip, target: { userId: 'z' } });
    expect(report.imported.map((item) => item.from).sort()).toEqual(['pack/one', 'pack/two']);
    expect((await store.get(deterministicSkillId('z', 'pack/one')))?.resources).toEqual(['scripts/a.sh']);
    const bomb = join(temp.dir, 'bomb.zip');
    writeFileSync(
      bomb,
      zipSync({ 'a/SKILL.md': encode('---\nname: a\n---\n\n'), 'a/zeros.bin': new Uint8Array(500_000) }),
    );
    await expect(
      importSkills(store, { source: bomb, target: { userId: 'z' }, maxTotalBytes: 100_000 }),
    ).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it('fails clearly on a missing source', async () => {
    await expect(
      importSkills(store, { source: join(temp.dir, 'nope'), target: { userId: 'u1' } }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});
