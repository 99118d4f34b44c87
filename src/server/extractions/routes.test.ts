import { afterEach, describe, expect, it } from 'vitest';
import type { Candidate } from '../../learn/candidate.js';
import type { IngestRequest, IngestResult, ServiceEngine } from '../../service/engine.js';
import { createServiceRuntime, type ServiceRuntime } from '../../service/runtime.js';
import { emptyRetrievalInfo } from '../../service/turn-types.js';
import { createMemoryApiKeyStore } from '../../store/api-key-store.js';
import { MemoryJobStore } from '../../store/memory-job-store.js';
import type { StoredSkill } from '../../store/types.js';
import { createServerApp } from '../app.js';
import type { AuthOptions } from '../auth/authenticate.js';
import { createExtractionRoutes, EXTRACTION_ROUTE_DESCRIPTIONS } from './index.js';

// biome-ignore lint/suspicious/noExplicitAny: the tests read loosely typed JSON answers
type Loose = Record<string, any>;

const SKILL: StoredSkill = {
  id: 'skill-1',
  owner: 'u1',
  name: 'report-style',
  description: 'How I want reports',
  instructions: '# Goal\nReports.\n\n# Constraints & Style\n- Never invent numbers.',
  version: '0.1.0',
  tags: [],
  triggers: ['write a report'],
  examples: [],
  status: 'active',
  resources: [],
  extraFrontMatter: {},
  metadata: {},
  createdAt: null,
  updatedAt: null,
  revision: 1,
  location: 'Users/u1/report-style',
  readOnly: false,
};

const CANDIDATE: Candidate = {
  name: 'report-style',
  description: 'How I want reports',
  prompt: '# Goal\nReports.',
  triggers: ['write a report'],
  tags: ['reports'],
  confidence: 0.8,
  language: 'en',
  origin: 'offline',
  forced: true,
  evidence: [
    {
      constraint: 'Never invent numbers.',
      source: 'user',
      durability: 'explicit',
      quote: 'never invent numbers',
      support: 1,
    },
  ],
};

interface Harness {
  runtime: ServiceRuntime;
  store: MemoryJobStore;
  ingestCalls: IngestRequest[];
  /** Users whose conversation `extractCandidates` (the simulation) was asked about. */
  simulateCalls: string[];
  release: (result?: IngestResult) => void;
  request(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
}

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const harness of harnesses.splice(0)) {
    harness.release();
    await harness.runtime.close({ drainTimeoutMs: 200 });
  }
});

async function harness(options: { auth?: AuthOptions; holdIngest?: boolean; keepAliveMs?: number } = {}) {
  const ingestCalls: IngestRequest[] = [];
  const simulateCalls: string[] = [];
  const waiting: Array<(result: IngestResult) => void> = [];
  const created: IngestResult = { outcome: 'created', skill: SKILL, reason: 'new skill' };
  const engine: ServiceEngine = {
    async prepareTurnContext(request) {
      return {
        systemMessage: null,
        injected: [],
        retrieval: {
          ...emptyRetrievalInfo({ scope: request.scope }),
          hits: [
            {
              rank: 1,
              score: 0.7,
              id: SKILL.id,
              name: SKILL.name,
              description: SKILL.description,
              resourcePaths: [],
              source: 'user:u1',
              owner: 'u1',
              version: '0.1.0',
            },
          ],
        },
      };
    },
    async ingest(request) {
      ingestCalls.push(request);
      if (!options.holdIngest) return created;
      return new Promise((resolve) => waiting.push(resolve));
    },
    extractCandidates: async (request) => {
      simulateCalls.push(request.userId);
      return { candidates: [CANDIDATE], reason: 'one durable rule' };
    },
    getSkill: async (id) => (id === SKILL.id ? SKILL : null),
    readSkillMd: async () => '---\nname: report-style\n---\n',
  };
  const store = new MemoryJobStore();
  const runtime = createServiceRuntime({
    engine,
    jobStore: store,
    settings: {
      retrieval: { scope: 'all', topK: 1, minScore: 0.4, rewriteMode: 'never' },
      extraction: { mode: 'auto', turnLimit: 1, window: 6 },
    },
  });
  await runtime.start();
  const app = createServerApp({
    ...(options.auth ? { auth: options.auth } : {}),
    rateLimit: false,
    limits: { defaultBodyBytes: 4096 },
    routes: [
      createExtractionRoutes({ service: runtime.extractions, keepAliveMs: options.keepAliveMs ?? 15_000 }),
    ],
  });
  const result: Harness = {
    runtime,
    store,
    ingestCalls,
    simulateCalls,
    release: (value = created) => {
      for (const resolve of waiting.splice(0)) resolve(value);
    },
    request(path, init = {}) {
      const { json, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (json !== undefined) headers.set('content-type', 'application/json');
      return Promise.resolve(
        app.request(`http://local${path}`, {
          ...rest,
          headers,
          ...(json !== undefined ? { body: typeof json === 'string' ? json : JSON.stringify(json) } : {}),
        }),
      );
    },
  };
  harnesses.push(result);
  return result;
}

const MESSAGES = [
  { role: 'system', content: 'You are a report writer.' },
  { role: 'user', content: 'From now on, never invent numbers in my reports.' },
  { role: 'assistant', content: 'Understood.' },
];

/** Reads an SSE body until it ends; returns the `event:` names with their data. */
async function readSse(response: Response): Promise<Array<{ event: string; data: string; id?: string }>> {
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((frame) => frame.trim() !== '' && !frame.startsWith(':'))
    .map((frame) => {
      const fields: Record<string, string> = {};
      for (const line of frame.split('\n')) {
        const colon = line.indexOf(':');
        fields[line.slice(0, colon)] = line.slice(colon + 1).trim();
      }
      return {
        event: fields['event'] ?? 'message',
        data: fields['data'] ?? '',
        ...(fields['id'] ? { id: fields['id'] } : {}),
      };
    });
}

describe('extraction routes', () => {
  it('extracts now: a forced job with the hint and the top-1 reference, then reads it back', async () => {
    const h = await harness();
    const response = await h.request('/v1/autoskill/extractions', {
      method: 'POST',
      json: { messages: MESSAGES, hint: 'reports', user: 'u1' },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Loose;
    expect(body).toMatchObject({
      object: 'extraction_event',
      duplicate: false,
      data: { status: 'scheduled', trigger: 'proxy_extract_now', user_id: 'u1', error: '', upserted: [] },
      job: { forced: true, hint: 'reports', reference: { id: 'skill-1', scope: 'user' }, window_messages: 2 },
    });
    const jobId = body['data']['job_id'] as string;
    await h.runtime.queue.idle({ timeoutMs: 2000 });
    expect(h.ingestCalls[0]).toMatchObject({ userId: 'u1', hint: 'reports', forced: true });
    expect(h.ingestCalls[0]?.messages).toEqual([
      { role: 'user', content: 'From now on, never invent numbers in my reports.' },
      { role: 'assistant', content: 'Understood.' },
    ]);

    const got = (await (
      await h.request(`/v1/autoskill/extractions/${jobId}?include=events`)
    ).json()) as Loose;
    expect(got['data']).toMatchObject({ status: 'completed', outcome: 'created', reason: 'new skill' });
    expect(got['data']['upserted'][0]).toMatchObject({ id: 'skill-1', resource_paths: [], updated_at: null });
    expect(got['data']['skill_mds']).toEqual([
      { id: 'skill-1', md: '---\nname: report-style\n---\n', truncated: false },
    ]);
    expect(got['events'].map((event: { status: string }) => event.status)).toEqual([
      'scheduled',
      'running',
      'completed',
    ]);

    const latest = (await (await h.request('/v1/autoskill/extractions/latest')).json()) as Loose;
    expect(latest['data']['job_id']).toBe(jobId);
    const again = (await (
      await h.request('/v1/autoskill/extractions', {
        method: 'POST',
        json: { messages: MESSAGES, hint: 'reports' },
      })
    ).json()) as Loose;
    expect(again).toMatchObject({ duplicate: true, data: { job_id: jobId, status: 'completed' } });
  });

  it('accepts a bare query and lists jobs newest first with a limit', async () => {
    const h = await harness();
    const ids: string[] = [];
    for (const query of ['Always answer in English.', '以后都用中文回答。', 'Never use emoji.']) {
      const response = await h.request('/v1/autoskill/extractions', { method: 'POST', json: { query } });
      ids.push(((await response.json()) as { data: { job_id: string } }).data.job_id);
    }
    await h.runtime.queue.idle({ timeoutMs: 2000 });
    const list = (await (await h.request('/v1/autoskill/extractions?limit=2')).json()) as Loose;
    expect(list['object']).toBe('list');
    expect(list['data'].map((event: { job_id: string }) => event.job_id)).toEqual([ids[2], ids[1]]);
  });

  it('simulates: the candidate in the original shape, nothing stored, nothing ingested', async () => {
    const h = await harness();
    const response = await h.request('/v1/autoskill/extractions/simulate', {
      method: 'POST',
      json: { messages: MESSAGES },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      object: 'extraction_simulation',
      user: 'u1',
      count: 1,
      reason: 'one durable rule',
      skills: [
        {
          name: 'report-style',
          instructions: '# Goal\nReports.',
          resource_paths: [],
          files: {},
          source: 'offline',
          evidence: [{ constraint: 'Never invent numbers.' }],
        },
      ],
    });
    expect(h.ingestCalls).toEqual([]);
    expect(await h.store.listJobs({ userId: 'u1' })).toEqual([]);
  });

  it('refuses bad input with OpenAI-style errors and stores nothing', async () => {
    const h = await harness();
    const post = (json: unknown) => h.request('/v1/autoskill/extractions', { method: 'POST', json });
    const cases: Array<[Response, number, string | null, string | null]> = [
      [await post({}), 400, 'invalid_request', 'messages'],
      [await post({ messages: 'hi' }), 400, 'invalid_request', 'messages'],
      [await post({ messages: [{ content: 'no role' }] }), 400, 'invalid_request', 'messages.0.role'],
      [await post({ query: 'x', hint: 42 }), 400, 'invalid_request', 'hint'],
      [await post({ query: 'x', min_score: 2 }), 400, 'invalid_request', 'min_score'],
      [await post({ query: 'x', scope: 'everyone' }), 400, 'invalid_request', 'scope'],
      [await post('{"messages": ['), 400, 'invalid_json', null],
      [await post('[1, 2]'), 400, 'invalid_json', null],
      [await post({ query: 'x'.repeat(5000) }), 413, 'payload_too_large', null],
      [
        await post({ messages: [{ role: 'system', content: 'only system' }] }),
        400,
        'invalid_request',
        'messages',
      ],
      [await post({ query: 'x', user: '../etc' }), 400, 'invalid_user_id', null],
      [await h.request('/v1/autoskill/extractions?limit=0'), 400, 'invalid_request', 'limit'],
      [await h.request('/v1/autoskill/extractions?limit=abc'), 400, 'invalid_request', 'limit'],
      [await h.request('/v1/autoskill/extractions/unknown-job'), 404, 'not_found', 'job_id'],
      [await h.request('/v1/autoskill/extractions/unknown-job/events'), 404, 'not_found', 'job_id'],
      [await h.request('/v1/autoskill/extractions/x?include=all'), 400, 'invalid_request', 'include'],
      [
        await h.request('/v1/autoskill/extractions/x/events?timeout_s=0'),
        400,
        'invalid_request',
        'timeout_s',
      ],
    ];
    for (const [response, status, code, param] of cases) {
      const body = (await response.json()) as { error: { code: string; param: string | null; type: string } };
      expect({ status: response.status, code: body.error.code, param: body.error.param }).toEqual({
        status,
        code,
        param,
      });
    }
    expect(await h.store.unfinishedJobs()).toEqual([]);
    expect(await h.store.listJobs({ userId: 'u1' })).toEqual([]);
  });

  it('hides other users’ jobs (404) and pins per-user keys to their user (403)', async () => {
    const apiKeys = createMemoryApiKeyStore();
    const alice = await apiKeys.create({ userId: 'alice' });
    const bob = await apiKeys.create({ userId: 'bob' });
    const admin = await apiKeys.create({ admin: true });
    const h = await harness({ auth: { apiKeys } });
    const as = (key: string) => ({ authorization: `Bearer ${key}` });
    const created = await h.request('/v1/autoskill/extractions', {
      method: 'POST',
      headers: as(alice.key),
      json: { query: 'From now on, always cite sources.' },
    });
    const jobId = ((await created.json()) as { data: { job_id: string } }).data.job_id;
    await h.runtime.queue.idle({ timeoutMs: 2000 });
    expect((await h.request(`/v1/autoskill/extractions/${jobId}`, { headers: as(alice.key) })).status).toBe(
      200,
    );
    expect((await h.request(`/v1/autoskill/extractions/${jobId}`, { headers: as(bob.key) })).status).toBe(
      404,
    );
    expect(
      (await h.request(`/v1/autoskill/extractions/${jobId}/events`, { headers: as(bob.key) })).status,
    ).toBe(404);
    expect(
      (await (await h.request('/v1/autoskill/extractions', { headers: as(bob.key) })).json()) as object,
    ).toEqual({
      object: 'list',
      data: [],
    });
    expect(
      (await h.request(`/v1/autoskill/extractions/${jobId}?user=alice`, { headers: as(bob.key) })).status,
    ).toBe(403);
    expect(
      (
        await h.request('/v1/autoskill/extractions', {
          method: 'POST',
          headers: as(bob.key),
          json: { query: 'x', user: 'alice' },
        })
      ).status,
    ).toBe(403);
    expect(
      (await h.request(`/v1/autoskill/extractions/${jobId}?user=alice`, { headers: as(admin.key) })).status,
    ).toBe(200);
    expect((await h.request(`/v1/autoskill/extractions/${jobId}`)).status).toBe(401);
  });

  it('refuses bad simulate and latest requests with OpenAI-style errors; nothing is asked or stored', async () => {
    const h = await harness();
    const simulate = (json: unknown) =>
      h.request('/v1/autoskill/extractions/simulate', { method: 'POST', json });
    const cases: Array<[Response, number, string, string | null]> = [
      [await simulate({}), 400, 'invalid_request', 'messages'],
      [await simulate({ hint: 'reports' }), 400, 'invalid_request', 'messages'],
      [await simulate({ messages: 'hi' }), 400, 'invalid_request', 'messages'],
      [await simulate({ messages: [] }), 400, 'invalid_request', 'messages'],
      [await simulate({ messages: [{ role: 7, content: 'hi' }] }), 400, 'invalid_request', 'messages.0.role'],
      // Content stays loose (clients send strings or parts), but a number leaves no user text to read.
      [await simulate({ messages: [{ role: 'user', content: 7 }] }), 400, 'invalid_request', 'messages'],
      [await simulate({ query: 42 }), 400, 'invalid_request', 'query'],
      [await simulate({ query: '   ' }), 400, 'invalid_request', 'query'],
      [await simulate({ query: 'x', hint: ['reports'] }), 400, 'invalid_request', 'hint'],
      [await simulate({ query: 'x', min_score: 'high' }), 400, 'invalid_request', 'min_score'],
      [await simulate({ query: 'x', scope: 'everyone' }), 400, 'invalid_request', 'scope'],
      [await simulate({ query: 'x', user: 42 }), 400, 'invalid_request', 'user'],
      [await simulate({ query: 'x', user: '../etc' }), 400, 'invalid_user_id', null],
      [await simulate('{"query": "never invent numbers"'), 400, 'invalid_json', null],
      [await simulate('"just a string"'), 400, 'invalid_json', null],
      [await simulate({ query: '以后都用中文回答。'.repeat(400) }), 413, 'payload_too_large', null],
      [await h.request('/v1/autoskill/extractions/latest?user=..%2Fetc'), 400, 'invalid_user_id', null],
      [await h.request('/v1/autoskill/extractions/latest?user=a%2Fb'), 400, 'invalid_user_id', null],
    ];
    for (const [response, status, code, param] of cases) {
      const body = (await response.json()) as Loose;
      expect(body).toEqual({
        error: { message: expect.any(String), type: expect.any(String), param, code },
      });
      expect(response.status, JSON.stringify(body)).toBe(status);
    }
    expect(h.simulateCalls).toEqual([]);
    expect(h.ingestCalls).toEqual([]);
    expect(await h.store.listJobs({ userId: 'u1' })).toEqual([]);
  });

  it('simulates and reads the latest job only for the caller’s own user (403 for another user’s id)', async () => {
    const apiKeys = createMemoryApiKeyStore();
    const alice = await apiKeys.create({ userId: 'alice' });
    const bob = await apiKeys.create({ userId: 'bob' });
    const h = await harness({ auth: { apiKeys } });
    const as = (key: string) => ({ authorization: `Bearer ${key}` });
    const created = await h.request('/v1/autoskill/extractions', {
      method: 'POST',
      headers: as(alice.key),
      json: { query: 'From now on, always cite sources.' },
    });
    const jobId = ((await created.json()) as Loose)['data']['job_id'] as string;
    await h.runtime.queue.idle({ timeoutMs: 2000 });
    const jobsBefore = await h.store.listJobs({ userId: 'alice' });

    const latest = async (key: string, query = '') => {
      const response = await h.request(`/v1/autoskill/extractions/latest${query}`, { headers: as(key) });
      return { status: response.status, body: (await response.json()) as Loose };
    };
    expect((await latest(alice.key)).body['data']).toMatchObject({ job_id: jobId, user_id: 'alice' });
    // Bob's latest is his own (none), never Alice's; naming Alice is refused, not rewritten.
    expect(await latest(bob.key)).toEqual({ status: 200, body: { object: 'extraction_event', data: null } });
    const foreign = await latest(bob.key, '?user=alice');
    expect(foreign.status).toBe(403);
    expect(foreign.body['error']).toMatchObject({ code: 'forbidden', param: null });
    const foreignHeader = await h.request('/v1/autoskill/extractions/latest', {
      headers: { ...as(bob.key), 'x-autoskill-user': 'alice' },
    });
    expect(foreignHeader.status).toBe(403);
    expect(((await foreignHeader.json()) as Loose)['error']['code']).toBe('forbidden');
    expect((await h.request('/v1/autoskill/extractions/latest')).status).toBe(401);

    const simulate = (key: string, json: unknown) =>
      h.request('/v1/autoskill/extractions/simulate', { method: 'POST', headers: as(key), json });
    const refused = await simulate(bob.key, { messages: MESSAGES, user: 'alice' });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as Loose)['error']['code']).toBe('forbidden');
    expect(h.simulateCalls).toEqual([]);
    const own = await simulate(bob.key, { messages: MESSAGES, user: 'bob' });
    expect(own.status).toBe(200);
    expect(((await own.json()) as Loose)['user']).toBe('bob');
    expect(h.simulateCalls).toEqual(['bob']);

    // Nothing changed: Alice's jobs are as they were, Bob has none.
    expect(await h.store.listJobs({ userId: 'alice' })).toEqual(jobsBefore);
    expect(await h.store.listJobs({ userId: 'bob' })).toEqual([]);
    expect(h.ingestCalls.map((call) => call.userId)).toEqual(['alice']);
  });

  it('streams the job’s events as they happen, then done and [DONE]', async () => {
    const h = await harness({ holdIngest: true, keepAliveMs: 20 });
    const created = await h.request('/v1/autoskill/extractions', {
      method: 'POST',
      json: { messages: MESSAGES },
    });
    const jobId = ((await created.json()) as { data: { job_id: string } }).data.job_id;
    const stream = await h.request(`/v1/autoskill/extractions/${jobId}/events?timeout_s=10`);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const frames = readSse(stream);
    while (h.ingestCalls.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 50));
    h.release({ outcome: 'merged', skill: { ...SKILL, version: '0.1.1' }, reason: 'merged a new rule' });
    const events = await frames;
    expect(events.map((frame) => frame.event)).toEqual(['update', 'update', 'update', 'done', 'message']);
    const updates = events.slice(0, 3).map((frame) => JSON.parse(frame.data) as Loose);
    expect(updates.map((event) => event['status'])).toEqual(['scheduled', 'running', 'completed']);
    expect(updates[2]).toMatchObject({ outcome: 'merged', upserted: [{ version: '0.1.1' }] });
    expect(events[0]?.id).toBe(updates[0]?.['event_id']);
    expect(JSON.parse(events[3]?.data ?? '')).toMatchObject({ status: 'completed' });
    expect(events[4]?.data).toBe('[DONE]');
    expect(h.runtime.bus.subscriberCount()).toBe(0);
  });

  it('replays a finished job at once, resumes after Last-Event-ID, and ends at the timeout', async () => {
    const h = await harness({ holdIngest: true });
    const created = await h.request('/v1/autoskill/extractions', {
      method: 'POST',
      json: { query: 'Always cite.' },
    });
    const jobId = ((await created.json()) as { data: { job_id: string } }).data.job_id;
    while (h.ingestCalls.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const waiting = await readSse(await h.request(`/v1/autoskill/extractions/${jobId}/events?timeout_s=1`));
    expect(waiting.map((frame) => frame.event)).toEqual(['update', 'update', 'done', 'message']);
    expect(JSON.parse(waiting[2]?.data ?? '')).toMatchObject({ status: 'running' });
    h.release();
    await h.runtime.queue.idle({ timeoutMs: 2000 });
    const all = await readSse(await h.request(`/v1/autoskill/extractions/${jobId}/events`));
    expect(all.filter((frame) => frame.event === 'update')).toHaveLength(3);
    const resumed = await readSse(
      await h.request(`/v1/autoskill/extractions/${jobId}/events`, {
        headers: { 'last-event-id': all[0]?.id ?? '' },
      }),
    );
    expect(resumed.filter((frame) => frame.event === 'update').map((frame) => frame.id)).toEqual([
      all[1]?.id,
      all[2]?.id,
    ]);
  });

  it('ends open streams when the runtime shuts down', async () => {
    const h = await harness({ holdIngest: true });
    const created = await h.request('/v1/autoskill/extractions', {
      method: 'POST',
      json: { query: 'Always cite.' },
    });
    const jobId = ((await created.json()) as { data: { job_id: string } }).data.job_id;
    const frames = readSse(await h.request(`/v1/autoskill/extractions/${jobId}/events?timeout_s=60`));
    while (h.ingestCalls.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    setTimeout(() => h.release(), 20);
    await h.runtime.close({ drainTimeoutMs: 1000 });
    const events = await frames;
    expect(events.at(-2)?.event).toBe('done');
    expect(JSON.parse(events.at(-2)?.data ?? '')).toMatchObject({ status: 'completed' });
  });

  it('describes every route for openapi.json with the schemas it validates with', () => {
    expect(EXTRACTION_ROUTE_DESCRIPTIONS.map((route) => `${route.method} ${route.path}`)).toEqual([
      'post /v1/autoskill/extractions',
      'post /v1/autoskill/extractions/simulate',
      'get /v1/autoskill/extractions/latest',
      'get /v1/autoskill/extractions',
      'get /v1/autoskill/extractions/{job_id}',
      'get /v1/autoskill/extractions/{job_id}/events',
    ]);
  });
});
