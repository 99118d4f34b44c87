/**
 * Compatibility with SkillBanks the original wrote: a store written by the Python AutoSkill opens with the
 * ids, names and versions it had (its vector index lists the ids it had loaded), without modifying a
 * file; and the whole fixtures corpus loads, with the five binary files reported.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileSkillStore } from '../src/store/fs/file-skill-store.js';
import { copyFixture, ORIGINAL_STORE, requireFixtures, SKILLBANK } from './support/fixtures.js';

function hashTree(dir: string, skip = '.autoskill'): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      if (entry.name === skip) continue;
      const full = join(path, entry.name);
      if (entry.isDirectory()) walk(full);
      else out[relative(dir, full)] = createHash('sha256').update(readFileSync(full)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

describe('a store written by the original', () => {
  requireFixtures();
  const copy = copyFixture(ORIGINAL_STORE, 'autoskill-original-');
  let store: FileSkillStore;
  let before: Record<string, string>;
  beforeAll(async () => {
    before = hashTree(copy.dir);
    store = new FileSkillStore({ root: copy.dir });
    await store.open();
  });
  afterAll(() => copy.cleanup());

  it('opens with the ids the original had loaded', async () => {
    const ids = readFileSync(
      join(copy.dir, 'vectors', 'skills-hashing-default-d256-8c95e52120.ids.txt'),
      'utf8',
    )
      .split('\n')
      .filter((line) => line.trim() !== '');
    const all = await store.list({ userId: 'u1', scope: 'all', limit: 1000 });
    expect(all.items.map((skill) => skill.id).sort()).toEqual([...ids].sort());
    expect(store.problems()).toEqual([
      expect.objectContaining({
        code: 'INVALID_SKILL_FILE',
        location: 'Common/sample/ominous-liminal-space-world-building/SKILL.md',
      }),
    ]);
  });

  it('keeps names, versions and owners', async () => {
    expect(await store.get('611df521-ceef-4601-b27e-e7209617fd8f')).toMatchObject({
      name: 'Standard release process',
      version: '0.1.1',
      owner: 'u1',
      location: 'Users/u1/standard-release-process',
      readOnly: false,
      revision: 0,
      tags: ['before', 'each', 'release', '写周报时', '先列本周完成', '再列风险'],
    });
    expect(await store.get('bd18c3dc-143e-52c4-9a54-226b790560fc')).toMatchObject({
      name: 'advanced_excel_text_clustering',
      version: '0.1.1',
      owner: 'library:sample',
      readOnly: true,
    });
    const usage = JSON.parse(readFileSync(join(copy.dir, 'index', 'skill_usage_stats.json'), 'utf8')) as {
      users: Record<string, Record<string, { name: string }>>;
    };
    for (const [id, row] of Object.entries(usage.users.u1 ?? {})) {
      expect((await store.get(id))?.name).toBe(row.name);
    }
    const library = await store.list({ scope: 'library', limit: 1000 });
    for (const skill of library.items) {
      const text = readFileSync(join(copy.dir, ...skill.location.split('/'), 'SKILL.md'), 'utf8');
      expect(text).toContain(`id: "${skill.id}"`);
      expect(text).toContain(`version: "${skill.version}"`);
    }
  });

  it('modifies no file of the original on open, and records history once written to', async () => {
    expect(hashTree(copy.dir)).toEqual(before);
    const id = '611df521-ceef-4601-b27e-e7209617fd8f';
    const updated = await store.update(id, { version: '0.1.2' }, { actor: 'test', baseRevision: 0 });
    expect(updated.revision).toBe(2);
    expect((await store.versions(id)).map((item) => [item.operation, item.version])).toEqual([
      ['baseline', '0.1.1'],
      ['update', '0.1.2'],
    ]);
    const changed = Object.keys(hashTree(copy.dir)).filter(
      (path) => hashTree(copy.dir)[path] !== before[path],
    );
    expect(changed).toEqual(['Users/u1/standard-release-process/SKILL.md']);
  });
});

describe('the fixtures corpus', () => {
  requireFixtures();
  it('loads every good file and reports the five binary ones, without writing anything', async () => {
    const datasets = readdirSync(join(SKILLBANK, 'ConvSkill')).map((name) =>
      join(SKILLBANK, 'ConvSkill', name),
    );
    const store = new FileSkillStore({ root: SKILLBANK, libraryDirs: datasets, readOnly: true });
    const report = await store.open();
    // 5,188 files: 5 contain NUL bytes and 1 sits under the hidden Common/baoyu-skills/.claude/.
    expect(report.loaded).toBe(5188 - 5 - 1);
    expect(report.problems).toHaveLength(5);
    for (const problem of report.problems) {
      expect(problem.code).toBe('INVALID_SKILL_FILE');
      expect(problem.message).toMatch(/SKILL\.md:\d+: file is binary \(contains a NUL byte\)$/);
      expect(problem.line).toBeGreaterThan(1);
    }
    const counts = { user: 0, library: 0 };
    for (const skill of (await store.list({ userId: 'u8', scope: 'all', limit: 10_000 })).items) {
      counts[skill.readOnly ? 'library' : 'user'] += 1;
    }
    expect(counts.library).toBe(81 - 1 + 4721 - 5);
    expect(existsSync(join(SKILLBANK, '.autoskill'))).toBe(false);
  });
});
