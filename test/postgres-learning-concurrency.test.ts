/**
 * Two ingests of the same new preference for one user, at the same time, on one PostgreSQL database end
 * with one skill (issue 4 across processes; `learning-concurrency.test.ts` is the filesystem version):
 * - two store objects (two pools) with separate in-process locks, standing in for two processes, where
 *   only the per-user advisory lock (`src/store/postgres/user-lock.ts`) serialises them;
 * - two real processes, each an `AutoSkill` SDK opened on the database (what `serve` replicas, `chat
 *   --store-url` and SDK users do), released at the same moment.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createHashingV2Embeddings } from '../src/embeddings/hashing-v2.js';
import { ingest } from '../src/learn/ingest.js';
import { createUserLock } from '../src/learn/maintain-lock.js';
import { PostgresSkillStore } from '../src/store/postgres/postgres-skill-store.js';
import { createSkillSearch } from '../src/store/skill-search.js';
import { REPO_ROOT } from './support/fixtures.js';
import { postgresServer, postgresSkipReason } from './support/postgres.js';

const skip = postgresSkipReason();
afterAll(async () => {
  if (skip === null) await (await postgresServer()).stop();
});

const TSX = pathToFileURL(join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const WORKER = join(REPO_ROOT, 'test', 'support', 'ingest-worker.ts');

const PREFERENCE = [
  {
    role: 'user',
    content:
      'From now on, whenever you write SQL for me: uppercase keywords, CTEs instead of nested subqueries, and never SELECT *.',
  },
  { role: 'assistant', content: 'Understood, I will follow these conventions.' },
];

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function freshSchema(): Promise<{ url: string; schema: string }> {
  const server = await postgresServer();
  const schema = server.freshSchema('learnrace');
  cleanups.push(() => server.dropSchema(schema));
  return { url: server.url, schema };
}

async function openStore(url: string, schema: string): Promise<PostgresSkillStore> {
  const store = new PostgresSkillStore({ url, schema, maxConnections: 3, vectors: 'column' });
  await store.open();
  cleanups.push(() => store.close());
  return store;
}

/** Starts a worker process and resolves once its SDK is open. */
function startWorker(
  url: string,
  schema: string,
): Promise<{ child: ChildProcessWithoutNullStreams; output: () => string }> {
  const child = spawn(process.execPath, ['--import', TSX, WORKER, url, schema], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '' },
  });
  cleanups.push(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  return new Promise((resolve, reject) => {
    const check = setInterval(() => {
      if (stdout.includes('ready\n')) {
        clearInterval(check);
        resolve({ child, output: () => stdout });
      }
    }, 10);
    child.once('exit', (code) => {
      clearInterval(check);
      reject(new Error(`ingest worker exited with ${code} before it was ready: ${stderr}`));
    });
  });
}

function finished(child: ChildProcessWithoutNullStreams, output: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.once('exit', (code) => {
      const last = output().trim().split('\n').at(-1) ?? '';
      if (code !== 0) reject(new Error(`ingest worker exited with ${code}: ${stderr}`));
      else resolve((JSON.parse(last) as { outcome: string }).outcome);
    });
  });
}

describe.skipIf(skip !== null)('concurrent ingests of one preference on PostgreSQL', () => {
  it('in two store objects with separate in-process locks end with one skill (advisory lock per user)', async () => {
    const { url, schema } = await freshSchema();
    const processes = await Promise.all(
      [0, 1].map(async () => {
        const store = await openStore(url, schema);
        const search = createSkillSearch({ store, embeddings: createHashingV2Embeddings() });
        cleanups.push(() => search.close());
        // Separate in-process locks: only PostgreSQL serialises the two "processes".
        const lock = store.userLock({ inProcess: createUserLock(), timeoutMs: 10_000 });
        return { store, search, lock };
      }),
    );
    const results = await Promise.all(
      processes.map(({ store, search, lock }) =>
        ingest({ store, search, userId: 'u1', messages: PREFERENCE, lock }),
      ),
    );
    expect(results.map((result) => result.outcome).sort()).toEqual(['created', 'discarded']);
    for (const { store } of processes) {
      expect((await store.list({ userId: 'u1', scope: 'user' })).total).toBe(1);
    }
  });

  it('in two SDK processes released at once end with one skill', { timeout: 60_000 }, async () => {
    const { url, schema } = await freshSchema();
    // Migrate once up front so the workers start alike.
    await openStore(url, schema);
    const workers = await Promise.all([startWorker(url, schema), startWorker(url, schema)]);
    const outcomes = workers.map(({ child, output }) => finished(child, output));
    const request = `${JSON.stringify({ userId: 'u1', messages: PREFERENCE })}\n`;
    for (const { child } of workers) child.stdin.write(request);
    expect((await Promise.all(outcomes)).sort()).toEqual(['created', 'discarded']);
    const store = await openStore(url, schema);
    expect((await store.list({ userId: 'u1', scope: 'user' })).total).toBe(1);
  });
});
