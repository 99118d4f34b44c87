/**
 * The management API's service routes — search, retrieval preview, skill and conversation uploads,
 * vectors, capabilities and openapi.json — with small scripted services, behind real auth. Success
 * shapes are checked against the documented schemas; bad input gets OpenAI-style errors with nothing
 * changed on disk.
 */
import { zipSync } from 'fflate';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type ManagementRoutesOptions,
  managementRouteDescriptions,
  type SkillSearcher,
  type VectorMaintenance,
} from '../src/server/management/index.js';
import type { PrepareSkillContextInput, SkillContextProvider } from '../src/service/turn-types.js';
import { emptyRetrievalInfo } from '../src/service/turn-types.js';
import { AutoSkillError } from '../src/shared/errors.js';
import type { StoredSkill } from '../src/store/types.js';
import {
  expectDocumentedShape,
  expectError,
  type Json,
  LIBRARY_SKILL_ID,
  type ManagementHarness,
  startManagementHarness,
} from './support/management-harness.js';

const A = '/v1/autoskill';
let h: ManagementHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const PARTS = {
  keyword: 0.8,
  vector: 0.5,
  coverage: 1,
  summaryCoverage: 1,
  bm25: 3.2,
  cosine: 0.4,
  cosineZ: 2.5,
};

async function start(services: Partial<ManagementRoutesOptions> = {}, options: { bodyBytes?: number } = {}) {
  h = await startManagementHarness({ services, ...options });
  return h;
}

async function unchanged<T>(harness: ManagementHarness, request: () => Promise<T>): Promise<T> {
  const before = harness.snapshot();
  const result = await request();
  expect(harness.snapshot()).toEqual(before);
  return result;
}

/** A searcher that (wrongly) returns every skill, to show the route filters by owner anyway. */
function leakySearcher(harness: () => ManagementHarness, calls: unknown[] = []): SkillSearcher {
  return {
    async search(query, options) {
      calls.push({ query, ...options, abortSignal: undefined });
      const all = [
        ...(await harness().store.list({ userId: 'alice', scope: 'all', limit: 100 })).items,
        ...(await harness().store.list({ userId: 'bob', scope: 'user', limit: 100 })).items,
      ];
      return all.map((skill, index) => ({ skill, score: 0.9 - index * 0.1, parts: PARTS }));
    },
  };
}

describe('POST skills/search', () => {
  it('answers hits with score parts, split by origin, never another user’s skill', async () => {
    const calls: Json[] = [];
    const harness = await start({ search: leakySearcher(() => harness, calls) });
    const mine = await harness.createSkill({ owner: 'alice', name: 'Release steps' });
    await harness.createSkill({ owner: 'bob', name: 'Bob release' });
    const answer = await harness.json('POST', `${A}/skills/search`, {
      body: { q: '怎么安全发布', scope: 'common', limit: 5, min_score: 0.2 },
    });
    expect(answer.status).toBe(200);
    expectDocumentedShape('searchSkills', answer.body);
    expect(calls[0]).toMatchObject({
      query: '怎么安全发布',
      userId: 'alice',
      scope: 'library',
      limit: 5,
      minScore: 0.2,
    });
    const ids = answer.body['data'].map((hit: Json) => hit['id']);
    expect(ids.sort()).toEqual([LIBRARY_SKILL_ID, mine.id].sort());
    expect(answer.body['data'][0]).toMatchObject({ rank: 1, score_parts: { keyword: 0.8, cosine_z: 2.5 } });
    expect(answer.body['data_library'].map((hit: Json) => hit['id'])).toEqual([LIBRARY_SKILL_ID]);
    expect(answer.body['data_user'].map((hit: Json) => hit['id'])).toEqual([mine.id]);
  });

  it('refuses a missing query, wrong types and a limit over 200; 501 without a search service', async () => {
    const harness = await start({ search: leakySearcher(() => harness) });
    const search = (body: unknown) => harness.json('POST', `${A}/skills/search`, { body });
    expectError(await search({}), 400, 'invalid_request', 'query');
    expectError(await search({ query: '  ' }), 400, 'invalid_request', 'query');
    expectError(await search({ query: 7 }), 400, 'invalid_request', 'query');
    expectError(await search({ query: 'x', limit: 201 }), 400, 'invalid_request', 'limit');
    expectError(await search({ query: 'x', min_score: 2 }), 400, 'invalid_request', 'min_score');
    expectError(await search({ query: 'x', scope: 'world' }), 400, 'invalid_request', 'scope');
    expectError(await search({ query: 'x', user: 'bob' }), 403, 'forbidden');
    expectError(
      await harness.json('POST', `${A}/skills/search`, {
        rawBody: 'query=x',
        headers: { 'content-type': 'application/json' },
      }),
      400,
      'invalid_json',
    );
    await h?.close();
    h = await startManagementHarness();
    expectError(await h.json('POST', `${A}/skills/search`, { body: { query: 'x' } }), 501, 'unsupported');
  });
});

describe('POST retrieval/preview', () => {
  function recordingProvider(
    inputs: PrepareSkillContextInput[],
    skill: () => StoredSkill,
  ): SkillContextProvider {
    return {
      async prepare(input) {
        inputs.push(input);
        const chosen = skill();
        return {
          systemMessage: `## Skills\n- ${chosen.name}`,
          injected: [
            { id: chosen.id, name: chosen.name, version: chosen.version, source: `user:${chosen.owner}` },
            { id: 'someone-elses', name: 'x', version: '0.1.0' },
          ],
          retrieval: {
            ...emptyRetrievalInfo({ query: 'q', scope: input.scope ?? 'all', now: 5 }),
            rewrittenQuery: 'release procedure',
            selectedForContextIds: [chosen.id],
          },
        };
      },
    };
  }

  it('shows what the proxy would inject: the provider’s context, rewritten query and selected skills', async () => {
    const inputs: PrepareSkillContextInput[] = [];
    let skill: StoredSkill | undefined;
    const harness = await start({ retrieval: recordingProvider(inputs, () => skill as StoredSkill) });
    skill = await harness.createSkill({ owner: 'alice', name: 'Safe release' });
    const messages = [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'We release on Fridays.' },
      { role: 'assistant', content: 'OK' },
      { role: 'user', content: [{ type: 'text', text: '那这个怎么做？' }] },
    ];
    const answer = await harness.json('POST', `${A}/retrieval/preview`, {
      body: { messages, scope: 'user' },
    });
    expect(answer.status).toBe(200);
    expectDocumentedShape('previewRetrieval', answer.body);
    expect(inputs[0]).toMatchObject({ userId: 'alice', scope: 'user', messages });
    expect(answer.body).toMatchObject({
      object: 'retrieval_preview',
      user: 'alice',
      scope: 'user',
      latest_user_query: '那这个怎么做？',
      rewritten_query: 'release procedure',
      context: '## Skills\n- Safe release',
      context_injected: true,
    });
    expect(answer.body['selected_skills'].map((item: Json) => item['id'])).toEqual([skill.id]);
    const single = await harness.json('POST', `${A}/retrieval/preview`, {
      body: { query: 'how to release' },
    });
    expect(inputs[1]?.messages).toEqual([{ role: 'user', content: 'how to release' }]);
    expect(single.status).toBe(200);
  });

  it('refuses bad input; 501 without a provider', async () => {
    const harness = await start(
      { retrieval: recordingProvider([], () => ({}) as StoredSkill) },
      { bodyBytes: 4096 },
    );
    const preview = (body: unknown) => harness.json('POST', `${A}/retrieval/preview`, { body });
    expectError(await preview({}), 400, 'invalid_request', 'messages');
    expectError(await preview({ messages: [] }), 400, 'invalid_request', 'messages');
    expectError(
      await preview({ messages: [{ content: 'no role' }] }),
      400,
      'invalid_request',
      'messages.0.role',
    );
    expectError(
      await preview({ messages: [{ role: 'assistant', content: 'only me' }] }),
      400,
      'invalid_request',
      'messages',
    );
    expectError(await preview({ messages: 'hello' }), 400, 'invalid_request', 'messages');
    expectError(await preview({ query: 'x'.repeat(5000) }), 413, 'payload_too_large');
    await h?.close();
    h = await startManagementHarness();
    expectError(await h.json('POST', `${A}/retrieval/preview`, { body: { query: 'x' } }), 501, 'unsupported');
  });
});

const SKILL_MD = (name: string) =>
  `---\nname: ${name}\ndescription: ${name} steps\n---\n\n# ${name}\n\n## Prompt\n\nDo ${name}.\n`;

describe('POST skills/import', () => {
  it('imports an uploaded zip (base64) for the user, then skips it again unless overwrite', async () => {
    const harness = await start();
    const zip = zipSync({
      'pack/release/SKILL.md': Buffer.from(SKILL_MD('release')),
      'pack/release/scripts/check.sh': Buffer.from('echo ok\n'),
      'pack/写作/SKILL.md': Buffer.from(SKILL_MD('写作')),
      'pack/broken/SKILL.md': Buffer.from('---\nname: [x\n---\n'),
    });
    const body = { zip_base64: Buffer.from(zip).toString('base64') };
    const first = await harness.json('POST', `${A}/skills/import`, { body });
    expect(first.status).toBe(200);
    expectDocumentedShape('importSkills', first.body);
    expect(first.body).toMatchObject({ ok: true, user: 'alice', imported_count: 2 });
    expect(first.body['data'].map((skill: Json) => skill['name']).sort()).toEqual(['release', '写作']);
    expect(first.body['data'].find((skill: Json) => skill['name'] === 'release')['resource_paths']).toEqual([
      'scripts/check.sh',
    ]);
    expect(first.body['errors']).toMatchObject([{ from: 'pack/broken', code: 'INVALID_SKILL_FILE' }]);
    expect((await harness.store.list({ userId: 'alice' })).total).toBe(2);
    const again = await harness.json('POST', `${A}/skills/import`, { body });
    expect(again.body['imported_count']).toBe(0);
    expect(again.body['skipped']).toHaveLength(2);
    const replaced = await harness.json('POST', `${A}/skills/import`, { body: { ...body, overwrite: true } });
    expect(replaced.body['imported_count']).toBe(2);
  });

  it('imports folder contents given as a files map, and a multipart zip upload', async () => {
    const harness = await start();
    const fromMap = await harness.json('POST', `${A}/skills/import`, {
      body: { files: { 'SKILL.md': SKILL_MD('weekly-report') }, name: 'weekly', include_files: false },
    });
    expect(fromMap.body).toMatchObject({ imported_count: 1, data: [{ name: 'weekly-report' }] });
    const form = new FormData();
    form.set('file', new Blob([zipSync({ 'a/SKILL.md': Buffer.from(SKILL_MD('from-form')) })]), 'skills.zip');
    form.set('overwrite', 'true');
    const multipart = await harness.json('POST', `${A}/skills/import`, { rawBody: form, key: 'bob' });
    expect(multipart.status).toBe(200);
    expect(multipart.body).toMatchObject({
      user: 'bob',
      imported_count: 1,
      data: [{ name: 'from-form', owner: 'bob' }],
    });
  });

  it('never reads a server-side path and refuses bad uploads; nothing changes', async () => {
    const harness = await start({ limits: { importTotalBytes: 10_000, importBodyBytes: 50_000 } });
    const post = (body: unknown) => harness.json('POST', `${A}/skills/import`, { body });
    await unchanged(harness, async () => {
      expectError(await post({ root_dir: '/etc' }), 400, 'server_paths_not_accepted', 'root_dir');
      expectError(await post({ zip_path: '/tmp/x.zip' }), 400, 'server_paths_not_accepted', 'zip_path');
      expectError(await post({}), 400, 'invalid_request', 'zip_base64');
      expectError(await post({ zip_base64: 'AAAA', files: { 'SKILL.md': 'x' } }), 400, 'invalid_request');
      expectError(await post({ zip_base64: 'not base64!' }), 400, 'invalid_request', 'zip_base64');
      expectError(
        await post({ zip_base64: Buffer.from('not a zip').toString('base64') }),
        400,
        'invalid_request',
      );
      expectError(await post({ files: { 'README.md': 'no skill here' } }), 400, 'invalid_request', 'files');
      expectError(
        await post({ files: { '../escape/SKILL.md': SKILL_MD('x') } }),
        400,
        'invalid_path',
        'files',
      );
      expectError(await post({ files: { '/abs/SKILL.md': SKILL_MD('x') } }), 400, 'invalid_path', 'files');
      expectError(await post({ files: { 'SKILL.md': 42 } }), 400, 'invalid_request', 'files.SKILL.md');
      expectError(
        await post({ files: { 'SKILL.md': SKILL_MD('x') }, overwrite: 'maybe' }),
        400,
        'invalid_request',
        'overwrite',
      );
      expectError(
        await post({ files: { 'SKILL.md': SKILL_MD('x') }, name: '../up' }),
        400,
        'invalid_request',
        'name',
      );
      const bomb = zipSync({
        'big/SKILL.md': Buffer.from(SKILL_MD('big')),
        'big/zeros.bin': new Uint8Array(20_000),
      });
      expectError(await post({ zip_base64: Buffer.from(bomb).toString('base64') }), 413, 'payload_too_large');
      expectError(await post({ files: { 'SKILL.md': 'x'.repeat(60_000) } }), 413, 'payload_too_large');
      expectError(
        await harness.json('POST', `${A}/skills/import`, {
          rawBody: '{"files":',
          headers: { 'content-type': 'application/json' },
        }),
        400,
        'invalid_json',
      );
      expectError(
        await harness.json('POST', `${A}/skills/import`, {
          rawBody: 'garbage',
          headers: { 'content-type': 'multipart/form-data; boundary=x' },
        }),
        400,
        'invalid_multipart',
      );
      expectError(await post({ files: { 'SKILL.md': SKILL_MD('x') }, user: 'bob' }), 403, 'forbidden');
    });
  });
});

describe('POST conversations/import', () => {
  function scriptedImporter(harness: () => ManagementHarness): ManagementRoutesOptions['conversations'] {
    return {
      async importConversations(input) {
        const skills: StoredSkill[] = [];
        const errors: Array<{ index: number; error: string }> = [];
        for (const [index, conversation] of input.conversations.entries()) {
          const text = String(conversation.messages.at(-1)?.['content'] ?? '');
          if (text.includes('fail')) {
            errors.push({ index, error: 'extraction failed' });
            continue;
          }
          skills.push(await harness().createSkill({ owner: input.userId, name: `learned ${index}` }));
        }
        return {
          processed: input.conversations.length - errors.length,
          failed: errors.length,
          skills,
          errors,
        };
      },
    };
  }

  it('learns from inline conversations, a .jsonl text and a multipart file', async () => {
    const harness = await start({ conversations: scriptedImporter(() => harness) });
    const inline = await harness.json('POST', `${A}/conversations/import`, {
      body: {
        conversations: [
          { messages: [{ role: 'user', content: '以后周报都先写结论' }] },
          [{ role: 'user', content: 'this one will fail' }],
        ],
        hint: 'reports',
      },
    });
    expect(inline.status).toBe(200);
    expectDocumentedShape('importConversations', inline.body);
    expect(inline.body).toMatchObject({
      total_conversations: 2,
      processed: 1,
      failed: 1,
      upserted_count: 1,
      errors: [{ index: 1, error: 'extraction failed' }],
    });
    const jsonl = [
      JSON.stringify({ messages: [{ role: 'user', content: 'a' }] }),
      JSON.stringify({ messages: [{ role: 'user', content: 'b' }] }),
    ].join('\n');
    const fromText = await harness.json('POST', `${A}/conversations/import`, { body: { data: jsonl } });
    expect(fromText.body['total_conversations']).toBe(2);
    const form = new FormData();
    form.set(
      'file',
      new Blob([JSON.stringify({ conversations: [[{ role: 'user', content: 'c' }]] })]),
      'chats.json',
    );
    const fromFile = await harness.json('POST', `${A}/conversations/import`, { rawBody: form });
    expect(fromFile.body).toMatchObject({ total_conversations: 1, upserted_count: 1 });
  });

  it('refuses server paths, bad content and too many conversations; 501 without an importer', async () => {
    const harness = await start({
      conversations: scriptedImporter(() => harness),
      limits: { conversationsPerImport: 2 },
    });
    const post = (body: unknown) => harness.json('POST', `${A}/conversations/import`, { body });
    const message = { role: 'user', content: 'x' };
    await unchanged(harness, async () => {
      expectError(await post({ file_path: '/etc/passwd' }), 400, 'server_paths_not_accepted', 'file_path');
      expectError(await post({}), 400, 'invalid_request', 'conversations');
      expectError(await post({ conversations: [] }), 400, 'invalid_request', 'conversations');
      expectError(
        await post({ conversations: [{ text: 'no messages' }] }),
        400,
        'invalid_request',
        'conversations.0',
      );
      expectError(await post({ conversations: 'x' }), 400, 'invalid_request', 'conversations');
      expectError(await post({ data: '{"a":\nnot json' }), 400, 'invalid_request', 'data');
      expectError(await post({ conversations: [[message], [message], [message]] }), 413, 'payload_too_large');
    });
    await h?.close();
    h = await startManagementHarness();
    expectError(
      await h.json('POST', `${A}/conversations/import`, { body: { messages: [message] } }),
      501,
      'unsupported',
    );
  });
});

describe('vectors', () => {
  function scriptedVectors(): VectorMaintenance & { release(): void; calls: Json[] } {
    let release = () => {};
    const calls: Json[] = [];
    return {
      calls,
      release: () => release(),
      async vectorStatus(options) {
        calls.push({ status: options });
        return { enabled: true, backend: 'flat', skills: 3, vectors: 2, missing: 1, stale: 0 };
      },
      async rebuildVectors(options) {
        calls.push({ rebuild: { force: options.force } });
        options.onProgress?.(1, 4);
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        options.onProgress?.(4, 4);
        return { embedded: 4, removed: 0, failed: [], durationMs: 12 };
      },
    };
  }

  it('reports status in snake_case and runs one rebuild at a time in the background', async () => {
    const vectors = scriptedVectors();
    const harness = await start({ vectors, rebuildWaitMs: 20 });
    const status = await harness.json('GET', `${A}/vectors/status?scope=user`);
    expect(status.status).toBe(200);
    expectDocumentedShape('getVectorStatus', status.body);
    expect(status.body).toMatchObject({
      data: { skills: 3, missing: 1, user: 'alice', scope: 'user' },
      rebuild: null,
    });
    const started = await harness.json('POST', `${A}/vectors/rebuild`, {
      key: 'admin',
      body: { force: true },
    });
    expect(started.status).toBe(202);
    expectDocumentedShape('rebuildVectors', started.body);
    expect(started.body['data']).toMatchObject({ status: 'running', force: true, done: 1, total: 4 });
    const second = await harness.json('POST', `${A}/vectors/rebuild`, { key: 'shared' });
    expect(second.body).toMatchObject({ already_running: true, data: { id: started.body['data']['id'] } });
    expect(vectors.calls.filter((call) => 'rebuild' in call)).toHaveLength(1);
    vectors.release();
    await vi.waitFor(
      async () => {
        const rebuild = (await harness.json('GET', `${A}/vectors/status`)).body['rebuild'];
        expect(rebuild).toMatchObject({ id: started.body['data']['id'], status: 'completed' });
        expect(rebuild['report']).toEqual({ embedded: 4, removed: 0, failed: [], duration_ms: 12 });
      },
      { timeout: 2000, interval: 10 },
    );
    const next = await harness.json('POST', `${A}/vectors/rebuild`, { key: 'admin' });
    expect(next.body).toMatchObject({ already_running: false, data: { status: 'running', force: false } });
    expect(next.body['data']['id']).not.toBe(started.body['data']['id']);
    vectors.release();
  });

  it('answers 200 when the rebuild ends within wait_ms, and the rebuild’s own error when it fails', async () => {
    let fail = false;
    const harness = await start({
      vectors: {
        vectorStatus: async () => ({}),
        rebuildVectors: async () => {
          if (fail)
            throw new AutoSkillError('UPSTREAM_ERROR', 'embedding provider down', {
              details: { statusCode: 503 },
            });
          return { embedded: 0 };
        },
      },
    });
    const done = await harness.json('POST', `${A}/vectors/rebuild`, { key: 'shared' });
    expect(done.status).toBe(200);
    expect(done.body['data']).toMatchObject({ status: 'completed', report: { embedded: 0 } });
    fail = true;
    expectError(await harness.json('POST', `${A}/vectors/rebuild`, { key: 'shared' }), 503, 'upstream_error');
    expect((await harness.json('GET', `${A}/vectors/status`)).body['rebuild']).toMatchObject({
      status: 'failed',
      error: 'embedding provider down',
    });
  });

  it('refuses per-user keys (the rebuild affects everyone), bad bodies, and answers 501 without vectors', async () => {
    const harness = await start({ vectors: scriptedVectors() });
    expectError(await harness.json('POST', `${A}/vectors/rebuild`), 403, 'forbidden');
    expectError(
      await harness.json('POST', `${A}/vectors/rebuild`, { key: 'admin', body: { force: 'yes' } }),
      400,
      'invalid_request',
      'force',
    );
    expectError(
      await harness.json('POST', `${A}/vectors/rebuild`, { key: 'admin', body: { wait_ms: 60_000 } }),
      400,
      'invalid_request',
      'wait_ms',
    );
    expectError(await harness.json('GET', `${A}/vectors/status?scope=x`), 400, 'invalid_request', 'scope');
    await h?.close();
    h = await startManagementHarness();
    expectError(await h.json('GET', `${A}/vectors/status`), 501, 'unsupported');
    expectError(await h.json('POST', `${A}/vectors/rebuild`, { key: 'admin' }), 501, 'unsupported');
  });
});

describe('capabilities and openapi.json', () => {
  it('lists available features with path templates in the original’s groups', async () => {
    const harness = await start({
      search: leakySearcher(() => harness),
      models: { llm: { provider: 'offline', model: null } },
      extraRoutes: [
        { method: 'post', path: `${A}/extractions`, operationId: 'createExtraction', summary: 'x' },
        {
          method: 'get',
          path: `${A}/extractions/{job_id}/events`,
          operationId: 'streamExtractionEvents',
          summary: 'x',
        },
      ],
    });
    const answer = await harness.json('GET', `${A}/capabilities`);
    expect(answer.status).toBe(200);
    expectDocumentedShape('getCapabilities', answer.body);
    const data = answer.body['data'];
    expect(data['skills']).toMatchObject({
      list: `${A}/skills`,
      get_md: `${A}/skills/{skill_id}/md`,
      save_md: `${A}/skills/{skill_id}/md`,
      rollback: `${A}/skills/{skill_id}/rollback`,
      search: `${A}/skills/search`,
      diff: `${A}/skills/{skill_id}/diff`,
    });
    expect(data['extractions']).toEqual({
      extract_now: `${A}/extractions`,
      events_stream: `${A}/extractions/{job_id}/events`,
    });
    expect(data['meta']).toEqual({ capabilities: `${A}/capabilities`, openapi: `${A}/openapi.json` });
    expect(data['chat']).toEqual({ path: '/v1/chat/completions', stream: true });
    expect(data['llm']).toEqual({ provider: 'offline', model: null });
    expect(data['retrieval']).toBeUndefined();
    expect(data['vectors']).toBeUndefined();
    expect(data['auth']).toEqual({ enabled: true, principal: 'user' });
    expectError(await harness.json('GET', `${A}/capabilities`, { key: null }), 401);
  });

  it('serves an OpenAPI 3.1 document generated from the request schemas', async () => {
    const harness = await start();
    const answer = await harness.json('GET', `${A}/openapi.json`);
    expect(answer.status).toBe(200);
    const document = answer.body;
    expect(document).toMatchObject({ openapi: '3.1.0', info: { title: 'AutoSkill API' } });
    const put = document['paths'][`${A}/skills/{skill_id}/md`]['put'];
    expect(put['requestBody']['content']['application/json']['schema']['properties']).toHaveProperty(
      'base_revision',
    );
    expect(put['parameters'][0]).toMatchObject({ name: 'skill_id', in: 'path', required: true });
    expect(put['responses']['409']['content']['application/json']['schema']).toEqual({
      $ref: '#/components/schemas/Error',
    });
    const list = document['paths'][`${A}/skills`]['get'];
    expect(list['parameters'].map((parameter: Json) => parameter['name'])).toEqual(
      expect.arrayContaining(['scope', 'limit', 'offset', 'q', 'include']),
    );
    expect(document['paths']['/v1/chat/completions']['post']['requestBody']).toBeDefined();
    expect(document['components']['schemas']).toHaveProperty('SkillSummary');
    const text = JSON.stringify(document);
    expect(text).not.toContain('#/$defs/');
    for (const ref of text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) {
      expect(document['components']['schemas']).toHaveProperty(ref[1] as string);
    }
    expect((await harness.json('GET', '/openapi.json')).body).toEqual(document);
  });

  it('can serve /openapi.json without credentials when listed as a public path', async () => {
    const { MANAGEMENT_PUBLIC_PATHS } = await import('../src/server/management/index.js');
    h = await startManagementHarness({
      auth: { sharedKey: 'k'.repeat(20), publicPaths: ['/health', ...MANAGEMENT_PUBLIC_PATHS] },
    });
    expect((await h.call('GET', '/openapi.json', { key: null })).status).toBe(200);
    expect((await h.call('GET', `${A}/openapi.json`, { key: null })).status).toBe(401);
  });
});

describe('every documented management route', () => {
  const routes = managementRouteDescriptions();
  const withBody = routes.filter((route) => route.body !== undefined);
  const perSkill = routes.filter((route) => route.path.includes('{skill_id}'));

  it('refuses malformed JSON (400) and oversized bodies (413) before touching the store', async () => {
    const harness = await start(
      { search: leakySearcher(() => harness), limits: { importBodyBytes: 2048 } },
      { bodyBytes: 2048 },
    );
    const skill = await harness.createSkill({ owner: 'alice', name: 'Target' });
    expect(withBody.length).toBeGreaterThanOrEqual(8);
    await unchanged(harness, async () => {
      for (const route of withBody) {
        const path = route.path.replace('{skill_id}', skill.id);
        const method = route.method.toUpperCase();
        const key = route.operationId === 'rebuildVectors' ? 'admin' : 'alice';
        const malformed = await harness.json(method, path, {
          key,
          rawBody: '{"oops": ',
          headers: { 'content-type': 'application/json' },
        });
        expect([route.operationId, malformed.status, malformed.body['error']?.['code']]).toEqual([
          route.operationId,
          400,
          'invalid_json',
        ]);
        const oversized = await harness.json(method, path, { key, body: { padding: 'x'.repeat(4096) } });
        expect([route.operationId, oversized.status]).toEqual([route.operationId, 413]);
      }
    });
  });

  it('answers another user’s skill and an unknown id alike (404) on every per-skill route', async () => {
    const harness = await start();
    const bobs = await harness.createSkill({ owner: 'bob', name: 'Bob only' });
    expect(perSkill.length).toBeGreaterThanOrEqual(9);
    await unchanged(harness, async () => {
      for (const route of perSkill) {
        for (const id of [bobs.id, 'no-such-skill']) {
          const answer = await harness.json(
            route.method.toUpperCase(),
            route.path.replace('{skill_id}', id),
            {
              ...(route.body
                ? { body: route.operationId === 'saveSkillMd' ? { skill_md: '---\nname: x\n---\n' } : {} }
                : {}),
            },
          );
          expect([route.operationId, id, answer.status, answer.body['error']?.['code']]).toEqual([
            route.operationId,
            id,
            404,
            'not_found',
          ]);
        }
      }
    });
  });
});

describe('openapi.json with every route module of the server', () => {
  it('documents core, management and extraction routes with unique operation ids and resolvable refs', async () => {
    const { EXTRACTION_ROUTE_DESCRIPTIONS } = await import('../src/server/extractions/index.js');
    const harness = await start({ extraRoutes: EXTRACTION_ROUTE_DESCRIPTIONS });
    const document = (await harness.json('GET', `${A}/openapi.json`)).body;
    const operations = Object.values(document['paths'] as Record<string, Record<string, Json>>).flatMap(
      (item) => Object.values(item),
    );
    const ids = operations.map((operation) => operation['operationId']);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(
      expect.arrayContaining(['createExtraction', 'streamExtractionEvents', 'createChatCompletion']),
    );
    expect(document['paths'][`${A}/extractions/{job_id}/events`]['get']).toBeDefined();
    const text = JSON.stringify(document);
    for (const ref of text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) {
      expect(document['components']['schemas']).toHaveProperty(ref[1] as string);
    }
    const capabilities = (await harness.json('GET', `${A}/capabilities`)).body['data'];
    expect(Object.keys(capabilities['extractions']).sort()).toEqual(
      ['events_stream', 'extract_now', 'get', 'latest', 'list', 'simulate'].sort(),
    );
  });
});
