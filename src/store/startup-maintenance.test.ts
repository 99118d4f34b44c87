import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../test/support/fixtures.js';
import { FileSkillStore } from './fs/file-skill-store.js';
import { MemorySkillStore } from './memory-skill-store.js';
import { envFlag, runStartupMaintenance } from './startup-maintenance.js';

function put(path: string, content: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
}

describe('envFlag', () => {
  it.each([
    ['1', true],
    ['YES', true],
    ['on', true],
    ['0', false],
    ['off', false],
    ['No', false],
    ['maybe', 'fallback'],
    [undefined, 'fallback'],
  ])('%j', (value, expected) => {
    expect(envFlag(value, true)).toBe(expected === 'fallback' ? true : expected);
  });
});

describe('runStartupMaintenance', () => {
  let temp: { dir: string; cleanup: () => void };
  let root: string;
  beforeEach(() => {
    temp = makeTempDir('autoskill-startup-');
    root = join(temp.dir, 'SkillBank');
    put(join(root, 'Users', 'u1', 'mine', 'SKILL.md'), '---\nname: Mine\n---\n\nx\n');
    put(join(root, 'Common', 'lib', 'theirs', 'SKILL.md'), '---\nname: Theirs\n---\n\nx\n');
    put(join(temp.dir, 'incoming', 'one', 'SKILL.md'), '---\nname: One\n---\n\nx\n');
  });
  afterEach(() => temp.cleanup());

  it('normalises user ids, imports the configured folders into a library and rescans', async () => {
    const store = new FileSkillStore({ root });
    await store.open();
    const report = await runStartupMaintenance({
      store,
      env: { AUTOSKILL_AUTO_IMPORT_DIRS: `${join(temp.dir, 'incoming')}, ${join(temp.dir, 'incoming')}` },
    });
    expect(report.errors).toEqual([]);
    expect(report.normalize?.changed.map((item) => item.location)).toEqual(['Users/u1/mine']);
    expect(readFileSync(join(root, 'Users', 'u1', 'mine', 'SKILL.md'), 'utf8')).toMatch(/^---\nid: "/);
    expect(readFileSync(join(root, 'Common', 'lib', 'theirs', 'SKILL.md'), 'utf8')).not.toContain('id:');
    expect(report.imports).toHaveLength(1);
    expect(report.imports[0]?.imported.map((item) => item.location)).toEqual(['Common/incoming/one']);
    expect(report.refresh?.loaded).toBe(3);
  });

  it('follows the switches: user scope, library name, no normalising, no refresh', async () => {
    const store = new FileSkillStore({ root });
    await store.open();
    const report = await runStartupMaintenance({
      store,
      defaultUserId: 'boss',
      env: {
        AUTOSKILL_AUTO_NORMALIZE_IDS: '0',
        AUTOSKILL_AUTO_IMPORT_DIRS: join(temp.dir, 'incoming'),
        AUTOSKILL_AUTO_IMPORT_SCOPE: 'user',
        AUTOSKILL_AUTO_REFRESH_SKILLS: 'off',
      },
    });
    expect(report.normalize).toBeNull();
    expect(report.refresh).toBeNull();
    expect(report.imports[0]?.imported.map((item) => item.location)).toEqual(['Users/boss/one']);
    const library = await runStartupMaintenance({
      store,
      env: { AUTOSKILL_AUTO_IMPORT_DIRS: join(temp.dir, 'incoming'), AUTOSKILL_AUTO_IMPORT_LIBRARY: 'team' },
    });
    expect(library.imports[0]?.imported.map((item) => item.location)).toEqual(['Common/team/one']);
  });

  it('collects errors instead of throwing, and skips stores that are not on disk', async () => {
    const store = new FileSkillStore({ root });
    await store.open();
    const report = await runStartupMaintenance({
      store,
      env: { AUTOSKILL_AUTO_IMPORT_DIRS: join(temp.dir, 'missing') },
    });
    expect(report.errors).toEqual([expect.stringContaining('does not exist')]);
    expect((await runStartupMaintenance({ store: new MemorySkillStore(), env: {} })).ran).toBe(false);
  });
});
