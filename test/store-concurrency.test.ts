/**
 * Two processes writing to one store at once (issue 2 acceptance): 2 × 200 creates and updates on the
 * same user end with every write present, no duplicate folders and no torn files.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSkillMd } from '../src/skill/skill-md.js';
import { FileSkillStore } from '../src/store/fs/file-skill-store.js';
import { makeTempDir, REPO_ROOT } from './support/fixtures.js';
import { storeWorkerArgs } from './support/store-worker-bundle.js';

const run = promisify(execFile);
const PER_PROCESS = 200;

describe('two processes writing to one store', () => {
  const temp = makeTempDir('autoskill-concurrency-');
  const root = join(temp.dir, 'SkillBank');
  beforeAll(async () => {
    const worker = await storeWorkerArgs(temp.dir);
    const spawnWorker = (tag: string) =>
      run(process.execPath, [...worker, 'writes', root, tag, String(PER_PROCESS)], {
        cwd: REPO_ROOT,
        timeout: 240_000,
      });
    const results = await Promise.all([spawnWorker('a'), spawnWorker('b')]);
    for (const result of results) expect(result.stdout).toContain('done');
  }, 300_000);
  afterAll(() => temp.cleanup());

  it('keeps every create and update, each in its own folder', async () => {
    const store = new FileSkillStore({ root });
    await store.open();
    const { items, total } = await store.list({ userId: 'shared', limit: 10_000 });
    expect(total).toBe(2 * PER_PROCESS);
    expect(store.problems()).toEqual([]);
    for (const skill of items) {
      expect(skill.revision).toBe(2);
      expect(skill.version).toBe('0.1.1');
      expect(skill.description).toMatch(/^updated by [ab]$/);
    }
    const locations = new Set(items.map((skill) => skill.location));
    expect(locations.size).toBe(items.length);
    const folders = readdirSync(join(root, 'Users', 'shared'));
    expect(folders.length).toBe(items.length);
    // Both workers asked for each "shared skill <n>" name: one got the slug, the other `-2`.
    expect(folders.filter((name) => name.startsWith('shared-skill-')).length).toBe(PER_PROCESS);
    const versions = await store.versions(items[0]!.id);
    expect(versions.map((item) => item.operation)).toEqual(['create', 'update']);
    await store.close();
  });

  it('leaves no torn or temporary files', () => {
    const folders = readdirSync(join(root, 'Users', 'shared'));
    for (const folder of folders) {
      const entries = readdirSync(join(root, 'Users', 'shared', folder));
      expect(entries).toEqual(['SKILL.md']);
      const text = readFileSync(join(root, 'Users', 'shared', folder, 'SKILL.md'), 'utf8');
      const skill = parseSkillMd(text, { owner: 'shared', source: folder });
      expect(skill.version).toBe('0.1.1');
    }
    const state = readdirSync(join(root, '.autoskill')).sort();
    expect(state).toEqual(['objects', 'revisions.jsonl']);
  });
});
