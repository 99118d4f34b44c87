/**
 * What the store-side search and the per-turn pipeline add on top of the index (issue 3 item 5, issue 4
 * item 5): the SDK over a temporary SkillBank whose read-only libraries are the corpus folders.
 *
 *   npx tsx bench/turn-context.ts [--corpus <dir>] [--queries <file.jsonl>] [--rounds 5]
 *
 * Prints one JSON object: `store_open_ms` (the store scanning the corpus), `search_open_ms` (the lazy
 * first use: listing every skill, keyword index, embedding into the flat files), `reopen_ms` (the same
 * with the vector files already written), `search_ms` (SDK `search`, limit 5: store sync + index search +
 * reading each hit from the store) and `turn_ms` (`prepareTurnContext`, top_k 1, min_score 0.4, rendering
 * with the tokenizer warm), as p50/p99 over the labelled queries × rounds, and `rss_mb`.
 */
import { readdirSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AutoSkill } from '../src/sdk.js';
import { makeTempDir } from '../test/support/fixtures.js';
import { loadQueries } from './retrieval-corpus.js';

const REPO = resolve(import.meta.dirname, '..');
const { values: args } = parseArgs({
  options: {
    corpus: { type: 'string', default: resolve(REPO, '..', 'shared', 'fixtures', 'skillbank') },
    queries: { type: 'string', default: resolve(REPO, '..', 'shared', 'fixtures', 'retrieval-dev.jsonl') },
    rounds: { type: 'string', default: '5' },
  },
});

function percentile(values: number[], share: number): number {
  const sorted = [...values].sort((left, right) => left - right);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(share * sorted.length) - 1));
  return Number((sorted[index] ?? 0).toFixed(2));
}

/** Every folder directly under the corpus's top-level folders, as one read-only library each. */
function libraryDirs(corpus: string): Array<{ name: string; path: string }> {
  const libraries: Array<{ name: string; path: string }> = [];
  for (const top of readdirSync(corpus)) {
    const topPath = join(corpus, top);
    if (!statSync(topPath).isDirectory()) continue;
    for (const name of readdirSync(topPath)) {
      const path = join(topPath, name);
      if (statSync(path).isDirectory())
        libraries.push({ name: `${top}-${name}`.replace(/[^\p{L}\p{N}._@-]/gu, '_'), path });
    }
  }
  return libraries;
}

const temp = makeTempDir('autoskill-bench-turn-');
try {
  const queries = loadQueries(args.queries as string);
  const rounds = Math.max(1, Number(args.rounds));
  const options = {
    llm: { provider: 'offline' },
    embeddings: { provider: 'hashing' },
    store: {
      provider: 'filesystem' as const,
      dir: join(temp.dir, 'SkillBank'),
      libraryDirs: libraryDirs(args.corpus as string),
    },
  };
  let started = performance.now();
  const autoSkill = await AutoSkill.open(options);
  const storeOpenMs = performance.now() - started;
  started = performance.now();
  const opened = await autoSkill.skillSearch.open();
  const searchOpenMs = performance.now() - started;
  await autoSkill.warmUp();

  const searchTimes: number[] = [];
  const turnTimes: number[] = [];
  let injected = 0;
  for (let round = 0; round < rounds; round += 1) {
    for (const query of queries) {
      let start = performance.now();
      await autoSkill.search(query.query, { limit: 5 });
      searchTimes.push(performance.now() - start);
      start = performance.now();
      const context = await autoSkill.prepareTurnContext({
        messages: [{ role: 'user', content: query.query }],
      });
      turnTimes.push(performance.now() - start);
      if (round === 0 && context.systemMessage) injected += 1;
    }
  }
  const rssMb = process.memoryUsage().rss / 1e6;
  await autoSkill.close();

  started = performance.now();
  const again = await AutoSkill.open(options);
  const reopened = await again.skillSearch.open();
  const reopenMs = performance.now() - started;
  await again.close();

  process.stdout.write(
    `${JSON.stringify({
      skills: opened.skills,
      queries: queries.length,
      rounds,
      store_open_ms: Math.round(storeOpenMs),
      search_open_ms: Math.round(searchOpenMs),
      reopen_ms: Math.round(reopenMs),
      reopen_vector_load: reopened.vectorLoad.status,
      reopen_embedded: reopened.vectorSync?.embedded ?? 0,
      search_ms: { p50: percentile(searchTimes, 0.5), p99: percentile(searchTimes, 0.99) },
      turn_ms: { p50: percentile(turnTimes, 0.5), p99: percentile(turnTimes, 0.99) },
      turns_with_skills: injected,
      rss_mb: Math.round(rssMb),
      load_avg_1m: Number(loadavg()[0]?.toFixed(2)),
    })}\n`,
  );
} finally {
  temp.cleanup();
}
