/**
 * The misses reviewers found on unseen conversations (issue 4, robustness), one test per rule that
 * fixed them, each with the counter-example the rule must leave alone. Corpus-wide bars on the
 * robustness set itself are in `extract-eval.test.ts` and `test/learning-maintenance.test.ts`.
 */
import { describe, expect, it } from 'vitest';
import { chineseWords, snapToWords, trimChinesePhrase, withoutPositionWord } from './chinese-words.js';
import { extractCandidate } from './extract.js';
import { topicFromRequest, topicFromRule } from './extract-topic.js';
import { compareConstraint, preparedSkill } from './maintain-evidence.js';
import { containsCredential, redactSecrets } from './redact-secrets.js';
import { splitSentences } from './segment.js';

/** A conversation from alternating turns, user first. */
function conversation(...turns: string[]) {
  return turns.map((content, index) => ({ role: index % 2 === 0 ? 'user' : 'assistant', content }));
}

async function extract(turns: string[], forced = false) {
  return extractCandidate({ messages: conversation(...turns), forced, offline: true });
}

describe('durable rules without a classic cue word', () => {
  it.each([
    [
      'when you write … for me',
      [
        'Write a function that removes duplicates.',
        '```python\ndef dedupe(rows): ...\n```',
        'When you write Python for me, use type hints and pathlib instead of os.path.',
      ],
    ],
    [
      'an output rule worded as a description',
      [
        'Give me a commit message for the null-check fix.',
        'Fixed null check',
        'Every commit message you write for me starts with the ticket key in square brackets.',
      ],
    ],
    [
      'a preference verb with another cue',
      [
        'Compare Postgres and MySQL.',
        '- Postgres: …',
        'I prefer a table over bullet lists whenever you compare options for me.',
      ],
    ],
    [
      'a relative "that" is not a demonstrative',
      [
        'Make me a meal plan.',
        'Mon: chicken…',
        "I'm vegetarian. No meat or fish in anything you cook up for me, and I'd rather have recipes that take under 30 minutes.",
      ],
    ],
    [
      '"make sure the <deliverable> always …" after asking for that deliverable',
      [
        'Summarize this paper.',
        'The paper studies … In summary, …',
        'Make sure the summary always comes first, before the details.',
      ],
    ],
    [
      'stacked lead adverbials',
      [
        'In general, when I ask for a shell one-liner, give me only the command in a code block, no explanation.',
      ],
    ],
    [
      'a possessed kind of deliverable described by a list',
      ['Our postmortems are blameless: no names of individuals, timeline in UTC, action items with owners.'],
    ],
    ['Chinese habitual 时', ['给我总结论文的时候，先写研究问题，再写方法和数据集，最后单独列出局限性。']],
    ['Chinese recurring period', ['每周五的备份我们是这么做的：先停写入，导出全量，校验MD5，上传对象存储。']],
    [
      'Chinese habit',
      ['分析一下销量。', '从渠道看……', '我看报告习惯先看结论，结论一定要放在最前面，每个原因后面附上数据。'],
    ],
    ['Chinese 我的X按', ['我的购物清单按超市区域分：蔬果、肉蛋、乳制品、冷冻、日用品。']],
    [
      'Chinese yes/no offer confirmed',
      ['整理一下周会内容。', '【决议】……\n\n以后周会纪要都按这个结构来整理吗？', '对，就这么定了。'],
    ],
  ])('%s', async (_name, turns) => {
    const result = await extract(turns);
    expect(result.candidate, result.reason).toBeDefined();
  });

  it('keeps the explainer spec a later "same shape" sentence points at', async () => {
    const result = await extract([
      'Explain how our flag service works for the new engineers: start with a one-paragraph overview, then walk through the request path, and finish with the failure modes. Use the same shape for every system explainer I ask for.',
    ]);
    expect(result.candidate?.prompt).toMatch(/overview/);
    expect(result.candidate?.prompt).toMatch(/failure modes/);
  });

  it.each([
    ['a property of the thing being built', ['Make sure the API never returns null for empty lists.']],
    ['a statement about a possessed class', ['My deploys always fail on Fridays.']],
    [
      '"every time" describing a problem',
      ['Every time I run npm install I get EACCES errors. How do I fix it?'],
    ],
    ['a frequency word inside a noun phrase', ['帮我写个查询：统计每个月的活跃用户数。']],
    ['a third person’s habit', ['我同事每次开会都迟到，怎么委婉地提醒他？']],
    ['a habitual clause about one named instance', ['帮我写这份报告的时候，先别写结论。']],
    ['最上面 is a place, not "like the above"', ['帮我整理纪要。', '【决议】……', '最上面加上日期。']],
  ])('leaves alone %s', async (_name, turns) => {
    const result = await extract(turns);
    expect(result.candidate, result.candidate?.prompt).toBeUndefined();
  });
});

describe('forced extraction', () => {
  it.each([
    [
      [
        'Write a letter to parents about the museum trip on May 14: it costs $12, permission slips due Friday.',
        'Dear Parents, …',
      ],
    ],
    [
      [
        'Draft a follow-up email to the client after today’s demo: recap the features they liked, ask who signs.',
        'Hi Jordan, …',
      ],
    ],
    [['帮我写一封给家长的信：下周三秋游，费用30元，周五前交回执。', '尊敬的各位家长：……']],
    [['根据今天会议的结论，帮我给客户写一封跟进邮件，说明交付时间调整到下月底。', '王总您好：……']],
    [
      [
        'Explain gradient descent for my graduate students: include the update rule and the convergence conditions.',
        'Gradient descent …',
      ],
    ],
  ])('describes the capability a task exercised (%#)', async (turns) => {
    const result = await extract(turns, true);
    expect(result.candidate, result.reason).toBeDefined();
  });

  it('keeps a request’s own list when the only time word dates the occasion', async () => {
    const result = await extract(
      [
        'Draft a follow-up email after today’s demo: recap the three features they liked, ask who signs the order form.',
      ],
      true,
    );
    expect(result.candidate?.prompt).toMatch(/order form/);
  });

  it.each([
    'Thanks for all the help, have a nice weekend!',
    'haha ok, have a nice weekend, talk Monday',
    'Cheers, talk to you Monday!',
    '谢谢啦，周末愉快～',
    '好的，先这样，回头聊。',
  ])('returns nothing for small talk: %s', async (text) => {
    const result = await extract([text, 'You too!'], true);
    expect(result.candidate).toBeUndefined();
  });

  it('treats a transform request’s list as material, not requirements', async () => {
    const result = await extract(
      [
        'Clean up these notes: we picked vendor B, Tom sends the contract, budget still pending.',
        '**Decisions** …',
      ],
      true,
    );
    expect(result.candidate?.name).toMatch(/note/);
    expect(result.candidate?.prompt).not.toMatch(/vendor B/);
  });
});

describe('secret redaction before anything leaves', () => {
  it.each([
    ['密码改成了 Qw3rty!2024x', '密码改成了 <PASSWORD>'],
    ['数据库密码改成了 Hk7#pLm2Vq9z。', '数据库密码改成了 <PASSWORD>。'],
    ['口令设为 hunter22', '口令设为 <PASSWORD>'],
    ['FYI the current token is dpl_9fK2mQx7LpR4vT8wZ3.', 'FYI the current token is <API_KEY>.'],
  ])('redacts %s', (text, expected) => {
    expect(redactSecrets(text).text).toBe(expected);
  });

  it.each([
    '密码长度是12位',
    '密码是什么？',
    'the key is ready',
    'The token is in the vault.',
    'Release 2024.1 ships on 12/05 to 3,500 users (version 10.2.3).',
  ])('leaves ordinary text and numbers alone: %s', (text) => {
    expect(redactSecrets(text).text).toBe(text);
    expect(containsCredential(text)).toBe(false);
  });

  it('does not split a password at "!" and learns nothing from it', async () => {
    expect(splitSentences('测试环境的密码改成了 Zx9!mK2#qPw，记一下。')).toHaveLength(1);
    expect(splitSentences('好的!谢谢')).toHaveLength(2);
    const result = await extract(['测试环境的密码改成了 Zx9!mK2#qPw，记一下。', '不建议记在这里。']);
    expect(result.candidate).toBeUndefined();
  });

  it('keeps a rule about tokens and drops the token stated after it', async () => {
    const result = await extract([
      'In deploy scripts you write for me, always read the token from the DEPLOY_TOKEN environment variable, never inline it. FYI the current token is dpl_9fK2mQx7LpR4vT8wZ3.',
    ]);
    expect(result.candidate?.prompt).toMatch(/DEPLOY_TOKEN/);
    expect(JSON.stringify(result.candidate)).not.toContain('dpl_9fK2mQx7LpR4vT8wZ3');
  });
});

describe('names of whole words', () => {
  it('moves a span to jieba word boundaries and drops position words', () => {
    expect(chineseWords('每次发布前')).toEqual(['每次', '发布', '前']);
    const text = '以后润色摘要时';
    expect(snapToWords(text, 4, 5)).toEqual([4, 6]);
    expect(withoutPositionWord('发布前')).toBe('发布');
    expect(withoutPositionWord('前')).toBe('前');
  });

  it('reads topics as whole words', () => {
    expect(topicFromRule('以后润色摘要时，被动语态尽量都改成主动语态。', 'zh')?.phrase).toBe('摘要');
    expect(topicFromRule('每次发布前：先回归测试 → 灰度 → 监控 → 全量', 'zh')?.phrase).toBe('发布');
    expect(topicFromRule('我的提交信息就按这个来：类型(模块): 描述', 'zh')?.phrase).toBe('提交信息');
    expect(topicFromRequest('把这些要点整理成一份家长会发言稿：班级整体进步明显', 'zh')?.phrase).toBe(
      '家长会发言稿',
    );
    expect(topicFromRule('Put the date at the top of every set of notes.', 'en')?.phrase).toBe('notes');
  });

  it('trims frames and function words off a Chinese topic', () => {
    expect(trimChinesePhrase('提交信息统一用这个')).toBe('提交信息');
    expect(trimChinesePhrase('脚本照这个流程来')).toBe('脚本');
    expect(trimChinesePhrase('安排一下这周训练计划')).toBe('周训练计划');
    expect(trimChinesePhrase('我们')).toBe('我们');
  });

  it.each([
    [['Our on-call runbooks always have four parts: symptom, checks, mitigation.'], 'on-call-runbook-rules'],
    [
      ['I like my code reviews blunt: list the problems first, give each one a severity.'],
      'code-review-rules',
    ],
    [['In general, when I ask for a shell one-liner, give me only the command.'], 'shell-one-liner-rules'],
    [['给我的shell脚本开头都加上 set -euo pipefail，变量都用双引号包起来。'], 'shell脚本规范'],
    [['我们组的接口文档都是这个规范：请求示例、返回示例、错误码表。'], '接口文档规范'],
  ])('names %j %s', async (turns, name) => {
    const result = await extract(turns);
    expect(result.candidate?.name).toBe(name);
  });

  it('gives one name to paraphrases of one procedure', async () => {
    const arrows = await extract(['每次发布前：先回归测试 → 灰度 → 监控 → 全量']);
    const clauses = await extract(['发布之前都要先跑回归测试，然后灰度，再监控，最后全量。']);
    expect(arrows.candidate?.name).toBe('发布流程');
    expect(clauses.candidate?.name).toBe('发布流程');
    expect(clauses.candidate?.prompt).toMatch(/# Workflow/);
  });
});

describe('maintenance: a constraint joining several rules', () => {
  it('is a duplicate when every clause is one of the skill’s rules', () => {
    const skill = preparedSkill({
      name: 'git_commit_message_conventions',
      description: 'Writes git commit messages following common conventions.',
      instructions:
        '# Constraints\n- Imperative mood in the subject line.\n- Subject line at most 50 characters.',
      triggers: ['write a commit message'],
      tags: [],
    });
    const joined = 'Use the imperative mood and keep the subject line to 50 characters or less';
    const constraint = { text: joined, rule: joined, section: 'constraints' as const, durable: true };
    expect(compareConstraint(constraint, skill).relation).toBe('duplicate');
    const novel = 'Use the imperative mood and end with the ticket key in parentheses';
    expect(compareConstraint({ ...constraint, text: novel, rule: novel }, skill).relation).toBe('novel');
  });
});
