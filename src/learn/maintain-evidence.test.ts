import { describe, expect, it } from 'vitest';
import {
  candidateConstraints,
  carriesCredential,
  compareConstraint,
  conversationTopics,
  IDENTITY_BANDS,
  identityEvidence,
  prepareSkill,
  ruleText,
  topicAgreement,
} from './maintain-evidence.js';
import { sketchCandidate } from './maintain-test-support.js';

const WEEKLY = prepareSkill({
  name: 'weekly_status_report',
  description:
    "Writes the user's weekly status report from rough notes using a fixed Done / Next / Blocked format.",
  instructions:
    '# Goal\nTurn rough notes into a status report.\n\n# Constraints & Style\n- Exactly three sections: Done, Next, Blocked.\n- At most 5 bullets per section.\n- No introductory or concluding prose.',
  triggers: ['write my weekly status report'],
  tags: [],
});

const WEEKLY_ZH = prepareSkill({
  name: '周报三段式撰写',
  description: '按“本周完成/下周计划/风险与求助”三段式为用户撰写周报。',
  instructions:
    '# 角色与目标\n根据要点撰写周报。\n\n# 约束\n- 固定三段：本周完成、下周计划、风险与求助。\n- 每段不超过5条。\n- 不写总结段。',
  triggers: ['帮我写周报'],
  tags: [],
});

function constraint(text: string, durable = true) {
  return { text, rule: ruleText(text), section: 'constraints' as const, durable };
}

describe('compareConstraint', () => {
  it('finds a restated rule (duplicate), in English and Chinese', () => {
    expect(compareConstraint(constraint('Always keep at most 5 bullets per section'), WEEKLY).relation).toBe(
      'duplicate',
    );
    expect(compareConstraint(constraint('以后周报每段都不要超过5条'), WEEKLY_ZH).relation).toBe('duplicate');
  });

  it('finds a changed number as a conflict with the rule it changes', () => {
    const english = compareConstraint(constraint('From now on allow at most 8 bullets per section'), WEEKLY);
    expect(english.relation).toBe('conflict');
    expect(english.existing?.text).toBe('At most 5 bullets per section.');
    const chinese = compareConstraint(constraint('以后周报每段不超过3条'), WEEKLY_ZH);
    expect(chinese.relation).toBe('conflict');
    expect(chinese.existing?.text).toContain('每段不超过5条');
  });

  it('finds the opposite polarity as a conflict', () => {
    const result = compareConstraint(constraint('Add introductory prose before the sections'), WEEKLY);
    expect(result.relation).toBe('conflict');
    expect(result.existing?.text).toContain('No introductory');
  });

  it('finds a new rule as novel', () => {
    expect(compareConstraint(constraint('Add a one-line TL;DR at the very top'), WEEKLY).relation).toBe(
      'novel',
    );
    expect(compareConstraint(constraint('风险与求助里每一条都写明需要谁支持'), WEEKLY_ZH).relation).toBe(
      'novel',
    );
  });
});

describe('candidate constraints', () => {
  it('marks task requirements as not durable and strips durability phrases', () => {
    const candidate = sketchCandidate({
      rules: ['From now on, add a TL;DR line at the top'],
      tasks: ['Mention the audit log'],
    });
    const constraints = candidateConstraints(candidate);
    expect(constraints.map((item) => [item.rule, item.durable])).toEqual([
      ['Add a TL;DR line at the top', true],
      ['Mention the audit log', false],
    ]);
  });

  it('drops a constraint carrying a credential value (also ones the redactor does not know)', () => {
    expect(carriesCredential('测试库密码改成了 Qw3rty!2024x')).toBe(true);
    expect(carriesCredential('The password is Xk#92-lime-Otter')).toBe(true);
    expect(carriesCredential('Use the key sk-proj-7Hq2Lm9Xv4Tz8Rw1Ks6Yp3Nb5Jd0Fc2Ge')).toBe(true);
    expect(carriesCredential('Never inline passwords; read them from PGPASSWORD')).toBe(false);
    expect(carriesCredential('Use Python 3.11 and pin numpy 1.26')).toBe(false);
    const candidate = sketchCandidate({ tasks: ['测试库密码改成了 Qw3rty!2024x'], language: 'zh' });
    expect(candidateConstraints(candidate)).toEqual([]);
  });
});

describe('ruleText', () => {
  it('drops chat openers and "from now on", keeps quantifiers and frequency words', () => {
    expect(ruleText('Nice. Add a one-line TL;DR at the top of every weekly report from now on.')).toBe(
      'Add a one-line TL;DR at the top of every weekly report.',
    );
    expect(ruleText('Going forward, always alias tables')).toBe('Always alias tables');
    expect(ruleText('以后润色公文时，数字统一用阿拉伯数字')).toBe('润色公文时，数字统一用阿拉伯数字');
    expect(ruleText('from now on')).toBe('from now on');
  });
});

describe('topic agreement', () => {
  it('reads the topic from the rule and weighs its head (the deliverable)', () => {
    const same = conversationTopics({
      ruleQuotes: ['Add a TL;DR at the top of every weekly report from now on.'],
      requests: [],
      language: 'en',
    });
    expect(same.map((topic) => topic.phrase)).toEqual(['weekly reports']);
    expect(topicAgreement(same, WEEKLY)).toBe(1);
    const other = conversationTopics({
      ruleQuotes: [],
      requests: ['Write the launch announcement email for our newsletter subscribers.'],
      language: 'en',
    });
    expect(topicAgreement(other, WEEKLY)).toBe(0);
  });

  it('is undefined when the conversation names no topic, and ignores one-character fragments', () => {
    expect(topicAgreement([], WEEKLY)).toBeUndefined();
    expect(
      conversationTopics({ ruleQuotes: [], requests: ['Notes: fixed the login bug.'], language: 'en' }),
    ).toEqual([]);
  });
});

describe('identityEvidence', () => {
  const novel = [{ constraint: constraint('x'), relation: 'novel' as const }];
  const duplicate = [{ constraint: constraint('x'), relation: 'duplicate' as const }];

  it('adds topic (±0.2) and shared rules (+0.3) to the retrieval score', () => {
    expect(identityEvidence({ retrieval: 0.3, topic: 1, comparisons: novel }).score).toBeCloseTo(0.5);
    expect(identityEvidence({ retrieval: 0.3, topic: 0, comparisons: novel }).score).toBeCloseTo(0.1);
    expect(identityEvidence({ retrieval: 0.3, topic: undefined, comparisons: duplicate }).score).toBeCloseTo(
      0.6,
    );
  });

  it('sorts scores into bands', () => {
    const band = (retrieval: number) =>
      identityEvidence({ retrieval, topic: undefined, comparisons: [] }).band;
    expect(band(IDENTITY_BANDS.same)).toBe('same');
    expect(band(IDENTITY_BANDS.midpoint)).toBe('unsure');
    expect(band(IDENTITY_BANDS.different - 0.01)).toBe('different');
  });
});
