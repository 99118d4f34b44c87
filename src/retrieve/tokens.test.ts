import { describe, expect, it } from 'vitest';
import { renderSkillContext } from './render.js';
import { loadTokenCounter, rememberTokenCounts } from './tokens.js';

describe('rememberTokenCounts', () => {
  it('counts each text once and forgets the least recently used past maxChars', () => {
    const seen: string[] = [];
    const count = rememberTokenCounts(
      (text) => {
        seen.push(text);
        return text.length;
      },
      { maxChars: 10 },
    );
    expect([count('abcd'), count('abcd'), count('efgh')]).toEqual([4, 4, 4]);
    expect(seen).toEqual(['abcd', 'efgh']);
    count('abcd'); // now the most recent
    count('ijkl'); // 12 chars: 'efgh' (least recent) goes
    count('abcd');
    count('efgh');
    expect(seen).toEqual(['abcd', 'efgh', 'ijkl', 'efgh']);
    // A text longer than the whole budget is counted every time, never kept.
    count('x'.repeat(20));
    count('x'.repeat(20));
    expect(seen.filter((text) => text.length === 20)).toHaveLength(2);
    expect(count.uncached('abcd')).toBe(4);
    expect(seen.at(-1)).toBe('abcd');
  });
});

describe('loadTokenCounter', () => {
  it('counts special-token markers in a skill as plain text instead of refusing the skill', async () => {
    const count = await loadTokenCounter();
    expect(count('Wrap turns in <|im_start|>user … <|im_end|>.')).toBeGreaterThan(5);
    const rendered = await renderSkillContext({
      skills: [
        {
          id: 'chatml',
          name: 'ChatML prompts',
          description: 'Formats prompts with ChatML markers.',
          version: '0.1.0',
          instructions: 'Start each turn with <|im_start|>role and end it with <|im_end|>.',
        },
      ],
      maxTokens: 400,
    });
    expect(rendered.skills).toEqual([{ id: 'chatml', mode: 'full' }]);
    expect(rendered.text).toContain('<|im_start|>role');
  });

  it('gives the same render twice (the second from remembered counts and cuts)', async () => {
    const long = {
      id: 'long',
      name: '周报',
      description: 'Weekly report rules.',
      version: '0.1.0',
      instructions: Array.from({ length: 300 }, (_, index) => `第${index}条：先写结论 then details.`).join(
        '\n',
      ),
    };
    const first = await renderSkillContext({ skills: [long], maxTokens: 300, query: '写周报' });
    const second = await renderSkillContext({ skills: [long], maxTokens: 300, query: '写周报' });
    expect(first.skills).toEqual([{ id: 'long', mode: 'truncated' }]);
    expect(second).toEqual(first);
    const count = await loadTokenCounter();
    expect(count.uncached(first.text as string)).toBe(first.tokens);
    expect(first.tokens).toBeLessThanOrEqual(300);
  });
});
