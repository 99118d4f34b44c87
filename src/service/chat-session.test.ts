/**
 * The session engine: turn events, history and skill message sent to the model, extraction cadence,
 * every command, the per-session lock, persistence across a restart, user isolation, failures and aborts,
 * the pushed job events of a session.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../test/support/fixtures.js';
import type { ChatSessionSettings, ChatSessionStore } from '../store/chat-session-store.js';
import { FileChatSessionStore } from '../store/fs/file-chat-session-store.js';
import type { JobRecord } from '../store/job-store.js';
import { MemoryChatSessionStore } from '../store/memory-chat-session-store.js';
import { MemoryJobStore } from '../store/memory-job-store.js';
import type { StoredSkill } from '../store/types.js';
import {
  type ChatSessionEvent,
  type ChatSessionService,
  createChatSessionService,
  type SessionJobEvent,
  titleFromText,
} from './chat-session.js';
import { parseChatInput } from './chat-session-commands.js';
import type { ChatModel } from './chat-session-model.js';
import type { TurnContextRequest } from './engine.js';
import { createMemoryEventBus } from './event-bus.js';
import { createJobQueue, type JobQueue, type JobRunResult } from './job-queue.js';
import { emptyRetrievalInfo, type PreparedSkillContext, type RetrievalHit } from './turn-types.js';

const DEFAULTS: ChatSessionSettings = {
  scope: 'all',
  rewriteMode: 'auto',
  extractMode: 'auto',
  extractTurnLimit: 1,
  minScore: 0.4,
  topK: 1,
};

const HIT: RetrievalHit = {
  rank: 1,
  score: 0.83,
  id: 'skill-report',
  name: 'report-style',
  description: 'How I want weekly reports',
  resourcePaths: [],
  source: 'user:alice',
  owner: 'alice',
  version: '0.1.0',
};

interface ModelCall {
  body: Record<string, unknown>;
  injected: readonly unknown[];
}

function sseResponse(pieces: string[], options: { delayMs?: number; breakAfter?: number } = {}): Response {
  const encoder = new TextEncoder();
  return new Response(
    new ReadableStream<Uint8Array>({
      async start(controller) {
        for (const [index, piece] of pieces.entries()) {
          if (options.breakAfter === index) {
            // Let the reader take what was sent first (an errored stream drops unread chunks).
            await new Promise((resolve) => setTimeout(resolve, 20));
            controller.error(new TypeError('socket hang up'));
            return;
          }
          if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
          const chunk = {
            object: 'chat.completion.chunk',
            choices: [{ index: 0, delta: { content: piece } }],
          };
          controller.enqueue(encoder.encode(`data: ${JSON.stringify(chunk)}\n\n`));
        }
        controller.enqueue(encoder.encode('data: [DONE]\n\n'));
        controller.close();
      },
    }),
    { headers: { 'content-type': 'text/event-stream' } },
  );
}

/** A scripted chat model: answers `reply(body)` in pieces, or a scripted failure. */
function fakeModel(
  script: {
    reply?: (body: Record<string, unknown>) => string[];
    respond?: (body: Record<string, unknown>, signal?: AbortSignal) => Promise<Response> | Response;
    delayMs?: number;
  } = {},
): ChatModel & { calls: ModelCall[] } {
  const calls: ModelCall[] = [];
  return {
    calls,
    provider: 'fake',
    defaultModel: 'fake-model',
    async forward(body, options) {
      calls.push({ body, injected: options.injected ?? [] });
      if (script.respond) return script.respond(body, options.abortSignal);
      const messages = body['messages'] as Array<{ role: string; content: string }>;
      const last = messages.at(-1)?.content ?? '';
      return sseResponse(script.reply?.(body) ?? ['You said: ', last], {
        ...(script.delayMs ? { delayMs: script.delayMs } : {}),
      });
    },
  };
}

/** Retrieval that finds the report skill for messages about reports. */
function fakeEngine(skills: StoredSkill[] = []) {
  const requests: TurnContextRequest[] = [];
  return {
    requests,
    async prepareTurnContext(request: TurnContextRequest): Promise<PreparedSkillContext> {
      requests.push(request);
      const last = String(request.messages.at(-1)?.content ?? '');
      const retrieval = {
        ...emptyRetrievalInfo({ query: last, scope: request.scope, now: 1 }),
        topK: request.topK,
      };
      if (!/report|周报/i.test(last)) return { systemMessage: null, injected: [], retrieval };
      const hit = { ...HIT, owner: request.userId, source: `user:${request.userId}` };
      return {
        systemMessage: '## AutoSkill Skills\n### Skill 1: report-style',
        injected: [
          { id: hit.id, name: hit.name, version: hit.version, source: hit.source, score: hit.score },
        ],
        retrieval: {
          ...retrieval,
          hits: [hit],
          hitsUser: [hit],
          selectedForUseIds: [hit.id],
          selectedForContextIds: [hit.id],
          contextInjected: true,
        },
      };
    },
    async getSkill(id: string) {
      return skills.find((skill) => skill.id === id) ?? null;
    },
    async readSkillMd(id: string) {
      const skill = skills.find((item) => item.id === id);
      return skill ? `---\nid: ${skill.id}\nname: ${skill.name}\n---\n# ${skill.name}\n` : null;
    },
  };
}

function skill(id: string, owner: string, overrides: Partial<StoredSkill> = {}): StoredSkill {
  return {
    id,
    name: id,
    owner,
    version: '0.1.0',
    readOnly: owner.startsWith('library:'),
    revision: 1,
    location: `Users/${owner}/${id}`,
    ...overrides,
  } as StoredSkill;
}

interface Harness {
  service: ChatSessionService;
  model: ReturnType<typeof fakeModel>;
  engine: ReturnType<typeof fakeEngine>;
  queue: JobQueue;
  jobStore: MemoryJobStore;
  runs: JobRecord[];
  finish: () => void;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function harness(
  options: {
    store?: ChatSessionStore;
    model?: ReturnType<typeof fakeModel>;
    skills?: StoredSkill[];
    defaults?: Partial<ChatSessionSettings>;
    jobStore?: MemoryJobStore;
    holdJobs?: boolean;
    service?: Partial<Parameters<typeof createChatSessionService>[0]>;
  } = {},
): Promise<Harness> {
  const jobStore = options.jobStore ?? new MemoryJobStore();
  const bus = createMemoryEventBus();
  const runs: JobRecord[] = [];
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const queue = createJobQueue({
    store: jobStore,
    bus,
    runner: {
      async run(job): Promise<JobRunResult> {
        runs.push(job);
        if (options.holdJobs) await held;
        return { outcome: 'created', reason: 'a new durable preference', upserted: [], skills: [] };
      },
    },
    heartbeatMs: 60_000,
  });
  await queue.start();
  cleanups.push(() => queue.stop({ timeoutMs: 1000 }).then(() => undefined));
  const model = options.model ?? fakeModel();
  const engine = fakeEngine(options.skills);
  const store = options.store ?? new MemoryChatSessionStore();
  await store.open();
  const service = createChatSessionService({
    store,
    engine,
    listSkills: async (userId) =>
      (options.skills ?? [])
        .filter((item) => item.owner === userId)
        .map((item) => ({ id: item.id, name: item.name, version: item.version })),
    model,
    queue,
    jobs: jobStore,
    bus,
    defaults: { ...DEFAULTS, ...options.defaults },
    ...options.service,
  });
  return { service, model, engine, queue, jobStore, runs, finish: release };
}

async function collect(events: AsyncIterable<ChatSessionEvent>): Promise<ChatSessionEvent[]> {
  const out: ChatSessionEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

function types(events: ChatSessionEvent[]): string[] {
  return events
    .map((event) => event.type)
    .filter((type, index, all) => type !== 'delta' || all[index - 1] !== 'delta');
}

function reply(events: ChatSessionEvent[]): string {
  return events.map((event) => (event.type === 'delta' ? event.content : '')).join('');
}

async function say(h: Harness, userId: string, sessionId: string, content: string) {
  return collect(h.service.send(userId, sessionId, content));
}

describe('chat turns', () => {
  it('streams turn → retrieval → deltas → extraction → done, and stores the turn', async () => {
    const h = await harness();
    const session = await h.service.create('alice');
    expect(session).toMatchObject({ title: 'New chat', settings: DEFAULTS, turns: [] });
    const events = await say(h, 'alice', session.id, 'Write my weekly report as bullet points');
    expect(types(events)).toEqual(['turn', 'retrieval', 'delta', 'extraction', 'done']);
    expect(reply(events)).toBe('You said: Write my weekly report as bullet points');
    const extraction = events.find((event) => event.type === 'extraction');
    expect(extraction?.type === 'extraction' && extraction.extraction).toMatchObject({
      sessionId: session.id,
      event: { status: 'scheduled', trigger: 'auto', userId: 'alice' },
    });
    const stored = await h.service.get('alice', session.id);
    expect(stored.title).toBe('Write my weekly report as bulle…');
    expect(stored.turns).toHaveLength(1);
    expect(stored.turns[0]).toMatchObject({
      kind: 'chat',
      status: 'completed',
      userText: 'Write my weekly report as bullet points',
      replyText: 'You said: Write my weekly report as bullet points',
      injected: [{ id: 'skill-report' }],
      retrieval: { contextInjected: true, hits: [{ id: 'skill-report' }] },
      receipt: { status: 'scheduled' },
    });
    expect(stored.turns[0]?.jobIds).toHaveLength(1);
    expect(stored.jobs[0]).toMatchObject({ trigger: 'auto', turnId: stored.turns[0]?.id });
  });

  it('sends the skill message first, then the conversation so far, with the session settings', async () => {
    const h = await harness();
    const session = await h.service.create('alice', { settings: { topK: 3, minScore: 0.2, scope: 'user' } });
    await say(h, 'alice', session.id, 'hello');
    await say(h, 'alice', session.id, 'now my report please');
    const body = h.model.calls[1]?.body as {
      model: string;
      messages: Array<{ role: string; content: string }>;
    };
    expect(body.model).toBe('fake-model');
    expect(body.messages.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(body.messages[0]?.content).toContain('AutoSkill Skills');
    expect(body.messages[2]?.content).toBe('You said: hello');
    expect(h.model.calls[1]?.injected).toEqual([expect.objectContaining({ id: 'skill-report' })]);
    expect(h.engine.requests[1]).toMatchObject({ userId: 'alice', scope: 'user', topK: 3, minScore: 0.2 });
    expect(h.engine.requests[1]?.messages).toHaveLength(3);
  });

  it('extracts every N turns in auto mode, every turn in always mode, never in never mode', async () => {
    const h = await harness({ defaults: { extractTurnLimit: 2 } });
    const session = await h.service.create('alice');
    const first = await say(h, 'alice', session.id, 'one');
    expect(types(first)).not.toContain('extraction');
    const second = await say(h, 'alice', session.id, 'two');
    expect(types(second)).toContain('extraction');
    const turns = (await h.service.get('alice', session.id)).turns;
    expect(turns[0]?.receipt).toMatchObject({ status: 'skipped', jobId: null });
    expect(turns[1]?.receipt).toMatchObject({ status: 'scheduled' });
    await h.queue.idle({ timeoutMs: 2000 });
    // The window holds both user turns and the reply just produced.
    expect(h.runs[0]?.window.map((message) => message.content)).toEqual([
      'one',
      'You said: one',
      'two',
      'You said: two',
    ]);
    expect(h.runs[0]?.metadata).toMatchObject({ channel: 'web', session_id: session.id });

    const never = await h.service.create('alice', { settings: { extractMode: 'never' } });
    await say(h, 'alice', never.id, 'three');
    expect((await h.service.get('alice', never.id)).turns[0]?.receipt).toMatchObject({ status: 'disabled' });
    const always = await h.service.create('alice', {
      settings: { extractMode: 'always', extractTurnLimit: 5 },
    });
    expect(types(await say(h, 'alice', always.id, 'four'))).toContain('extraction');
  });

  it('keeps sessions, turns and the extraction cadence across a restart (file store)', async () => {
    const temp = makeTempDir('autoskill-chat-');
    cleanups.push(temp.cleanup);
    const stateDir = join(temp.dir, '.autoskill');
    const jobStore = new MemoryJobStore();
    const first = await harness({
      store: new FileChatSessionStore({ stateDir }),
      jobStore,
      defaults: { extractTurnLimit: 2 },
    });
    const session = await first.service.create('alice');
    await say(first, 'alice', session.id, 'one');
    const second = await harness({
      store: new FileChatSessionStore({ stateDir }),
      jobStore,
      defaults: { extractTurnLimit: 2 },
    });
    const restored = await second.service.get('alice', session.id);
    expect(restored.turns.map((turn) => turn.userText)).toEqual(['one']);
    expect(restored.turnsSinceExtraction).toBe(1);
    const events = await say(second, 'alice', session.id, 'two');
    expect(types(events)).toContain('extraction');
    expect(second.model.calls[0]?.body['messages']).toHaveLength(3);
    expect((await second.service.list('alice'))[0]).toMatchObject({
      id: session.id,
      messageCount: 4,
      turnCount: 2,
    });
  });

  it('stores a failed turn, reports the upstream error and schedules nothing', async () => {
    const model = fakeModel({
      respond: () =>
        new Response(
          JSON.stringify({ error: { message: 'Rate limit reached', code: 'rate_limit_exceeded' } }),
          {
            status: 429,
            headers: { 'content-type': 'application/json' },
          },
        ),
    });
    const h = await harness({ model });
    const session = await h.service.create('alice');
    const events = await say(h, 'alice', session.id, 'hi');
    expect(types(events)).toEqual(['turn', 'retrieval', 'error']);
    const error = events.at(-1);
    expect(error?.type === 'error' && error.error).toMatchObject({ code: 'upstream_error' });
    expect(error?.type === 'error' && error.error.message).toContain('429: Rate limit reached');
    const stored = await h.service.get('alice', session.id);
    expect(stored.turns[0]).toMatchObject({ status: 'failed', replyText: null, jobIds: [] });
    expect(stored.turnsSinceExtraction).toBe(0);
  });

  it('reports a stream that breaks midway and keeps the text received', async () => {
    const model = fakeModel({ respond: () => sseResponse(['partial ', 'more'], { breakAfter: 1 }) });
    const h = await harness({ model });
    const session = await h.service.create('alice');
    const events = await say(h, 'alice', session.id, 'hi');
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { code: 'upstream_stream_broken' } });
    expect((await h.service.get('alice', session.id)).turns[0]).toMatchObject({
      status: 'failed',
      replyText: 'partial ',
    });
  });

  it('stores an aborted turn when the client leaves, and leaves it out of the history', async () => {
    const h = await harness({ model: fakeModel({ delayMs: 30, reply: () => ['a', 'b', 'c', 'd', 'e'] }) });
    const session = await h.service.create('alice');
    const controller = new AbortController();
    const events: ChatSessionEvent[] = [];
    await expect(
      (async () => {
        for await (const event of h.service.send('alice', session.id, 'hi', {
          abortSignal: controller.signal,
        })) {
          events.push(event);
          if (event.type === 'delta') controller.abort();
        }
      })(),
    ).resolves.toBeUndefined();
    const stored = await h.service.get('alice', session.id);
    expect(stored.turns[0]?.status).toBe('aborted');
    await say(h, 'alice', session.id, 'again');
    expect(h.model.calls.at(-1)?.body['messages']).toEqual([{ role: 'user', content: 'again' }]);
  });

  it('answers without skills when retrieval throws', async () => {
    const h = await harness();
    h.engine.prepareTurnContext = async () => {
      throw new Error('index offline');
    };
    const session = await h.service.create('alice');
    const events = await say(h, 'alice', session.id, 'my report');
    const retrieval = events.find((event) => event.type === 'retrieval');
    expect(retrieval?.type === 'retrieval' && retrieval.retrieval.error).toBe('index offline');
    expect(types(events).at(-1)).toBe('done');
    expect(h.model.calls[0]?.body['messages']).toEqual([{ role: 'user', content: 'my report' }]);
  });
});

describe('the per-session lock', () => {
  it('serialises two messages to one session: the second runs after the first, with it as history', async () => {
    const h = await harness({
      model: fakeModel({
        delayMs: 20,
        reply: (body) => [
          'reply to ',
          String((body['messages'] as Array<{ content: string }>).at(-1)?.content),
        ],
      }),
    });
    const session = await h.service.create('alice');
    const log: string[] = [];
    const run = async (text: string) => {
      for await (const event of h.service.send('alice', session.id, text)) {
        if (event.type === 'turn' || event.type === 'done') log.push(`${event.type}:${text}`);
      }
    };
    await Promise.all([run('first'), run('second')]);
    expect(log).toEqual(['turn:first', 'done:first', 'turn:second', 'done:second']);
    expect(h.model.calls[1]?.body['messages']).toHaveLength(3);
    expect((await h.service.get('alice', session.id)).turns.map((turn) => turn.userText)).toEqual([
      'first',
      'second',
    ]);
  });

  it('lets other sessions run meanwhile, and gives up with busy after the wait limit', async () => {
    const h = await harness({
      model: fakeModel({ delayMs: 60, reply: () => ['slow', 'er'] }),
      service: { lockTimeoutMs: 30 },
    });
    const one = await h.service.create('alice');
    const two = await h.service.create('alice');
    const slow = say(h, 'alice', one.id, 'first');
    await new Promise((resolve) => setTimeout(resolve, 5));
    await expect(say(h, 'alice', one.id, 'second')).rejects.toMatchObject({ code: 'LOCK_TIMEOUT' });
    await expect(say(h, 'alice', two.id, 'elsewhere')).resolves.toBeDefined();
    await slow;
  });
});

describe('users and sessions', () => {
  it('never lets another user read, change, send to or delete a session', async () => {
    const h = await harness();
    const session = await h.service.create('alice');
    await expect(h.service.get('bob', session.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(h.service.update('bob', session.id, { title: 'x' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(say(h, 'bob', session.id, 'hi')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(h.service.extractNow('bob', session.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(h.service.delete('bob', session.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await h.service.list('bob')).toEqual([]);
    expect((await h.service.get('alice', session.id)).turns).toEqual([]);
  });

  it('renames (keeping the title), changes settings, validates them, and limits the number of sessions', async () => {
    const h = await harness({ service: { maxSessionsPerUser: 2 } });
    const session = await h.service.create('alice', { title: '  My   plan ' });
    expect(session).toMatchObject({ title: 'My plan', titleSource: 'user' });
    await say(h, 'alice', session.id, 'a first message');
    expect((await h.service.get('alice', session.id)).title).toBe('My plan');
    const updated = await h.service.update('alice', session.id, {
      settings: { topK: 4, extractMode: 'never' },
    });
    expect(updated.settings).toMatchObject({ topK: 4, extractMode: 'never', scope: 'all' });
    await expect(h.service.update('alice', session.id, { settings: { topK: 0 } })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      details: { param: 'settings.topK' },
    });
    await expect(
      h.service.create('alice', { settings: { userId: 'bob' } as unknown as ChatSessionSettings }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(h.service.update('alice', session.id, { title: '   ' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    await h.service.create('alice');
    await expect(h.service.create('alice')).rejects.toMatchObject({ code: 'CONFLICT' });
    await h.service.delete('alice', session.id);
    await expect(h.service.get('alice', session.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('lists newest first with a preview', async () => {
    let clock = 1000;
    const h = await harness({ service: { now: () => (clock += 10) } });
    const older = await h.service.create('alice');
    const newer = await h.service.create('alice');
    await say(h, 'alice', older.id, '你好，请用中文回答');
    const list = await h.service.list('alice');
    expect(list.map((item) => item.id)).toEqual([older.id, newer.id]);
    expect(list[0]).toMatchObject({ title: '你好，请用中文回答', preview: 'You said: 你好，请用中文回答' });
  });
});

describe('commands', () => {
  const library = skill('lib-skill', 'library:common');
  const own = skill('own-skill', 'alice', { name: 'Weekly report' });
  const foreign = skill('bob-skill', 'bob');

  async function command(h: Harness, sessionId: string, text: string) {
    const events = await say(h, 'alice', sessionId, text);
    return { events, reply: reply(events) };
  }

  it('parses like the original: / or ／, lower-cased names, bare words and the extract_now alias', () => {
    expect(parseChatInput('/SCOPE user')).toMatchObject({
      kind: 'command',
      name: '/scope',
      argument: 'user',
    });
    expect(parseChatInput('／help')).toMatchObject({ kind: 'command', name: '/help' });
    expect(parseChatInput('extract_now  focus on tone')).toMatchObject({
      kind: 'command',
      name: '/extract_now',
      argument: 'focus on tone',
    });
    expect(parseChatInput('skills')).toMatchObject({ kind: 'command', name: '/skills' });
    expect(parseChatInput('skills please')).toMatchObject({ kind: 'chat' });
    expect(parseChatInput('/scope user\nand more')).toMatchObject({ kind: 'chat' });
    expect(parseChatInput('   ')).toEqual({ kind: 'empty' });
  });

  it('runs every command and stores it as a command turn', async () => {
    const h = await harness({ skills: [library, own, foreign] });
    const session = await h.service.create('alice');
    const id = session.id;

    expect((await command(h, id, '/help')).reply).toContain('/extract_now [hint]');
    expect((await command(h, id, '/extract_now')).reply).toBe('(no conversation context to extract from)');

    expect((await command(h, id, '/rewrite always')).reply).toBe('Rewrite mode: always');
    expect((await command(h, id, '/rewrite sometimes')).reply).toBe('Usage: /rewrite never|auto|always');
    expect((await command(h, id, '/extract never')).reply).toBe('Extraction mode: never');
    expect((await command(h, id, '/extract_every 3')).reply).toBe('Extraction interval (turns): 3');
    expect((await command(h, id, '/extract_every 0')).reply).toBe('Extraction interval (turns): 1');
    expect((await command(h, id, '/extract_every x')).reply).toContain('Usage: /extract_every');
    expect((await command(h, id, '/scope common')).reply).toBe('Skill scope: library');
    expect((await command(h, id, '／scope user')).reply).toBe('Skill scope: user');
    expect((await h.service.get('alice', id)).settings).toMatchObject({
      rewriteMode: 'always',
      extractMode: 'never',
      extractTurnLimit: 1,
      scope: 'user',
    });

    const search = await command(h, id, '/search weekly report');
    expect(search.reply).toBe('Search: weekly report\n1. 0.8300 · report-style (skill-report) · user:alice');
    expect(types(search.events)).toEqual(['turn', 'retrieval', 'delta', 'done']);
    const retrieval = search.events.find((event) => event.type === 'retrieval');
    expect(retrieval?.type === 'retrieval' && retrieval.retrieval).toMatchObject({
      contextInjected: false,
      topK: 5,
    });
    expect(h.engine.requests.at(-1)).toMatchObject({ rewriteMode: 'never', scope: 'user' });
    expect((await command(h, id, '/search nothing here')).reply).toBe('Search: nothing here\n(no hits)');

    expect((await command(h, id, '/skills')).reply).toBe('- own-skill | v0.1.0 | Weekly report');
    expect((await command(h, id, '/export own-skill')).reply).toContain('id: own-skill');
    expect((await command(h, id, '/export lib-skill')).reply).toContain('id: lib-skill');
    expect((await command(h, id, '/export bob-skill')).reply).toBe('(not found)');
    expect((await command(h, id, '/export')).reply).toBe('Usage: /export <skill_id>');
    expect((await command(h, id, '/quit')).reply).toBe('Unknown command. Use /help.');

    // No command is sent to the model.
    expect(h.model.calls).toHaveLength(0);
    const stored = await h.service.get('alice', id);
    expect(stored.turns.every((turn) => turn.kind === 'command')).toBe(true);
    expect(stored.turns.find((turn) => turn.command === '/search')?.retrieval).not.toBeNull();
  });

  it('/extract_now [hint] schedules a forced job with the hint; extract_now is an alias', async () => {
    const h = await harness({ defaults: { extractMode: 'never' } });
    const session = await h.service.create('alice');
    await say(h, 'alice', session.id, 'Never invent numbers in my reports');
    const now = await command(h, session.id, '/extract_now focus on numbers');
    expect(now.reply).toBe('[extract_now] scheduled in background (hint: focus on numbers)');
    const extraction = now.events.find((event) => event.type === 'extraction');
    expect(extraction?.type === 'extraction' && extraction.extraction).toMatchObject({
      hint: 'focus on numbers',
      event: { trigger: 'extract_now', status: 'scheduled' },
    });
    await h.queue.idle({ timeoutMs: 2000 });
    expect(h.runs[0]).toMatchObject({ forced: true, hint: 'focus on numbers', trigger: 'extract_now' });
    expect(h.runs[0]?.reference).toMatchObject({ id: 'skill-report' });
    expect(h.runs[0]?.window.map((message) => message.role)).toEqual(['user', 'assistant']);
    const alias = await command(h, session.id, 'extract_now');
    expect(alias.reply).toBe('[extract_now] scheduled in background');
  });

  it('/clear forgets the conversation and the cadence but keeps the session', async () => {
    const h = await harness({ defaults: { extractTurnLimit: 5 } });
    const session = await h.service.create('alice');
    await say(h, 'alice', session.id, 'one');
    expect((await command(h, session.id, '/clear')).reply).toBe('Conversation cleared.');
    const stored = await h.service.get('alice', session.id);
    expect(stored.turns.map((turn) => turn.command)).toEqual(['/clear']);
    expect(stored.turnsSinceExtraction).toBe(0);
    await say(h, 'alice', session.id, 'fresh start');
    expect(h.model.calls.at(-1)?.body['messages']).toEqual([{ role: 'user', content: 'fresh start' }]);
  });
});

describe('extract now and session events', () => {
  it('schedules a forced job, answers duplicates with the same job, and refuses an empty session', async () => {
    const h = await harness({ holdJobs: true, defaults: { extractMode: 'never' } });
    const session = await h.service.create('alice');
    await expect(h.service.extractNow('alice', session.id)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await say(h, 'alice', session.id, 'Always cite sources');
    const first = await h.service.extractNow('alice', session.id, { hint: ' sources ' });
    expect(first).toMatchObject({
      duplicate: false,
      extraction: { sessionId: session.id, turnId: null, hint: 'sources', event: { status: 'scheduled' } },
    });
    const again = await h.service.extractNow('alice', session.id, { hint: 'sources' });
    expect(again.duplicate).toBe(true);
    expect(again.extraction.event.jobId).toBe(first.extraction.event.jobId);
    h.finish();
  });

  it('pushes the session’s job events live after replaying the latest ones, and nothing of other sessions', async () => {
    const h = await harness({ holdJobs: true });
    const session = await h.service.create('alice');
    const other = await h.service.create('alice');
    await say(h, 'alice', session.id, 'first');
    const received: SessionJobEvent[] = [];
    let closed = false;
    const { stop } = await h.service.watch('alice', session.id, {
      onEvent: (event) => received.push(event),
      onClose: () => {
        closed = true;
      },
    });
    expect(received.length).toBeGreaterThanOrEqual(1);
    expect(['scheduled', 'running']).toContain(received[0]?.event.status);
    await say(h, 'alice', other.id, 'elsewhere');
    await say(h, 'alice', session.id, 'second');
    h.finish();
    await h.queue.idle({ timeoutMs: 2000 });
    const jobIds = new Set(received.map((event) => event.event.jobId));
    expect(jobIds.size).toBe(2);
    expect(received.every((event) => event.sessionId === session.id)).toBe(true);
    const completed = received.filter((event) => event.event.status === 'completed');
    expect(completed).toHaveLength(2);
    expect(completed[0]?.event).toMatchObject({ outcome: 'created', reason: 'a new durable preference' });
    expect(completed.every((event) => event.turnId !== null)).toBe(true);
    expect(new Set(received.map((event) => event.event.eventId)).size).toBe(received.length);
    await h.service.delete('alice', session.id);
    expect(closed).toBe(true);
    stop();
  });

  it('reads the latest event of each job of a session', async () => {
    const h = await harness();
    const session = await h.service.create('alice');
    await say(h, 'alice', session.id, 'first');
    await h.queue.idle({ timeoutMs: 2000 });
    const stored = await h.service.get('alice', session.id);
    const events = await h.service.latestJobEvents('alice', stored.jobs);
    expect(events).toHaveLength(1);
    expect(events[0]?.event).toMatchObject({ status: 'completed', outcome: 'created' });
    expect(await h.service.latestJobEvents('bob', stored.jobs)).toEqual([]);
  });
});

describe('titles', () => {
  it('takes the first message, collapsed, at most 32 characters', () => {
    expect(titleFromText('  hello \n world ')).toBe('hello world');
    expect(titleFromText('')).toBe('New chat');
    expect([...titleFromText('长'.repeat(40))]).toHaveLength(32);
  });
});
