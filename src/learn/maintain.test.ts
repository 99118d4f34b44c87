import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveLLMConfig } from '../llm/config.js';
import { createGenericLLMConnector } from '../llm/generic.js';
import { createOfflineLLMConnector } from '../llm/offline.js';
import type { LLMCallOptions } from '../llm/types.js';
import { AutoSkillError } from '../shared/errors.js';
import { type FakeModelServer, startFakeModelServer } from '../testing/index.js';
import { decideMaintenance } from './maintain.js';
import { readJsonObject } from './maintain-model.js';
import { fixedSearch, sketchCandidate, storedSkill } from './maintain-test-support.js';

const WEEKLY = storedSkill({
  id: 'weekly',
  name: 'weekly_status_report',
  description: "Writes the user's weekly status report from rough notes (Done / Next / Blocked).",
  instructions:
    '# Goal\nTurn notes into a status report.\n\n# Constraints & Style\n- Exactly three sections: Done, Next, Blocked.\n- At most 5 bullets per section.',
  triggers: ['write my weekly status report'],
});
const LIBRARY_WEEKLY = storedSkill({ ...WEEKLY, id: 'library-weekly', owner: 'library:team' });
const EMAIL = storedSkill({
  id: 'email',
  name: 'concise_email_drafting',
  description: "Drafts the user's emails: short, direct.",
  instructions: '# Goal\nDraft emails.\n\n# Constraints\n- Under 120 words.',
});

const TLDR = 'Add a one-line TL;DR at the very top of every weekly report from now on.';
const TLDR_MESSAGES = [
  { role: 'user', content: 'Notes: shipped export. Next: dashboard. Blocked: design review.' },
  { role: 'assistant', content: '**Done**\n- Shipped export' },
  { role: 'user', content: TLDR },
];
const tldrCandidate = () =>
  sketchCandidate({ name: 'weekly-report-rules', rules: [TLDR], triggers: ['weekly report'] });
/** A rule whose conversation names no topic: the identity is the retrieval score alone. */
const TOPICLESS = 'Keep the tone dry and skip exclamation marks from now on.';
const topiclessCandidate = () => sketchCandidate({ name: 'tone-rules', rules: [TOPICLESS] });
const TOPICLESS_MESSAGES = [{ role: 'user', content: TOPICLESS }];
/** A forced candidate of one task (no durable rule). */
const taskCandidate = () =>
  sketchCandidate({ name: 'write-haiku', tasks: ['Five-seven-five syllables'], forced: true });

/** An offline connector answering each call with the next scripted reply; records the calls. */
function scripted(...replies: Array<string | Error>) {
  const calls: LLMCallOptions[] = [];
  const llm = createOfflineLLMConnector({
    respond: (call) => {
      calls.push(call);
      const next = replies.shift() ?? '{}';
      if (next instanceof Error) throw next;
      return next;
    },
  });
  const tasks = () =>
    calls.map((call) => {
      const user = String(call.messages.find((message) => message.role === 'user')?.content ?? '');
      return (JSON.parse(user) as { task?: string }).task ?? 'repair';
    });
  return { llm, calls, tasks };
}

describe('decideMaintenance from evidence (offline)', () => {
  it('merges a new durable rule into the same-capability user skill', async () => {
    const decision = await decideMaintenance({
      candidate: tldrCandidate(),
      userId: 'u1',
      search: fixedSearch([
        { skill: WEEKLY, score: 0.45 },
        { skill: EMAIL, score: 0.1 },
      ]),
      messages: TLDR_MESSAGES,
    });
    expect(decision).toMatchObject({ action: 'merge', decidedBy: 'evidence', modelCalls: 0 });
    expect(decision.target?.id).toBe('weekly');
    expect(decision.considered.find((skill) => skill.id === 'email')?.verdict).toBe('different');
  });

  it('discards a rule the skill already has', async () => {
    const rule = 'From now on, keep at most 5 bullets per section in every weekly report.';
    const decision = await decideMaintenance({
      candidate: sketchCandidate({ rules: [rule] }),
      userId: 'u1',
      search: fixedSearch([{ skill: WEEKLY, score: 0.3 }]),
      messages: [{ role: 'user', content: rule }],
    });
    expect(decision.action).toBe('discard');
    expect(decision.reason).toMatch(/already covers/);
  });

  it('adds when nothing similar exists, and never merges into a library skill', async () => {
    const none = await decideMaintenance({
      candidate: tldrCandidate(),
      userId: 'u1',
      search: fixedSearch([]),
    });
    expect(none).toMatchObject({ action: 'add', reason: 'no similar skill' });
    const library = await decideMaintenance({
      candidate: tldrCandidate(),
      userId: 'u1',
      search: fixedSearch([{ skill: LIBRARY_WEEKLY, score: 0.6 }]),
      messages: TLDR_MESSAGES,
    });
    expect(library.action).toBe('add');
    expect(library.reason).toMatch(/library skill .* cannot change/);
  });

  it('discards a candidate a library skill already covers', async () => {
    const decision = await decideMaintenance({
      candidate: sketchCandidate({ tasks: ['Exactly three sections: Done, Next, Blocked'], forced: true }),
      userId: 'u1',
      search: fixedSearch([{ skill: LIBRARY_WEEKLY, score: 0.6 }]),
      messages: TLDR_MESSAGES.slice(0, 2),
    });
    expect(decision).toMatchObject({ action: 'discard' });
    expect(decision.target?.id).toBe('library-weekly');
    expect(decision.reason).toMatch(/covered by the library skill/);
  });

  it("ignores other users' skills even if a search returns them", async () => {
    const foreign = storedSkill({ ...WEEKLY, id: 'foreign', owner: 'u2' });
    const decision = await decideMaintenance({
      candidate: tldrCandidate(),
      userId: 'u1',
      search: { search: async () => [{ skill: foreign, score: 0.9 }] },
      messages: TLDR_MESSAGES,
    });
    expect(decision).toMatchObject({ action: 'add', considered: [] });
  });
});

describe('decideMaintenance with a model (bounded by the evidence)', () => {
  it("overrides the model's add when the evidence says same capability", async () => {
    const { llm, tasks } = scripted('{"action": "add", "target_skill_id": null, "reason": "new"}');
    const decision = await decideMaintenance({
      candidate: tldrCandidate(),
      userId: 'u1',
      search: fixedSearch([{ skill: WEEKLY, score: 0.6 }]),
      messages: TLDR_MESSAGES,
      llm,
      offline: false,
    });
    expect(tasks()).toEqual(['maintenance_decision']);
    expect(decision).toMatchObject({ action: 'merge', decidedBy: 'evidence' });
    expect(decision.notes.join(' ')).toMatch(/model answered add; overridden/);
  });

  it('never asks the judge about a clearly different skill (its "same: yes" cannot merge)', async () => {
    const { llm, tasks } = scripted(
      '{"action": "merge", "target_skill_id": "email", "reason": "same"}',
      '{"same_capability": true, "confidence": 1}',
    );
    const decision = await decideMaintenance({
      candidate: tldrCandidate(),
      userId: 'u1',
      search: fixedSearch([{ skill: EMAIL, score: 0.2 }]),
      messages: TLDR_MESSAGES,
      llm,
      offline: false,
    });
    expect(tasks()).toEqual(['maintenance_decision']);
    expect(decision.action).toBe('add');
  });

  it('lets the judge decide an unsure skill, at sufficient confidence', async () => {
    const run = (judgeReply: string) => {
      const model = scripted(judgeReply, '{"action": "add"}');
      return decideMaintenance({
        candidate: topiclessCandidate(),
        userId: 'u1',
        search: fixedSearch([{ skill: WEEKLY, score: 0.42 }]),
        messages: TOPICLESS_MESSAGES,
        llm: model.llm,
        offline: false,
      }).then((decision) => ({ decision, tasks: model.tasks() }));
    };
    const same = await run('{"same_capability": true, "confidence": 0.9, "reason": "same report"}');
    expect(same.tasks).toEqual(['identity_judge', 'maintenance_decision']);
    expect(same.decision.action).toBe('merge');
    expect(same.decision.considered[0]).toMatchObject({ verdict: 'same', verdictBy: 'judge' });
    const different = await run('{"same_capability": "no", "confidence": "0.8"}');
    expect(different.decision.action).toBe('add');
    const unsure = await run('{"same_capability": false, "confidence": 0.3}');
    expect(unsure.decision.considered[0]).toMatchObject({ verdict: 'same', verdictBy: 'midpoint' });
  });

  it('does not ask the judge when one task asks for a deliverable the skill does not make', async () => {
    const { llm, tasks } = scripted('{"action": "discard"}');
    const decision = await decideMaintenance({
      candidate: sketchCandidate({ name: 'okr-proposal', tasks: ['Three objectives'], forced: true }),
      userId: 'u1',
      search: fixedSearch([{ skill: WEEKLY, score: 0.4 }]),
      messages: [
        { role: 'user', content: 'Draft a quarterly OKR proposal for my team with three objectives.' },
      ],
      llm,
      offline: false,
    });
    expect(tasks()).toEqual(['maintenance_decision']);
    expect(decision.considered[0]).toMatchObject({ verdict: 'different', verdictBy: 'evidence' });
  });

  const discardReplies: Array<[string, string]> = [
    ['valid JSON', '{"action": "discard", "target_skill_id": null, "reason": "one-off"}'],
    ['JSON in prose', 'I think so.\n{"action": "skip", "reason": "one-off"}\nThanks.'],
    ['JSON in a fence', '```json\n{"action": "drop", "target": null, "rationale": "one-off"}\n```'],
    ['truncated JSON', '{"action": "discard", "target_skill_id": null, "reason": "this is a one-o'],
  ];
  for (const [kind, reply] of discardReplies) {
    it(`reads a decision from ${kind}`, async () => {
      const { llm, calls } = scripted(reply);
      const decision = await decideMaintenance({
        candidate: taskCandidate(),
        userId: 'u1',
        search: fixedSearch([]),
        llm,
        offline: false,
      });
      expect(calls).toHaveLength(1);
      expect(decision).toMatchObject({ action: 'discard', decidedBy: 'model' });
      expect(calls[0]?.temperature).toBe(0);
    });
  }

  it('repairs a wrong schema once, and falls back to the evidence on a refusal or a model error', async () => {
    const repaired = scripted('{"verdict": "discard"}', '{"action": "discard", "reason": "fixed"}');
    const fixed = await decideMaintenance({
      candidate: taskCandidate(),
      userId: 'u1',
      search: fixedSearch([]),
      llm: repaired.llm,
      offline: false,
    });
    expect(repaired.tasks()).toEqual(['maintenance_decision', 'repair']);
    expect(fixed).toMatchObject({ action: 'discard', modelCalls: 2 });

    for (const failure of [
      ["I'm sorry, but I can't help with that request.", '{}'],
      [new AutoSkillError('UPSTREAM_TIMEOUT', 'offline: no reply in time')],
    ] as Array<Array<string | Error>>) {
      const model = scripted(...failure);
      const decision = await decideMaintenance({
        candidate: taskCandidate(),
        userId: 'u1',
        search: fixedSearch([]),
        llm: model.llm,
        offline: false,
      });
      expect(decision).toMatchObject({ action: 'add', decidedBy: 'evidence' });
      expect(decision.notes.join(' ')).toMatch(/decision model failed/);
    }
  });

  it('does not let the model discard a durable rule that nothing carries', async () => {
    const { llm } = scripted('{"action": "discard", "reason": "meh"}');
    const decision = await decideMaintenance({
      candidate: tldrCandidate(),
      userId: 'u1',
      search: fixedSearch([]),
      llm,
      offline: false,
    });
    expect(decision.action).toBe('add');
  });

  it('propagates a caller abort', async () => {
    const controller = new AbortController();
    controller.abort();
    const { llm } = scripted('{"action": "add"}');
    await expect(
      decideMaintenance({
        candidate: taskCandidate(),
        userId: 'u1',
        search: fixedSearch([]),
        llm,
        offline: false,
        abortSignal: controller.signal,
      }),
    ).rejects.toMatchObject({ code: 'ABORTED' });
  });
});

describe('decideMaintenance against the fake model server', () => {
  let server: FakeModelServer;
  beforeAll(async () => {
    server = await startFakeModelServer();
  });
  afterAll(async () => {
    await server.close();
  });
  const connector = (options: { timeoutMs: number; maxRetries: number }) =>
    createGenericLLMConnector(
      resolveLLMConfig({ provider: 'generic', baseUrl: server.baseUrl, model: 'fake', ...options }),
      { env: {} },
    );

  it('retries a 429 and then uses the judge', async () => {
    server.enqueue(
      'chat',
      { type: 'error', status: 429, headers: { 'retry-after': '0' } },
      '{"same_capability": true, "confidence": 0.9, "reason": "same"}',
      '{"action": "merge", "target_skill_id": "weekly", "reason": "same"}',
    );
    const decision = await decideMaintenance({
      candidate: topiclessCandidate(),
      userId: 'u1',
      search: fixedSearch([{ skill: WEEKLY, score: 0.42 }]),
      messages: TOPICLESS_MESSAGES,
      llm: connector({ timeoutMs: 5000, maxRetries: 2 }),
      offline: false,
    });
    expect(decision.action).toBe('merge');
    expect(decision.considered[0]?.verdictBy).toBe('judge');
    expect(server.lastRequest('chat')?.body).toMatchObject({ temperature: 0 });
  });

  it('falls back to the evidence when the model times out', async () => {
    server.enqueue('chat', { type: 'hang' }, { type: 'hang' });
    const decision = await decideMaintenance({
      candidate: topiclessCandidate(),
      userId: 'u1',
      search: fixedSearch([{ skill: WEEKLY, score: 0.42 }]),
      messages: TOPICLESS_MESSAGES,
      llm: connector({ timeoutMs: 150, maxRetries: 0 }),
      offline: false,
    });
    expect(decision.considered[0]?.verdictBy).toBe('midpoint');
    expect(decision.notes.join(' ')).toMatch(/UPSTREAM_TIMEOUT/);
    expect(decision.action).toBe('merge');
  });
});

describe('readJsonObject', () => {
  it('prefers the outer object over inner arrays, in fences and prose', () => {
    expect(readJsonObject('```json\n{"a": [], "b": 1}\n```')?.value).toEqual({ a: [], b: 1 });
    expect(readJsonObject('Sure: {"a": {"c": 2}} ok')?.value).toEqual({ a: { c: 2 } });
    expect(readJsonObject('no json here')).toBeUndefined();
  });
});
