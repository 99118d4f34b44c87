import { describe, expect, it } from 'vitest';
import { createOfflineLLMConnector } from '../llm/offline.js';
import { AutoSkillError } from '../shared/errors.js';
import { parseSelectionReply, selectSkills } from './select.js';

const CANDIDATES = [
  { id: 'a', name: 'Release procedure', description: 'regression → canary → monitor → rollout', owner: 'u1' },
  { id: 'b', name: 'SQL style', description: 'uppercase keywords', owner: 'library:team' },
];

function scripted(reply: string | (() => string)) {
  return createOfflineLLMConnector({ respond: typeof reply === 'string' ? () => reply : reply });
}

describe('selectSkills', () => {
  it('keeps every candidate when selection has no model', async () => {
    const result = await selectSkills({ message: 'ship it', candidates: CANDIDATES });
    expect(result).toMatchObject({ selectedIds: ['a', 'b'], method: 'all' });
  });

  it('keeps what the model selects, in retrieval order', async () => {
    const llm = scripted('{"use_skills": true, "selected_skill_ids": ["a"], "reason": "release question"}');
    const result = await selectSkills({ message: 'How do I release?', candidates: CANDIDATES, llm });
    expect(result).toEqual({ selectedIds: ['a'], method: 'llm', reason: 'release question' });
  });

  it('accepts "none fits" as an answer', async () => {
    const llm = scripted(
      'Sure! ```json\n{"use_skills": false, "selected_skill_ids": [], "reason": "small talk"}\n```',
    );
    const result = await selectSkills({ message: 'hello', candidates: CANDIDATES, llm });
    expect(result).toMatchObject({ selectedIds: [], method: 'llm' });
  });

  it.each([
    ['a refusal', "I'm sorry, I can't help with that."],
    ['unknown ids only', '{"use_skills": true, "selected_skill_ids": ["zzz"]}'],
    ['a wrong schema', '{"use_skills": "maybe", "selected_skill_ids": 7}'],
    ['a truncated reply', '{"use_skills": true, "selected_sk'],
  ])('keeps every candidate after %s', async (_label, reply) => {
    const result = await selectSkills({ message: 'release?', candidates: CANDIDATES, llm: scripted(reply) });
    expect(result.selectedIds).toEqual(['a', 'b']);
    expect(result.method).toBe('kept-all');
    expect(result.error).toBeTruthy();
  });

  it('keeps every candidate when the model call fails', async () => {
    const llm = scripted(() => {
      throw new AutoSkillError('RATE_LIMITED', '429 after 2 retries');
    });
    const result = await selectSkills({ message: 'release?', candidates: CANDIDATES, llm });
    expect(result).toMatchObject({ selectedIds: ['a', 'b'], method: 'kept-all' });
    expect(result.error).toContain('429');
  });

  it('caps the selection at maxSelected', async () => {
    const llm = scripted('{"selected_skill_ids": ["b", "a"]}');
    const result = await selectSkills({ message: 'x', candidates: CANDIDATES, llm, maxSelected: 1 });
    expect(result.selectedIds).toEqual(['a']);
  });
});

describe('parseSelectionReply', () => {
  it('reads the aliases the original accepted', () => {
    expect(parseSelectionReply('{"skill_ids": "a"}', ['a', 'b'])?.ids).toEqual(['a']);
    expect(parseSelectionReply('{"ids": ["b"]}', ['a', 'b'])?.ids).toEqual(['b']);
    expect(parseSelectionReply('["a", "b"]', ['a', 'b'])?.ids).toEqual(['a', 'b']);
    expect(parseSelectionReply('{"reason": "?"}', ['a'])).toBeNull();
  });
});
