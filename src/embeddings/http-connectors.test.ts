import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FetchFunction, SleepFunction } from '../http/index.js';
import { isAutoSkillError } from '../shared/errors.js';
import { runEmbeddingConnectorContract } from '../testing/embedding-connector-contract.js';
import { fakeEmbedding } from '../testing/fake-embeddings.js';
import { type FakeModelServer, startFakeModelServer } from '../testing/fake-model-server.js';
import type { FakeRoute } from '../testing/fake-replies.js';
import type { EmbeddingConfigInput } from './config.js';
import { createEmbeddingConnector } from './registry.js';
import { embeddingIndexName } from './signature.js';

const DIMENSIONS = 12;
let server: FakeModelServer;
beforeAll(async () => {
  server = await startFakeModelServer({ embeddingDimensions: DIMENSIONS });
});
afterEach(() => server.reset());
afterAll(() => server.close());

const noWait: SleepFunction = async () => {};

interface ProviderCase {
  name: string;
  config: () => EmbeddingConfigInput;
  env: () => Record<string, string>;
  route: FakeRoute;
  path: string;
  authorization: RegExp | undefined;
  keyEnv: string;
}

const CASES: ProviderCase[] = [
  {
    name: 'openai',
    config: () => ({ provider: 'openai', baseUrl: server.baseUrl }),
    env: () => ({ OPENAI_API_KEY: 'sk-openai-secret' }),
    route: 'embeddings',
    path: '/v1/embeddings',
    authorization: /^Bearer sk-openai-secret$/,
    keyEnv: 'OPENAI_API_KEY',
  },
  {
    name: 'generic',
    config: () => ({ provider: 'openai-compatible' }),
    env: () => ({
      AUTOSKILL_GENERIC_EMBED_URL: `${server.url}/v1`,
      AUTOSKILL_GENERIC_EMBED_MODEL: 'bge-m3',
      AUTOSKILL_GENERIC_API_KEY: 'generic-secret',
    }),
    route: 'embeddings',
    path: '/v1/embeddings',
    authorization: /^Bearer generic-secret$/,
    keyEnv: 'AUTOSKILL_GENERIC_API_KEY',
  },
  {
    name: 'dashscope',
    config: () => ({ provider: 'qwen', baseUrl: `${server.url}/compatible-mode/v1` }),
    env: () => ({ DASHSCOPE_API_KEY: 'ds-secret' }),
    route: 'embeddings',
    path: '/compatible-mode/v1/embeddings',
    authorization: /^Bearer ds-secret$/,
    keyEnv: 'DASHSCOPE_API_KEY',
  },
  {
    name: 'glm',
    config: () => ({ provider: 'bigmodel', baseUrl: `${server.url}/api/paas/v4`, authMode: 'jwt' }),
    env: () => ({ ZHIPUAI_API_KEY: 'key-id.key-secret' }),
    route: 'embeddings',
    path: '/api/paas/v4/embeddings',
    authorization: /^Bearer eyJ[\w-]+\.[\w-]+\.[\w-]+$/,
    keyEnv: 'ZHIPUAI_API_KEY',
  },
  {
    name: 'ollama (native)',
    config: () => ({ provider: 'ollama', baseUrl: server.url }),
    env: () => ({}),
    route: 'ollama-embed',
    path: '/api/embed',
    authorization: undefined,
    keyEnv: 'OLLAMA_API_KEY',
  },
  {
    name: 'ollama (/v1)',
    config: () => ({ provider: 'ollama', baseUrl: `${server.url}/v1` }),
    env: () => ({}),
    route: 'embeddings',
    path: '/v1/embeddings',
    authorization: undefined,
    keyEnv: 'OLLAMA_API_KEY',
  },
];

function connectorFor(testCase: ProviderCase, extra: EmbeddingConfigInput = {}) {
  return createEmbeddingConnector({ ...testCase.config(), ...extra }, { env: testCase.env(), sleep: noWait });
}

async function failureOf(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isAutoSkillError(error)) throw new TypeError(`expected an AutoSkillError, got ${String(error)}`);
  return error;
}

for (const testCase of CASES) {
  runEmbeddingConnectorContract({ name: testCase.name, create: () => connectorFor(testCase) });

  describe(`${testCase.name} connector`, () => {
    it('sends the documented request and returns the vectors in order', async () => {
      const connector = await connectorFor(testCase);
      const { embeddings } = await connector.doEmbed({ texts: ['alpha', '贝塔'] });
      expect(embeddings).toEqual([fakeEmbedding('alpha', DIMENSIONS), fakeEmbedding('贝塔', DIMENSIONS)]);
      const request = server.lastRequest(testCase.route);
      expect(request?.method).toBe('POST');
      expect(request?.path).toBe(testCase.path);
      expect(request?.headers['content-type']).toBe('application/json');
      if (testCase.authorization) expect(request?.headers['authorization']).toMatch(testCase.authorization);
      else expect(request?.headers).not.toHaveProperty('authorization');
      expect(request?.body).toMatchObject({ model: connector.modelId, input: ['alpha', '贝塔'] });
    });

    it('fails on 401 with the provider and the key variable named, and no secret in the error', async () => {
      server.setResponder(testCase.route, (request) => ({
        type: 'error',
        status: 401,
        message: `bad key ${request.headers['authorization'] ?? ''}`,
      }));
      const error = await failureOf((await connectorFor(testCase)).doEmbed({ texts: ['x'] }));
      expect(error.code).toBe('UPSTREAM_ERROR');
      expect(error.details['statusCode']).toBe(401);
      expect(error.message).toContain(testCase.name.split(' ')[0]);
      expect(error.message).toContain(testCase.keyEnv);
      const shown = JSON.stringify({ message: error.message, details: error.details });
      for (const secret of Object.values(testCase.env())) {
        if (secret.includes('secret')) expect(shown).not.toContain(secret);
      }
      expect(shown).not.toMatch(/eyJ[\w-]{10,}/);
    });

    it('retries a 429 and then succeeds', async () => {
      server.enqueue(testCase.route, { type: 'error', status: 429, headers: { 'retry-after': '0' } });
      const { embeddings } = await (await connectorFor(testCase)).doEmbed({ texts: ['x'] });
      expect(embeddings).toHaveLength(1);
      expect(server.requestsTo(testCase.route)).toHaveLength(2);
    });

    it('gives up after maxRetries on 500', async () => {
      server.setResponder(testCase.route, () => ({ type: 'error', status: 500 }));
      const error = await failureOf(
        (await connectorFor(testCase, { maxRetries: 2 })).doEmbed({ texts: ['x'] }),
      );
      expect(error).toMatchObject({
        code: 'UPSTREAM_ERROR',
        isRetryable: true,
        details: { statusCode: 500, attempts: 3 },
      });
      expect(server.requestsTo(testCase.route)).toHaveLength(3);
    });

    it('times out a hanging provider', async () => {
      server.enqueue(testCase.route, { type: 'hang' });
      const connector = await connectorFor(testCase, { timeoutMs: 100, maxRetries: 0 });
      const error = await failureOf(connector.doEmbed({ texts: ['x'] }));
      expect(error.code).toBe('UPSTREAM_TIMEOUT');
    });

    it('rejects a malformed body', async () => {
      server.enqueue(testCase.route, { type: 'raw', body: '{"data": [' });
      const error = await failureOf((await connectorFor(testCase)).doEmbed({ texts: ['x'] }));
      expect(error.code).toBe('INVALID_RESPONSE');
    });

    it('rejects the wrong number of vectors', async () => {
      server.enqueue(testCase.route, { type: 'embeddings', count: 1 });
      const error = await failureOf((await connectorFor(testCase)).doEmbed({ texts: ['x', 'y'] }));
      expect(error.code).toBe('INVALID_RESPONSE');
      expect(error.details).toMatchObject({ expected: 2, received: 1 });
    });

    it('rejects vectors of the wrong or mixed length', async () => {
      server.enqueue(testCase.route, { type: 'embeddings', dimensions: DIMENSIONS });
      const configured = await connectorFor(testCase, { dimensions: 8 });
      const wrong = await failureOf(configured.doEmbed({ texts: ['x'] }));
      expect(wrong).toMatchObject({
        code: 'DIMENSION_MISMATCH',
        details: { expected: 8, received: DIMENSIONS },
      });

      server.enqueue(testCase.route, {
        type: 'embeddings',
        vectors: [
          [1, 0],
          [1, 0, 0],
        ],
      });
      const mixed = await failureOf((await connectorFor(testCase)).doEmbed({ texts: ['x', 'y'] }));
      expect(mixed.code).toBe('DIMENSION_MISMATCH');

      const learned = await connectorFor(testCase);
      await learned.doEmbed({ texts: ['x'] });
      server.enqueue(testCase.route, { type: 'embeddings', dimensions: 4 });
      expect((await failureOf(learned.doEmbed({ texts: ['y'] }))).code).toBe('DIMENSION_MISMATCH');
    });

    it('sends configured dimensions and puts them in the signature', async () => {
      const connector = await connectorFor(testCase, { dimensions: 6 });
      expect(connector.signature.dimensions).toBe(6);
      const { embeddings } = await connector.doEmbed({ texts: ['x'] });
      expect(embeddings[0]).toHaveLength(6);
      expect(server.lastRequest(testCase.route)?.body).toMatchObject({ dimensions: 6 });
    });
  });
}

describe('request details per provider', () => {
  /** A fetch that records what it was asked and answers like OpenAI. */
  function capturingFetch(answer: (body: { input: string[] }) => unknown = openAiAnswer) {
    const calls: {
      url: string;
      headers: Record<string, string>;
      body: { input: string[] } & Record<string, unknown>;
    }[] = [];
    const fetch: FetchFunction = async (url, init) => {
      const body = JSON.parse(String(init.body));
      calls.push({ url, headers: init.headers as Record<string, string>, body });
      return new Response(JSON.stringify(answer(body)), { headers: { 'content-type': 'application/json' } });
    };
    return { fetch, calls };
  }
  function openAiAnswer(body: { input: string[] }) {
    return {
      data: body.input.map((text, index) => ({ index, embedding: fakeEmbedding(text, 4) })),
      usage: { prompt_tokens: body.input.length },
    };
  }

  it('openai: default endpoint, model and body; extraBody cannot replace model or input', async () => {
    const { fetch, calls } = capturingFetch();
    const connector = await createEmbeddingConnector(
      { provider: 'openai', extraBody: { user: 'u1', model: 'evil', input: 'evil' } },
      { env: { OPENAI_API_KEY: 'sk-x' }, fetch },
    );
    const result = await connector.doEmbed({ texts: ['a', 'b'] });
    expect(calls[0]?.url).toBe('https://api.openai.com/v1/embeddings');
    expect(calls[0]?.body).toEqual({
      model: 'text-embedding-3-small',
      input: ['a', 'b'],
      encoding_format: 'float',
      user: 'u1',
    });
    expect(result.usage).toEqual({ tokens: 2 });
    expect(embeddingIndexName(connector.signature)).toBe('skills-openai-text-embedding-3-small-cfdfafdbd5');
  });

  it('openai: a missing key names OPENAI_API_KEY', async () => {
    await expect(createEmbeddingConnector({ provider: 'openai' }, { env: {} })).rejects.toMatchObject({
      code: 'MISSING_API_KEY',
      message: expect.stringContaining('OPENAI_API_KEY'),
      details: { provider: 'openai', envNames: ['OPENAI_API_KEY'] },
    });
  });

  it('dashscope: never falls back to OPENAI_API_KEY', async () => {
    await expect(
      createEmbeddingConnector({ provider: 'dashscope' }, { env: { OPENAI_API_KEY: 'sk-must-not-travel' } }),
    ).rejects.toMatchObject({
      code: 'MISSING_API_KEY',
      message: expect.stringContaining('DASHSCOPE_API_KEY'),
    });
  });

  it('dashscope: compatible-mode endpoint, batches of at most 10', async () => {
    const { fetch, calls } = capturingFetch();
    const connector = await createEmbeddingConnector(
      { provider: 'dashscope' },
      { env: { DASHSCOPE_API_KEY: 'k' }, fetch },
    );
    expect(connector.maxBatchSize).toBe(10);
    const texts = Array.from({ length: 25 }, (_, index) => `t${index}`);
    const { embeddings } = await connector.doEmbed({ texts });
    expect(calls.map((call) => call.body.input.length)).toEqual([10, 10, 5]);
    expect(calls[0]?.url).toBe('https://dashscope.aliyuncs.com/compatible-mode/v1/embeddings');
    expect(embeddings[24]).toEqual(fakeEmbedding('t24', 4));
    expect(embeddingIndexName(connector.signature)).toBe('skills-dashscope-text-embedding-v4-53c18b27df');

    const capped = await createEmbeddingConnector(
      { provider: 'dashscope', batchSize: 50 },
      { env: { DASHSCOPE_API_KEY: 'k' }, fetch },
    );
    expect(capped.maxBatchSize).toBe(10);
    const smaller = await createEmbeddingConnector(
      { provider: 'dashscope', batchSize: 4 },
      { env: { DASHSCOPE_API_KEY: 'k' }, fetch },
    );
    expect(smaller.maxBatchSize).toBe(4);
  });

  it('glm: JWT per BigModel auth, input always an array, no encoding_format, default endpoint', async () => {
    const { fetch, calls } = capturingFetch();
    const connector = await createEmbeddingConnector(
      { provider: 'glm', dimensions: 1024 },
      { env: { BIGMODEL_API_KEY: 'my-id.my-secret' }, fetch },
    );
    await connector.doEmbed({ texts: ['one'] }).catch(() => {});
    expect(calls[0]?.url).toBe('https://open.bigmodel.cn/api/paas/v4/embeddings');
    expect(calls[0]?.body).toEqual({ model: 'embedding-3', input: ['one'], dimensions: 1024 });
    const token = String(calls[0]?.headers['authorization']).replace('Bearer ', '');
    const payload = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString());
    expect(payload.api_key).toBe('my-id');
    expect(embeddingIndexName(connector.signature)).toBe('skills-glm-embedding-3-d1024-e1ca67ea30');
  });

  it('glm: on 401 tries second-based JWT, then the raw key, and keeps what works', async () => {
    server.enqueue('embeddings', { type: 'error', status: 401 }, { type: 'error', status: 401 });
    const connector = await createEmbeddingConnector(
      { provider: 'glm', baseUrl: `${server.url}/api/paas/v4` },
      { env: { ZHIPUAI_API_KEY: 'id.secret' }, sleep: noWait },
    );
    await connector.doEmbed({ texts: ['x'] });
    const sent = server.requestsTo('embeddings').map((request) => request.headers['authorization']);
    expect(sent).toHaveLength(3);
    const times = sent.slice(0, 2).map((header) => {
      const token = String(header).replace('Bearer ', '');
      return JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString())
        .timestamp as number;
    });
    expect(times[0]).toBeGreaterThan(1e12);
    expect(times[1]).toBeLessThan(1e11);
    expect(sent[2]).toBe('Bearer id.secret');
    await connector.doEmbed({ texts: ['y'] });
    expect(server.lastRequest('embeddings')?.headers['authorization']).toBe('Bearer id.secret');
  });

  it('generic: URL and model are required and named; no key means no Authorization header', async () => {
    await expect(createEmbeddingConnector({ provider: 'generic' }, { env: {} })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringContaining('AUTOSKILL_GENERIC_EMBED_URL'),
    });
    await expect(
      createEmbeddingConnector(
        { provider: 'generic' },
        { env: { AUTOSKILL_GENERIC_EMBED_URL: 'http://127.0.0.1:1/v1' } },
      ),
    ).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringContaining('AUTOSKILL_GENERIC_EMBED_MODEL'),
    });
    const { fetch, calls } = capturingFetch();
    const connector = await createEmbeddingConnector(
      { provider: 'generic', baseUrl: 'http://10.0.0.5:8000', model: 'embd_qwen3vl8b' },
      { env: {}, fetch },
    );
    await connector.doEmbed({ texts: ['x'] });
    expect(calls[0]?.url).toBe('http://10.0.0.5:8000/v1/embeddings');
    expect(calls[0]?.headers).not.toHaveProperty('authorization');
    expect(connector.maxBatchSize).toBe(32);
    expect(embeddingIndexName(connector.signature)).toBe('skills-generic-embd-qwen3vl8b-bdd275d122');
  });

  it('names the variable when a base URL from the environment is unusable', async () => {
    await expect(
      createEmbeddingConnector(
        { provider: 'generic' },
        { env: { AUTOSKILL_GENERIC_EMBED_URL: 'localhost-8000', AUTOSKILL_GENERIC_EMBED_MODEL: 'm' } },
      ),
    ).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringContaining('AUTOSKILL_GENERIC_EMBED_URL'),
    });
    await expect(
      createEmbeddingConnector(
        { provider: 'openai' },
        { env: { OPENAI_API_KEY: 'k', OPENAI_BASE_URL: 'ftp://x' } },
      ),
    ).rejects.toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringContaining('OPENAI_BASE_URL') });
  });

  it('ollama: local default, OLLAMA_HOST, native body', async () => {
    const { fetch, calls } = capturingFetch((body) => ({
      embeddings: body.input.map((text) => fakeEmbedding(text, 4)),
    }));
    const local = await createEmbeddingConnector({ provider: 'ollama' }, { env: {}, fetch });
    await local.doEmbed({ texts: ['x'] });
    expect(calls[0]?.url).toBe('http://127.0.0.1:11434/api/embed');
    expect(calls[0]?.body).toEqual({ model: 'nomic-embed-text', input: ['x'], truncate: true });
    for (const [host, url] of [
      ['0.0.0.0', 'http://127.0.0.1:11434/api/embed'],
      ['gpu-box:9999', 'http://gpu-box:9999/api/embed'],
      ['https://ollama.example.com', 'https://ollama.example.com/api/embed'],
    ] as const) {
      const connector = await createEmbeddingConnector(
        { provider: 'ollama' },
        { env: { OLLAMA_HOST: host }, fetch },
      );
      await connector.doEmbed({ texts: ['x'] });
      expect(calls.at(-1)?.url).toBe(url);
    }
  });

  it('decodes base64 vectors when extraBody asks for them', async () => {
    const connector = await createEmbeddingConnector(
      { provider: 'openai', baseUrl: server.baseUrl, extraBody: { encoding_format: 'base64' } },
      { env: { OPENAI_API_KEY: 'k' } },
    );
    const { embeddings } = await connector.doEmbed({ texts: ['x'] });
    expect(server.lastRequest('embeddings')?.body).toMatchObject({ encoding_format: 'base64' });
    expect(embeddings[0]).toEqual(fakeEmbedding('x', DIMENSIONS));
  });

  it('gives empty texts zero vectors without sending them, and clips long texts', async () => {
    const connector = await createEmbeddingConnector(
      { provider: 'openai', baseUrl: server.baseUrl, maxInputChars: 100 },
      { env: { OPENAI_API_KEY: 'k' } },
    );
    const long = `${'开头'.repeat(100)}${'end '.repeat(100)}`;
    const { embeddings } = await connector.doEmbed({ texts: ['  ', long, ''] });
    expect(embeddings[0]).toEqual(new Array(DIMENSIONS).fill(0));
    expect(embeddings[2]).toEqual(new Array(DIMENSIONS).fill(0));
    const sent = (server.lastRequest('embeddings')?.body as { input: string[] } | undefined)?.input ?? [];
    expect(sent).toHaveLength(1);
    expect(Array.from(sent[0] as string).length).toBeLessThanOrEqual(100);
    expect(sent[0]).toMatch(/^开头.* … .*end $/);

    const fresh = await createEmbeddingConnector(
      { provider: 'openai', baseUrl: server.baseUrl },
      { env: { OPENAI_API_KEY: 'k' } },
    );
    expect((await fresh.doEmbed({ texts: [''] })).embeddings).toEqual([new Array(DIMENSIONS).fill(0)]);
  });

  it('stops when the caller aborts mid-request', async () => {
    server.enqueue('embeddings', { type: 'hang' });
    const connector = await createEmbeddingConnector(
      { provider: 'openai', baseUrl: server.baseUrl },
      { env: { OPENAI_API_KEY: 'k' } },
    );
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const error = await failureOf(connector.doEmbed({ texts: ['x'], abortSignal: controller.signal }));
    expect(error.code).toBe('ABORTED');
  });
});
