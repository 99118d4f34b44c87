/**
 * Search over the PostgreSQL store ranks exactly as over the filesystem store: the 5,188-skill corpus is
 * copied from its SkillBank folder into PostgreSQL (`store copy`), then every dev query runs through the
 * store-side search on both, with vectors in a plain column (scored in the replica) — the same keyword
 * scoring and exact vector search, so the same ranking.
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
import { postgresServer, postgresSkipReason } from './support/postgres.js';

const skip = postgresSkipReason();
const USER = 'u6';

describe.skipIf(skip !== null)(
  'PostgreSQL store search equals the filesystem store on the dev queries',
  () => {
    let source: FileSkillStore;
    let target: PostgresSkillStore;
    let schema = '';
    const searches: SkillSearch[] = [];

    beforeAll(async () => {
      requireFixtures();
      source = new FileSkillStore({
        root: SKILLBANK,
        readOnly: true,
        libraryDirs: [{ name: 'ConvSkill', path: join(SKILLBANK, 'ConvSkill') }],
      });
      await source.open();
      const server = await postgresServer();
      schema = server.freshSchema('search');
      target = new PostgresSkillStore({ url: server.url, schema, vectors: 'column' });
      await target.open();
    }, 120_000);

    afterAll(async () => {
      for (const search of searches) await search.close();
      await target?.close();
      await source?.close();
      const server = await postgresServer();
      await server.dropSchema(schema);
      await server.stop();
    });

    it('copies the corpus, verified, and a second copy writes nothing', async () => {
      const started = performance.now();
      const report = await copySkillStore({ from: source, to: target });
      const firstMs = performance.now() - started;
      expect(report.conflicts).toEqual([]);
      expect(report.verification).toMatchObject({ ok: true, mismatches: [] });
      expect(report.skills).toBe(report.verification.sourceVisible);
      expect(report.verification.targetVisible).toBe(report.verification.sourceVisible);
      expect(report.skills).toBeGreaterThan(5000);
      const again = await copySkillStore({ from: source, to: target });
      expect(again).toMatchObject({ copied: 0, revisions: 0, conflicts: [] });
      expect(again.unchanged).toBe(report.skills);
      console.info(`copy of ${report.skills} skills: ${Math.round(firstMs)} ms`);
    }, 240_000);

    it('ranks every dev query the same (ids, order and calibrated scores)', async () => {
      const embeddings = createHashingV2Embeddings();
      const fileSearch = createSkillSearch({ store: source, embeddings, vectorsDir: null });
      const postgresSearch = createSkillSearch({ store: target, embeddings });
      searches.push(fileSearch, postgresSearch);
      await fileSearch.open();
      await postgresSearch.open();
      expect((await postgresSearch.vectorStatus()).backend).toBe('postgres');
      const queries = loadQueries(join(SHARED_FIXTURES, 'retrieval-dev.jsonl'));
      expect(queries.length).toBeGreaterThan(30);
      for (const query of queries) {
        const options = { userId: USER, scope: 'all' as const, limit: 5 };
        const expected = await fileSearch.search(query.query, options);
        const actual = await postgresSearch.search(query.query, options);
        expect(
          actual.map((hit) => hit.skill.id),
          query.id,
        ).toEqual(expected.map((hit) => hit.skill.id));
        actual.forEach((hit, index) => {
          expect(hit.score).toBeCloseTo(expected[index]?.score ?? Number.NaN, 9);
        });
      }
    }, 240_000);
  },
);
