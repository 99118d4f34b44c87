/**
 * Corpus-wide regression check: the whole SkillBank fixture indexed with the offline embedder, the
 * labelled dev queries searched. The bars here are looser than the bench's targets (docs/retrieval.md):
 * they catch a broken tokenizer, index or calibration, not small movements.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCorpus, loadQueries } from '../../bench/retrieval-corpus.js';
import { SHARED_FIXTURES, SKILLBANK } from '../../test/support/fixtures.js';
import { createHashingV2Embeddings } from '../embeddings/hashing-v2.js';
import { SkillSearchIndex } from './search.js';

const QUERIES = join(SHARED_FIXTURES, 'retrieval-dev.jsonl');

describe.skipIf(!existsSync(SKILLBANK) || !existsSync(QUERIES))(
  'retrieval over the SkillBank fixtures',
  () => {
    it('ranks the labelled skills first and gates at the default min score', async () => {
      const corpus = loadCorpus(SKILLBANK, { asLibraries: true });
      expect(corpus.skills.length).toBeGreaterThan(5000);
      const index = new SkillSearchIndex({ embeddings: createHashingV2Embeddings() });
      await index.upsert(corpus.skills);
      let answerable = 0;
      let top5 = 0;
      let kept = 0;
      let negatives = 0;
      let rejected = 0;
      for (const query of loadQueries(QUERIES)) {
        const hits = await index.search(query.query, { scope: 'library', limit: 5 });
        if (query.relevant.length === 0) {
          negatives += 1;
          if (!hits.some((hit) => hit.score >= 0.4)) rejected += 1;
          continue;
        }
        answerable += 1;
        if (hits.some((hit) => query.relevant.includes(hit.id))) top5 += 1;
        if (hits.some((hit) => query.relevant.includes(hit.id) && hit.score >= 0.4)) kept += 1;
      }
      expect(top5 / answerable).toBeGreaterThanOrEqual(0.9);
      expect(kept / answerable).toBeGreaterThanOrEqual(0.8);
      expect(rejected / negatives).toBeGreaterThanOrEqual(0.75);
    }, 120_000);
  },
);
