import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli } from '../../../test/support/cli.js';
import { makeTempDir } from '../../../test/support/fixtures.js';
import { deterministicSkillId } from '../../skill/ids.js';
import { EXIT } from '../exit-codes.js';

/** Runs the CLI in-process and captures what it prints. */

describe('autoskill skills / import / ids', () => {
  let temp: { dir: string; cleanup: () => void };
  let store: string[];
  let source: string;
  beforeEach(() => {
    temp = makeTempDir('autoskill-cli-');
    store = ['--store-dir', join(temp.dir, 'SkillBank')];
    source = join(temp.dir, 'source');
    mkdirSync(join(source, 'release'), { recursive: true });
    writeFileSync(
      join(source, 'release', 'SKILL.md'),
      '---\nname: Release\ndescription: Ship it\n---\n\nSteps.\n',
    );
    mkdirSync(join(source, 'broken'), { recursive: true });
    writeFileSync(join(source, 'broken', 'SKILL.md'), Buffer.from('---\nname: x\n---\n\0'));
  });
  afterEach(() => temp.cleanup());

  it('lists an empty store with a hint, in text and JSON', async () => {
    const text = await cli('skills', 'list', ...store, '--scope', 'all');
    expect(text.code).toBe(EXIT.ok);
    expect(text.out).toContain('No skills');
    const json = await cli('skills', 'list', ...store, '--json');
    expect(JSON.parse(json.out)).toEqual({ object: 'list', data: [], total: 0, problems: [] });
  });

  it('imports, shows, versions, deletes, restores, rolls back and exports', async () => {
    const imported = await cli('import', 'skills', source, ...store, '--user-id', 'u1');
    expect(imported.code).toBe(EXIT.problemsFound);
    expect(imported.out).toContain('Imported 1 skill(s) into user u1');
    expect(imported.err).toContain('broken');
    const id = deterministicSkillId('u1', 'release');

    const listed = JSON.parse((await cli('skills', 'list', ...store, '--json')).out);
    expect(listed.data).toEqual([
      expect.objectContaining({ id, name: 'Release', read_only: false, revision: 1 }),
    ]);

    const shown = await cli('skills', 'show', id, ...store);
    expect(shown.out).toContain('name:      Release');
    expect(shown.out).toContain('Steps.');
    const shownJson = JSON.parse((await cli('skills', 'show', id, ...store, '--json')).out);
    expect(shownJson).toMatchObject({ object: 'skill', id, skill_md: expect.stringContaining('Steps.') });

    expect((await cli('skills', 'delete', id, ...store)).out).toContain('Deleted Release');
    expect((await cli('skills', 'show', id, ...store)).code).toBe(EXIT.notFound);
    const deleted = JSON.parse((await cli('skills', 'list', ...store, '--deleted', '--json')).out);
    expect(deleted.data.map((item: { id: string }) => item.id)).toEqual([id]);
    expect((await cli('skills', 'restore', id, ...store)).out).toContain('Restored Release');
    const rolled = await cli('skills', 'rollback', id, '1', ...store);
    expect(rolled.out).toContain('now at r4');
    const stale = await cli('skills', 'rollback', id, '1', ...store, '--base-revision', '1');
    expect(stale.code).toBe(EXIT.conflict);
    expect(stale.err).toContain('STALE_REVISION');
    const versions = JSON.parse((await cli('skills', 'versions', id, ...store, '--json')).out);
    expect(versions.data.map((item: { operation: string }) => item.operation)).toEqual([
      'create',
      'delete',
      'restore',
      'rollback',
    ]);

    const out = join(temp.dir, 'export');
    expect((await cli('skills', 'export', id, ...store, '--out', out)).code).toBe(EXIT.ok);
    expect(existsSync(join(out, 'release', 'SKILL.md'))).toBe(true);
    await cli('skills', 'export', id, ...store, '--out', out, '--zip');
    expect(existsSync(join(out, 'release.zip'))).toBe(true);
  });

  it('maps errors to exit codes', async () => {
    expect((await cli('skills', 'show', 'nope', ...store)).code).toBe(EXIT.notFound);
    const bad = await cli('skills', 'list', ...store, '--user-id', '../etc');
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.err).toContain('INVALID_USER_ID');
    expect((await cli('skills', 'list', ...store, '--scope', 'nowhere')).code).toBe(EXIT.usage);
  });

  it('normalises ids of user files only unless asked', async () => {
    mkdirSync(join(temp.dir, 'SkillBank', 'Users', 'u1', 'plain'), { recursive: true });
    writeFileSync(
      join(temp.dir, 'SkillBank', 'Users', 'u1', 'plain', 'SKILL.md'),
      '---\nname: Plain\n---\n\nx\n',
    );
    mkdirSync(join(temp.dir, 'SkillBank', 'Common', 'flat'), { recursive: true });
    writeFileSync(join(temp.dir, 'SkillBank', 'Common', 'flat', 'SKILL.md'), '---\nname: Flat\n---\n\nx\n');
    const first = JSON.parse((await cli('ids', 'normalize', ...store, '--json')).out);
    expect(first.changed.map((item: { location: string }) => item.location)).toEqual(['Users/u1/plain']);
    const second = JSON.parse((await cli('ids', 'normalize', ...store, '--include-libraries', '--json')).out);
    expect(second.changed.map((item: { location: string }) => item.location)).toEqual(['Common/flat']);
  });
});
