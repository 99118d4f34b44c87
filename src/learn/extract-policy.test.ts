/**
 * Policy tests, clause by clause, in Chinese and English. The cases live in `__fixtures__/`:
 * `extraction-policy.jsonl` (one or more cases per policy clause) and `extraction-holdout.jsonl`
 * (differently phrased cases written to check that the rules generalise).
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { extractCandidate } from './extract.js';
import { type ExtractionCase, loadExtractionCases } from './extract-eval.js';
import { analyseConversation } from './extract-policy.js';

const fixture = (name: string) => fileURLToPath(new URL(`./__fixtures__/${name}`, import.meta.url));
const cases = [
  ...loadExtractionCases(fixture('extraction-policy.jsonl')),
  ...loadExtractionCases(fixture('extraction-holdout.jsonl')),
];
const byClause = new Map<string, ExtractionCase[]>();
for (const testCase of cases) {
  const clause = String(testCase['clause'] ?? 'other');
  byClause.set(clause, [...(byClause.get(clause) ?? []), testCase]);
}

describe.each([...byClause.keys()])('offline extraction, clause "%s"', (clause) => {
  it.each((byClause.get(clause) ?? []).map((testCase) => [testCase.id, testCase] as const))(
    '%s',
    async (_id, testCase) => {
      const result = await extractCandidate({
        messages: testCase.messages,
        ...(testCase.events ? { events: testCase.events } : {}),
        ...(testCase.hint ? { hint: testCase.hint } : {}),
        forced: testCase.forced ?? false,
      });
      expect(result.candidate !== undefined, `${testCase.id}: ${result.reason}`).toBe(
        testCase.should_extract,
      );
      const serialised = JSON.stringify(result.candidate ?? {});
      for (const forbidden of testCase.forbidden ?? []) expect(serialised).not.toContain(forbidden);
      if (result.candidate) {
        expect(result.candidate.language).toBe(testCase.lang);
        expect(result.candidate.prompt).toMatch(/^# Goal\n/);
        expect(result.candidate.evidence.length + (testCase.forced ? 1 : 0)).toBeGreaterThan(0);
      }
    },
  );
});

describe('analyseConversation', () => {
  const user = (content: string) => ({ role: 'user', content });
  const assistant = (content: string) => ({ role: 'assistant', content });

  it('marks a rule the user states with a durability cue as explicit, with its list items as units', () => {
    const analysis = analyseConversation({
      messages: [user('Our SQL conventions for any SQL you write: uppercase keywords, no SELECT *.')],
    });
    expect(analysis.kind).toBe('durable');
    expect(analysis.rules.map((rule) => [rule.text, rule.durability])).toEqual([
      ['Uppercase keywords', 'explicit'],
      ['No SELECT *', 'explicit'],
    ]);
    expect(analysis.topic?.phrase).toBe('SQL');
  });

  it('lets instructions after a durable sentence in the same turn inherit its scope', () => {
    const analysis = analyseConversation({
      messages: [user('纪要格式以后固定成两块：决议、待办。讨论过程不要写。')],
    });
    // The enumeration joined by 、 is one requirement; the next sentence inherits the scope.
    expect(analysis.rules.map((rule) => [rule.text, rule.durability])).toEqual([
      ['纪要格式以后固定成两块：决议、待办', 'explicit'],
      ['讨论过程不要写', 'inherited'],
    ]);
  });

  it('takes the content of "照这个来" from the sentences it points back to', () => {
    const analysis = analyseConversation({
      messages: [user('标题写成“关于……的通知”，落款写“办公室”。以后写通知都照这个来。')],
    });
    expect(analysis.rules.map((rule) => rule.text)).toEqual(['标题写成“关于……的通知”，落款写“办公室”']);
  });

  it('treats a one-time marker as overriding "always"', () => {
    const analysis = analyseConversation({
      messages: [user('For this report only, always put the numbers in a table.')],
    });
    expect(analysis.rules).toEqual([]);
    expect(analysis.notes).toContain('one-time');
  });

  it('confirms an assistant offer only when the user accepts it', () => {
    const offer = assistant('Done. Should I always use this format for your status updates from now on?');
    const accepted = analyseConversation({
      messages: [user('Summarise: API done.'), offer, user('Yes please.')],
    });
    expect(accepted.rules.map((rule) => [rule.source, rule.durability])).toEqual([
      ['confirmed', 'confirmed'],
    ]);
    const declined = analyseConversation({
      messages: [user('Summarise: API done.'), offer, user('No, just this once.')],
    });
    expect(declined.rules).toEqual([]);
    expect(declined.notes).toContain('declined');
    const acknowledged = analyseConversation({
      messages: [
        user('Write a bio.'),
        assistant('Here it is. I will always keep bios under 50 words.'),
        user('thanks'),
      ],
    });
    expect(acknowledged.rules).toEqual([]);
    expect(acknowledged.notes).toContain('assistant-only');
  });

  it('drops a durable sentence that points at a credential or personal data', () => {
    const analysis = analyseConversation({
      messages: [
        user(
          'The staging password is Xk#92-lime-Otter. Remember it and put it in the psql command next time.',
        ),
      ],
    });
    expect(analysis.rules).toEqual([]);
    expect(analysis.notes).toContain('credential');
  });

  it('uses the traced steps when the user approves "this way" after tool calls', () => {
    const analysis = analyseConversation({
      messages: [user('Deploy it.'), assistant('Done.'), user('Do it this way from now on.')],
      events: [
        { type: 'tool_call', name: 'run_tests', status: 'ok' },
        { type: 'tool_call', name: 'deploy', status: 'failed' },
        { type: 'tool_call', name: 'deploy', status: 'ok' },
      ],
    });
    expect(analysis.rules.map((rule) => [rule.text, rule.source, rule.step])).toEqual([
      ['run tests', 'event', true],
      ['deploy', 'event', true],
    ]);
  });

  it('classifies small talk and trivia', () => {
    expect(
      analyseConversation({ messages: [user('haha you are fast today'), assistant('Thanks!')] }).kind,
    ).toBe('small-talk');
    expect(
      analyseConversation({ messages: [user('光速是多少？'), assistant('约每秒30万公里。')] }).kind,
    ).toBe('trivia');
    expect(analyseConversation({ messages: [] }).kind).toBe('empty');
  });

  it('keeps only the most recent of two unrelated durable topics (at most one candidate)', () => {
    const analysis = analyseConversation({
      messages: [
        user('From now on, every email you draft must be under 100 words.'),
        assistant('OK.'),
        user('Also, any SQL you write for me must use uppercase keywords.'),
      ],
    });
    expect(analysis.rules.map((rule) => rule.text)).toEqual([
      'Any SQL you write for me must use uppercase keywords',
    ]);
    expect(analysis.notes).toContain('older-topic');
  });
});
