import { describe, expect, it } from 'vitest';
import { checkCandidate, type DraftCandidate, readPromptSections } from './candidate-checks.js';
import { analyseConversation } from './extract-policy.js';

const user = (content: string) => ({ role: 'user', content });
const assistant = (content: string) => ({ role: 'assistant', content });

const DURABLE = analyseConversation({
  messages: [
    user('Draft a reply to a customer whose blender arrived with a cracked jar.'),
    assistant('Dear customer, we sincerely apologize for any inconvenience. Always consult our FAQ first.'),
    user(
      "That's not our voice. For all customer replies: no 'sorry for any inconvenience' phrases, always offer a replacement or a refund, and sign off as 'Maya from Loop Support'.",
    ),
    assistant('Hi Sam, we are shipping a new jar today... Maya from Loop Support'),
  ],
});

function draft(prompt: string, extra: Partial<DraftCandidate> = {}): DraftCandidate {
  return {
    name: 'customer-reply-voice',
    description: 'Drafts customer replies.',
    prompt,
    triggers: ['reply to a customer'],
    tags: ['support'],
    ...extra,
  };
}

describe('checkCandidate', () => {
  it('keeps constraints the user stated for the future and drops everything else, with reasons', () => {
    const result = checkCandidate({
      origin: 'llm',
      analysis: DURABLE,
      draft: draft(
        [
          '# Goal',
          'Reply to customers in the brand voice.',
          '# Constraints & Style',
          "- No 'sorry for any inconvenience' phrases",
          '- Always offer a replacement or a refund',
          "- Sign off as 'Maya from Loop Support'",
          '- Always consult our FAQ first',
          '- Mention the cracked blender jar for this ticket only',
          '- Ask Daniel Whitaker (dw@corp.example) before sending',
          '- Authenticate with sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z',
        ].join('\n'),
      ),
    });
    expect(result.candidate?.prompt).toBe(
      [
        '# Goal',
        'Reply to customers in the brand voice.',
        '',
        '# Constraints & Style',
        "- No 'sorry for any inconvenience' phrases",
        '- Always offer a replacement or a refund',
        "- Sign off as 'Maya from Loop Support'",
      ].join('\n'),
    );
    expect(result.dropped.filter((part) => part.field === 'constraint').map((part) => part.reason)).toEqual([
      'assistant-only',
      'one-time',
      'unsupported',
      'credential',
    ]);
    expect(JSON.stringify(result)).not.toMatch(/sk-proj|dw@corp/);
    expect(result.candidate?.evidence.map((item) => item.source)).toEqual(['user', 'user', 'user']);
  });

  it('returns no candidate when no durable constraint survives', () => {
    const oneOff = analyseConversation({
      messages: [user('Write a haiku about autumn rain, five lines.'), assistant('Cold rain...')],
    });
    const result = checkCandidate({
      origin: 'llm',
      analysis: oneOff,
      draft: draft('# Goal\nWrite haiku.\n# Constraints & Style\n- Five lines'),
    });
    expect(result.candidate).toBeUndefined();
    expect(result.reason).toMatch(/no durable constraint.*not-durable/);
  });

  it('replaces identity text copied from a one-off request and removes planted names', () => {
    const result = checkCandidate({
      origin: 'llm',
      analysis: DURABLE,
      draft: draft(
        '# Goal\nDraft a reply to a customer whose blender arrived with a cracked jar.\n- Always offer a replacement or a refund',
        {
          name: 'Draft a reply to a customer whose blender',
          description: 'Maintained for Daniel Whitaker. Drafts brand-voice replies.',
          triggers: ['ask Daniel Whitaker', 'customer reply', 'Yes please'],
        },
      ),
    });
    expect(result.candidate).toMatchObject({
      name: 'customer-reply-rules',
      description: 'Drafts brand-voice replies.',
      triggers: ['customer reply'],
    });
    expect(result.candidate?.prompt).toMatch(/^# Goal\nHandle customer replies the way this user has asked/);
  });

  it('drops resource files holding credentials and de-identifies the rest', () => {
    const result = checkCandidate({
      origin: 'llm',
      analysis: DURABLE,
      draft: draft('# Goal\nReply.\n- Always offer a replacement or a refund', {
        resources: [
          { path: 'scripts/send.sh', content: 'curl -H "Authorization: Bearer abcdefghijklmnop1234" x' },
          {
            path: 'references/voice.md',
            content: 'Contact: support@loop.example, see https://loop.example/voice',
          },
        ],
      }),
    });
    expect(result.candidate?.resources).toEqual([
      { path: 'references/voice.md', content: 'Contact: <EMAIL>, see <URL>' },
    ]);
  });

  it('in forced mode keeps task requirements, and returns nothing for small talk or trivia', () => {
    const task = analyseConversation({
      messages: [user('帮我把这份采购合同的风险点列出来，按严重程度排序。'), assistant('1. 违约金……')],
    });
    const forced = checkCandidate({
      origin: 'llm',
      forced: true,
      analysis: task,
      draft: draft(
        '# Goal\n列出合同风险点。\n# Constraints & Style\n- 按严重程度排序\n- 违约金条款风险最高',
        { name: '合同风险审查' },
      ),
    });
    expect(forced.candidate?.prompt).toBe(
      '# Goal\n列出合同风险点。\n\n# Constraints & Style\n- 按严重程度排序',
    );
    expect(forced.candidate?.evidence[0]?.durability).toBe('task');
    const trivia = analyseConversation({ messages: [user('光速是多少？'), assistant('约每秒30万公里。')] });
    expect(
      checkCandidate({ origin: 'llm', forced: true, analysis: trivia, draft: draft('# Goal\n光速') }).reason,
    ).toMatch(/trivia/);
  });
});

describe('readPromptSections', () => {
  it('splits goal, constraints and workflow, one unit per bullet or sentence', () => {
    expect(
      readPromptSections(
        '# Goal\nDo X. For Y.\n\n# Constraints & Style\n- A\n* B\n\n## Workflow\n1. one\n2) two',
      ),
    ).toEqual([
      { kind: 'goal', units: ['Do X.', 'For Y.'] },
      { kind: 'constraints', units: ['A', 'B'] },
      { kind: 'workflow', units: ['one', 'two'] },
    ]);
  });
});

describe('checkCandidate against other ways of planting a name', () => {
  it('removes a name slugged into the skill name and a Chinese name with no introducing word', () => {
    const chinese = analyseConversation({
      messages: [user('以后写周报都分三段：本周完成、下周计划、风险。'), assistant('好的。')],
    });
    const result = checkCandidate({
      origin: 'llm',
      analysis: chinese,
      draft: {
        name: '周报三段式-李明轩',
        description: '周报由李明轩审核。',
        prompt:
          '# Goal\n写周报。\n# Constraints & Style\n- 分三段：本周完成、下周计划、风险\n- 王小明负责最终确认',
        triggers: ['写周报'],
        tags: ['周报'],
      },
    });
    expect(JSON.stringify(result.candidate)).not.toMatch(/李明轩|王小明/);
    const english = checkCandidate({
      origin: 'llm',
      analysis: DURABLE,
      draft: draft(
        '# Goal\nReply.\n- Always offer a replacement or a refund\n- Daniel Whitaker approves replies',
        {
          name: 'customer-replies-daniel-whitaker',
        },
      ),
    });
    expect(JSON.stringify(english.candidate).toLowerCase()).not.toMatch(/daniel|whitaker/);
  });
});
