/**
 * End-to-end through the proxy (issue 5 acceptance): the official `openai` client talks to a real
 * `autoskill proxy` runtime (offline learning, hashing embeddings, a temp SkillBank) in front of the fake
 * model server. A multi-turn conversation with a durable preference creates a skill; the next similar
 * request gets it injected (header, `autoskill` field, and the skill message the upstream received); a
 * refinement merges it to 0.1.1; the SSE events show every step (scheduled → running → completed with the
 * outcome). The store also holds other users' skills from the corpus. Extraction runs in the worker
 * thread, as in production. Then the server restarts on the same store and still lists the jobs and their events.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningAutoSkillServer, startAutoSkillServer } from '../src/cli/commands/server-runtime.js';
import { resolveConfig } from '../src/config/index.js';
import { createOpenAICompatibleUpstream } from '../src/server/proxy/upstreams/openai-compatible.js';
import { type FakeModelServer, startFakeModelServer } from '../src/testing/index.js';
import { makeTempDir } from './support/fixtures.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers are checked field by field
type Json = Record<string, any>;

const temp = makeTempDir('autoskill-e2e-proxy-');
const storeDir = `${temp.dir}/SkillBank`;
let fake: FakeModelServer;
let server: RunningAutoSkillServer;
let client: OpenAI;

async function start(): Promise<void> {
  const config = resolveConfig({
    flags: {
      storeDir,
      port: '0',
      llmProvider: 'offline',
      embeddingsProvider: 'hashing',
      extractMode: 'auto',
      extractTurnLimit: '1',
      rewriteMode: 'never',
    },
  });
  server = await startAutoSkillServer({
    config,
    env: {},
    mode: 'proxy',
    logLevel: 'silent',
    upstream: createOpenAICompatibleUpstream({
      baseUrl: fake.baseUrl,
      apiKey: 'upstream-key',
      provider: 'fake',
    }),
  });
  client = new OpenAI({ apiKey: 'unused', baseURL: `${server.url}/v1`, maxRetries: 0, timeout: 10_000 });
}

beforeAll(async () => {
  // A fresh, empty store: the skill learnt in the first turns must be injected at the default
  // min_score 0.4 although it is the store's only skill (docs/retrieval.md, "Background corpus").
  fake = await startFakeModelServer({ defaultText: 'Here is the status update.' });
  await start();
});

afterAll(async () => {
  await server?.close();
  await fake?.close();
  temp.cleanup();
});

type Message = { role: 'system' | 'user' | 'assistant'; content: string };

/** One non-stream turn through the proxy; returns the raw answer (with the `autoskill` field) and headers. */
async function turn(messages: Message[]): Promise<{ body: Json; skillsHeader: string | null }> {
  const { data, response } = await client.chat.completions
    .create({ model: 'fake-model', messages, temperature: 0.2 })
    .withResponse();
  return { body: data as unknown as Json, skillsHeader: response.headers.get('x-autoskill-skills') };
}

/** The job's SSE stream until it ends: the statuses of the `update` events and the final event. */
async function followEvents(jobId: string): Promise<{ statuses: string[]; events: Json[]; done: Json }> {
  const response = await fetch(`${server.url}/v1/autoskill/extractions/${jobId}/events?timeout_s=20`);
  expect(response.status).toBe(200);
  const frames = (await response.text())
    .split('\n\n')
    .filter((frame) => frame.startsWith('id:') || frame.startsWith('event:'));
  const parse = (frame: string) => {
    const data = frame.split('\n').find((line) => line.startsWith('data: '));
    return JSON.parse(data?.slice('data: '.length) ?? 'null') as Json;
  };
  const events = frames.filter((frame) => frame.includes('event: update')).map(parse);
  const doneFrame = frames.find((frame) => frame.startsWith('event: done'));
  return {
    statuses: events.map((event) => event['status']),
    events,
    done: doneFrame ? parse(doneFrame) : {},
  };
}

const SYSTEM: Message = { role: 'system', content: 'You write status updates for an engineering team.' };
const FIRST_REQUEST = 'Write a status update about the payments migration.';
const PREFERENCE =
  'From now on, whenever you write a status update for me, always start with a one-line summary and never invent numbers.';
const REFINEMENT =
  'One more rule for my status updates from now on: always end them with the next steps and who owns each one.';

let skillId = '';
let createdJobId = '';

describe('proxy end to end (offline learning, fake upstream, openai client)', () => {
  it('learns a skill from a durable preference stated in a multi-turn conversation', async () => {
    const first = await turn([SYSTEM, { role: 'user', content: FIRST_REQUEST }]);
    expect(first.body['autoskill']['extraction']).toMatchObject({ status: 'scheduled' });
    const firstJob = first.body['autoskill']['extraction']['job_id'] as string;
    const firstEvents = await followEvents(firstJob);
    expect(firstEvents.statuses).toEqual(['scheduled', 'running', 'completed']);
    // A one-off request teaches nothing.
    expect(firstEvents.done['outcome']).toBe('nothing');

    const second = await turn([
      SYSTEM,
      { role: 'user', content: FIRST_REQUEST },
      { role: 'assistant', content: 'Here is the status update.' },
      { role: 'user', content: PREFERENCE },
    ]);
    createdJobId = second.body['autoskill']['extraction']['job_id'] as string;
    const { statuses, done } = await followEvents(createdJobId);
    expect(statuses).toEqual(['scheduled', 'running', 'completed']);
    expect(done).toMatchObject({ status: 'completed', outcome: 'created', user_id: 'u1' });
    expect(done['upserted']).toHaveLength(1);
    expect(done['upserted'][0]['version']).toBe('0.1.0');
    expect(done['skill_mds'][0]['md']).toContain('one-line summary');
    skillId = done['upserted'][0]['id'] as string;
  });

  it('injects the learnt skill into the next similar request', async () => {
    const answer = await turn([
      { role: 'user', content: 'Write a status update about the search team’s week.' },
    ]);
    expect(answer.skillsHeader).toBe(skillId);
    expect(answer.body['autoskill']['skills']).toEqual([
      expect.objectContaining({ id: skillId, version: '0.1.0' }),
    ]);
    expect(answer.body['autoskill']['retrieval']['context_injected']).toBe(true);
    const forwarded = fake.lastRequest('chat')?.body as Json;
    const system = forwarded['messages'][0];
    expect(system['role']).toBe('system');
    expect(system['content']).toContain('one-line summary');
    // The rest of the body is the client's, untouched.
    expect(forwarded['messages'].slice(1)).toEqual([
      { role: 'user', content: 'Write a status update about the search team’s week.' },
    ]);
    expect(forwarded['temperature']).toBe(0.2);
  });

  it('merges a refinement into the same skill (0.1.1) and the events show it', async () => {
    const answer = await turn([
      { role: 'user', content: 'Write a status update about the search team’s week.' },
      { role: 'assistant', content: 'Here is the status update.' },
      { role: 'user', content: REFINEMENT },
    ]);
    const jobId = answer.body['autoskill']['extraction']['job_id'] as string;
    const { statuses, done } = await followEvents(jobId);
    expect(statuses).toEqual(['scheduled', 'running', 'completed']);
    expect(done).toMatchObject({ outcome: 'merged' });
    expect(done['upserted'][0]).toMatchObject({ id: skillId, version: '0.1.1' });
    const skill = (await (await fetch(`${server.url}/v1/autoskill/skills/${skillId}/md`)).json()) as Json;
    expect(skill['skill_md']).toContain('next steps');
    expect(skill['skill_md']).toContain('one-line summary');
  });

  it('streams through the proxy too, and a stream turn schedules extraction after it ends', async () => {
    const stream = await client.chat.completions.create({
      model: 'fake-model',
      stream: true,
      messages: [{ role: 'user', content: 'Draft the status update for the infra team.' }],
    });
    let text = '';
    let first: Json | undefined;
    for await (const chunk of stream) {
      first ??= chunk as unknown as Json;
      text += chunk.choices[0]?.delta?.content ?? '';
    }
    expect(text).toBe('Here is the status update.');
    expect(first?.['autoskill']['skills'][0]['id']).toBe(skillId);
    await server.runtime.queue.idle({ timeoutMs: 10_000 });
    const list = (await (await fetch(`${server.url}/v1/autoskill/extractions?limit=10`)).json()) as Json;
    // One job per completed turn: five turns so far.
    expect(list['data'].length).toBe(5);
  });

  it('lists the extraction routes in capabilities and openapi.json', async () => {
    const capabilities = (await (await fetch(`${server.url}/v1/autoskill/capabilities`)).json()) as Json;
    expect(capabilities['data']['extractions']).toMatchObject({
      extract_now: '/v1/autoskill/extractions',
      simulate: '/v1/autoskill/extractions/simulate',
      events_stream: '/v1/autoskill/extractions/{job_id}/events',
    });
    const openapi = (await (await fetch(`${server.url}/v1/autoskill/openapi.json`)).json()) as Json;
    expect(Object.keys(openapi['paths'])).toEqual(
      expect.arrayContaining(['/v1/autoskill/extractions', '/v1/autoskill/extractions/{job_id}/events']),
    );
    expect(openapi['paths']['/v1/autoskill/extractions']['post']['requestBody']).toBeDefined();
  });

  it('keeps the jobs and their events across a restart on the same store', async () => {
    const before = (await (await fetch(`${server.url}/v1/autoskill/extractions?limit=50`)).json()) as Json;
    await server.close();
    await start();
    const after = (await (await fetch(`${server.url}/v1/autoskill/extractions?limit=50`)).json()) as Json;
    expect(after['data']).toEqual(before['data']);
    const job = (await (
      await fetch(`${server.url}/v1/autoskill/extractions/${createdJobId}?include=events`)
    ).json()) as Json;
    expect(job['events'].map((event: Json) => event['status'])).toEqual([
      'scheduled',
      'running',
      'completed',
    ]);
    expect(job['data']).toMatchObject({ outcome: 'created' });
    const replay = await followEvents(createdJobId);
    expect(replay.statuses).toEqual(['scheduled', 'running', 'completed']);
    expect(server.recovery).toEqual({ requeued: [], failed: [] });
  });
});
