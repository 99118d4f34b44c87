import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isAutoSkillError } from '../shared/errors.js';
import { createOfflineLLMConnector } from './offline.js';
import { createLLMConnectorRegistry } from './registry.js';

function registryWithOffline() {
  const registry = createLLMConnectorRegistry();
  registry.register('offline', () => createOfflineLLMConnector(), { aliases: ['mock'] });
  return registry;
}

describe('createLLMConnectorRegistry', () => {
  const temp = mkdtempSync(join(tmpdir(), 'autoskill-llm-registry-'));
  afterAll(() => rmSync(temp, { recursive: true, force: true }));

  it('resolves names and aliases case-insensitively', async () => {
    const registry = registryWithOffline();
    expect(registry.resolveName(' MOCK ')).toBe('offline');
    const connector = await registry.create({ provider: 'Mock' });
    expect(connector.provider).toBe('offline');
    expect(registry.list()).toEqual([{ name: 'offline', aliases: ['mock'] }]);
  });

  it('passes the resolved config and the injected env to the factory', async () => {
    const registry = createLLMConnectorRegistry();
    const seen: unknown[] = [];
    registry.register('custom', (config, context) => {
      seen.push(config.provider, config.timeoutMs, context.env.SOME_KEY);
      return createOfflineLLMConnector();
    });
    await registry.create({ provider: 'custom' }, { env: { SOME_KEY: 'k' } });
    expect(seen).toEqual(['custom', 60_000, 'k']);
  });

  it('fails with NO_SUCH_PROVIDER listing names and aliases', async () => {
    const registry = registryWithOffline();
    const error = await registry.create({ provider: 'nope' }).catch((caught: unknown) => caught);
    expect(isAutoSkillError(error, 'NO_SUCH_PROVIDER')).toBe(true);
    expect((error as Error).message).toContain('offline, mock');
    expect((error as { details: Record<string, unknown> }).details.availableProviders).toEqual([
      'offline',
      'mock',
    ]);
  });

  it('rejects an invalid config with INVALID_CONFIG naming the field', async () => {
    const registry = registryWithOffline();
    const error = await registry
      .create({ provider: 'offline', timeoutMs: -1 })
      .catch((caught: unknown) => caught);
    expect(isAutoSkillError(error, 'INVALID_CONFIG')).toBe(true);
    expect((error as Error).message).toContain('timeoutMs');
  });

  it('loads a "module:export" factory from config.factory or the provider name', async () => {
    const file = join(temp, 'my-llm.mjs');
    writeFileSync(
      file,
      `export function createMyLLM(config) {
        return { specificationVersion: 'v1', provider: 'mine', modelId: config.model ?? 'm',
          async doGenerate() { return { text: 'hi', finishReason: 'stop' }; },
          async doStream() { return new ReadableStream({ start(c) { c.close(); } }); } };
      }
      export const notAFunction = 1;
      export function broken() { return {}; }`,
    );
    const registry = registryWithOffline();
    const viaFactory = await registry.create(
      { factory: './my-llm.mjs:createMyLLM', model: 'x' },
      { cwd: temp },
    );
    expect(viaFactory.modelId).toBe('x');
    const viaProvider = await registry.create({ provider: `${file}:createMyLLM` });
    expect(await viaProvider.doGenerate({ messages: [] })).toEqual({ text: 'hi', finishReason: 'stop' });
    registry.register('lazy', `${file}:createMyLLM`, { aliases: ['later'] });
    expect((await registry.create({ provider: 'later' })).provider).toBe('mine');

    for (const [factory, fragment] of [
      ['./my-llm.mjs:missing', 'no function export "missing"'],
      ['./my-llm.mjs:notAFunction', 'no function export'],
      ['./my-llm.mjs:broken', 'did not return a v1 connector'],
      ['./does-not-exist.mjs:x', 'Cannot load LLM connector module'],
      ['x::', 'must look like "module:export"'],
    ] as const) {
      const error = await registry.create({ factory }, { cwd: temp }).catch((caught: unknown) => caught);
      expect(isAutoSkillError(error, 'INVALID_CONFIG'), factory).toBe(true);
      expect((error as Error).message).toContain(fragment);
    }
  });
});
