/**
 * `autoskill store copy` and `store migrate` end to end: a SkillBank with history (edits, a rollback, a
 * deleted skill, resources, a library) goes into PostgreSQL and back, each step verified; a second copy
 * copies nothing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT } from '../src/cli/exit-codes.js';
import { FileSkillStore } from '../src/store/fs/file-skill-store.js';
import { cli } from './support/cli.js';
import { makeTempDir } from './support/fixtures.js';
import { postgresServer, postgresSkipReason } from './support/postgres.js';

const skip = postgresSkipReason();

describe.skipIf(skip !== null)('autoskill store copy / migrate', () => {
  let temp: { dir: string; cleanup: () => void };
  let url = '';
  let schema = '';

  beforeEach(async () => {
    temp = makeTempDir('autoskill-copy-');
    const server = await postgresServer();
    schema = server.freshSchema('copy');
    url = server.url;
  });
  afterEach(async () => {
    temp.cleanup();
    await (await postgresServer()).dropSchema(schema);
  });
  afterAll(async () => (await postgresServer()).stop());

  async function seedSkillBank(root: string): Promise<{ edited: string; deleted: string }> {
    mkdirSync(join(root, 'Common', 'lib', 'docx'), { recursive: true });
    writeFileSync(
      join(root, 'Common', 'lib', 'docx', 'SKILL.md'),
      '---\nname: docx\ndescription: Word\n---\n\nUse it.\n',
    );
    writeFileSync(join(root, 'Common', 'lib', 'docx', 'notes.txt'), 'library file');
    const store = new FileSkillStore({ root });
    await store.open();
    const actor = { actor: 'seed', reason: 'test' };
    const edited = await store.create(
      { owner: '张三', name: '周报 写作', description: '每周五', instructions: '先写结论' },
      actor,
      { files: { 'scripts/run.sh': new TextEncoder().encode('echo hi\n') } },
    );
    await store.update(edited.id, { description: '每周五下午', version: '0.1.1' }, actor);
    await store.rollback(edited.id, 1, actor);
    const deleted = await store.create(
      { owner: 'u1', name: 'Gone', description: 'x', instructions: 'y' },
      actor,
    );
    await store.delete(deleted.id, actor);
    await store.create({ owner: 'u1', name: 'Release', description: 'r', instructions: 'canary' }, actor);
    await store.close();
    return { edited: edited.id, deleted: deleted.id };
  }

  it('copies a SkillBank into PostgreSQL with its history, idempotently, and back', async () => {
    const bank = join(temp.dir, 'SkillBank');
    const ids = await seedSkillBank(bank);
    const first = await cli('store', 'copy', '--from', bank, '--to', url, '--schema', schema, '--json');
    expect(first.code, first.err).toBe(EXIT.ok);
    const report = JSON.parse(first.out);
    expect(report).toMatchObject({ skills: 4, libraries: 1, copied: 4, revisions: 6, conflicts: [] });
    expect(report.verification).toMatchObject({
      ok: true,
      source_visible: 3,
      target_visible: 3,
      target_revisions: 6,
    });
    expect(first.err).toContain('copying 4/4 skills');

    const again = JSON.parse(
      (await cli('store', 'copy', '--from', bank, '--to', url, '--schema', schema, '--json')).out,
    );
    expect(again).toMatchObject({ copied: 0, unchanged: 4, revisions: 0 });

    const back = join(temp.dir, 'Back');
    const returned = await cli('store', 'copy', '--from', url, '--to', back, '--schema', schema, '--json');
    expect(returned.code, returned.err).toBe(EXIT.ok);
    expect(JSON.parse(returned.out).verification).toMatchObject({ ok: true, mismatches: [] });
    const copy = new FileSkillStore({ root: back, readOnly: true });
    await copy.open();
    const history = await copy.versions(ids.edited);
    expect(history.map((item) => [item.revision, item.actor, item.reason])).toEqual([
      [1, 'seed', 'test'],
      [2, 'seed', 'test'],
      [3, 'seed', 'test'],
    ]);
    const original = new FileSkillStore({ root: bank, readOnly: true });
    await original.open();
    expect(history.map((item) => item.at)).toEqual(
      (await original.versions(ids.edited)).map((item) => item.at),
    );
    expect(await copy.get(ids.deleted)).toBeNull();
    expect((await copy.versions(ids.deleted)).map((item) => item.operation)).toEqual(['create', 'delete']);
    expect((await copy.list({ scope: 'library' })).items.map((item) => item.location)).toEqual([
      'Common/lib/docx',
    ]);
    expect(await copy.readFiles(ids.edited)).toEqual(await original.readFiles(ids.edited));
    await copy.close();
    await original.close();
    const backAgain = JSON.parse(
      (await cli('store', 'copy', '--from', url, '--to', back, '--schema', schema, '--json')).out,
    );
    expect(backAgain).toMatchObject({ copied: 0, revisions: 0 });
  });

  it('migrates the schema and reports its status', async () => {
    const status = await cli(
      'store',
      'migrate',
      '--store-url',
      url,
      '--schema',
      schema,
      '--status',
      '--json',
    );
    expect(JSON.parse(status.out)).toMatchObject({ current: 0, latest: 5, pending: 5 });
    expect(status.code).toBe(EXIT.problemsFound);
    const migrated = await cli('store', 'migrate', '--store-url', url, '--schema', schema, '--json');
    expect(JSON.parse(migrated.out)).toMatchObject({ applied: [1, 2, 3, 4, 5], current: 5, pending: 0 });
    const twice = await cli('store', 'migrate', '--store-url', url, '--schema', schema);
    expect(twice.out).toContain('already current');
  });
});
