/**
 * The proxy's other OpenAI endpoints with the `openai` client as the caller — `/v1/embeddings` (float and
 * base64, bad input → 400), `/v1/models` (served models or the configured one) — plus `/health` and the
 * offline responder (no model configured) in both answer modes.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHashingEmbeddingConnector } from '../src/embeddings/hashing.js';
import type { EmbeddingConnector } from '../src/embeddings/types.js';
import { createServerApp } from '../src/server/app.js';
import { type RunningServer, startServer } from '../src/server/http/listen.js';
import { createOfflineUpstream } from '../src/server/proxy/upstreams/offline.js';
import { createRecordingTurnObserver, fixedSkillContext } from '../src/service/turn-types.js';

type Json = Record<string, unknown>;

describe('embeddings, models and health', () => {
  let server: RunningServer;
  let client: OpenAI;
  let connector: EmbeddingConnector;

  beforeAll(async () => {
    connector = await createHashingEmbeddingConnector({});
    const app = createServerApp({
      embeddings: connector,
      servedModels: [
        'qwen-plus',
        { id: 'gpt-4o', owned_by: 'team', created: 5 },
        'qwen-plus',
        { model: 'alias-only' },
      ],
      now: () => 1_700_000_000_000,
    });
    server = await startServer({ app, port: 0 });
    client = new OpenAI({ apiKey: 'k', baseURL: `${server.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await server.close({ graceMs: 100 });
  });

  it('embeds with the configured connector; the client decodes the default base64 answer', async () => {
    const result = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: ['hello world', '你好世界'],
    });
    const expected = await connector.doEmbed({ texts: ['hello world', '你好世界'] });
    expect(result.data).toHaveLength(2);
    expect(result.model).toBe(connector.modelId);
    expect(result.usage.prompt_tokens).toBeGreaterThan(0);
    expect(result.usage.total_tokens).toBe(result.usage.prompt_tokens);
    for (const [index, item] of result.data.entries()) {
      expect(item.index).toBe(index);
      const want = expected.embeddings[index] ?? [];
      expect(item.embedding).toHaveLength(want.length);
      for (const [position, value] of item.embedding.entries())
        expect(value).toBeCloseTo(want[position] ?? 0, 6);
    }
  });

  it('answers floats when asked for them', async () => {
    const response = await fetch(`${server.url}/v1/embeddings`, {
      method: 'POST',
      body: JSON.stringify({ input: 'one text', encoding_format: 'float' }),
    });
    const body = (await response.json()) as { data: Array<{ embedding: number[] }>; object: string };
    expect(body.object).toBe('list');
    expect(Array.isArray(body.data[0]?.embedding)).toBe(true);
    expect(body.data[0]?.embedding).toHaveLength(connector.dimensions ?? 0);
  });

  it('refuses bad input with 400, not 500', async () => {
    for (const body of [
      {},
      { input: '' },
      { input: [] },
      { input: ['ok', ''] },
      { input: 42 },
      { input: [[1, 2, 3]] },
      { input: [1, 2, 3] },
      { input: 'x', encoding_format: 'hex' },
      { input: 'x', dimensions: 3 },
    ]) {
      const response = await fetch(`${server.url}/v1/embeddings`, {
        method: 'POST',
        body: JSON.stringify(body),
      });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(((await response.json()) as { error: Json }).error['type']).toBe('invalid_request_error');
    }
    const malformed = await fetch(`${server.url}/v1/embeddings`, { method: 'POST', body: '{"input":' });
    expect(malformed.status).toBe(400);
  });

  it('answers 501 when no embedding connector is configured', async () => {
    const app = createServerApp({});
    const response = await app.request('/v1/embeddings', {
      method: 'POST',
      body: JSON.stringify({ input: 'x' }),
    });
    expect(response.status).toBe(501);
  });

  it('lists the served models, normalised and de-duplicated', async () => {
    const models = await client.models.list();
    expect(models.data).toEqual([
      { id: 'qwen-plus', object: 'model', created: 1_700_000_000, owned_by: 'openai' },
      { id: 'gpt-4o', object: 'model', created: 5, owned_by: 'team' },
      { id: 'alias-only', model: 'alias-only', object: 'model', created: 1_700_000_000, owned_by: 'openai' },
    ]);
  });

  it('lists the configured model when none are served', async () => {
    const app = createServerApp({
      upstream: createOfflineUpstream({ model: 'my-model' }),
      now: () => 2_000_000,
    });
    const body = (await (await app.request('/v1/models')).json()) as Json;
    expect(body).toEqual({
      object: 'list',
      data: [{ id: 'my-model', object: 'model', created: 2000, owned_by: 'autoskill-proxy' }],
    });
  });

  it('reports health with the version', async () => {
    const response = await fetch(`${server.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      ok: true,
      name: 'autoskill',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
    });
  });
});

describe('offline responder (no model configured)', () => {
  let server: RunningServer;
  let client: OpenAI;
  const observer = createRecordingTurnObserver();

  beforeAll(async () => {
    const app = createServerApp({
      skillContext: fixedSkillContext({
        systemMessage: 'Skill: release = regression → canary → monitor → full rollout',
        injected: [{ id: 'rel-1', name: 'release-process', version: '0.1.1' }],
      }),
      turnObserver: observer,
    });
    server = await startServer({ app, port: 0 });
    client = new OpenAI({ apiKey: 'k', baseURL: `${server.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await server.close({ graceMs: 100 });
  });

  it('says it is offline and lists the injected skills (non-stream)', async () => {
    const result = await client.chat.completions.create({
      model: 'any',
      messages: [{ role: 'user', content: 'How do we release?' }],
    });
    const text = result.choices[0]?.message.content ?? '';
    expect(text).toContain('offline');
    expect(text).toContain('release-process (v0.1.1, rel-1)');
    expect(result.usage?.total_tokens).toBeGreaterThan(0);
    expect(observer.turns.at(-1)).toMatchObject({ status: 'completed', assistantText: text });
  });

  it('answers in Chinese to a Chinese question, streamed', async () => {
    const stream = await client.chat.completions.create({
      model: 'any',
      messages: [{ role: 'user', content: '我们怎么发布？' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toContain('离线');
    expect(text).toContain('release-process');
    expect(usage).toMatchObject({ total_tokens: expect.any(Number) });
  });
});
