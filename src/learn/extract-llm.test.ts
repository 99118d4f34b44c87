import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { resolveLLMConfig } from '../llm/config.js';
import { createGenericLLMConnector } from '../llm/generic.js';
import { createOfflineLLMConnector } from '../llm/offline.js';
import type { LLMCallOptions } from '../llm/types.js';
import { AutoSkillError } from '../shared/errors.js';
import { type FakeModelServer, startFakeModelServer } from '../testing/index.js';
import { extractCandidate } from './extract.js';
import { readExtractionReply } from './extract-llm.js';

const MESSAGES = [
  { role: 'user', content: 'Write a query for monthly active users from the events table.' },
  { role: 'assistant', content: 'select date_trunc(...) from (select * from events) e;' },
  {
    role: 'user',
    content:
      'Please follow our SQL conventions in any SQL you write for me: uppercase keywords, CTEs instead of subqueries, never SELECT *.',
  },
  { role: 'assistant', content: 'WITH monthly AS (...) SELECT ...' },
];

const SKILL = {
  name: 'sql-style-rules',
  description: "Writes SQL in the user's team style.",
  prompt:
    '# Goal\nWrite SQL the way the team wants.\n\n# Constraints & Style\n- Uppercase keywords\n- CTEs instead of subqueries\n- Never SELECT *',
  triggers: ['write a sql query', 'sql for this table'],
  tags: ['sql', 'style'],
  confidence: 0.8,
};
const VALID = JSON.stringify({ skills: [SKILL] });

/** An offline connector that answers each call with the next scripted reply and records the calls. */
function scripted(...replies: Array<string | Error>) {
  const calls: LLMCallOptions[] = [];
  const llm = createOfflineLLMConnector({
    respond: (call) => {
      calls.push(call);
      const next = replies.shift() ?? '{"skills": []}';
      if (next instanceof Error) throw next;
      return next;
    },
  });
  return { llm, calls };
}

const userMessage = (call: LLMCallOptions | undefined) =>
  String(call?.messages.find((message) => message.role === 'user')?.content ?? '');
const systemMessage = (call: LLMCallOptions | undefined) =>
  String(call?.messages.find((message) => message.role === 'system')?.content ?? '');

describe('extractCandidate with a model', () => {
  it("accepts valid JSON and keeps the user's constraints", async () => {
    const { llm, calls } = scripted(VALID);
    const result = await extractCandidate({ messages: MESSAGES, llm });
    expect(result.outcome).toBe('candidate');
    expect(result.modelCalls).toBe(1);
    expect(result.candidate).toMatchObject({ name: 'sql-style-rules', origin: 'llm', language: 'en' });
    expect(result.candidate?.prompt).toContain('- Never SELECT *');
    expect(calls[0]?.temperature).toBe(0);
    expect(calls[0]?.responseFormat).toBe('json');
  });

  it('reads JSON wrapped in prose or in a code fence', async () => {
    for (const reply of [`Here you go:\n${VALID}\nHope this helps.`, `\`\`\`json\n${VALID}\n\`\`\``]) {
      const result = await extractCandidate({ messages: MESSAGES, llm: scripted(reply).llm });
      expect(result.outcome).toBe('candidate');
      expect(result.modelCalls).toBe(1);
    }
  });

  it('uses a reply cut off after the required fields without a repair call', async () => {
    const cut = VALID.slice(0, VALID.indexOf('"tags"') + 12);
    const result = await extractCandidate({ messages: MESSAGES, llm: scripted(cut).llm });
    expect(result.outcome).toBe('candidate');
    expect(result.modelCalls).toBe(1);
    expect(result.notes.join(' ')).toMatch(/cut off/);
  });

  it('repairs a reply cut off inside the prompt with one repair call', async () => {
    const cut = VALID.slice(0, VALID.indexOf('CTEs'));
    const { llm, calls } = scripted(cut, VALID);
    const result = await extractCandidate({ messages: MESSAGES, llm });
    expect(result.outcome).toBe('candidate');
    expect(result.modelCalls).toBe(2);
    expect(systemMessage(calls[1])).toMatch(/repair/i);
    expect(JSON.parse(userMessage(calls[1]))).toMatchObject({
      problem: expect.stringContaining('prompt'),
      draft: cut,
    });
  });

  it('drops a reply that is still invalid after the repair call, with a logged reason', async () => {
    const warn = vi.fn();
    const wrong = JSON.stringify({ skill: { title: 'x' } });
    const result = await extractCandidate({
      messages: MESSAGES,
      llm: scripted(wrong, wrong).llm,
      logger: { warn },
    });
    expect(result).toMatchObject({ candidate: undefined, outcome: 'invalid-reply', modelCalls: 2 });
    expect(result.reason).toMatch(/wrong schema.*after one repair call/);
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ outcome: 'invalid-reply' }),
      expect.stringContaining('dropped'),
    );
  });

  it('never turns a refusal into a skill', async () => {
    const { llm, calls } = scripted(
      "I'm sorry, but I can't help with extracting skills from this conversation.",
      '{"skills": []}',
    );
    const result = await extractCandidate({ messages: MESSAGES, llm });
    expect(result).toMatchObject({ candidate: undefined, outcome: 'nothing-to-learn', modelCalls: 2 });
    expect(calls).toHaveLength(2);
  });

  it('returns no candidate for an empty list', async () => {
    const result = await extractCandidate({ messages: MESSAGES, llm: scripted('{"skills": []}').llm });
    expect(result).toMatchObject({ candidate: undefined, outcome: 'nothing-to-learn', modelCalls: 1 });
  });

  it('rejects a skill without a prompt (wrong schema), even after repair', async () => {
    const noPrompt = JSON.stringify({ skills: [{ name: 'x', description: 'y' }] });
    const result = await extractCandidate({ messages: MESSAGES, llm: scripted(noPrompt, noPrompt).llm });
    expect(result.outcome).toBe('invalid-reply');
    expect(result.reason).toMatch(/prompt/);
  });

  it('reports a model error (timeout) as no candidate', async () => {
    const timeout = new AutoSkillError('UPSTREAM_TIMEOUT', 'offline: no reply in time', {
      isRetryable: true,
    });
    const result = await extractCandidate({ messages: MESSAGES, llm: scripted(timeout).llm });
    expect(result).toMatchObject({ candidate: undefined, outcome: 'model-error', modelCalls: 1 });
    expect(result.reason).toMatch(/^UPSTREAM_TIMEOUT/);
  });

  it('propagates a caller abort', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      extractCandidate({ messages: MESSAGES, llm: scripted(VALID).llm, abortSignal: controller.signal }),
    ).rejects.toMatchObject({
      code: 'ABORTED',
    });
  });

  it('still applies the checks to a model that over-extracts', async () => {
    const over = JSON.stringify({
      skills: [
        {
          ...SKILL,
          prompt: `${SKILL.prompt}\n- Write a query for monthly active users from the events table.\n- Email the result to Daniel Whitaker (dan@corp.example).\n- Use the key sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z.`,
        },
      ],
    });
    const result = await extractCandidate({ messages: MESSAGES, llm: scripted(over).llm });
    const text = JSON.stringify(result.candidate);
    expect(result.outcome).toBe('candidate');
    expect(text).not.toMatch(/Whitaker|dan@corp|sk-proj|monthly active/);
    expect(result.dropped.map((part) => part.reason)).toEqual(
      expect.arrayContaining(['not-durable', 'unsupported', 'credential']),
    );
  });
});

describe('the extraction payload', () => {
  it('redacts secrets and contact data, separates user turns, and passes hint, reference and mode', async () => {
    const { llm, calls } = scripted('{"skills": []}');
    await extractCandidate({
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        {
          role: 'user',
          content:
            'From now on sign my emails with my number +1 415 555 2671. My key is sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z',
        },
        { role: 'assistant', content: 'Mail me at ops@example.com if needed.' },
      ],
      events: [
        { type: 'tool_call', name: 'send_email', arguments: { token: 'Bearer abcdefghijklmnop1234' } },
      ],
      hint: 'email signature',
      forced: true,
      reference: { name: 'email-style', description: 'Short emails.', triggers: ['write an email'] },
      llm,
    });
    const sent = userMessage(calls[0]);
    expect(sent).not.toMatch(/415 555|sk-proj|ops@example|abcdefghijklmnop1234/);
    const payload = JSON.parse(sent);
    expect(payload).toMatchObject({
      task: 'extract_forced',
      max_candidates: 1,
      user_language: 'en',
      hint: 'email signature',
      retrieved_reference: { name: 'email-style', triggers: ['write an email'], scope: 'user' },
    });
    expect(payload.primary_user_turns).toHaveLength(1);
    expect(payload.conversation.map((turn: { role: string }) => turn.role)).toEqual(['user', 'assistant']);
    expect(payload.events[0]).toMatchObject({ step: 1, actor: 'agent', action: 'send email', ok: true });
    expect(systemMessage(calls[0])).toMatch(/requested explicitly by the user/);
  });
});

describe('readExtractionReply', () => {
  it('keeps at most one candidate and accepts the aliases models use', () => {
    const reply = JSON.stringify({
      skills: [
        { name: 'a', instructions: '# Goal\nx', triggers: 'one, two', confidence: '0.9' },
        { name: 'b', prompt: 'y' },
      ],
    });
    const reading = readExtractionReply(reply);
    expect(reading).toMatchObject({
      kind: 'draft',
      extraSkills: 1,
      draft: { name: 'a', prompt: '# Goal\nx', triggers: ['one', 'two'], confidence: 0.9 },
    });
  });

  it('reads resources into safe paths only', () => {
    const reply = JSON.stringify({
      skills: [
        {
          name: 'a',
          prompt: 'p',
          resources: {
            scripts: [
              { path: 'run.sh', content: 'echo hi' },
              { path: '../../etc/passwd', content: 'x' },
            ],
          },
          files: { 'references/guide.md': '# Guide', '/abs/path': 'no' },
        },
      ],
    });
    const reading = readExtractionReply(reply);
    expect(reading.kind === 'draft' && reading.draft.resources).toEqual([
      { path: 'scripts/run.sh', content: 'echo hi' },
      { path: 'references/guide.md', content: '# Guide' },
    ]);
  });
});

describe('extractCandidate against the fake model server (generic connector)', () => {
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

  it('retries a 429 and then extracts', async () => {
    server.enqueue('chat', { type: 'error', status: 429, headers: { 'retry-after': '0' } }, VALID);
    const result = await extractCandidate({
      messages: MESSAGES,
      llm: connector({ timeoutMs: 5000, maxRetries: 2 }),
    });
    expect(result.outcome).toBe('candidate');
    expect(server.lastRequest('chat')?.body).toMatchObject({ temperature: 0 });
  });

  it('reports a timeout as a model error, not a candidate', async () => {
    server.enqueue('chat', { type: 'hang' });
    const result = await extractCandidate({
      messages: MESSAGES,
      llm: connector({ timeoutMs: 200, maxRetries: 0 }),
    });
    expect(result).toMatchObject({ candidate: undefined, outcome: 'model-error' });
    expect(result.reason).toMatch(/UPSTREAM_TIMEOUT/);
  });

  it('reports 429 after the retries as a model error', async () => {
    server.enqueue(
      'chat',
      { type: 'error', status: 429, headers: { 'retry-after': '0' } },
      { type: 'error', status: 429, headers: { 'retry-after': '0' } },
    );
    const result = await extractCandidate({
      messages: MESSAGES,
      llm: connector({ timeoutMs: 5000, maxRetries: 1 }),
    });
    expect(result.outcome).toBe('model-error');
    expect(result.reason).toMatch(/429|rate/i);
  });
});

describe('extractCandidate input', () => {
  it('rejects malformed messages or references with INVALID_INPUT', async () => {
    await expect(extractCandidate({ messages: [{ role: '', content: 'x' }] })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    await expect(
      extractCandidate({ messages: MESSAGES, reference: { name: '' } as never }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
