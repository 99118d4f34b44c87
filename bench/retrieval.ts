/**
 * Retrieval benchmark (issue 3): ranking, gating and speed of the hybrid search over a SkillBank folder.
 *
 *   npm run bench:retrieval -- [--corpus <dir>] [--queries <file.jsonl>] [--min-score 0.4]
 *     [--embeddings-provider hashing] [--embeddings-model ngram-v2] [--dimensions 1024]
 *     [--no-scale] [--scale-size 50000] [--no-baseline] [--rounds 20] [--no-background]
 *
 * Loads every skill folder of the corpus (Users, Common, ConvSkill…) as read-only libraries, builds the
 * index (keyword + vectors, offline embeddings by default), runs the labelled queries and prints one JSON
 * object. `scale_50k` replicates the corpus with new ids up to 50,000 skills and times build and search.
 * `baseline_original` is the original's formula on the same data: hashing 256-d vectors blended 0.9/0.1
 * with max-normalised BM25 over character unigrams (core.md §6.4–6.6). `--no-background` measures the null
 * sample and the IDF on the corpus itself instead of the shipped background corpus (the earlier design).
 */
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createHashingEmbeddingConnector, hashingEmbedding } from '../src/embeddings/hashing.js';
import { createHashingV2Embeddings, HASHING_V2_MODEL } from '../src/embeddings/hashing-v2.js';
import type { EmbeddingConnector } from '../src/embeddings/types.js';
import { Bm25Index } from '../src/index/bm25.js';
import { retrievalText } from '../src/index/retrieval-text.js';
import { type SearchHit, SkillSearchIndex } from '../src/index/search.js';
import { createTokenizer } from '../src/index/tokenize.js';
import { type CorpusSkill, type LabelledQuery, loadCorpus, loadQueries } from './retrieval-corpus.js';

const REPO = resolve(import.meta.dirname, '..');

const { values: args } = parseArgs({
  options: {
    corpus: { type: 'string', default: resolve(REPO, '..', 'shared', 'fixtures', 'skillbank') },
    queries: { type: 'string', default: resolve(REPO, '..', 'shared', 'fixtures', 'retrieval-dev.jsonl') },
    'min-score': { type: 'string', default: '0.4' },
    'embeddings-provider': { type: 'string', default: 'hashing' },
    'embeddings-model': { type: 'string' },
    dimensions: { type: 'string' },
    'no-scale': { type: 'boolean', default: false },
    'scale-size': { type: 'string', default: '50000' },
    'no-baseline': { type: 'boolean', default: false },
    rounds: { type: 'string', default: '20' },
    'no-background': { type: 'boolean', default: false },
  },
});

const minScore = Number(args['min-score']);
const rounds = Math.max(1, Number(args.rounds));

async function createEmbeddings(): Promise<EmbeddingConnector | undefined> {
  const provider = args['embeddings-provider'] ?? 'hashing';
  const dimensions = args.dimensions === undefined ? undefined : Number(args.dimensions);
  if (provider === 'none') return undefined;
  if (provider === 'hashing') {
    const model = args['embeddings-model'] ?? HASHING_V2_MODEL;
    if (model === HASHING_V2_MODEL) return createHashingV2Embeddings(dimensions ? { dimensions } : {});
    return createHashingEmbeddingConnector({ model, ...(dimensions ? { dimensions } : {}) });
  }
  // Any other provider through the embeddings registry (API keys from the environment).
  const { createEmbeddingConnector } = await import('../src/embeddings/registry.js');
  return createEmbeddingConnector(
    {
      provider,
      ...(args['embeddings-model'] ? { model: args['embeddings-model'] } : {}),
      ...(dimensions ? { dimensions } : {}),
    },
    { env: process.env },
  );
}

function percentile(sorted: readonly number[], share: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(share * sorted.length) - 1));
  return sorted[index] as number;
}

const round3 = (value: number): number => Math.round(value * 1000) / 1000;
const rssMb = (): number => Math.round(process.memoryUsage().rss / 1e6);

interface QualityReport {
  recall_at_1: number;
  recall_at_5: number;
  mrr: number;
  kept_at_min_score: number;
  negatives_rejected: number;
  answerable: number;
  negatives: number;
  misses: string[];
}

/** Ranking over the non-negative queries, gating at `minScore` over all of them. */
function quality(queries: readonly LabelledQuery[], ranked: ReadonlyMap<string, SearchHit[]>): QualityReport {
  let hitsAt1 = 0;
  let hitsAt5 = 0;
  let reciprocal = 0;
  let kept = 0;
  let answerable = 0;
  let negatives = 0;
  let rejected = 0;
  const misses: string[] = [];
  for (const query of queries) {
    const hits = ranked.get(query.id) ?? [];
    if (query.kind === 'negative' || query.relevant.length === 0) {
      negatives += 1;
      if (!hits.some((hit) => hit.score >= minScore)) rejected += 1;
      continue;
    }
    answerable += 1;
    const rank = hits.findIndex((hit) => query.relevant.includes(hit.id));
    if (rank === 0) hitsAt1 += 1;
    if (rank >= 0 && rank < 5) hitsAt5 += 1;
    if (rank >= 0) reciprocal += 1 / (rank + 1);
    const survives = hits.slice(0, 5).some((hit) => query.relevant.includes(hit.id) && hit.score >= minScore);
    if (survives) kept += 1;
    if (rank !== 0 || !survives) misses.push(`${query.id}:${rank}${survives ? '' : '<min'}`);
  }
  return {
    recall_at_1: round3(hitsAt1 / Math.max(1, answerable)),
    recall_at_5: round3(hitsAt5 / Math.max(1, answerable)),
    mrr: round3(reciprocal / Math.max(1, answerable)),
    kept_at_min_score: round3(kept / Math.max(1, answerable)),
    negatives_rejected: round3(rejected / Math.max(1, negatives)),
    answerable,
    negatives,
    misses,
  };
}

async function buildIndex(
  skills: readonly CorpusSkill[],
  embeddings: EmbeddingConnector | undefined,
): Promise<{ index: SkillSearchIndex; buildMs: number; buildCpuMs: number }> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const index = new SkillSearchIndex({
    ...(embeddings ? { embeddings } : {}),
    ...(args['no-background'] ? { background: false as const } : {}),
  });
  const report = await index.upsert(skills);
  if (report.failed.length > 0) throw new Error(`embedding failed: ${report.error}`);
  const used = process.cpuUsage(cpu);
  return { index, buildMs: performance.now() - started, buildCpuMs: (used.user + used.system) / 1000 };
}

async function timeSearches(index: SkillSearchIndex, queries: readonly LabelledQuery[]): Promise<number[]> {
  // Warm-up: JIT compilation and the per-term weight caches, as in a long-running server.
  for (let round = 0; round < 3; round += 1) {
    for (const query of queries) await index.search(query.query, { scope: 'library', limit: 10 });
  }
  const times: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    for (const query of queries) {
      const started = performance.now();
      await index.search(query.query, { scope: 'library', limit: 10 });
      times.push(performance.now() - started);
    }
  }
  return times.sort((left, right) => left - right);
}

/** The original's ranking and scores: 0.9 × hashing-256 cosine + 0.1 × max-normalised unigram BM25. */
function originalBaseline(skills: readonly CorpusSkill[], queries: readonly LabelledQuery[]): QualityReport {
  const bm25 = new Bm25Index({
    tokenizer: createTokenizer({ unspaced: 'unigram', stem: 'none' }),
    fields: {
      name: { weight: 1, b: 0.75 },
      description: { weight: 1, b: 0.75 },
      instructions: { weight: 1, b: 0.75 },
      triggers: { weight: 1, b: 0.75 },
      tags: { weight: 1, b: 0.75 },
    },
    k1: 1.5,
  });
  const dims = 256;
  const vectors = new Float32Array(skills.length * dims);
  skills.forEach((skill, row) => {
    bm25.upsert({ id: skill.id, fields: { instructions: retrievalText(skill) } });
    vectors.set(hashingEmbedding(retrievalText(skill), dims), row * dims);
  });
  const rowOf = new Map(skills.map((skill, row) => [skill.id, row]));
  const ranked = new Map<string, SearchHit[]>();
  for (const query of queries) {
    const matches = bm25.match(bm25.analyze(query.query));
    let best = 0;
    for (let index = 0; index < matches.count; index += 1)
      best = Math.max(best, matches.scores[index] as number);
    const keyword = new Map<string, number>();
    for (let index = 0; index < matches.count; index += 1) {
      keyword.set(
        bm25.idOf(matches.slots[index] as number) as string,
        (matches.scores[index] as number) / best,
      );
    }
    const queryVector = hashingEmbedding(query.query, dims);
    const scored = skills.map((skill) => {
      const offset = (rowOf.get(skill.id) as number) * dims;
      let dot = 0;
      for (let index = 0; index < dims; index += 1)
        dot += (queryVector[index] as number) * (vectors[offset + index] as number);
      return { id: skill.id, score: 0.9 * dot + 0.1 * (keyword.get(skill.id) ?? 0) };
    });
    scored.sort((left, right) => right.score - left.score);
    ranked.set(
      query.id,
      scored.slice(0, 10).map((hit) => ({
        id: hit.id,
        owner: '',
        score: hit.score,
        parts: {
          keyword: 0,
          vector: 0,
          coverage: 0,
          summaryCoverage: 0,
          bm25: 0,
          cosine: null,
          cosineZ: null,
        },
      })),
    );
  }
  return quality(queries, ranked);
}

function replicate(skills: readonly CorpusSkill[], size: number): CorpusSkill[] {
  const out: CorpusSkill[] = [];
  for (let copy = 0; out.length < size; copy += 1) {
    for (const skill of skills) {
      if (out.length >= size) break;
      out.push(copy === 0 ? skill : { ...skill, id: `${skill.id}#copy${copy}` });
    }
  }
  return out;
}

async function main(): Promise<void> {
  const corpus = loadCorpus(args.corpus as string, { asLibraries: true });
  const queries = loadQueries(args.queries as string);
  const embeddings = await createEmbeddings();
  const { index, buildMs, buildCpuMs } = await buildIndex(corpus.skills, embeddings);
  const ranked = new Map<string, SearchHit[]>();
  for (const query of queries)
    ranked.set(query.id, await index.search(query.query, { scope: 'library', limit: 10 }));
  const times = await timeSearches(index, queries);
  const result: Record<string, unknown> = {
    corpus: args.corpus,
    queries: args.queries,
    skills: corpus.skills.length,
    unreadable_files: corpus.failures.length,
    embeddings: embeddings
      ? {
          provider: embeddings.provider,
          model: embeddings.modelId,
          dimensions: embeddings.dimensions ?? null,
        }
      : { provider: 'none' },
    min_score: minScore,
    background: args['no-background'] ? 'none (corpus statistics)' : 'shipped background corpus',
    ...quality(queries, ranked),
    build_ms: Math.round(buildMs),
    // CPU time of this process (all its threads): less sensitive to other load on the machine.
    build_cpu_ms: Math.round(buildCpuMs),
    load_average: loadavg().map((value) => Math.round(value * 100) / 100),
    search_ms: { p50: round3(percentile(times, 0.5)), p99: round3(percentile(times, 0.99)) },
    rss_mb: rssMb(),
  };
  if (!args['no-baseline']) {
    const baseline = originalBaseline(corpus.skills, queries);
    result['baseline_original'] = {
      formula: 'hashing-256 cosine × 0.9 + max-normalised BM25 × 0.1',
      ...baseline,
    };
  }
  if (!args['no-scale']) {
    const size = Number(args['scale-size']);
    const skills = replicate(corpus.skills, size);
    const scaled = await buildIndex(skills, embeddings);
    const scaledTimes = await timeSearches(scaled.index, queries);
    result['scale_50k'] = {
      skills: skills.length,
      build_ms: Math.round(scaled.buildMs),
      build_cpu_ms: Math.round(scaled.buildCpuMs),
      search_ms: { p50: round3(percentile(scaledTimes, 0.5)), p99: round3(percentile(scaledTimes, 0.99)) },
      rss_mb: rssMb(),
    };
  }
  console.log(JSON.stringify(result, null, 2));
}

await main();
