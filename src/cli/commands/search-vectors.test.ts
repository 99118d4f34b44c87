import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli } from '../../../test/support/cli.js';
import { makeTempDir } from '../../../test/support/fixtures.js';
import { FileSkillStore } from '../../store/index.js';
import { EXIT } from '../exit-codes.js';
import { createProgressReporter } from './vectors.js';

/** Runs the CLI in-process and captures what it prints. */

describe('autoskill search / vectors', () => {
  let temp: { dir: string; cleanup: () => void };
  let root: string;
  let flags: string[];
  let ids: { release: string; weekly: string; other: string };
  beforeEach(async () => {
    temp = makeTempDir('autoskill-cli-search-');
    root = join(temp.dir, 'SkillBank');
    flags = ['--store-dir', root, '--embeddings-provider', 'hashing'];
    const store = new FileSkillStore({ root });
    await store.open();
    const actor = { actor: 'test' };
    const release = await store.create(
      {
        owner: 'u1',
        name: 'Release procedure',
        description: 'Ship a release safely: regression, canary, monitor, full rollout.',
        instructions: '1. Run regression\n2. Canary\n3. Monitor\n4. Full rollout',
        triggers: ['release'],
        tags: ['release'],
      },
      actor,
    );
    const weekly = await store.create(
      {
        owner: 'u1',
        name: '周报写作',
        description: '按固定格式写周报：本周进展、风险、下周计划。',
        instructions: '先写本周进展，再写风险，最后写下周计划。',
        triggers: [],
        tags: [],
      },
      actor,
    );
    const other = await store.create(
      {
        owner: 'u2',
        name: 'Release notes style',
        description: 'How u2 writes release notes.',
        instructions: 'Group by feature.',
        triggers: [],
        tags: [],
      },
      actor,
    );
    ids = { release: release.id, weekly: weekly.id, other: other.id };
    await store.close();
  });
  afterEach(() => temp.cleanup());

  it('prints ranked hits with the score, its parts, id, name and source', async () => {
    const result = await cli(
      'search',
      'safe release canary rollout',
      ...flags,
      '--user-id',
      'u1',
      '--min-score',
      '0',
    );
    expect(result.code).toBe(EXIT.ok);
    expect(result.out).toContain(
      'Skills for "safe release canary rollout" (user u1, scope all, min score 0)',
    );
    expect(result.out).toMatch(
      / 1\. 0\.\d{3} {2}\(keyword 0\.\d{3}, vector [\d.–]+\) {2}Release procedure {2}\[user:u1\]/,
    );
    expect(result.out).toContain(`id ${ids.release}`);
    expect(result.out).not.toContain('Release notes style');
  });

  it('prints JSON in snake_case, honours --scope, --limit and --user-id', async () => {
    const result = await cli('search', '写周报', ...flags, '--user-id', 'u1', '--min-score', '0', '--json');
    const body = JSON.parse(result.out);
    expect(body).toMatchObject({
      object: 'list',
      query: '写周报',
      user_id: 'u1',
      scope: 'all',
      min_score: 0,
    });
    expect(body.data[0]).toMatchObject({ rank: 1, id: ids.weekly, source: 'user:u1', owner: 'u1' });
    expect(body.data[0].parts).toHaveProperty('summary_coverage');
    const u2 = JSON.parse(
      (await cli('search', 'release notes', ...flags, '--user-id', 'u2', '--min-score', '0', '--json')).out,
    );
    expect(u2.data.map((hit: { id: string }) => hit.id)).toEqual([ids.other]);
    const library = JSON.parse(
      (
        await cli(
          'search',
          'release',
          ...flags,
          '--user-id',
          'u1',
          '--scope',
          'common',
          '--min-score',
          '0',
          '--json',
        )
      ).out,
    );
    expect(library.data).toEqual([]);
    const limited = JSON.parse(
      (
        await cli(
          'search',
          'release 周报',
          ...flags,
          '--user-id',
          'u1',
          '--min-score',
          '0',
          '--limit',
          '1',
          '--json',
        )
      ).out,
    );
    expect(limited.data).toHaveLength(1);
  });

  it('says what to do when nothing passes the threshold', async () => {
    const result = await cli(
      'search',
      'chocolate cake recipe',
      ...flags,
      '--user-id',
      'u1',
      '--min-score',
      '0.9',
    );
    expect(result.code).toBe(EXIT.ok);
    expect(result.out).toContain('No skill scored ≥ 0.9');
    expect(result.out).toContain('Lower --min-score');
    expect((await cli('search', 'x', ...flags, '--min-score', 'lots')).code).toBe(EXIT.usage);
  });

  it('reports vector status without embedding, and rebuilds with progress', async () => {
    const missing = await cli('vectors', 'status', ...flags);
    expect(missing.code).toBe(EXIT.problemsFound);
    expect(missing.out).toContain('missing: 3');
    expect(missing.out).toContain('autoskill vectors rebuild');
    expect(readdirSync(root)).not.toContain('vectors');

    const rebuilt = await cli('vectors', 'rebuild', ...flags);
    expect(rebuilt.code).toBe(EXIT.ok);
    expect(rebuilt.out).toContain('Embedded 3 skill(s)');
    expect(rebuilt.out).toContain('Healthy');

    const status = JSON.parse((await cli('vectors', 'status', ...flags, '--json')).out);
    expect(status).toMatchObject({
      object: 'vectors.status',
      healthy: true,
      skills: 3,
      vectors: 3,
      backend: 'flat',
    });
    expect(status.index_name).toMatch(/^skills-hashing-ngram-v2-d1024-/);

    const forced = JSON.parse((await cli('vectors', 'rebuild', ...flags, '--force', '--json')).out);
    expect(forced).toMatchObject({ object: 'vectors.rebuild', embedded: 3, failed: 0 });

    rmSync(join(root, 'vectors'), { recursive: true });
    const none = await cli('vectors', 'status', '--store-dir', root, '--embeddings-provider', 'none');
    expect(none.out).toContain('Vectors: off');
    expect(none.code).toBe(EXIT.ok);
  });
});

describe('createProgressReporter', () => {
  function fakeStream(isTTY: boolean) {
    const writes: string[] = [];
    const stream = { isTTY, write: (text: string) => writes.push(text) } as unknown as NodeJS.WriteStream;
    return { stream, writes };
  }

  it('draws a bar in place on a terminal', () => {
    let time = 0;
    const { stream, writes } = fakeStream(true);
    const progress = createProgressReporter({ label: 'Embedding', stream, quietMs: 0, now: () => time });
    for (let done = 1; done <= 4; done += 1) {
      time += 100;
      progress.update(done, 4);
    }
    progress.finish();
    expect(writes.at(-2)).toMatch(/^\rEmbedding █+ 100% 4\/4$/);
    expect(writes.at(-1)).toBe('\n');
  });

  it('prints one line per tenth when not a terminal, and nothing for quick work', () => {
    let time = 0;
    const { stream, writes } = fakeStream(false);
    const progress = createProgressReporter({ label: 'Embedding', stream, quietMs: 0, now: () => time });
    for (let done = 1; done <= 100; done += 1) progress.update(done, 100);
    expect(writes).toHaveLength(11);
    expect(writes.at(-1)).toBe('Embedding: 100/100 (100%)\n');
    const quiet = fakeStream(false);
    const fast = createProgressReporter({ label: 'x', stream: quiet.stream, now: () => time });
    fast.update(1, 2);
    expect(quiet.writes).toEqual([]);
    time += 1000;
  });
});
