/**
 * Two ingests of the same new preference for one user, at the same time, end with one skill: in one
 * process (the per-user lock, then a fresh search), and across two store instances on one SkillBank
 * standing in for two processes (web and proxy), where only the per-user lock file serialises them.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHashingV2Embeddings } from '../src/embeddings/hashing-v2.js';
import { ingest } from '../src/learn/ingest.js';
import { createFileUserLock, createUserLock } from '../src/learn/maintain-lock.js';
import { FileSkillStore, STATE_DIR } from '../src/store/index.js';
import { createSkillSearch, type SkillSearch } from '../src/store/skill-search.js';
import { makeTempDir } from './support/fixtures.js';

const PREFERENCE = [
  {
    role: 'user',
    content:
      'From now on, whenever you write SQL for me: uppercase keywords, CTEs instead of nested subqueries, and never SELECT *.',
  },
  { role: 'assistant', content: 'Understood, I will follow these conventions.' },
];
const PARAPHRASE = [
  {
    role: 'user',
    content:
      'Remember for any SQL you write for me: keywords in uppercase and never use SELECT *. Also prefer CTEs.',
  },
];

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function openProcess(root: string): Promise<{ store: FileSkillStore; search: SkillSearch }> {
  const store = new FileSkillStore({ root });
  await store.open();
  const search = createSkillSearch({ store, embeddings: createHashingV2Embeddings() });
  cleanups.push(async () => {
    await search.close();
    await store.close();
  });
  return { store, search };
}

describe('concurrent ingests of one preference', () => {
  it('in one process end with one skill', async () => {
    const temp = makeTempDir('autoskill-learning-');
    cleanups.push(temp.cleanup);
    const { store, search } = await openProcess(temp.dir);
    const lock = createUserLock();
    const results = await Promise.all(
      [PREFERENCE, PREFERENCE, PARAPHRASE].map((messages) =>
        ingest({ store, search, userId: 'u1', messages, lock }),
      ),
    );
    expect(results[0]?.outcome === 'created' || results[1]?.outcome === 'created').toBe(true);
    const skills = (await store.list({ userId: 'u1', scope: 'user' })).items;
    expect(skills).toHaveLength(1);
    expect(['0.1.0', '0.1.1']).toContain(skills[0]?.version);
    expect(results.filter((result) => result.outcome === 'created')).toHaveLength(1);
  });

  it('in two store instances standing in for two processes on one SkillBank end with one skill (lock file per user)', async () => {
    const temp = makeTempDir('autoskill-learning-');
    cleanups.push(temp.cleanup);
    const web = await openProcess(temp.dir);
    const proxy = await openProcess(temp.dir);
    const directory = join(temp.dir, STATE_DIR, 'ingest-locks');
    // Separate in-process locks: only the files serialise the two "processes".
    const webLock = createFileUserLock({ directory, inProcess: createUserLock(), timeoutMs: 10_000 });
    const proxyLock = createFileUserLock({ directory, inProcess: createUserLock(), timeoutMs: 10_000 });
    const results = await Promise.all([
      ingest({ ...web, userId: 'u1', messages: PREFERENCE, lock: webLock }),
      ingest({ ...proxy, userId: 'u1', messages: PREFERENCE, lock: proxyLock }),
    ]);
    expect(results.map((result) => result.outcome).sort()).toEqual(['created', 'discarded']);
    await web.store.sync();
    await proxy.store.sync();
    expect((await web.store.list({ userId: 'u1', scope: 'user' })).total).toBe(1);
    expect((await proxy.store.list({ userId: 'u1', scope: 'user' })).total).toBe(1);
  });
});
