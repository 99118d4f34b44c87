import { describe, expect, it } from 'vitest';
import { createOfflineLLMConnector } from '../llm/offline.js';
import type { LLMCallOptions } from '../llm/types.js';
import { AutoSkillError } from '../shared/errors.js';
import { cleanRewriteOutput, fallbackRewrite, rewriteQuery, topicWords } from './rewrite.js';

const RELEASE_CHAT = [
  { role: 'system', content: 'You are helpful.' },
  { role: 'user', content: 'Write the release notes for version 2.4 of the billing service' },
  { role: 'assistant', content: 'Here are the release notes: …' },
  { role: 'user', content: 'Make it shorter' },
];
const ZH_CHAT = [
  { role: 'user', content: '帮我写一份本周的发布周报，按回归测试、灰度、监控、全量的顺序' },
  { role: 'assistant', content: '好的，这是周报：……' },
  { role: 'user', content: '再简洁一点' },
];

describe('rewriteQuery', () => {
  it('searches a self-contained message as it is in auto mode', async () => {
    const result = await rewriteQuery({
      messages: [
        ...RELEASE_CHAT.slice(0, 3),
        { role: 'user', content: 'Write a limerick about a cat who loves jazz music' },
      ],
    });
    expect(result).toMatchObject({ method: 'none', rewritten: null, reason: 'self-contained' });
    expect(result.query).toBe('Write a limerick about a cat who loves jazz music');
  });

  it('rewrites a dependent follow-up offline with the topic words of the turn it leans on (en)', async () => {
    const result = await rewriteQuery({ messages: RELEASE_CHAT });
    expect(result.method).toBe('fallback');
    expect(result.reason).toBe('anaphora');
    expect(result.query).toBe('shorter release notes version billing service');
    expect(result.query).toContain('billing');
    expect(result.rewritten).toBe(result.query);
  });

  it('rewrites a dependent follow-up offline (zh)', async () => {
    const result = await rewriteQuery({ messages: ZH_CHAT });
    expect(result.method).toBe('fallback');
    expect(result.query.startsWith('简洁 ')).toBe(true);
    expect(result.query).toContain('周报');
    expect(result.query).toContain('灰度');
  });

  it('borrows from the last self-contained user turn across several follow-ups', () => {
    const history = [
      { role: 'user' as const, text: 'Draft a postmortem for the database outage' },
      { role: 'assistant' as const, text: '…' },
      { role: 'user' as const, text: 'make it shorter' },
      { role: 'assistant' as const, text: '…' },
    ];
    const rewritten = fallbackRewrite('now in Chinese', history);
    expect(rewritten).toContain('postmortem');
    expect(rewritten).toContain('database');
  });

  it('honours never and always', async () => {
    expect((await rewriteQuery({ messages: RELEASE_CHAT, mode: 'never' })).query).toBe('Make it shorter');
    const always = await rewriteQuery({
      messages: [...RELEASE_CHAT.slice(0, 3), { role: 'user', content: 'Write a limerick about a jazz cat' }],
      mode: 'always',
    });
    expect(always.method).toBe('fallback');
    expect(always.reason).toBe('mode-always');
    // Without history there is nothing to rewrite from, even in `always`.
    const alone = await rewriteQuery({
      messages: [{ role: 'user', content: 'Make it shorter' }],
      mode: 'always',
    });
    expect(alone).toMatchObject({ method: 'none', reason: 'no-history' });
  });

  it('uses the model when one is given, sending history and the message', async () => {
    const calls: LLMCallOptions[] = [];
    const llm = createOfflineLLMConnector({
      respond: (call) => {
        calls.push(call);
        return 'Rewritten query: "short release notes for the billing service"';
      },
    });
    const result = await rewriteQuery({ messages: RELEASE_CHAT, llm });
    expect(result).toMatchObject({ method: 'llm', query: 'short release notes for the billing service' });
    const payload = JSON.parse(String(calls[0]?.messages[1]?.content));
    expect(payload.message).toBe('Make it shorter');
    expect(payload.language).toBe('en');
    expect(payload.history.map((turn: { role: string }) => turn.role)).toEqual(['user', 'assistant']);
    expect(String(calls[0]?.messages[0]?.content)).toContain('search query');
  });

  it('falls back to the original message when the model fails or answers nothing', async () => {
    const failing = createOfflineLLMConnector({
      respond: () => {
        throw new AutoSkillError('UPSTREAM_TIMEOUT', 'timed out after 15000 ms');
      },
    });
    const failed = await rewriteQuery({ messages: RELEASE_CHAT, llm: failing });
    expect(failed).toMatchObject({
      method: 'none',
      query: 'Make it shorter',
      rewritten: null,
      reason: 'failed',
    });
    expect(failed.error).toContain('timed out');
    const empty = await rewriteQuery({
      messages: ZH_CHAT,
      llm: createOfflineLLMConnector({ respond: () => '```\n\n```' }),
    });
    expect(empty).toMatchObject({ method: 'none', query: '再简洁一点', reason: 'failed' });
  });

  it('rethrows when the caller aborts', async () => {
    const controller = new AbortController();
    controller.abort();
    const llm = createOfflineLLMConnector({ respond: () => 'x' });
    await expect(
      rewriteQuery({ messages: RELEASE_CHAT, llm, abortSignal: controller.signal }),
    ).rejects.toThrow();
  });

  it('returns an empty query when there is no user message', async () => {
    const result = await rewriteQuery({ messages: [{ role: 'assistant', content: 'hi' }] });
    expect(result).toMatchObject({ original: '', query: '', method: 'none' });
  });
});

describe('cleanRewriteOutput', () => {
  it.each([
    ['release notes, short', 'release notes, short'],
    ['Search query: release notes', 'release notes'],
    ['"release notes"', 'release notes'],
    ['```\nrelease notes\n```', 'release notes'],
    ['{"query": "release notes"}', 'release notes'],
    ['{"rewritten_query": "发布周报 简洁"}', '发布周报 简洁'],
    ['<think>hmm</think>\n\nrelease   notes\nsecond line', 'release notes'],
    ['改写后的查询：发布周报 表格', '发布周报 表格'],
    ['「发布周报」', '发布周报'],
  ])('%j → %j', (output, expected) => {
    expect(cleanRewriteOutput(output, 64)).toBe(expected);
  });

  it('truncates long answers at a word (or character) boundary', () => {
    expect(cleanRewriteOutput('one two three four five', 3)).toBe('one two three');
    expect(cleanRewriteOutput('发布周报简洁表格形式', 2)).toBe('发布周报');
  });
});

describe('topicWords', () => {
  it('keeps content words of both languages and drops filler and request verbs', () => {
    expect(topicWords('Please write the release notes for the billing service')).toEqual([
      'release',
      'notes',
      'billing',
      'service',
    ]);
    const zh = topicWords('帮我写一份本周的发布周报');
    expect(zh).toContain('周报');
    expect(zh).not.toContain('帮我');
  });
});
