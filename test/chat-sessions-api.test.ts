/**
 * The chat sessions API (docs/web-api.md) over the real SDK (offline learning, hashing embeddings, a temp
 * SkillBank), the service runtime's job queue and the offline chat upstream, behind real authentication
 * (per-user keys for alice and bob, an admin key, the shared application key). Every route: its success
 * shape (checked against the schemas openapi.json is generated from), bad input, and another user's
 * session. Then the product loop: a durable preference said in a session becomes a skill (the session's
 * event stream shows scheduled → running → completed/created) and the next turn gets it injected.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AutoSkill } from '../src/sdk.js';
import { createServerApp } from '../src/server/app.js';
import { buildOpenApiDocument } from '../src/server/openapi.js';
import { createOfflineUpstream } from '../src/server/proxy/upstreams/offline.js';
import {
  MeAnswerSchema,
  SESSION_ROUTE_DESCRIPTIONS,
  SessionAnswerSchema,
  SessionExtractionAnswerSchema,
  SessionListAnswerSchema,
  sessionRoutes,
  TurnWireSchema,
} from '../src/server/sessions/index.js';
import {
  createServiceRuntime,
  type ServiceRuntime,
  serviceSettingsFromConfig,
} from '../src/service/runtime.js';
import { createSdkEngine } from '../src/service/sdk-engine.js';
import { createMemoryApiKeyStore } from '../src/store/api-key-store.js';
import { MemoryChatSessionStore } from '../src/store/memory-chat-session-store.js';
import { MemoryJobStore } from '../src/store/memory-job-store.js';
import { makeTempDir } from './support/fixtures.js';

// biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
type Json = Record<string, any>;

const KEYS = {
  alice: 'alice-key-0123456789abcdef',
  bob: 'bob-key-0123456789abcdef012',
  admin: 'admin-key-0123456789abcdef',
  shared: 'shared-application-key-0123456789',
} as const;

const temp = makeTempDir('autoskill-sessions-api-');
let sdk: AutoSkill;
let runtime: ServiceRuntime;
let app: ReturnType<typeof createServerApp>;

beforeAll(async () => {
  sdk = await AutoSkill.open({
    store: { provider: 'filesystem', dir: `${temp.dir}/SkillBank` },
    config: { retrieval: { rewriteMode: 'never', minScore: 0 }, extraction: { mode: 'auto', turnLimit: 1 } },
    env: {},
  });
  runtime = createServiceRuntime({
    engine: createSdkEngine(sdk),
    jobStore: new MemoryJobStore(),
    settings: serviceSettingsFromConfig(sdk.config),
    queue: { heartbeatMs: 60_000, retryBaseMs: 10 },
  });
  await runtime.start();
  app = createServerApp({
    auth: {
      sharedKey: KEYS.shared,
      adminKeys: [KEYS.admin],
      apiKeys: createMemoryApiKeyStore({
        seed: [
          { userId: 'alice', key: KEYS.alice, label: 'alice' },
          { userId: 'bob', key: KEYS.bob, label: 'bob' },
        ],
      }),
    },
    rateLimit: false,
    limits: { defaultBodyBytes: 64 * 1024 },
    routes: [
      sessionRoutes({
        sdk,
        runtime,
        upstream: createOfflineUpstream(),
        store: new MemoryChatSessionStore(),
        routes: { keepAliveMs: 50 },
      }),
    ],
  });
});

afterAll(async () => {
  await runtime?.close({ drainTimeoutMs: 2000 });
  await sdk?.close();
  temp.cleanup();
});

interface CallOptions {
  key?: keyof typeof KEYS | null;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
}

function call(method: string, path: string, options: CallOptions = {}): Promise<Response> {
  const key = options.key === undefined ? 'alice' : options.key;
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (key) headers['authorization'] = `Bearer ${KEYS[key]}`;
  let body: string | undefined = options.raw;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  return Promise.resolve(app.request(path, { method, headers, ...(body !== undefined ? { body } : {}) }));
}

async function json(
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<{ status: number; body: Json }> {
  const response = await call(method, path, options);
  return { status: response.status, body: (await response.json()) as Json };
}

interface SseFrame {
  event: string;
  id: string | null;
  data: Json;
}

function parseFrames(text: string): SseFrame[] {
  return text
    .split('\n\n')
    .map((block) => block.split('\n').filter((line) => !line.startsWith(':')))
    .filter((lines) => lines.some((line) => line.startsWith('data: ')))
    .map((lines) => ({
      event: lines.find((line) => line.startsWith('event: '))?.slice(7) ?? 'message',
      id: lines.find((line) => line.startsWith('id: '))?.slice(4) ?? null,
      data: JSON.parse(lines.find((line) => line.startsWith('data: '))?.slice(6) ?? 'null') as Json,
    }));
}

/** Sends one message and reads the whole turn stream. */
async function send(
  sessionId: string,
  content: string,
  key: keyof typeof KEYS = 'alice',
): Promise<SseFrame[]> {
  const response = await call('POST', `/v1/autoskill/sessions/${sessionId}/messages`, {
    key,
    body: { content },
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  return parseFrames(await response.text());
}

function names(frames: SseFrame[]): string[] {
  return frames
    .map((frame) => frame.event)
    .filter((name, index, all) => name !== 'delta' || all[index - 1] !== 'delta');
}

async function newSession(key: keyof typeof KEYS = 'alice', body: Json = {}): Promise<Json> {
  const { status, body: answer } = await json('POST', '/v1/autoskill/sessions', { key, body });
  expect(status).toBe(200);
  return answer['data'] as Json;
}

function expectError(answer: { status: number; body: Json }, status: number, code: string, param?: string) {
  expect(answer.status).toBe(status);
  expect(answer.body['error']).toMatchObject({ code, ...(param ? { param } : {}) });
  expect(typeof answer.body['error']['message']).toBe('string');
}

describe('GET /v1/autoskill/me', () => {
  it('names the signed-in user, whether auth is on and whether the key is an admin’s', async () => {
    const alice = await json('GET', '/v1/autoskill/me');
    expect(alice.status).toBe(200);
    expect(MeAnswerSchema.parse(alice.body)).toMatchObject({
      user_id: 'alice',
      auth_enabled: true,
      is_admin: false,
      principal: 'user',
      default_settings: { scope: 'all', rewrite_mode: 'never', extract_mode: 'auto', top_k: 1 },
      llm: { provider: 'offline', online: false },
    });
    expect((await json('GET', '/v1/autoskill/me', { key: 'admin' })).body).toMatchObject({ is_admin: true });
    expect((await json('GET', '/v1/autoskill/me?user=carol', { key: 'shared' })).body).toMatchObject({
      user_id: 'carol',
      principal: 'application',
    });
    expectError(await json('GET', '/v1/autoskill/me', { key: null }), 401, 'invalid_api_key');
    expectError(
      await json('GET', '/v1/autoskill/me', { key: null, headers: { authorization: 'Bearer nope' } }),
      401,
      'invalid_api_key',
    );
    expectError(await json('GET', '/v1/autoskill/me?user=bob'), 403, 'forbidden');
  });
});

describe('sessions CRUD', () => {
  it('creates a session with the server’s defaults or validated settings', async () => {
    const created = await json('POST', '/v1/autoskill/sessions', { body: {} });
    expect(created.status).toBe(200);
    expect(SessionAnswerSchema.parse(created.body).data).toMatchObject({
      title: 'New chat',
      messages: [],
      turns: [],
      message_count: 0,
      settings: {
        scope: 'all',
        rewrite_mode: 'never',
        extract_mode: 'auto',
        extract_turn_limit: 1,
        top_k: 1,
      },
    });
    expect(created.body['data']['id']).toMatch(/^ses_[0-9a-f]{24}$/);
    const empty = await call('POST', '/v1/autoskill/sessions');
    expect(empty.status).toBe(200);
    const custom = await newSession('alice', {
      title: '周报 Weekly',
      settings: { scope: 'common', top_k: 3, min_score: 0.2, extract_mode: 'never', extract_turn_limit: 4 },
    });
    expect(custom).toMatchObject({
      title: '周报 Weekly',
      settings: { scope: 'library', top_k: 3, min_score: 0.2, extract_mode: 'never', extract_turn_limit: 4 },
    });
  });

  it('refuses bad bodies with an OpenAI-style 400/413 and creates nothing', async () => {
    const before = (await json('GET', '/v1/autoskill/sessions', { key: 'bob' })).body['data'].length;
    const post = (body: unknown) => json('POST', '/v1/autoskill/sessions', { key: 'bob', body });
    expectError(await post({ settings: { top_k: 0 } }), 400, 'invalid_request', 'settings.top_k');
    expectError(await post({ settings: { top_k: 21 } }), 400, 'invalid_request', 'settings.top_k');
    expectError(
      await post({ settings: { min_score: 'high' } }),
      400,
      'invalid_request',
      'settings.min_score',
    );
    expectError(await post({ settings: { scope: 'everyone' } }), 400, 'invalid_request', 'settings.scope');
    expectError(await post({ settings: { user_id: 'alice' } }), 400, 'invalid_request');
    expectError(await post({ settings: { store_dir: '/etc' } }), 400, 'invalid_request');
    expectError(await post({ title: '' }), 400, 'invalid_request', 'title');
    expectError(await post({ title: 'x'.repeat(201) }), 400, 'invalid_request', 'title');
    expectError(await post({ colour: 'blue' }), 400, 'invalid_request');
    expectError(await post([1, 2]), 400, 'invalid_json');
    expectError(
      await json('POST', '/v1/autoskill/sessions', { key: 'bob', raw: '{"title": ' }),
      400,
      'invalid_json',
    );
    expectError(await post({ title: 'x'.repeat(70 * 1024) }), 413, 'payload_too_large');
    expectError(
      await json('POST', '/v1/autoskill/sessions', { key: null, body: {} }),
      401,
      'invalid_api_key',
    );
    expect((await json('GET', '/v1/autoskill/sessions', { key: 'bob' })).body['data']).toHaveLength(before);
  });

  it('lists the user’s sessions newest first, and only theirs', async () => {
    const first = await newSession('bob', { title: 'first' });
    const second = await newSession('bob', { title: 'second' });
    await json('PATCH', `/v1/autoskill/sessions/${first['id']}`, {
      key: 'bob',
      body: { title: 'first, renamed' },
    });
    const list = await json('GET', '/v1/autoskill/sessions', { key: 'bob' });
    expect(list.status).toBe(200);
    const data = SessionListAnswerSchema.parse(list.body).data;
    expect(data[0]).toMatchObject({ id: first['id'], title: 'first, renamed' });
    expect(data.map((item) => item.id)).toContain(second['id']);
    const alice = await json('GET', '/v1/autoskill/sessions');
    expect(alice.body['data'].map((item: Json) => item['id'])).not.toContain(first['id']);
    expect((await json('GET', '/v1/autoskill/sessions?limit=1', { key: 'bob' })).body['data']).toHaveLength(
      1,
    );
    expectError(
      await json('GET', '/v1/autoskill/sessions?limit=0', { key: 'bob' }),
      400,
      'invalid_request',
      'limit',
    );
    expectError(
      await json('GET', '/v1/autoskill/sessions?limit=x', { key: 'bob' }),
      400,
      'invalid_request',
      'limit',
    );
  });

  it('reads, renames, changes settings and deletes; another user’s session is 404 for everything', async () => {
    const session = await newSession();
    const id = session['id'] as string;
    const path = `/v1/autoskill/sessions/${id}`;
    expect(SessionAnswerSchema.parse((await json('GET', path)).body).data.id).toBe(id);

    const patched = await json('PATCH', path, {
      body: { title: 'Renamed', settings: { scope: 'user', top_k: 2 } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body['data']).toMatchObject({
      title: 'Renamed',
      settings: { scope: 'user', top_k: 2, rewrite_mode: 'never' },
    });
    expectError(await json('PATCH', path, { body: {} }), 400, 'invalid_request', 'title');
    expectError(
      await json('PATCH', path, { body: { settings: { rewrite_mode: 'sometimes' } } }),
      400,
      'invalid_request',
    );

    for (const [method, suffix, body] of [
      ['GET', '', undefined],
      ['PATCH', '', { title: 'mine now' }],
      ['DELETE', '', undefined],
      ['POST', '/messages', { content: 'hello' }],
      ['POST', '/extract', {}],
      ['GET', '/events?timeout_s=1', undefined],
    ] as const) {
      expectError(
        await json(method, `${path}${suffix}`, { key: 'bob', ...(body ? { body } : {}) }),
        404,
        'not_found',
      );
    }
    // The shared key naming bob cannot reach it either; admins act for the named user.
    expectError(
      await json('GET', path, { key: 'shared', headers: { 'x-autoskill-user': 'bob' } }),
      404,
      'not_found',
    );
    expect((await json('GET', `${path}?user=alice`, { key: 'admin' })).status).toBe(200);
    expect((await json('GET', path)).body['data']['title']).toBe('Renamed');

    const deleted = await json('DELETE', path);
    expect(deleted).toEqual({ status: 200, body: { ok: true, deleted: true, id } });
    expectError(await json('GET', path), 404, 'not_found');
    expectError(await json('DELETE', path), 404, 'not_found');
    expectError(await json('GET', '/v1/autoskill/sessions/ses_unknown'), 404, 'not_found');
    expectError(await json('GET', '/v1/autoskill/sessions/bad%2F..%2Fid'), 404, 'not_found');
  });
});

describe('POST /v1/autoskill/sessions/{id}/messages', () => {
  it('streams turn → retrieval → delta → extraction → done and stores the turn', async () => {
    const session = await newSession();
    const frames = await send(session['id'], 'Hello! 请用中文和英文回答。');
    expect(names(frames)).toEqual(['turn', 'retrieval', 'delta', 'extraction', 'done']);
    const [turn] = frames;
    expect(turn?.data).toMatchObject({ session_id: session['id'], kind: 'chat', command: null });
    expect(frames[1]?.data).toMatchObject({
      original_query: 'Hello! 请用中文和英文回答。',
      context_injected: false,
    });
    const text = frames
      .filter((frame) => frame.event === 'delta')
      .map((frame) => frame.data['content'])
      .join('');
    expect(text).toContain('离线');
    const extraction = frames.find((frame) => frame.event === 'extraction')?.data;
    expect(extraction).toMatchObject({
      status: 'scheduled',
      trigger: 'auto',
      session_id: session['id'],
      user_id: 'alice',
    });
    const done = frames.at(-1)?.data as Json;
    expect(TurnWireSchema.parse(done)).toMatchObject({
      id: turn?.data['turn_id'],
      status: 'completed',
      user: { role: 'user', content: 'Hello! 请用中文和英文回答。' },
      assistant: { role: 'assistant', content: text },
      extraction_job_ids: [extraction?.['job_id']],
    });
    expect(done['session']).toMatchObject({ message_count: 2, title: 'Hello! 请用中文和英文回答。' });

    const stored = SessionAnswerSchema.parse(
      (await json('GET', `/v1/autoskill/sessions/${session['id']}`)).body,
    ).data;
    expect(stored.messages.map((message) => message.role)).toEqual(['user', 'assistant']);
    expect(stored.turns[0]?.extraction[0]?.job_id).toBe(extraction?.['job_id']);
  });

  it('runs commands as turns of kind command and applies their settings', async () => {
    const session = await newSession();
    const frames = await send(session['id'], '/scope user');
    expect(names(frames)).toEqual(['turn', 'delta', 'done']);
    expect(frames.at(-1)?.data).toMatchObject({
      kind: 'command',
      command: '/scope',
      assistant: { role: 'system', content: 'Skill scope: user' },
    });
    const search = await send(session['id'], '／search weekly report');
    expect(names(search)).toEqual(['turn', 'retrieval', 'delta', 'done']);
    const stored = (await json('GET', `/v1/autoskill/sessions/${session['id']}`)).body['data'];
    expect(stored['settings']['scope']).toBe('user');
    expect(stored['messages'].map((message: Json) => message['role'])).toEqual([
      'user',
      'system',
      'user',
      'system',
    ]);
  });

  it('refuses bad messages before any stream starts', async () => {
    const session = await newSession();
    const path = `/v1/autoskill/sessions/${session['id']}/messages`;
    expectError(await json('POST', path, { body: {} }), 400, 'invalid_request', 'content');
    expectError(await json('POST', path, { body: { content: '   ' } }), 400, 'invalid_request', 'content');
    expectError(await json('POST', path, { body: { content: 42 } }), 400, 'invalid_request', 'content');
    expectError(
      await json('POST', path, { body: { content: 'x'.repeat(100_001) } }),
      413,
      'payload_too_large',
    );
    expectError(await json('POST', path, { body: { content: 'hi', model: 'gpt' } }), 400, 'invalid_request');
    expectError(await json('POST', path, { raw: 'not json' }), 400, 'invalid_json');
    expectError(await json('POST', path, { body: { content: 'hi', user: 'bob' } }), 403, 'forbidden');
    expect((await json('GET', `/v1/autoskill/sessions/${session['id']}`)).body['data']['turns']).toEqual([]);
  });

  it('serialises two messages sent at once to one session', async () => {
    const session = await newSession();
    const [first, second] = await Promise.all([
      send(session['id'], 'first message'),
      send(session['id'], 'second message'),
    ]);
    expect(names(first).at(-1)).toBe('done');
    expect(names(second).at(-1)).toBe('done');
    const turns = (await json('GET', `/v1/autoskill/sessions/${session['id']}`)).body['data'][
      'turns'
    ] as Json[];
    expect(turns.map((turn) => turn['user']['content']).sort()).toEqual(['first message', 'second message']);
    expect(Date.parse(turns[1]?.['created_at'])).toBeGreaterThanOrEqual(
      Date.parse(turns[0]?.['finished_at']),
    );
  });
});

describe('extract now and the session’s event stream', () => {
  it('POST …/extract schedules a forced job with the hint; an empty session is a 400', async () => {
    const session = await newSession('alice', { settings: { extract_mode: 'never' } });
    const path = `/v1/autoskill/sessions/${session['id']}/extract`;
    expectError(await json('POST', path, { body: {} }), 400, 'invalid_request');
    await send(session['id'], 'I like my meeting notes short.');
    const answer = await json('POST', path, { body: { hint: 'meeting notes' } });
    expect(answer.status).toBe(200);
    expect(SessionExtractionAnswerSchema.parse(answer.body)).toMatchObject({
      object: 'extraction_event',
      duplicate: false,
      data: {
        status: 'scheduled',
        trigger: 'extract_now',
        hint: 'meeting notes',
        session_id: session['id'],
        turn_id: null,
      },
    });
    expect((await json('POST', path, { body: { hint: 'meeting notes' } })).body['duplicate']).toBe(true);
    expectError(
      await json('POST', path, { body: { hint: 'x'.repeat(2001) } }),
      400,
      'invalid_request',
      'hint',
    );
    expectError(await json('POST', path, { body: { hint: 7 } }), 400, 'invalid_request', 'hint');
  });

  it('GET …/events replays the latest job events, then ends at the timeout; bad timeouts are 400', async () => {
    const session = await newSession();
    await send(session['id'], 'Just checking in.');
    await runtime.queue.idle({ timeoutMs: 5000 });
    const response = await call('GET', `/v1/autoskill/sessions/${session['id']}/events?timeout_s=1`);
    expect(response.status).toBe(200);
    const frames = parseFrames(await response.text());
    expect(frames.at(-1)?.event).toBe('end');
    const replay = frames.filter((frame) => frame.event === 'extraction');
    expect(replay).toHaveLength(1);
    expect(replay[0]?.data).toMatchObject({ status: 'completed', session_id: session['id'] });
    expect(replay[0]?.id).toBe(replay[0]?.data['event_id']);
    expectError(
      await json('GET', `/v1/autoskill/sessions/${session['id']}/events?timeout_s=0`),
      400,
      'invalid_request',
      'timeout_s',
    );
  });

  it('learns a skill from a durable preference said in a session and injects it in the next turn', async () => {
    const session = await newSession('alice', { settings: { scope: 'user' } });
    const id = session['id'] as string;
    // Follow the session's events while the conversation goes on (pushed, not polled).
    const controller = new AbortController();
    const stream = await call('GET', `/v1/autoskill/sessions/${id}/events?timeout_s=20`, {
      headers: {},
    });
    expect(stream.status).toBe(200);
    const reader = stream.body?.getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    const frames: SseFrame[] = [];
    const until = async (predicate: () => boolean) => {
      const deadline = Date.now() + 15_000;
      while (!predicate() && Date.now() < deadline && reader) {
        const { value, done } = await reader.read();
        if (done) break;
        buffered += decoder.decode(value, { stream: true });
        const cut = buffered.lastIndexOf('\n\n');
        if (cut >= 0) {
          frames.push(...parseFrames(buffered.slice(0, cut + 2)));
          buffered = buffered.slice(cut + 2);
        }
      }
    };

    await send(id, 'Write a status update about the payments migration.');
    const preference = await send(
      id,
      'From now on, whenever you write a status update for me, always start with a one-line summary and never invent numbers.',
    );
    const jobId = preference.find((frame) => frame.event === 'extraction')?.data['job_id'] as string;
    await until(() =>
      frames.some((frame) => frame.data['job_id'] === jobId && frame.data['status'] === 'completed'),
    );
    const statuses = frames
      .filter((frame) => frame.data['job_id'] === jobId)
      .map((frame) => frame.data['status']);
    expect(statuses).toEqual(['scheduled', 'running', 'completed']);
    const completed = frames.find(
      (frame) => frame.data['job_id'] === jobId && frame.data['status'] === 'completed',
    );
    expect(completed?.data).toMatchObject({ outcome: 'created', session_id: id });
    expect(completed?.data['reason']).toEqual(expect.any(String));
    const skillId = completed?.data['upserted'][0]['id'] as string;
    await reader?.cancel();
    controller.abort();

    const next = await send(id, 'Please write the status update for the search team.');
    const retrieval = next.find((frame) => frame.event === 'retrieval')?.data;
    expect(retrieval?.['hits'].map((hit: Json) => hit['id'])).toContain(skillId);
    const done = next.at(-1)?.data as Json;
    expect(done['injected'].map((skill: Json) => skill['id'])).toContain(skillId);
    // The offline upstream says which skills it would inject.
    expect(done['assistant']['content']).toContain(skillId);
  });
});

describe('openapi.json', () => {
  it('documents every sessions route with the schemas that validate it', () => {
    const document = buildOpenApiDocument({ routes: SESSION_ROUTE_DESCRIPTIONS, version: '0.0.0' }) as Json;
    expect(Object.keys(document['paths'])).toEqual(
      expect.arrayContaining([
        '/v1/autoskill/sessions',
        '/v1/autoskill/sessions/{session_id}',
        '/v1/autoskill/sessions/{session_id}/messages',
        '/v1/autoskill/sessions/{session_id}/extract',
        '/v1/autoskill/sessions/{session_id}/events',
        '/v1/autoskill/me',
      ]),
    );
    expect(Object.keys(document['paths']['/v1/autoskill/sessions/{session_id}'])).toEqual(
      expect.arrayContaining(['get', 'patch', 'delete']),
    );
    expect(Object.keys(document['components']['schemas'])).toEqual(
      expect.arrayContaining([
        'Session',
        'SessionTurn',
        'SessionSettings',
        'RetrievalInfo',
        'SessionExtractionEvent',
      ]),
    );
  });
});
