import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../test/support/fixtures.js';
import {
  createEmbeddingConnector,
  createEmbeddingConnectorRegistry,
  listEmbeddingConnectors,
} from './registry.js';
import type { EmbeddingConnector } from './types.js';

const temp = makeTempDir('autoskill-embeddings-');
afterAll(() => temp.cleanup());

function constantConnector(provider: string, model = 'constant'): EmbeddingConnector {
  return {
    specificationVersion: 'v1',
    provider,
    modelId: model,
    dimensions: 2,
    maxBatchSize: 8,
    disabled: false,
    signature: { provider, model, dimensions: 2 },
    doEmbed: async ({ texts }) => ({ embeddings: texts.map(() => [1, 0]) }),
  };
}

describe('built-in providers', () => {
  it('lists every built-in with the original aliases', () => {
    const byName = Object.fromEntries(listEmbeddingConnectors().map((entry) => [entry.name, entry.aliases]));
    expect(Object.keys(byName)).toEqual([
      'dashscope',
      'generic',
      'glm',
      'hashing',
      'none',
      'ollama',
      'openai',
    ]);
    expect(byName['generic']).toEqual(['universal', 'custom', 'openai-compatible', 'openai_compatible']);
    expect(byName['glm']).toEqual(['bigmodel', 'zhipu']);
    expect(byName['dashscope']).toEqual(['qwen']);
    expect(byName['none']).toEqual(['off', 'disabled', 'null', 'no_embedding', 'no-embedding']);
  });

  it('defaults to hashing and resolves aliases case-insensitively to canonical names', async () => {
    expect((await createEmbeddingConnector()).signature).toEqual({
      provider: 'hashing',
      model: 'ngram-v2',
      dimensions: 1024,
    });
    const qwen = await createEmbeddingConnector({ provider: ' QWEN ' }, { env: { DASHSCOPE_API_KEY: 'k' } });
    expect(qwen.provider).toBe('dashscope');
    const zhipu = await createEmbeddingConnector(
      { provider: 'zhipu' },
      { env: { ZHIPUAI_API_KEY: 'id.secret' } },
    );
    expect(zhipu.signature).toEqual({ provider: 'glm', model: 'embedding-3' });
    const off = await createEmbeddingConnector({ provider: 'off' });
    expect(off.disabled).toBe(true);
    expect(off.signature).toEqual({ provider: 'none', model: 'default' });
    await expect(off.doEmbed({ texts: ['x'] })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
  });

  it('fails on an unknown provider with NO_SUCH_PROVIDER listing what exists', async () => {
    const failure = await createEmbeddingConnector({ provider: 'nope' }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'NO_SUCH_PROVIDER' });
    const details = (failure as { details: { availableProviders: string[] } }).details;
    expect(details.availableProviders).toContain('hashing');
    expect(details.availableProviders).toContain('qwen');
    expect((failure as Error).message).toContain('openai');
  });

  it('rejects config it does not know, as INVALID_CONFIG', async () => {
    await expect(createEmbeddingConnector({ provider: 'hashing', dims: 8 } as never)).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
    });
    await expect(
      createEmbeddingConnector({ dimensions: 8, extraBody: { dimensions: 16 } }),
    ).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringContaining('disagree'),
    });
  });

  it('reads dimensions from extraBody too (as the original signature does)', async () => {
    const connector = await createEmbeddingConnector(
      { provider: 'glm', extraBody: { dimensions: 1024 } },
      { env: { BIGMODEL_API_KEY: 'id.secret' } },
    );
    expect(connector.signature).toEqual({ provider: 'glm', model: 'embedding-3', dimensions: 1024 });
  });
});

describe('custom providers', () => {
  it('registers a factory with aliases, and keeps an existing one when override is false', async () => {
    const registry = createEmbeddingConnectorRegistry({ builtins: false });
    registry.register('mine', (config) => constantConnector('mine', config.model), { aliases: ['Alias'] });
    registry.register('mine', () => constantConnector('other'), { override: false });
    const connector = await registry.create({ provider: 'alias', model: 'm1' });
    expect(connector.signature).toEqual({ provider: 'mine', model: 'm1', dimensions: 2 });
    expect(registry.list()).toEqual([{ name: 'mine', aliases: ['alias'] }]);
    await expect(registry.create({ provider: 'hashing' })).rejects.toMatchObject({
      code: 'NO_SUCH_PROVIDER',
      details: { availableProviders: ['mine', 'alias'] },
    });
  });

  it('loads a "module:export" factory lazily, from config or as a registered string', async () => {
    const modulePath = join(temp.dir, 'my-embedder.mjs');
    writeFileSync(
      modulePath,
      `export function createMine(config, context) {
        return {
          specificationVersion: 'v1', provider: 'mine', modelId: config.model ?? 'x', dimensions: 1, maxBatchSize: 1,
          disabled: false, signature: { provider: 'mine', model: config.model ?? 'x' },
          doEmbed: async ({ texts }) => ({ embeddings: texts.map(() => [context.env.SCALE ? Number(context.env.SCALE) : 1]) }),
        };
      }
      export const notAFunction = 1;`,
    );
    const fromConfig = await createEmbeddingConnector(
      { factory: './my-embedder.mjs:createMine', model: 'm' },
      { cwd: temp.dir, env: { SCALE: '3' } },
    );
    expect((await fromConfig.doEmbed({ texts: ['a'] })).embeddings).toEqual([[3]]);

    const registry = createEmbeddingConnectorRegistry();
    registry.register('file-backed', `${modulePath}:createMine`);
    expect((await registry.create({ provider: 'file-backed' })).provider).toBe('mine');
    expect((await registry.create({ provider: `${modulePath}:createMine` })).provider).toBe('mine');

    await expect(createEmbeddingConnector({ factory: `${modulePath}:notAFunction` })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringContaining('no function export'),
    });
    await expect(
      createEmbeddingConnector({ factory: './missing.mjs:create' }, { cwd: temp.dir }),
    ).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringContaining('Cannot load'),
    });
    await expect(createEmbeddingConnector({ factory: 'no-colon' })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
    });
  });

  it('refuses a factory that does not return a v1 connector', async () => {
    const registry = createEmbeddingConnectorRegistry({ builtins: false });
    registry.register(
      'broken',
      () => ({ doEmbed: async () => ({ embeddings: [] }) }) as unknown as EmbeddingConnector,
    );
    await expect(registry.create({ provider: 'broken' })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
  });
});
