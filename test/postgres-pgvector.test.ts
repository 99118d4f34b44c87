/**
 * The pgvector path, on PGlite with its pgvector extension through the ordinary `pg` client: the
 * PostgreSQL store keeps vectors in a `vector(D)` column with an HNSW index. With exact vector search the
 * ranking equals the filesystem store's on the dev queries. The approximate HNSW search may differ; how
 * much is measured by `bench/postgres.ts`, not required here. On a small store: the default backend
 * builds the HNSW index and searches through it, `vectors: 'auto'` finds the extension (and, on Debian's
 * PostgreSQL without it, falls back to the column backend), and an edited skill's new vector is the one
 * searched, by this index and by a freshly opened one (another replica).
 */
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadQueries } from '../bench/retrieval-corpus.js';
import { createHashingV2Embeddings } from '../src/embeddings/hashing-v2.js';
import { FileSkillStore } from '../src/store/fs/file-skill-store.js';
import { PostgresSkillStore } from '../src/store/postgres/postgres-skill-store.js';
import { copySkillStore } from '../src/store/postgres/store-copy.js';
import { createSkillSearch, type SkillSearch } from '../src/store/skill-search.js';
import type { CreateSkillInput } from '../src/store/types.js';
import { requireFixtures, SHARED_FIXTURES, SKILLBANK } from './support/fixtures.js';
import { type PgliteServer, startPglite } from './support/pglite.js';
import { postgresServer, postgresSkipReason } from './support/postgres.js';

const USER = 'u6';

describe('pgvector on PGlite through pg', () => {
  let pglite: PgliteServer;
  let source: FileSkillStore;
  let target: PostgresSkillStore;
  const searches: SkillSearch[] = [];

  beforeAll(async () => {
    requireFixtures();
    pglite = await startPglite();
    source = new FileSkillStore({
      root: SKILLBANK,
      readOnly: true,
      libraryDirs: [{ name: 'ConvSkill', path: join(SKILLBANK, 'ConvSkill') }],
    });
    await source.open();
    target = new PostgresSkillStore({ url: pglite.url, vectors: 'pgvector', maxConnections: 4 });
    await target.open();
  }, 120_000);

  afterAll(async () => {
    for (const search of searches) await search.close();
    await target?.close();
    await source?.close();
    await pglite?.stop();
  });

  it('ranks every dev query as the filesystem store with exact search', async () => {
    const copy = await copySkillStore({ from: source, to: target });
    expect(copy.verification.ok).toBe(true);
    const embeddings = createHashingV2Embeddings({ dimensions: 256 });
    const fileSearch = createSkillSearch({ store: source, embeddings, vectorsDir: null });
    const exact = createSkillSearch({
      store: target,
      embeddings,
      // Bulk loads into PGlite (WebAssembly) are faster without the HNSW index; exact search needs none.
      vectorBackendConfig: { exact: true, hnsw: false },
    });
    searches.push(fileSearch, exact);
    await fileSearch.open();
    await exact.open();
    expect((await exact.vectorStatus()).backend).toBe('pgvector');
    const queries = loadQueries(join(SHARED_FIXTURES, 'retrieval-dev.jsonl'));
    const options = { userId: USER, scope: 'all' as const, limit: 5 };
    for (const query of queries) {
      const expected = await fileSearch.search(query.query, options);
      const actual = await exact.search(query.query, options);
      expect(
        actual.map((hit) => hit.skill.id),
        query.id,
      ).toEqual(expected.map((hit) => hit.skill.id));
      actual.forEach((hit, index) => {
        // pgvector sums in single precision; the calibrated scores agree to about 1e-6.
        expect(Math.abs(hit.score - (expected[index]?.score ?? Number.NaN))).toBeLessThan(1e-4);
      });
    }
  }, 600_000);
});

/** A small store: PGlite (WebAssembly) is slow, and these tests are about the SQL path, not the corpus. */
const SMALL_STORE: CreateSkillInput[] = [
  [
    'sourdough-baking',
    'How I bake sourdough bread',
    'Feed the starter the night before; bake the loaf at 250 °C in a covered pot.',
  ],
  [
    'weekly-report',
    'How I want weekly reports',
    'Never invent numbers; cite the source of every figure in the report.',
  ],
  [
    'tax-return-checklist',
    'Preparing my tax return',
    'Collect payslips, receipts and bank statements before filling in the tax return.',
  ],
  [
    'code-review-style',
    'How I review pull requests',
    'Comment on naming and tests first; approve only when the build is green.',
  ],
  [
    'travel-packing',
    'Packing for a trip',
    'Pack passport, chargers and one spare set of clothes; check the weather first.',
  ],
  ['中文周报', '写中文周报的要求', '每个数字都要注明来源，结尾列出下周计划和负责人。'],
  [
    'meeting-notes',
    'Meeting notes format',
    'List decisions first, then action items with owners and due dates.',
  ],
  ['email-tone', 'Tone of my emails', 'Keep emails short and friendly; end with one clear question.'],
].map(([name, description, instructions]) => ({
  owner: USER,
  name: name ?? '',
  description: description ?? '',
  instructions: `# Goal\n${instructions}`,
  tags: [],
  triggers: [],
}));

describe('pgvector on a small store: HNSW, auto detection, vectors after an edit', () => {
  let pglite: PgliteServer;
  let admin: pg.Pool;
  const closers: Array<() => Promise<void>> = [];
  const embeddings = createHashingV2Embeddings({ dimensions: 256 });
  let schemaCounter = 0;

  beforeAll(async () => {
    pglite = await startPglite();
    admin = new pg.Pool({ connectionString: pglite.url, max: 1 });
  }, 120_000);

  afterAll(async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
    await admin?.end();
    await pglite?.stop();
  });

  async function smallStore(options: { vectors?: 'auto' | 'pgvector' | 'column' } = {}) {
    schemaCounter += 1;
    const schema = `small_${schemaCounter}`;
    const store = new PostgresSkillStore({
      url: `${pglite.url}?schema=${schema}`,
      maxConnections: 2,
      ...options,
    });
    await store.open();
    closers.push(() => store.close());
    const ids: string[] = [];
    for (const input of SMALL_STORE) ids.push((await store.create(input, { actor: 'test' })).id);
    return { store, schema, ids };
  }

  function openSearch(store: PostgresSkillStore, config: Record<string, unknown> = {}): Promise<SkillSearch> {
    const search = createSkillSearch({ store, embeddings, vectorBackendConfig: config });
    closers.push(() => search.close());
    return search.open().then(() => search);
  }

  async function vectorTable(schema: string): Promise<string> {
    const result = await admin.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 AND table_name LIKE 'pgv\\_%'",
      [schema],
    );
    expect(result.rows).toHaveLength(1);
    return `"${schema}"."${result.rows[0]?.name}"`;
  }

  const options = { userId: USER, scope: 'all' as const, limit: 3, minScore: 0 };

  it('builds the HNSW index by default and ranks through it as the exact search does', async () => {
    const { store, schema } = await smallStore({ vectors: 'pgvector' });
    const approximate = await openSearch(store);
    expect((await approximate.vectorStatus()).backend).toBe('pgvector');
    expect((await approximate.vectorStatus()).vectors).toBe(SMALL_STORE.length);
    const indexes = await admin.query<{ indexdef: string }>(
      'SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname LIKE $2',
      [schema, 'pgv\\_%\\_hnsw'],
    );
    expect(indexes.rows.map((row) => row.indexdef)).toEqual([
      expect.stringMatching(/USING hnsw \(embedding vector_cosine_ops\)/),
    ]);
    const exact = await openSearch(store, { exact: true });
    for (const query of [
      'bake sourdough bread',
      'weekly report numbers sources',
      '中文周报 下周计划',
      'pull request review',
    ]) {
      const viaIndex = await approximate.search(query, options);
      const viaScan = await exact.search(query, options);
      expect(viaIndex.length, query).toBeGreaterThan(0);
      expect(
        viaIndex.map((hit) => hit.skill.id),
        query,
      ).toEqual(viaScan.map((hit) => hit.skill.id));
      expect(viaIndex[0]?.parts.cosine, query).toBeCloseTo(viaScan[0]?.parts.cosine ?? Number.NaN, 4);
    }
    expect((await approximate.search('bake sourdough bread', options))[0]?.skill.name).toBe(
      'sourdough-baking',
    );
  }, 120_000);

  it("detects pgvector with vectors: 'auto'", async () => {
    const { store, schema } = await smallStore();
    expect(await store.usesPgvector()).toBe(true);
    const search = await openSearch(store);
    const status = await search.vectorStatus();
    expect(status).toMatchObject({ backend: 'pgvector', vectors: SMALL_STORE.length, missing: 0 });
    await vectorTable(schema);
    expect((await search.search('packing for a trip passport', options))[0]?.skill.name).toBe(
      'travel-packing',
    );
  }, 120_000);

  it('searches the new vector of an edited skill, here and in a freshly opened index', async () => {
    const { store, schema, ids } = await smallStore({ vectors: 'pgvector' });
    const search = await openSearch(store);
    const table = await vectorTable(schema);
    const taxId = ids[SMALL_STORE.findIndex((input) => input.name === 'tax-return-checklist')] ?? '';
    const stored = async () =>
      (
        await admin.query<{ embedding: string }>(
          `SELECT embedding::text AS embedding FROM ${table} WHERE id = $1`,
          [taxId],
        )
      ).rows[0]?.embedding;
    const newTopic = 'kayak rolling practice in cold water';
    const cosineOf = async (index: SkillSearch, query: string) =>
      (await index.search(query, { ...options, limit: SMALL_STORE.length })).find(
        (hit) => hit.skill.id === taxId,
      )?.parts.cosine ?? 0;
    const before = await stored();
    const cosineBefore = await cosineOf(search, newTopic);
    expect((await search.search(newTopic, options))[0]?.skill.id).not.toBe(taxId);

    await store.update(
      taxId,
      {
        description: 'How I practise kayak rolling',
        instructions: '# Goal\nPractise kayak rolling in cold water: hip snap first, then the sweep roll.',
      },
      { actor: 'test', reason: 'edit' },
    );
    await search.catchUp();
    const after = await stored();
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    const top = (await search.search(newTopic, options))[0];
    expect(top?.skill.id).toBe(taxId);
    expect(top?.skill.description).toBe('How I practise kayak rolling');
    expect(top?.parts.cosine ?? 0).toBeGreaterThan(cosineBefore + 0.2);

    // Another index over the same database (another replica) reads the same, new vector.
    const other = await openSearch(store, { exact: true });
    expect((await other.search(newTopic, options))[0]?.skill.id).toBe(taxId);
    expect(await cosineOf(other, newTopic)).toBeCloseTo(top?.parts.cosine ?? Number.NaN, 4);
    expect(await stored()).toBe(after);
  }, 120_000);
});

const debianSkip = postgresSkipReason();

describe.skipIf(debianSkip !== null)("vectors: 'auto' on PostgreSQL without pgvector", () => {
  afterAll(async () => {
    await (await postgresServer()).stop();
  });

  it('falls back to vectors in a plain column, scored in the replica', async (context) => {
    const server = await postgresServer();
    const schema = server.freshSchema('autovec');
    const store = new PostgresSkillStore({ url: `${server.url}?schema=${schema}`, maxConnections: 2 });
    try {
      await store.open();
      const available = await store.usesPgvector();
      // Debian's PostgreSQL packages have no pgvector; a server that has it is the case above.
      if (available) context.skip('this server has pgvector: the fallback is not used');
      for (const input of SMALL_STORE.slice(0, 3)) await store.create(input, { actor: 'test' });
      const search = createSkillSearch({ store, embeddings: createHashingV2Embeddings({ dimensions: 256 }) });
      try {
        await search.open();
        expect(await search.vectorStatus()).toMatchObject({ backend: 'postgres', vectors: 3, missing: 0 });
        const hits = await search.search('bake sourdough bread', { userId: USER, limit: 1, minScore: 0 });
        expect(hits[0]?.skill.name).toBe('sourdough-baking');
        expect(hits[0]?.parts.cosine).not.toBeNull();
      } finally {
        await search.close();
      }
    } finally {
      await store.close();
      await server.dropSchema(schema);
    }
  }, 60_000);
});
