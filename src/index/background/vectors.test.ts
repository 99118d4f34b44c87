import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../test/support/fixtures.js';
import type { EmbeddingConnector } from '../../embeddings/types.js';
import { backgroundCachePath, backgroundCosines, loadBackgroundVectors } from './vectors.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});
function tempDir(): string {
  const temp = makeTempDir('autoskill-background-');
  cleanups.push(temp.cleanup);
  return temp.dir;
}

/** A "remote" embedder that counts the texts it is sent. */
function countingEmbedder(model = 'remote-1', dimensions = 4): EmbeddingConnector & { sent: number } {
  const connector = {
    sent: 0,
    specificationVersion: 'v1' as const,
    provider: 'fake',
    modelId: model,
    dimensions,
    maxBatchSize: 3,
    disabled: false,
    signature: { provider: 'fake', model, dimensions },
    async doEmbed({ texts }: { texts: readonly string[] }) {
      connector.sent += texts.length;
      return {
        embeddings: texts.map((text) =>
          Array.from({ length: dimensions }, (_, index) => ((text.length + index) % 5) / 5 - 0.4),
        ),
      };
    },
  };
  return connector;
}

const TEXTS = ['alpha', 'beta gamma', 'delta', '周报写作', 'epsilon zeta eta'];

describe('background vectors', () => {
  it('embeds once in batches, then reads the side file for the same signature and texts', async () => {
    const dir = tempDir();
    const cacheFile = backgroundCachePath(join(dir, 'vectors'), 'skills-fake-remote-1-d4-0000000000');
    expect(cacheFile).toBe(join(dir, 'vectors', 'skills-fake-remote-1-d4-0000000000.background.json'));
    const embeddings = countingEmbedder();
    const first = await loadBackgroundVectors({ embeddings, texts: TEXTS, cacheFile });
    expect(first.source).toBe('embedded');
    expect(embeddings.sent).toBe(TEXTS.length);
    expect(first.vectors).toMatchObject({ dimensions: 4, count: TEXTS.length });
    expect(existsSync(cacheFile)).toBe(true);

    const again = await loadBackgroundVectors({ embeddings, texts: TEXTS, cacheFile });
    expect(again.source).toBe('cache');
    expect(embeddings.sent).toBe(TEXTS.length);
    expect(Array.from(again.vectors.rows)).toEqual(Array.from(first.vectors.rows));
  });

  it('ignores a cache of another model, other texts, or a damaged file, and rewrites it', async () => {
    const cacheFile = join(tempDir(), 'bg.background.json');
    await loadBackgroundVectors({ embeddings: countingEmbedder('remote-1'), texts: TEXTS, cacheFile });

    const otherModel = countingEmbedder('remote-2');
    expect((await loadBackgroundVectors({ embeddings: otherModel, texts: TEXTS, cacheFile })).source).toBe(
      'embedded',
    );
    expect(otherModel.sent).toBe(TEXTS.length);

    const edited = countingEmbedder('remote-2');
    const changed = [...TEXTS.slice(0, -1), 'a new document'];
    expect((await loadBackgroundVectors({ embeddings: edited, texts: changed, cacheFile })).source).toBe(
      'embedded',
    );

    const cache = JSON.parse(readFileSync(cacheFile, 'utf8'));
    writeFileSync(cacheFile, JSON.stringify({ ...cache, vectors: cache.vectors.slice(0, 8) }));
    expect((await loadBackgroundVectors({ embeddings: edited, texts: changed, cacheFile })).source).toBe(
      'embedded',
    );
    writeFileSync(cacheFile, '{ not json');
    expect((await loadBackgroundVectors({ embeddings: edited, texts: changed, cacheFile })).source).toBe(
      'embedded',
    );
    expect((await loadBackgroundVectors({ embeddings: edited, texts: changed, cacheFile })).source).toBe(
      'cache',
    );
  });

  it('still serves the vectors when the side file cannot be written', async () => {
    // A file where the folder should be: writing fails even for root.
    const blocker = join(tempDir(), 'not-a-folder');
    writeFileSync(blocker, '');
    const loaded = await loadBackgroundVectors({
      embeddings: countingEmbedder(),
      texts: TEXTS,
      cacheFile: join(blocker, 'vectors', 'bg.background.json'),
    });
    expect(loaded.vectors.count).toBe(TEXTS.length);
  });

  it('scores a query against every row (sparse over the query, same as a dense dot product)', async () => {
    const { vectors } = await loadBackgroundVectors({ embeddings: countingEmbedder(), texts: TEXTS });
    const query = Float32Array.from([0.5, 0, -0.25, 0]);
    const cosines = backgroundCosines(query, vectors);
    for (let row = 0; row < vectors.count; row += 1) {
      let dot = 0;
      for (let index = 0; index < 4; index += 1)
        dot += (query[index] as number) * (vectors.rows[row * 4 + index] as number);
      expect(cosines[row]).toBeCloseTo(dot, 6);
    }
    expect(Array.from(backgroundCosines(Float32Array.from([1, 0]), vectors)).every(Number.isNaN)).toBe(true);
  });
});
