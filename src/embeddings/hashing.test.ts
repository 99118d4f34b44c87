import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ORIGINAL_STORE } from '../../test/support/fixtures.js';
import { runEmbeddingConnectorContract } from '../testing/embedding-connector-contract.js';
import {
  createHashingEmbeddingConnector,
  forEachHashingToken,
  HASHING_DEFAULT_DIMENSIONS,
  HASHING_TOKEN_PATTERN,
  hashingEmbedding,
  listHashingModels,
  registerHashingModel,
} from './hashing.js';
import { embeddingIndexName } from './signature.js';

describe('hashingEmbedding (the original algorithm)', () => {
  it('reproduces the verified test vector', () => {
    expect(hashingEmbedding('hello world', 8)).toEqual([0, 0, 0, 0, 0, 1, 0, 0]);
  });

  it('is case-insensitive, unit length, and zero for text without tokens', () => {
    const vector = hashingEmbedding('Deploy the App 部署应用');
    expect(vector).toHaveLength(HASHING_DEFAULT_DIMENSIONS);
    expect(vector).toEqual(hashingEmbedding('deploy THE app 部署应用'));
    expect(Math.hypot(...vector)).toBeCloseTo(1, 12);
    expect(hashingEmbedding('!!! ... ١٢٣', 16)).toEqual(new Array(16).fill(0));
  });

  it('tokenises like Python: ASCII runs first, then letter runs (so café → caf + é)', () => {
    // Same tokens, same vector: "café" is the tokens "caf" and "é".
    expect(hashingEmbedding('café', 64)).toEqual(hashingEmbedding('caf é', 64));
    // A letter run swallows following ASCII letters: "中文abc" is one token, "abc中文" two.
    expect(hashingEmbedding('abc中文', 64)).toEqual(hashingEmbedding('abc 中文', 64));
    expect(hashingEmbedding('中文abc', 64)).not.toEqual(hashingEmbedding('中文 abc', 64));
    // Decimal digits of any script split letter runs; only ASCII digits become tokens.
    expect(hashingEmbedding('x١y', 64)).toEqual(hashingEmbedding('x y', 64));
  });

  it('scans tokens exactly as the Python-equivalent regex matches them', () => {
    const scan = (text: string) => {
      const tokens: string[] = [];
      forEachHashingToken(text, (token) => tokens.push(token));
      return tokens;
    };
    const regex = (text: string) => [...text.matchAll(HASHING_TOKEN_PATTERN)].map((match) => match[0]);
    const alphabet = [
      'a',
      'Z',
      '0',
      '_',
      ' ',
      '-',
      'é',
      '中',
      '文',
      '²',
      'Ⅻ',
      '١',
      '𠀀',
      '🚀',
      '\u0301',
      'ß',
      'я',
      '\n',
    ];
    const same = (text: string) => JSON.stringify(scan(text)) === JSON.stringify(regex(text));
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 40 }), (characters) =>
        same(characters.join('')),
      ),
      { numRuns: 2000 },
    );
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 60 }), same), { numRuns: 2000 });
    expect(scan('Café 中文abc x²y')).toEqual(['Caf', 'é', '中文abc', 'x', '²y']);
  });

  it('reproduces, float32 for float32, every vector the original stored for its skills', () => {
    const base = join(ORIGINAL_STORE, 'vectors', 'skills-hashing-default-d256-8c95e52120');
    const ids = readFileSync(`${base}.ids.txt`, 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
    const rows = readFileSync(`${base}.vecs.f32`);
    const skillFiles = readdirSync(ORIGINAL_STORE, { recursive: true, encoding: 'utf8' }).filter((path) =>
      path.endsWith('SKILL.md'),
    );
    let compared = 0;
    for (const path of skillFiles) {
      const [, frontMatter = '', ...rest] = readFileSync(join(ORIGINAL_STORE, path), 'utf8').split(/^---$/m);
      const meta = parse(frontMatter) as {
        id: string;
        name: string;
        description: string;
        triggers?: string[];
        tags?: string[];
      };
      const row = ids.indexOf(meta.id);
      if (row < 0) continue;
      // The original's retrieval text (core.md §6.1), with its parser's quirk: a `## Prompt` section that
      // starts with a `# ` heading reads as empty, and the instructions become the whole body.
      const body = rest.join('---');
      const section = /^## Prompt\s*$([\s\S]*?)(?=^## |^# |(?![\s\S]))/m.exec(body)?.[1] ?? '';
      const instructions = section.trim() === '' ? body : section;
      const text = [
        `Name: ${meta.name}`,
        `Description: ${meta.description}`,
        `Instructions: ${instructions}`,
        'Triggers:',
        ...(meta.triggers ?? []),
        `Tags: ${(meta.tags ?? []).join(' ')}`,
        'Resources:',
      ].join('\n');
      const ours = hashingEmbedding(text, 256);
      const stored = Array.from({ length: 256 }, (_, column) => rows.readFloatLE(row * 1024 + column * 4));
      expect(ours.map(Math.fround)).toEqual(stored);
      compared += 1;
    }
    expect(compared).toBe(ids.length);
  });
});

describe('createHashingEmbeddingConnector', () => {
  it('defaults to ngram-v2, whose signature never names the original files', async () => {
    const connector = await createHashingEmbeddingConnector({});
    expect(connector.modelId).toBe('ngram-v2');
    expect(embeddingIndexName(connector.signature)).not.toContain('hashing-default');
  });

  it('model default is the original algorithm, 256 dimensions, and its signature', async () => {
    const connector = await createHashingEmbeddingConnector({ model: 'default' });
    expect(connector.modelId).toBe('default');
    expect(connector.dimensions).toBe(256);
    expect(embeddingIndexName(connector.signature)).toBe('skills-hashing-default-d256-8c95e52120');
    const { embeddings } = await connector.doEmbed({ texts: ['hello world'] });
    expect(embeddings[0]).toEqual(hashingEmbedding('hello world', 256));
  });

  it('honours configured dimensions', async () => {
    const connector = await createHashingEmbeddingConnector({ model: 'default', dimensions: 8 });
    expect((await connector.doEmbed({ texts: ['hello world'] })).embeddings).toEqual([
      [0, 0, 0, 0, 0, 1, 0, 0],
    ]);
    expect(connector.signature).toEqual({ provider: 'hashing', model: 'default', dimensions: 8 });
  });

  it('looks other algorithms up by model name, and lists them when the name is unknown', async () => {
    registerHashingModel('test-constant', ({ dimensions = 4 }) => ({
      specificationVersion: 'v1',
      provider: 'hashing',
      modelId: 'test-constant',
      dimensions,
      maxBatchSize: 10,
      disabled: false,
      signature: { provider: 'hashing', model: 'test-constant', dimensions },
      doEmbed: async ({ texts }) => ({ embeddings: texts.map(() => new Array(dimensions).fill(0.5)) }),
    }));
    const custom = await createHashingEmbeddingConnector({ model: 'test-constant' });
    expect(embeddingIndexName(custom.signature)).not.toBe('skills-hashing-default-d256-8c95e52120');
    expect(listHashingModels()).toContain('test-constant');
    await expect(createHashingEmbeddingConnector({ model: 'nope' })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringContaining('default'),
    });
  });
});

runEmbeddingConnectorContract({
  name: 'hashing/default',
  create: () => createHashingEmbeddingConnector({ model: 'default' }),
});
runEmbeddingConnectorContract({
  name: 'hashing/ngram-v2',
  create: () => createHashingEmbeddingConnector({ model: 'ngram-v2' }),
});

describe('hashing/ngram-v2', () => {
  it('has its own signature, so its vectors never share index files with the original', async () => {
    const connector = await createHashingEmbeddingConnector({ model: 'ngram-v2', dimensions: 256 });
    expect(connector.signature).toEqual({ provider: 'hashing', model: 'ngram-v2', dimensions: 256 });
    expect(embeddingIndexName(connector.signature)).not.toBe('skills-hashing-default-d256-8c95e52120');
  });
});
