/**
 * @module Keyword search in PostgreSQL against the replica's index (issue 7: "keyword search in the
 * database or in the replica — measure which"), for `bench/postgres.ts --keyword-db`.
 *
 * The corpus (every SKILL.md under the SkillBank fixture, ids = paths, as `bench:retrieval` loads it) goes
 * into a table of a bench-owned schema (dropped by the caller); the 41 dev queries then run as
 * - PostgreSQL full-text search: `to_tsvector('simple' | 'english', …)` of name (A), description and
 *   triggers (B), tags (C), instructions (D), GIN index, `ts_rank_cd` top 5; the query's lexemes ORed
 *   (`plainto_tsquery`'s AND finds almost nothing for a sentence-long query: reported as `fts_simple_and`);
 * - the same FTS over the replica tokenizer's tokens (Chinese bigrams, stemmed English) written as text:
 *   the database's ranking over the replica's tokens, to separate tokenisation from weighting;
 * - BM25F written in SQL over the replica's tokens (postings, document frequencies and per-field length
 *   normalisers in tables; the product's field weights and k1): can the database rank as the replica does,
 *   and how fast;
 * - pg_trgm (GiST `gist_trgm_ops`) over the summary fields (name, description, triggers, tags), the 5
 *   nearest by trigram similarity — the usual answer for unspaced scripts;
 * - the replica's BM25F ranking alone, its keyword-only search (score = coverage K, embeddings none) and
 *   the full hybrid search (offline `ngram-v2` vectors), in this process.
 * Each: recall@1, recall@5, MRR over the answerable queries (a hit = any path in `relevant`), split by
 * language, and p50/p99 per query (database figures include the round trip from this process).
 */
import pg from 'pg';
import { createHashingV2Embeddings } from '../src/embeddings/hashing-v2.js';
import { DEFAULT_FIELD_SETTINGS, KEYWORD_FIELDS } from '../src/index/bm25.js';
import { SkillSearchIndex } from '../src/index/search.js';
import { tokenize } from '../src/index/tokenize.js';
import { type CorpusSkill, type LabelledQuery, loadCorpus } from './retrieval-corpus.js';

export interface KeywordComparisonOptions {
  /** PostgreSQL URL (a throwaway cluster or a given server). */
  url: string;
  /** A schema name of the bench's own; created here, dropped by the caller. */
  schema: string;
  /** SkillBank-shaped corpus folder. */
  corpusRoot: string;
  queries: readonly LabelledQuery[];
  /** Timed rounds over the queries (the database variants take 10–800 ms a query). @default 3 */
  rounds?: number;
}

type Ranker = (query: LabelledQuery) => Promise<string[]>;

const round3 = (value: number): number => Math.round(value * 1000) / 1000;
const round2 = (value: number): number => Math.round(value * 100) / 100;

function percentile(sorted: readonly number[], share: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(share * sorted.length) - 1))] as number;
}

function quality(queries: readonly LabelledQuery[], ranked: ReadonlyMap<string, string[]>) {
  const of = (subset: readonly LabelledQuery[]) => {
    let at1 = 0;
    let at5 = 0;
    let reciprocal = 0;
    for (const query of subset) {
      const rank = (ranked.get(query.id) ?? []).findIndex((id) => query.relevant.includes(id));
      if (rank === 0) at1 += 1;
      if (rank >= 0 && rank < 5) at5 += 1;
      if (rank >= 0) reciprocal += 1 / (rank + 1);
    }
    const n = Math.max(1, subset.length);
    return { recall_at_1: round3(at1 / n), recall_at_5: round3(at5 / n), mrr: round3(reciprocal / n) };
  };
  const answerable = queries.filter((query) => query.kind !== 'negative' && query.relevant.length > 0);
  const split = (lang: string) => answerable.filter((query) => query.lang === lang);
  const en = of(split('en'));
  const zh = of(split('zh'));
  return {
    ...of(answerable),
    answerable: answerable.length,
    en: `${en.recall_at_1} / ${en.recall_at_5} / ${en.mrr}`,
    zh: `${zh.recall_at_1} / ${zh.recall_at_5} / ${zh.mrr}`,
    // Negatives: how many got any hit at all (keyword search has no calibrated score to gate on).
    negatives_with_hits: queries.filter(
      (query) => query.relevant.length === 0 && (ranked.get(query.id) ?? []).length > 0,
    ).length,
  };
}

/** Each measured ranking's top 5 per query, to compare rankings with each other. */
type Rankings = Map<string, Map<string, string[]>>;

async function measure(
  queries: readonly LabelledQuery[],
  rank: Ranker,
  rounds: number,
  record?: { rankings: Rankings; name: string },
) {
  const ranked = new Map<string, string[]>();
  record?.rankings.set(record.name, ranked);
  for (const query of queries) ranked.set(query.id, await rank(query));
  for (const query of queries.slice(0, 5)) await rank(query);
  const times: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    for (const query of queries) {
      const started = performance.now();
      await rank(query);
      times.push(performance.now() - started);
    }
  }
  times.sort((left, right) => left - right);
  return {
    ...quality(queries, ranked),
    p50_ms: round2(percentile(times, 0.5)),
    p99_ms: round2(percentile(times, 0.99)),
  };
}

const weighted = (config: string, column: (field: string) => string) =>
  `setweight(to_tsvector('${config}', ${column('name')}), 'A') ||
   setweight(to_tsvector('${config}', ${column('description')} || ' ' || ${column('triggers')}), 'B') ||
   setweight(to_tsvector('${config}', ${column('tags')}), 'C') ||
   setweight(to_tsvector('${config}', ${column('instructions')}), 'D')`;

/** The corpus in `<schema>.keyword_docs` with its tsvectors and GIN indexes; timings of each step. */
async function loadTable(
  client: pg.Client,
  schema: string,
  skills: readonly CorpusSkill[],
  trigram: boolean,
): Promise<Record<string, number>> {
  const table = `"${schema}".keyword_docs`;
  const fields = ['name', 'description', 'instructions', 'triggers', 'tags'] as const;
  await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  await client.query(
    `CREATE TABLE ${table} (id text PRIMARY KEY, ${fields.map((field) => `${field} text NOT NULL`).join(', ')},
       ${fields.map((field) => `tok_${field} text NOT NULL`).join(', ')},
       fts_simple tsvector, fts_english tsvector, fts_tokens tsvector, summary text)`,
  );
  const timings: Record<string, number> = {};
  let started = performance.now();
  const text = (skill: CorpusSkill, field: (typeof fields)[number]) =>
    Array.isArray(skill[field]) ? (skill[field] as string[]).join(' ') : (skill[field] as string);
  for (let start = 0; start < skills.length; start += 500) {
    const batch = skills.slice(start, start + 500);
    const columns = [
      batch.map((skill) => skill.id),
      ...fields.map((field) => batch.map((skill) => text(skill, field))),
      ...fields.map((field) => batch.map((skill) => tokenize(text(skill, field)).join(' '))),
    ];
    await client.query(
      `INSERT INTO ${table} (id, ${fields.join(', ')}, ${fields.map((field) => `tok_${field}`).join(', ')})
       SELECT * FROM unnest(${columns.map((_, index) => `$${index + 1}::text[]`).join(', ')})`,
      columns,
    );
  }
  timings.insert_ms = Math.round(performance.now() - started);
  started = performance.now();
  await client.query(
    `UPDATE ${table} SET fts_simple = ${weighted('simple', (field) => field)},
       fts_english = ${weighted('english', (field) => field)},
       fts_tokens = ${weighted('simple', (field) => `tok_${field}`)},
       summary = name || ' ' || description || ' ' || triggers || ' ' || tags`,
  );
  timings.tsvector_ms = Math.round(performance.now() - started);
  started = performance.now();
  for (const column of ['fts_simple', 'fts_english', 'fts_tokens'])
    await client.query(`CREATE INDEX ON ${table} USING gin (${column})`);
  timings.gin_index_ms = Math.round(performance.now() - started);
  if (trigram) {
    started = performance.now();
    await client.query(`CREATE INDEX ON ${table} USING gist (summary gist_trgm_ops)`);
    timings.trigram_index_ms = Math.round(performance.now() - started);
  }
  await client.query(`ANALYZE ${table}`);
  return timings;
}

/**
 * BM25F in SQL over the replica's tokens: postings (term, skill, per-field counts), per-skill field
 * normalisers w_f / (1 − b_f + b_f · len_f / avglen_f) and document frequencies, as the replica's index
 * keeps them (without the background's phantom documents in the IDF).
 */
async function loadBm25Tables(client: pg.Client, schema: string): Promise<number> {
  const started = performance.now();
  const fields = KEYWORD_FIELDS;
  const table = (name: string) => `"${schema}".${name}`;
  await client.query(
    `CREATE TABLE ${table('bm25_postings')} AS
       SELECT term, id, ${fields.map((_, index) => `count(*) FILTER (WHERE field = ${index})::float8 AS tf${index}`).join(', ')}
       FROM (${fields
         .map(
           (field, index) =>
             `SELECT id, ${index} AS field, unnest(string_to_array(tok_${field}, ' ')) AS term FROM ${table('keyword_docs')}`,
         )
         .join(' UNION ALL ')}) AS tokens
       WHERE term <> '' GROUP BY term, id`,
  );
  await client.query(`CREATE INDEX ON ${table('bm25_postings')} (term)`);
  await client.query(
    `CREATE TABLE ${table('bm25_terms')} AS SELECT term, count(*)::float8 AS df FROM ${table('bm25_postings')} GROUP BY term`,
  );
  await client.query(`ALTER TABLE ${table('bm25_terms')} ADD PRIMARY KEY (term)`);
  const length = (field: string) =>
    `coalesce(cardinality(array_remove(string_to_array(tok_${field}, ' '), '')), 0)`;
  await client.query(
    `CREATE TABLE ${table('bm25_norms')} AS
       WITH lengths AS (SELECT id, ${fields.map((field, index) => `${length(field)}::float8 AS len${index}`).join(', ')}
                          FROM ${table('keyword_docs')}),
            averages AS (SELECT ${fields.map((_, index) => `greatest(avg(len${index}), 1e-9) AS avg${index}`).join(', ')} FROM lengths)
       SELECT id, ${fields
         .map((field, index) => {
           const { weight, b } = DEFAULT_FIELD_SETTINGS[field];
           return `${weight} / (1 - ${b} + ${b} * len${index} / avg${index}) AS norm${index}`;
         })
         .join(', ')}
       FROM lengths, averages`,
  );
  await client.query(`ALTER TABLE ${table('bm25_norms')} ADD PRIMARY KEY (id)`);
  await client.query(`ANALYZE ${table('bm25_postings')}`);
  await client.query(`ANALYZE ${table('bm25_terms')}`);
  await client.query(`ANALYZE ${table('bm25_norms')}`);
  return Math.round(performance.now() - started);
}

/** The 5 best skills by BM25F (k1 1.2) for the query's distinct tokens, computed by the database. */
function sqlBm25(client: pg.Client, schema: string): Ranker {
  const table = (name: string) => `"${schema}".${name}`;
  const tf = KEYWORD_FIELDS.map((_, index) => `p.tf${index} * n.norm${index}`).join(' + ');
  const sql = `WITH terms AS (
      SELECT t.term, ln(1 + (docs.n - t.df + 0.5) / (t.df + 0.5)) AS idf
      FROM ${table('bm25_terms')} AS t, (SELECT count(*)::float8 AS n FROM ${table('bm25_norms')}) AS docs
      WHERE t.term = ANY($1::text[])),
    weighted AS (
      SELECT p.id, terms.idf, ${tf} AS tf
      FROM ${table('bm25_postings')} AS p JOIN terms USING (term) JOIN ${table('bm25_norms')} AS n USING (id))
    SELECT id FROM weighted GROUP BY id ORDER BY sum(idf * tf * 2.2 / (tf + 1.2)) DESC, id LIMIT 5`;
  return async (query) =>
    (await client.query<{ id: string }>(sql, [[...new Set(tokenize(query.query))]])).rows.map(
      (row) => row.id,
    );
}

/** Whether pg_trgm can be had, and whether this bench created it (and so must drop it). */
async function enableTrigram(
  client: pg.Client,
): Promise<{ available: boolean; created: boolean; error?: string }> {
  const existed = (await client.query(`SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'`)).rowCount ?? 0;
  if (existed > 0) return { available: true, created: false };
  try {
    await client.query('CREATE EXTENSION pg_trgm');
    return { available: true, created: true };
  } catch (error) {
    return { available: false, created: false, error: (error as Error).message };
  }
}

export async function keywordComparison(options: KeywordComparisonOptions): Promise<Record<string, unknown>> {
  const rounds = Math.max(1, options.rounds ?? 3);
  const { queries, schema } = options;
  const corpus = loadCorpus(options.corpusRoot, { asLibraries: true });
  const client = new pg.Client({ connectionString: options.url });
  await client.connect();
  const trigram = await enableTrigram(client);
  const result: Record<string, unknown> = { skills: corpus.skills.length, queries: queries.length, rounds };
  const rankings: Rankings = new Map();
  try {
    const started = performance.now();
    result.database_load = {
      ...(await loadTable(client, schema, corpus.skills, trigram.available)),
      total_ms: Math.round(performance.now() - started),
    };
    const table = `"${schema}".keyword_docs`;
    const ids = async (sql: string, values: unknown[]) =>
      (await client.query<{ id: string }>(sql, values)).rows.map((row) => row.id);
    // The query's own lexemes, ORed: a document matching any of them is a candidate, ranked by cover density.
    const orQuery = (config: string) =>
      `(SELECT coalesce(string_agg(quote_literal(lexeme), ' | '), '')::tsquery
          FROM unnest(tsvector_to_array(to_tsvector('${config}', $1))) AS lexeme)`;
    const fts = (column: string, config: string, normalization = 0): Ranker => {
      const sql = `SELECT id FROM ${table}, ${orQuery(config)} AS query(q)
        WHERE ${column} @@ q ORDER BY ts_rank_cd(${column}, q, ${normalization}) DESC, id LIMIT 5`;
      return (query) => ids(sql, [column === 'fts_tokens' ? tokenize(query.query).join(' ') : query.query]);
    };
    const ftsAnd: Ranker = (query) =>
      ids(
        `SELECT id FROM ${table}, plainto_tsquery('simple', $1) AS q
          WHERE fts_simple @@ q ORDER BY ts_rank_cd(fts_simple, q) DESC, id LIMIT 5`,
        [query.query],
      );
    const database: Record<string, unknown> = {
      fts_simple_or: await measure(queries, fts('fts_simple', 'simple'), rounds),
      fts_simple_or_length_normalised: await measure(queries, fts('fts_simple', 'simple', 1), rounds),
      fts_simple_and: await measure(queries, ftsAnd, rounds),
      fts_english_or: await measure(queries, fts('fts_english', 'english'), rounds),
      fts_replica_tokens_or: await measure(queries, fts('fts_tokens', 'simple'), rounds),
      sql_bm25f_replica_tokens: {
        tables_ms: await loadBm25Tables(client, schema),
        ...(await measure(queries, sqlBm25(client, schema), rounds, { rankings, name: 'sql' })),
      },
    };
    const lexemes = await client.query<{ lexemes: string[] }>(
      `SELECT tsvector_to_array(to_tsvector('simple', '仿照徐志摩的笔调写首现代诗，要押韵')) AS lexemes`,
    );
    database.simple_parser_chinese = lexemes.rows[0]?.lexemes ?? [];
    if (trigram.available) {
      // Nearest by trigram similarity (`<->` = 1 − similarity, GiST-assisted), no threshold: a
      // sentence-long query shares only a small part of its trigrams with any summary, so any `%`
      // threshold high enough to prune drops most Chinese hits (0.05: zh R@5 10/17; 0.2: 0/17).
      const sql = `SELECT id FROM ${table} ORDER BY summary <-> $1, id LIMIT 5`;
      database.trigram_summary = await measure(queries, (query) => ids(sql, [query.query]), rounds);
      const zhTrigrams = await client.query<{ n: number }>(
        `SELECT cardinality(show_trgm('徐志摩风格思念主题诗创作')) AS n`,
      );
      database.trigram_note = `show_trgm('徐志摩风格思念主题诗创作') gives ${zhTrigrams.rows[0]?.n ?? 0} trigrams`;
    } else database.trigram_summary = { unavailable: trigram.error };
    result.postgres = database;

    // The replica: the product's index over the same skills (all libraries, so scope 'library').
    const replicaStarted = performance.now();
    const keywordOnly = new SkillSearchIndex({});
    await keywordOnly.upsert(corpus.skills);
    const hybrid = new SkillSearchIndex({ embeddings: createHashingV2Embeddings() });
    await hybrid.upsert(corpus.skills);
    const searchOptions = { scope: 'library' as const, limit: 5 };
    const bm25: Ranker = async (query) => {
      const matches = hybrid.keywords.match(hybrid.keywords.analyze(query.query));
      const scored: Array<{ slot: number; score: number }> = [];
      for (let index = 0; index < matches.count; index += 1)
        scored.push({ slot: matches.slots[index] as number, score: matches.scores[index] as number });
      scored.sort((left, right) => right.score - left.score);
      return scored.slice(0, 5).map((entry) => hybrid.keywords.idOf(entry.slot) as string);
    };
    result.replica = {
      build_ms: Math.round(performance.now() - replicaStarted),
      bm25f_only: await measure(queries, bm25, rounds, { rankings, name: 'replica' }),
      keyword_only_search: await measure(
        queries,
        async (query) => (await keywordOnly.search(query.query, searchOptions)).map((hit) => hit.id),
        rounds,
      ),
      hybrid_search: await measure(
        queries,
        async (query) => (await hybrid.search(query.query, searchOptions)).map((hit) => hit.id),
        rounds,
      ),
    };
    const sql = rankings.get('sql');
    const replica = rankings.get('replica');
    if (sql && replica) {
      const same = queries.filter(
        (query) => JSON.stringify(sql.get(query.id)) === JSON.stringify(replica.get(query.id)),
      ).length;
      result.sql_bm25f_same_top5_as_replica_bm25f = `${same}/${queries.length}`;
    }
  } finally {
    for (const name of ['keyword_docs', 'bm25_postings', 'bm25_terms', 'bm25_norms'])
      await client.query(`DROP TABLE IF EXISTS "${schema}".${name}`).catch(() => undefined);
    if (trigram.created) await client.query('DROP EXTENSION IF EXISTS pg_trgm').catch(() => undefined);
    await client.end();
  }
  return result;
}
