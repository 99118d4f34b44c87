/**
 * Offline embedding throughput over the SkillBank fixtures: every skill's retrieval text embedded with
 * each `hashing` model (the original's `default`, and `ngram-v2`), cold (first pass) and warm (the
 * token-slot cache filled). Prints one JSON object.
 *
 *   npx tsx bench/embeddings-offline.ts [--corpus ../shared/fixtures/skillbank]
 */
import { parseArgs } from 'node:util';
import { createHashingEmbeddingConnector } from '../src/embeddings/index.js';
import { retrievalText } from '../src/index/retrieval-text.js';
import { SKILLBANK } from '../test/support/fixtures.js';
import { loadCorpus } from './retrieval-corpus.js';

const { values } = parseArgs({ options: { corpus: { type: 'string', default: SKILLBANK } } });
const { skills } = loadCorpus(values.corpus ?? SKILLBANK);
const texts = skills.map((skill) => retrievalText(skill));
const characters = texts.reduce((sum, text) => sum + text.length, 0);

async function timeModel(model: string) {
  const connector = await createHashingEmbeddingConnector({ model });
  const pass = async () => {
    const started = performance.now();
    for (let start = 0; start < texts.length; start += connector.maxBatchSize) {
      await connector.doEmbed({ texts: texts.slice(start, start + connector.maxBatchSize) });
    }
    return Math.round(performance.now() - started);
  };
  const coldMs = await pass();
  const warmMs = await pass();
  return {
    dimensions: connector.dimensions,
    cold_ms: coldMs,
    warm_ms: warmMs,
    texts_per_second: Math.round((texts.length / warmMs) * 1000),
  };
}

console.log(
  JSON.stringify({
    bench: 'embeddings-offline',
    skills: texts.length,
    mean_chars: Math.round(characters / texts.length),
    default: await timeModel('default'),
    'ngram-v2': await timeModel('ngram-v2'),
    rss_mb: Math.round(process.memoryUsage().rss / 1048576),
  }),
);
