import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ORIGINAL_STORE } from '../../test/support/fixtures.js';
import { embeddingIndexName, pythonJson, sameSignature, signatureDigest } from './signature.js';

describe('embeddingIndexName', () => {
  // The six verified names from the original (reference core.md §3.5).
  it.each([
    [{ provider: 'hashing', model: 'default', dimensions: 256 }, 'skills-hashing-default-d256-8c95e52120'],
    [
      { provider: 'openai', model: 'text-embedding-3-small' },
      'skills-openai-text-embedding-3-small-cfdfafdbd5',
    ],
    [{ provider: 'dashscope', model: 'text-embedding-v4' }, 'skills-dashscope-text-embedding-v4-53c18b27df'],
    [{ provider: 'glm', model: 'embedding-3', dimensions: 1024 }, 'skills-glm-embedding-3-d1024-e1ca67ea30'],
    [{ provider: 'generic', model: 'embd_qwen3vl8b' }, 'skills-generic-embd-qwen3vl8b-bdd275d122'],
    [{ provider: 'none', model: 'default' }, 'skills-none-default-333b3c99ca'],
  ])('names %o as %s', (signature, name) => {
    expect(embeddingIndexName(signature)).toBe(name);
  });

  it('matches the index files the original wrote', () => {
    const names = new Set(readdirSync(join(ORIGINAL_STORE, 'vectors')).map((file) => file.split('.')[0]));
    expect(names.has(embeddingIndexName({ provider: 'hashing', model: 'default', dimensions: 256 }))).toBe(
      true,
    );
  });

  it('slugs and truncates provider and model, falling back to "model"', () => {
    const name = embeddingIndexName({
      provider: 'My Provider With A Long Name',
      model: 'BAAI/bge-m3:latest@Q4 — 中文 very long model identifier',
    });
    expect(name).toMatch(/^skills-my-provider-with-baai-bge-m3-latest-q4-very-l-[0-9a-f]{10}$/);
    expect(embeddingIndexName({ provider: 'x', model: '中文' })).toMatch(/^skills-x-model-[0-9a-f]{10}$/);
  });

  it('separates vector spaces by model and dimensions', () => {
    const base = { provider: 'hashing', model: 'default', dimensions: 256 };
    const names = new Set([
      embeddingIndexName(base),
      embeddingIndexName({ ...base, dimensions: 512 }),
      embeddingIndexName({ ...base, model: 'ngram-v2' }),
    ]);
    expect(names.size).toBe(3);
    expect(sameSignature(base, { ...base })).toBe(true);
    expect(sameSignature(base, { ...base, dimensions: 512 })).toBe(false);
  });
});

describe('pythonJson', () => {
  it("serialises like Python's json.dumps(sort_keys=True, ensure_ascii=False)", () => {
    expect(pythonJson({ provider: 'hashing', model: 'default', dimensions: 256 })).toBe(
      '{"dimensions": 256, "model": "default", "provider": "hashing"}',
    );
    expect(pythonJson({ b: [1, 'x', null, true], a: { z: '中文\n"' } })).toBe(
      '{"a": {"z": "中文\\n\\""}, "b": [1, "x", null, true]}',
    );
  });

  it('digests the serialised signature with SHA-1', () => {
    expect(signatureDigest({ provider: 'none', model: 'default' })).toBe('333b3c99ca');
  });
});
