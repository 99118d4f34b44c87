import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAutoSkillError } from '../shared/errors.js';
import { loadConfigFile } from './load-file.js';
import * as resolveModule from './resolve.js';
import {
  autoPickLLMProvider,
  defaultEmbeddingProvider,
  RESOLVERS,
  resolveConfig,
  resolveExtractionOptions,
  resolveRetrievalOptions,
  resolveServerOptions,
  resolveStoreOptions,
} from './resolve.js';

describe('resolveConfig defaults', () => {
  it('runs offline with the seeds defaults when nothing is set', () => {
    const config = resolveConfig();
    expect(config.llm.provider).toBe('offline');
    expect(config.embeddings.provider).toBe('hashing');
    expect(config.userId).toBe('u1');
    expect(config.store).toMatchObject({ provider: 'filesystem', dir: 'SkillBank', libraryDirs: [] });
    expect(config.retrieval).toMatchObject({ scope: 'all', topK: 1, minScore: 0.4, rewriteMode: 'auto' });
    expect(config.extraction).toMatchObject({ mode: 'auto', turnLimit: 1, window: 6, maxConcurrentJobs: 2 });
    expect(config.server).toMatchObject({ host: '127.0.0.1', includeAutoskillField: true, corsOrigins: [] });
  });
});

describe('precedence: flags > env > file > defaults', () => {
  const cases: Array<[string, Parameters<typeof resolveConfig>[0], number]> = [
    ['default', {}, 1],
    ['file', { file: { retrieval: { topK: 2 } } }, 2],
    ['env over file', { file: { retrieval: { topK: 2 } }, env: { AUTOSKILL_TOP_K: '3' } }, 3],
    [
      'flag over env',
      { file: { retrieval: { topK: 2 } }, env: { AUTOSKILL_TOP_K: '3' }, flags: { topK: '4' } },
      4,
    ],
  ];
  it.each(cases)('%s', (_name, options, expected) => {
    expect(resolveConfig(options).retrieval.topK).toBe(expected);
  });

  it('keeps file values the env does not mention (deep merge)', () => {
    const config = resolveConfig({
      file: { retrieval: { minScore: 0.5, topK: 2 } },
      env: { AUTOSKILL_TOP_K: '3' },
    });
    expect(config.retrieval).toMatchObject({ minScore: 0.5, topK: 3 });
  });
});

describe('resolvers', () => {
  it('lists every exported resolve*Options function', () => {
    const exported = Object.entries(resolveModule)
      .filter(([name, value]) => /^resolve.+Options$/.test(name) && typeof value === 'function')
      .map(([, value]) => value);
    expect(new Set(RESOLVERS)).toEqual(new Set(exported));
  });

  it.each([
    [{ storeDir: 'A' }, {}, 'A'],
    [{}, { AUTOSKILL_STORE_DIR: 'B' }, 'B'],
    [{}, { AUTOSKILL_STORE_PATH: 'C' }, 'C'],
    [{}, { AUTOSKILL_STORE_DIR: '', AUTOSKILL_STORE_PATH: 'D' }, 'D'],
  ])('store dir from %o / %o', (flags, env, dir) => {
    expect(resolveStoreOptions({ flags, env })).toMatchObject({ store: { dir } });
  });

  it('collects library dirs from repeatable flags and the comma list', () => {
    const result = resolveStoreOptions({
      flags: { libraryDir: ['a', 'b'] },
      env: { AUTOSKILL_LIBRARY_DIRS: 'c, d' },
    });
    expect(result).toMatchObject({ store: { libraryDirs: ['a', 'b', 'c', 'd'] } });
  });

  it('a store URL selects the postgres store', () => {
    expect(resolveConfig({ flags: { storeUrl: 'postgres://x/db' } }).store).toMatchObject({
      provider: 'postgres',
    });
  });

  it('a --store-dir flag beats a store URL from the environment or the config file; a --store-url flag beats both', () => {
    const env = { AUTOSKILL_STORE_URL: 'postgres://env/db' };
    const file = { store: { provider: 'postgres' as const, url: 'postgres://file/db' } };
    expect(resolveConfig({ env }).store).toMatchObject({ provider: 'postgres', url: 'postgres://env/db' });
    expect(resolveConfig({ flags: { storeDir: 'Mine' }, env }).store).toMatchObject({
      provider: 'filesystem',
      dir: 'Mine',
    });
    expect(resolveConfig({ flags: { storeDir: 'Mine' }, file }).store).toMatchObject({
      provider: 'filesystem',
      dir: 'Mine',
    });
    expect(resolveConfig({ env: { AUTOSKILL_STORE_DIR: 'FromEnv' }, file }).store).toMatchObject({
      provider: 'filesystem',
      dir: 'FromEnv',
    });
    expect(
      resolveConfig({ env: { AUTOSKILL_STORE_DIR: 'FromEnv', AUTOSKILL_STORE_URL: 'postgres://env/db' } })
        .store,
    ).toMatchObject({ provider: 'postgres', url: 'postgres://env/db' });
    expect(resolveConfig({ file }).store).toMatchObject({ provider: 'postgres', url: 'postgres://file/db' });
    expect(
      resolveConfig({ flags: { storeDir: 'Mine', storeUrl: 'postgres://flag/db' }, env }).store,
    ).toMatchObject({ provider: 'postgres', url: 'postgres://flag/db' });
  });

  it.each([
    ['common', 'library'],
    ['shared', 'library'],
    ['USER', 'user'],
    ['all', 'all'],
  ])('scope %s → %s', (input, expected) => {
    expect(resolveConfig({ flags: { skillScope: input } }).retrieval.scope).toBe(expected);
  });

  it('refuses an unknown scope with a message naming the setting', () => {
    expect(() => resolveConfig({ flags: { skillScope: 'everyone' } })).toThrow(/retrieval\.scope/);
  });

  it('names the flag or variable of a non-numeric number', () => {
    expect(() => resolveRetrievalOptions({ flags: { minScore: 'high' }, env: {} })).toThrow(
      /flag --min-score/,
    );
    expect(() => resolveRetrievalOptions({ flags: {}, env: { AUTOSKILL_TOP_K: 'x' } })).toThrow(
      /AUTOSKILL_TOP_K/,
    );
  });

  it('maps the seeds --extract-enabled 0 to mode never unless a mode is given', () => {
    expect(resolveExtractionOptions({ flags: {}, env: { AUTOSKILL_EXTRACT_ENABLED: '0' } })).toMatchObject({
      extraction: { mode: 'never' },
    });
    expect(
      resolveExtractionOptions({ flags: { extractMode: 'always' }, env: { AUTOSKILL_EXTRACT_ENABLED: '0' } }),
    ).toMatchObject({ extraction: { mode: 'always' } });
  });

  it('reads the seeds’ event detail flags and variables (flag first), with the seeds’ defaults', () => {
    expect(resolveConfig().extraction).toMatchObject({ eventSkillDetails: true, eventMaxMdChars: 0 });
    const fromEnv = resolveConfig({
      env: {
        AUTOSKILL_PROXY_EXTRACT_EVENT_DETAILS: 'no',
        AUTOSKILL_PROXY_EXTRACT_EVENT_MAX_MD_CHARS: '500',
      },
    });
    expect(fromEnv.extraction).toMatchObject({ eventSkillDetails: false, eventMaxMdChars: 500 });
    const fromFlags = resolveConfig({
      flags: { extractEventDetails: '1', extractEventMaxMdChars: '80' },
      env: { AUTOSKILL_PROXY_EXTRACT_EVENT_DETAILS: '0', AUTOSKILL_PROXY_EXTRACT_EVENT_MAX_MD_CHARS: '500' },
    });
    expect(fromFlags.extraction).toMatchObject({ eventSkillDetails: true, eventMaxMdChars: 80 });
    expect(() => resolveConfig({ flags: { extractEventDetails: 'maybe' } })).toThrow(
      /--extract-event-details/,
    );
    expect(() => resolveConfig({ flags: { extractEventMaxMdChars: '-1' } })).toThrow(/eventMaxMdChars/);
  });

  it('listens where AUTOSKILL_PROXY_HOST / _PORT say unless a flag or AUTOSKILL_HOST / _PORT does', () => {
    const proxyEnv = { AUTOSKILL_PROXY_HOST: '0.0.0.0', AUTOSKILL_PROXY_PORT: '9100' };
    expect(resolveConfig({ env: proxyEnv }).server).toMatchObject({ host: '0.0.0.0', port: 9100 });
    expect(
      resolveConfig({ env: { ...proxyEnv, AUTOSKILL_HOST: '127.0.0.2', AUTOSKILL_PORT: '9200' } }).server,
    ).toMatchObject({ host: '127.0.0.2', port: 9200 });
    expect(resolveConfig({ flags: { host: '::1', port: '0' }, env: proxyEnv }).server).toMatchObject({
      host: '::1',
      port: 0,
    });
    expect(() => resolveConfig({ env: { AUTOSKILL_PROXY_PORT: 'ninety' } })).toThrow(/AUTOSKILL_PROXY_PORT/);
  });

  it('merges --served-model flags with the JSON list', () => {
    const result = resolveServerOptions({
      flags: { servedModel: ['a'], servedModelsJson: '[{"id":"b","owned_by":"me"}]' },
      env: {},
    });
    expect(result).toMatchObject({ server: { servedModels: ['a', { id: 'b', owned_by: 'me' }] } });
  });

  it('refuses served models JSON that is not a list', () => {
    expect(() => resolveServerOptions({ flags: {}, env: { AUTOSKILL_PROXY_MODELS: '{"id":"x"}' } })).toThrow(
      /JSON list/,
    );
    expect(() => resolveServerOptions({ flags: {}, env: { AUTOSKILL_PROXY_MODELS: '[oops' } })).toThrow(
      /AUTOSKILL_PROXY_MODELS must be valid JSON/,
    );
  });
});

describe('provider choice', () => {
  it.each([
    [{}, 'offline'],
    [{ OPENAI_API_KEY: 'k' }, 'openai'],
    [{ ANTHROPIC_API_KEY: 'k' }, 'anthropic'],
    [{ ZHIPUAI_API_KEY: 'a.b' }, 'glm'],
    [{ DASHSCOPE_API_KEY: 'k', OPENAI_API_KEY: 'k' }, 'dashscope'],
    [{ AUTOSKILL_GENERIC_LLM_URL: 'http://127.0.0.1:1/v1', OPENAI_API_KEY: 'k' }, 'generic'],
    [{ OPENAI_API_KEY: '' }, 'offline'],
  ])('auto-picks the chat provider from %o', (env, provider) => {
    expect(autoPickLLMProvider(env)).toBe(provider);
  });

  it.each([
    ['glm', {}, 'glm'],
    ['qwen', {}, 'dashscope'],
    ['openai', {}, 'openai'],
    ['generic', {}, 'hashing'],
    ['generic', { AUTOSKILL_GENERIC_EMBED_URL: 'http://127.0.0.1:1/v1' }, 'generic'],
    ['anthropic', {}, 'hashing'],
    ['anthropic', { OPENAI_API_KEY: 'k' }, 'openai'],
    ['internlm', {}, 'hashing'],
    ['offline', {}, 'hashing'],
  ])('pairs embeddings with %s', (llm, env, embeddings) => {
    expect(defaultEmbeddingProvider(llm, env)).toBe(embeddings);
  });

  it('an explicit embeddings provider wins over the pairing', () => {
    const config = resolveConfig({ env: { OPENAI_API_KEY: 'k' }, flags: { embeddingsProvider: 'hashing' } });
    expect(config.llm.provider).toBe('openai');
    expect(config.embeddings.provider).toBe('hashing');
  });
});

describe('loadConfigFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'autoskill-config-'));

  it('returns {} when there is no file', () => {
    expect(loadConfigFile({ cwd: dir })).toEqual({});
  });

  it('reads YAML and JSON and names the file on errors', () => {
    writeFileSync(join(dir, 'a.yaml'), 'retrieval:\n  topK: 3\n');
    expect(resolveConfig({ file: loadConfigFile({ cwd: dir, path: 'a.yaml' }) }).retrieval.topK).toBe(3);
    writeFileSync(join(dir, 'b.json'), '{"retrieval": {"topk": 3}}');
    try {
      loadConfigFile({ cwd: dir, path: 'b.json' });
      expect.unreachable();
    } catch (error) {
      expect(isAutoSkillError(error, 'INVALID_CONFIG')).toBe(true);
      expect((error as Error).message).toContain('b.json');
    }
    expect(() => loadConfigFile({ cwd: dir, path: 'missing.json' })).toThrow(/not found/);
  });
});
