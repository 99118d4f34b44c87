/**
 * PostgreSQL store benchmark (issue 7): the filesystem store and the PostgreSQL store side by side, in
 * one run, on this machine. Prints one JSON object.
 *
 *   npm run bench:postgres -- [--pg-url postgres://…] [--scale-size 50000] [--no-scale] [--rounds 10]
 *     [--ingest 200] [--proxy-requests 400] [--pglite] [--only-scale] [--keyword-db] [--only-keyword]
 *     [--keyword-rounds 3]
 *
 * Without `--pg-url` (or AUTOSKILL_BENCH_PG_URL) a throwaway cluster of Debian's PostgreSQL is started
 * on 127.0.0.1 (test/support/postgres-cluster.sh) and stopped at the end; every run uses a new schema.
 *
 * - `copy`: `store copy` of the corpus (5,188 SKILL.md files) from its SkillBank folder into PostgreSQL.
 * - `search`: the store-side search (`createSkillSearch`: store sync, hybrid index, hits read back from
 *   the store) over the dev queries, p50/p99 per query, at the corpus size and at `--scale-size` (a
 *   SkillBank of libraries holding the ConvSkill corpus again and again under new ids). The PostgreSQL store keeps vectors in a plain column,
 *   scored in the replica (the path without pgvector); `--pglite` adds pgvector on PGlite (exact and
 *   HNSW) at the corpus size, with how often HNSW's top 5 equals the exact top 5.
 * - `ingest`: conversations learnt per second through the SDK (offline extractor, maintenance, store
 *   writes, index updates), one conversation per user.
 * - `keyword_db`: keyword search in PostgreSQL (full-text search, pg_trgm) against the replica's BM25F,
 *   keyword-only and hybrid search over the same skills and dev queries: quality and latency
 *   (bench/postgres-keyword.ts; off by default as it takes 2.5–3.5 minutes: `--keyword-db` adds it,
 *   `--only-keyword` runs only it).
 * - `proxy`: latency of a chat completion straight to a fake upstream and through `autoskill serve`'s
 *   server (retrieval over the corpus, context injected), p50/p99 and the difference.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startAutoSkillServer } from '../src/cli/commands/server-runtime.js';
import { resolveConfig } from '../src/config/index.js';
import { createHashingV2Embeddings } from '../src/embeddings/hashing-v2.js';
import { AutoSkill } from '../src/sdk.js';
import { createOpenAICompatibleUpstream } from '../src/server/proxy/upstreams/openai-compatible.js';
import { deterministicSkillId } from '../src/skill/ids.js';
import { upsertSkillMdId } from '../src/skill/skill-md.js';
import { FileSkillStore } from '../src/store/fs/file-skill-store.js';
import { PostgresSkillStore } from '../src/store/postgres/postgres-skill-store.js';
import { copySkillStore } from '../src/store/postgres/store-copy.js';
import { createSkillSearch } from '../src/store/skill-search.js';
import type { SkillStore } from '../src/store/types.js';
import { startFakeModelServer } from '../src/testing/index.js';
import { keywordComparison } from './postgres-keyword.js';
import { type LabelledQuery, loadQueries } from './retrieval-corpus.js';

const REPO = resolve(import.meta.dirname, '..');
const SKILLBANK = resolve(REPO, '..', 'shared', 'fixtures', 'skillbank');
const QUERIES = resolve(REPO, '..', 'shared', 'fixtures', 'retrieval-dev.jsonl');

const { values: args } = parseArgs({
  options: {
    'pg-url': { type: 'string' },
    'scale-size': { type: 'string', default: '50000' },
    'no-scale': { type: 'boolean', default: false },
    rounds: { type: 'string', default: '10' },
    ingest: { type: 'string', default: '200' },
    'proxy-requests': { type: 'string', default: '400' },
    pglite: { type: 'boolean', default: false },
    'only-scale': { type: 'boolean', default: false },
    'keyword-db': { type: 'boolean', default: false },
    'keyword-rounds': { type: 'string', default: '3' },
    'only-keyword': { type: 'boolean', default: false },
  },
});

const rounds = Math.max(1, Number(args.rounds));
const round2 = (value: number): number => Math.round(value * 100) / 100;

function percentile(values: readonly number[], share: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(share * sorted.length) - 1))] as number;
}

function summary(values: readonly number[]): { p50_ms: number; p99_ms: number; mean_ms: number; n: number } {
  const mean = values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
  return {
    p50_ms: round2(percentile(values, 0.5)),
    p99_ms: round2(percentile(values, 0.99)),
    mean_ms: round2(mean),
    n: values.length,
  };
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The given server, or a throwaway cluster of Debian's PostgreSQL. */
async function postgres(): Promise<{ url: string; stop: () => void; version: string }> {
  const given = args['pg-url'] ?? process.env.AUTOSKILL_BENCH_PG_URL;
  let url = given ?? '';
  let stop: () => void = () => undefined;
  if (!given) {
    const parent = mkdtempSync(join(tmpdir(), 'autoskill-bench-pg-'));
    chmodSync(parent, 0o755);
    const script = join(REPO, 'test', 'support', 'postgres-cluster.sh');
    const started = spawnSync('bash', [script, 'start', join(parent, 'cluster'), String(await freePort())], {
      encoding: 'utf8',
    });
    if (started.status !== 0) throw new Error(`cannot start PostgreSQL: ${started.stderr}`);
    url = started.stdout.trim();
    stop = () => {
      spawnSync('bash', [script, 'stop', join(parent, 'cluster')]);
      rmSync(parent, { recursive: true, force: true });
    };
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const version =
    (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? '';
  await client.end();
  return { url, stop, version };
}

/** The corpus as a read-only SkillBank: its Users and Common, and ConvSkill as a library. */
function fileStore(): FileSkillStore {
  return new FileSkillStore({
    root: SKILLBANK,
    readOnly: true,
    libraryDirs: [{ name: 'ConvSkill', path: join(SKILLBANK, 'ConvSkill') }],
  });
}

async function timeSearch(
  store: SkillStore,
  queries: readonly LabelledQuery[],
  config: Record<string, unknown> = {},
  vectorCandidates: 'keyword' | 'all' = 'keyword',
) {
  const embeddings = createHashingV2Embeddings();
  const search = createSkillSearch({
    store,
    embeddings,
    ...(store instanceof FileSkillStore ? { vectorsDir: null } : {}),
    vectorBackendConfig: config,
    index: { vectorCandidates },
  });
  const openStarted = performance.now();
  const opened = await search.open();
  const openMs = performance.now() - openStarted;
  const options = { userId: 'u6', scope: 'all' as const, limit: 5 };
  for (const query of queries.slice(0, 10)) await search.search(query.query, options);
  const times: number[] = [];
  const top: string[][] = [];
  for (let round = 0; round < rounds; round += 1) {
    for (const query of queries) {
      const started = performance.now();
      const hits = await search.search(query.query, options);
      times.push(performance.now() - started);
      if (round === 0) top.push(hits.map((hit) => hit.skill.id));
    }
  }
  const backend = (await search.vectorStatus()).backend;
  await search.close();
  return { skills: opened.skills, backend, open_ms: Math.round(openMs), ...summary(times), top };
}

async function openPostgres(
  url: string,
  schema: string,
  options: { vectors?: 'column' | 'pgvector'; readConsistency?: 'strict' | 'notify' } = {},
) {
  const store = new PostgresSkillStore({
    url,
    schema,
    vectors: options.vectors ?? 'column',
    readConsistency: options.readConsistency ?? 'strict',
  });
  await store.open();
  return store;
}

async function ingestRate(store: SkillStore, count: number): Promise<Record<string, number>> {
  const sdk = await AutoSkill.open({
    store,
    llm: { provider: 'offline' },
    embeddings: { provider: 'hashing' },
  });
  await sdk.warmUp();
  const started = performance.now();
  let created = 0;
  for (let index = 0; index < count; index += 1) {
    const outcome = await sdk.ingest({
      userId: `bench-${process.pid}-${index}`,
      messages: [
        {
          role: 'user',
          content: `From now on, always label figures in my project ${index} reports with their source.`,
        },
        { role: 'assistant', content: 'Understood.' },
      ],
    });
    if ((outcome as { outcome?: string }).outcome === 'created') created += 1;
  }
  const seconds = (performance.now() - started) / 1000;
  await sdk.close();
  return { conversations: count, skills_written: created, per_second: round2(count / seconds) };
}

async function proxyLatency(
  store: { provider: 'filesystem'; dir: string } | { provider: 'postgres'; url: string },
  requests: number,
) {
  const fake = await startFakeModelServer({
    recordRequests: false,
    defaultText: 'Regression, canary, monitor, rollout.',
  });
  const config = resolveConfig({
    file: {
      store:
        store.provider === 'postgres'
          ? { provider: 'postgres', url: store.url }
          : { provider: 'filesystem', dir: store.dir },
      llm: { provider: 'offline' },
      embeddings: { provider: 'hashing' },
      extraction: { mode: 'never' },
      userId: 'u6',
    },
  });
  const running = await startAutoSkillServer({
    config,
    env: {},
    mode: 'proxy',
    port: 0,
    logLevel: 'silent',
    extractionWorker: false,
    upstream: createOpenAICompatibleUpstream({ baseUrl: fake.baseUrl }),
  });
  const body = JSON.stringify({
    model: 'fake-chat-model',
    user: 'u6',
    messages: [{ role: 'user', content: 'How should I do a safe release with canary and monitoring?' }],
  });
  const send = async (base: string) => {
    const started = performance.now();
    const response = await fetch(`${base}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    await response.arrayBuffer();
    return performance.now() - started;
  };
  for (let index = 0; index < 50; index += 1) {
    await send(fake.baseUrl);
    await send(`${running.url}/v1`);
  }
  const direct: number[] = [];
  const proxied: number[] = [];
  for (let index = 0; index < requests; index += 1) {
    direct.push(await send(fake.baseUrl));
    proxied.push(await send(`${running.url}/v1`));
  }
  await running.close();
  await fake.close();
  const through = summary(proxied);
  const straight = summary(direct);
  return {
    direct: straight,
    through_proxy: through,
    added_p50_ms: round2(through.p50_ms - straight.p50_ms),
    added_p99_ms: round2(through.p99_ms - straight.p99_ms),
  };
}

/** Writes `Common/Scale<n>/…` libraries (the ConvSkill corpus, new ids per copy) until `size` skills. */
async function buildScaleSkillBank(root: string, size: number): Promise<FileSkillStore> {
  const base = join(SKILLBANK, 'ConvSkill');
  const corpus: Array<{ rel: string; text: string }> = [];
  const walk = (dir: string, rel: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const full = join(dir, entry.name);
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(full, childRel);
      else if (entry.name === 'SKILL.md') corpus.push({ rel, text: readFileSync(full, 'utf8') });
    }
  };
  walk(base, '');
  const store = new FileSkillStore({ root });
  await store.open();
  let written = 0;
  for (let copy = 0; written < size; copy += 1) {
    const items = corpus.slice(0, size - written).map((item) => ({
      rel: item.rel,
      skillMd: upsertSkillMdId(item.text, deterministicSkillId(`library:Scale${copy}`, item.rel)),
      files: {},
    }));
    for (let start = 0; start < items.length; start += 2000) {
      const results = await store.writeLibrarySkills(`Scale${copy}`, items.slice(start, start + 2000), {
        overwrite: false,
      });
      written += results.filter((result) => result.status === 'imported').length;
    }
  }
  await store.close();
  const reopened = new FileSkillStore({ root, readOnly: true });
  await reopened.open();
  return reopened;
}

function agreement(left: string[][], right: string[][]): number {
  let same = 0;
  left.forEach((ids, index) => {
    if (JSON.stringify(ids) === JSON.stringify(right[index])) same += 1;
  });
  return round2(same / Math.max(1, left.length));
}

const strip = <T extends { top: unknown }>(value: T): Omit<T, 'top'> => {
  const { top: _top, ...rest } = value;
  return rest;
};

async function main(): Promise<void> {
  const server = await postgres();
  const queries = loadQueries(QUERIES);
  const runId = `bench_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Pool({ connectionString: server.url, max: 1 });
  const schemas: string[] = [];
  const schema = (suffix: string) => {
    const name = `${runId}_${suffix}`;
    schemas.push(name);
    return name;
  };
  const result: Record<string, unknown> = {
    bench: 'postgres',
    machine: { cpus: 2, loadavg_1m: round2(loadavg()[0] ?? 0), node: process.version },
    postgres: { server_version: server.version, cluster: args['pg-url'] ? 'given' : 'throwaway (fsync off)' },
  };
  try {
    if ((args['keyword-db'] || args['only-keyword']) && !args['only-scale']) {
      const started = performance.now();
      result.keyword_db = {
        ...(await keywordComparison({
          url: server.url,
          schema: schema('keyword'),
          corpusRoot: SKILLBANK,
          queries,
          rounds: Number(args['keyword-rounds']),
        })),
        total_ms: Math.round(performance.now() - started),
      };
    }
    if (!args['only-scale'] && !args['only-keyword']) {
      // Corpus size: copy, then search on both stores.
      const files = fileStore();
      await files.open();
      const pgCorpus = await openPostgres(server.url, schema('corpus'));
      const copyStarted = performance.now();
      const copy = await copySkillStore({ from: files, to: pgCorpus });
      const copyMs = performance.now() - copyStarted;
      const againStarted = performance.now();
      const again = await copySkillStore({ from: files, to: pgCorpus });
      result.copy = {
        skills: copy.skills,
        ms: Math.round(copyMs),
        per_second: round2(copy.skills / (copyMs / 1000)),
        verified: copy.verification.ok,
        second_run_ms: Math.round(performance.now() - againStarted),
        second_run_copied: again.copied,
      };
      const fsSearch = await timeSearch(files, queries);
      const pgSearch = await timeSearch(pgCorpus, queries);
      const pgNotify = await openPostgres(server.url, `${runId}_corpus`, { readConsistency: 'notify' });
      const pgNotifySearch = await timeSearch(pgNotify, queries);
      await pgNotify.close();
      const corpus: Record<string, unknown> = {
        filesystem: strip(fsSearch),
        postgres_column: strip(pgSearch),
        postgres_column_notify: strip(pgNotifySearch),
        same_top5_as_filesystem: agreement(fsSearch.top, pgSearch.top),
      };
      if (args.pglite) corpus.pgvector_pglite = await pgliteSearch(files, queries, fsSearch.top);
      result.search_corpus = corpus;

      // Ingest throughput (new users, so each conversation creates a skill).
      const fsIngestDir = mkdtempSync(join(tmpdir(), 'autoskill-bench-ingest-'));
      const fsIngest = new FileSkillStore({ root: fsIngestDir });
      await fsIngest.open();
      const pgIngest = await openPostgres(server.url, schema('ingest'));
      const count = Number(args.ingest);
      result.ingest = {
        filesystem: await ingestRate(fsIngest, count),
        postgres: await ingestRate(pgIngest, count),
      };
      await fsIngest.close();
      await pgIngest.close();
      rmSync(fsIngestDir, { recursive: true, force: true });

      // Proxy latency over the corpus.
      const requests = Number(args['proxy-requests']);
      const fsProxyDir = mkdtempSync(join(tmpdir(), 'autoskill-bench-proxy-'));
      spawnSync('cp', ['-r', SKILLBANK, join(fsProxyDir, 'SkillBank')]);
      const pgUrl = `${server.url}${server.url.includes('?') ? '&' : '?'}schema=${schema('corpus')}`;
      result.proxy = {
        filesystem: await proxyLatency(
          { provider: 'filesystem', dir: join(fsProxyDir, 'SkillBank') },
          requests,
        ),
        postgres: await proxyLatency({ provider: 'postgres', url: pgUrl }, requests),
      };
      rmSync(fsProxyDir, { recursive: true, force: true });
      await pgCorpus.close();
      await files.close();
    }

    // Scale: a SkillBank whose libraries hold the ConvSkill corpus again and again, each copy under new
    // ids, up to --scale-size skills; then the same in PostgreSQL (through store copy).
    if (!args['no-scale'] && !args['only-keyword']) {
      const target = Number(args['scale-size']);
      const scaleDir = mkdtempSync(join(tmpdir(), 'autoskill-bench-scale-'));
      try {
        const buildStarted = performance.now();
        const bigFiles = await buildScaleSkillBank(scaleDir, target);
        const buildMs = performance.now() - buildStarted;
        const bigPg = await openPostgres(server.url, schema('scale'));
        const scaleCopyStarted = performance.now();
        const scaleCopy = await copySkillStore({ from: bigFiles, to: bigPg });
        const scaleCopyMs = performance.now() - scaleCopyStarted;
        const bigFsSearch = await timeSearch(bigFiles, queries);
        const bigPgSearch = await timeSearch(bigPg, queries);
        const bigNotify = await openPostgres(server.url, `${runId}_scale`, { readConsistency: 'notify' });
        const bigNotifySearch = await timeSearch(bigNotify, queries);
        await bigNotify.close();
        result.search_scale = {
          skills: scaleCopy.skills,
          skillbank_write_ms: Math.round(buildMs),
          copy: {
            ms: Math.round(scaleCopyMs),
            per_second: round2(scaleCopy.skills / (scaleCopyMs / 1000)),
            verified: scaleCopy.verification.ok,
          },
          filesystem: strip(bigFsSearch),
          postgres_column: strip(bigPgSearch),
          postgres_column_notify: strip(bigNotifySearch),
          same_top5_as_filesystem: agreement(bigFsSearch.top, bigPgSearch.top),
          bar_p50_le_10ms: { strict: bigPgSearch.p50_ms <= 10, notify: bigNotifySearch.p50_ms <= 10 },
        };
        await bigPg.close();
        await bigFiles.close();
      } finally {
        rmSync(scaleDir, { recursive: true, force: true });
      }
    }
    result.rss_mb = Math.round(process.memoryUsage().rss / 1e6);
  } finally {
    for (const name of schemas)
      await admin.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`).catch(() => undefined);
    await admin.end();
    server.stop();
  }
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

/** pgvector on PGlite (WebAssembly, one session): exact and HNSW search over the corpus. */
async function pgliteSearch(files: FileSkillStore, queries: readonly LabelledQuery[], reference: string[][]) {
  const { startPglite } = await import('../test/support/pglite.js');
  const pglite = await startPglite();
  try {
    const store = await openPostgres(pglite.url, 'autoskill', { vectors: 'pgvector' });
    await copySkillStore({ from: files, to: store });
    const exact = await timeSearch(store, queries, { exact: true, hnsw: false });
    const { PgvectorIndex } = await import('../src/index/vector/pgvector.js');
    const { embeddingIndexName } = await import('../src/embeddings/signature.js');
    const index = new PgvectorIndex({
      name: embeddingIndexName(createHashingV2Embeddings().signature),
      pool: store.db.pool,
      schema: store.db.schema,
    });
    await index.load();
    const built = performance.now();
    await index.createHnswIndex();
    const hnswBuildMs = performance.now() - built;
    // HNSW serves only searches over every vector: candidates from vectors as well as keywords.
    const exactAll = await timeSearch(store, queries, { exact: true }, 'all');
    const hnsw = await timeSearch(store, queries, {}, 'all');
    await store.close();
    return {
      note: 'PGlite is PostgreSQL in WebAssembly behind a one-session socket server: absolute times are not a real server’s',
      exact: strip(exact),
      exact_same_top5_as_filesystem: agreement(reference, exact.top),
      hnsw_build_ms: Math.round(hnswBuildMs),
      exact_vector_candidates: strip(exactAll),
      hnsw_vector_candidates: strip(hnsw),
      hnsw_same_top5_as_exact: agreement(exactAll.top, hnsw.top),
    };
  } finally {
    await pglite.stop();
  }
}

await main();
