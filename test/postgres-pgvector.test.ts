/**
 * The pgvector path, on PGlite with its pgvector extension through the ordinary `pg` client: the
 * PostgreSQL store keeps vectors in a `vector(D)` column with an HNSW index. With exact vector search the
 * ranking equals the filesystem store's on the dev queries. The approximate HNSW search may differ; how
 * much is measured by `bench/postgres.ts`, not required here.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadQueries } from '../bench/retrieval-corpus.js';
import { createHashingV2Embeddings } from '../src/embeddings/hashing-v2.js';
import { FileSkillStore } from '../src/store/fs/file-skill-store.js';
import { PostgresSkillStore } from '../src/store/postgres/postgres-skill-store.js';
import { copySkillStore } from '../src/store/postgres/store-copy.js';
import { createSkillSearch, type SkillSearch } from '../src/store/skill-search.js';
import { requireFixtures, SHARED_FIXTURES, SKILLBANK } from './support/fixtures.js';
import { type PgliteServer, startPglite } from './support/pglite.js';

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
