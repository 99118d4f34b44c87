/**
 * @module The behaviour every embedding connector must show, as a vitest suite to run against each
 * implementation (hashing, every HTTP provider against the fake model server, custom connectors). Not
 * exported from `autoskill/testing`'s index because it needs vitest at runtime.
 */
import { describe, expect, it } from 'vitest';
import type { EmbeddingConnector } from '../embeddings/types.js';
import { isAutoSkillError } from '../shared/errors.js';

export interface EmbeddingConnectorContractOptions {
  /** Names the suite. */
  name: string;
  /** A fresh connector per test. */
  create: () => EmbeddingConnector | Promise<EmbeddingConnector>;
  /** Same text, same vector, across calls and batch compositions. @default true */
  deterministic?: boolean;
}

const TEXTS = [
  'Release process: regression tests, canary, monitor, then full rollout',
  '撰写政府工作报告时不要编造数字',
  'Mixed 中英文 text with code `npm test` and emoji 🚀',
];

export function runEmbeddingConnectorContract({
  name,
  create,
  deterministic = true,
}: EmbeddingConnectorContractOptions): void {
  describe(`embedding connector contract: ${name}`, () => {
    it('declares the v1 contract consistently', async () => {
      const connector = await create();
      expect(connector.specificationVersion).toBe('v1');
      expect(connector.provider).toMatch(/^[a-z0-9_-]+$/);
      expect(connector.modelId.length).toBeGreaterThan(0);
      expect(connector.disabled).toBe(false);
      expect(Number.isInteger(connector.maxBatchSize) && connector.maxBatchSize >= 1).toBe(true);
      expect(connector.signature.provider).toBe(connector.provider);
      expect(connector.signature.model).toBe(connector.modelId);
      if (connector.signature.dimensions !== undefined) {
        expect(connector.dimensions).toBe(connector.signature.dimensions);
      }
    });

    it('returns one finite vector per text, all of one length, matching `dimensions`', async () => {
      const connector = await create();
      const { embeddings } = await connector.doEmbed({ texts: TEXTS });
      expect(embeddings).toHaveLength(TEXTS.length);
      const length = embeddings[0]?.length ?? 0;
      expect(length).toBeGreaterThan(0);
      for (const vector of embeddings) {
        expect(vector).toHaveLength(length);
        expect(vector.every(Number.isFinite)).toBe(true);
      }
      expect(connector.dimensions).toBe(length);
    });

    it('returns an empty result for no texts', async () => {
      const connector = await create();
      expect((await connector.doEmbed({ texts: [] })).embeddings).toEqual([]);
    });

    it('gives an empty text a vector of the same length', async () => {
      const connector = await create();
      const { embeddings } = await connector.doEmbed({ texts: ['', 'skill'] });
      expect(embeddings).toHaveLength(2);
      expect(embeddings[0]).toHaveLength(embeddings[1]?.length ?? -1);
    });

    it('keeps input order across more texts than one batch', async () => {
      const connector = await create();
      const count = Math.min(connector.maxBatchSize, 300) + 3;
      const texts = Array.from({ length: count }, (_, index) => `text number ${index} 第${index}条`);
      const { embeddings } = await connector.doEmbed({ texts });
      expect(embeddings).toHaveLength(count);
      if (deterministic) {
        const last = await connector.doEmbed({ texts: [texts[count - 1] as string, texts[0] as string] });
        expect(last.embeddings[0]).toEqual(embeddings[count - 1]);
        expect(last.embeddings[1]).toEqual(embeddings[0]);
      }
    });

    it('refuses to work for an aborted signal', async () => {
      const connector = await create();
      const failure = await connector
        .doEmbed({ texts: ['x'], abortSignal: AbortSignal.abort() })
        .catch((error) => error);
      expect(isAutoSkillError(failure, 'ABORTED')).toBe(true);
    });
  });
}
