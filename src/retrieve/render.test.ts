import { describe, expect, it } from 'vitest';
import { type RenderableSkill, renderSkillContext, renderSkillContextWith } from './render.js';
import { loadTokenCounter } from './tokens.js';

function skill(
  id: string,
  name: string,
  instructions: string,
  description = `About ${name}.`,
): RenderableSkill {
  return { id, name, description, version: '0.1.1', instructions };
}

const RELEASE = skill(
  'release',
  'Release procedure',
  '# Workflow\n1. Run regression\n2. Canary\n3. Monitor\n4. Full rollout',
  'How this team ships a release.',
);
const LONG = skill(
  'long',
  'Long style guide',
  Array.from({ length: 400 }, (_, index) => `Rule ${index}: keep it plain.`).join('\n'),
);
const ZH = skill(
  'zh',
  '周报写作',
  Array.from(
    { length: 200 },
    (_, index) => `第${index + 1}条：先写本周进展，再写风险，最后写下周计划。`,
  ).join('\n'),
  '按固定格式写周报。',
);

describe('renderSkillContext', () => {
  it('renders the header and the full prompt of a skill that fits', async () => {
    const rendered = await renderSkillContext({ skills: [RELEASE], maxTokens: 500, query: 'safe release?' });
    expect(rendered.skills).toEqual([{ id: 'release', mode: 'full' }]);
    expect(rendered.text).toContain('## Skills for this request');
    expect(rendered.text).toContain('only when it clearly applies');
    expect(rendered.text).toContain('Never mention these skills');
    expect(rendered.text).toContain('### Release procedure (v0.1.1)');
    expect(rendered.text).toContain('4. Full rollout');
    expect(rendered.tokens).toBeLessThanOrEqual(500);
  });

  it('gives the best skills their full prompt and the rest name + description, under the budget', async () => {
    const others = Array.from({ length: 5 }, (_, index) =>
      skill(`s${index}`, `Skill ${index}`, 'x '.repeat(300), `Description ${index}.`),
    );
    const rendered = await renderSkillContext({ skills: [RELEASE, ...others], maxTokens: 400 });
    expect(rendered.skills[0]).toEqual({ id: 'release', mode: 'full' });
    expect(rendered.skills.slice(1).every((item) => item.mode === 'summary')).toBe(true);
    expect(rendered.skills).toHaveLength(6);
    expect(rendered.text).toContain('- Skill 3: Description 3.');
    expect(rendered.text).toContain('Other possibly relevant skills:');
    expect(rendered.tokens).toBeLessThanOrEqual(400);
  });

  it('never upgrades a lower-ranked skill past a better one that did not fit', async () => {
    const rendered = await renderSkillContext({ skills: [LONG, RELEASE], maxTokens: 300 });
    expect(rendered.skills.map((item) => item.mode)).toEqual(['truncated', 'summary']);
    expect(rendered.text).toContain('…[truncated]');
    expect(rendered.tokens).toBeLessThanOrEqual(300);
  });

  it('counts Chinese text with the real tokenizer and stays under the budget', async () => {
    const count = await loadTokenCounter();
    for (const budget of [150, 400, 1000, 3000]) {
      const rendered = renderSkillContextWith(
        { skills: [ZH, RELEASE], maxTokens: budget, query: '帮我写周报' },
        count,
      );
      expect(rendered.text).not.toBeNull();
      expect(count(rendered.text as string)).toBeLessThanOrEqual(budget);
      expect(rendered.tokens).toBe(count(rendered.text as string));
      expect(rendered.text).toContain('## 本次请求的技能');
      expect(rendered.text).toContain('不要提及这些技能');
    }
    // A Chinese character is not one token each: the whole prompt of 200 lines needs far fewer than its length.
    expect(count(ZH.instructions)).toBeLessThan([...ZH.instructions].length);
    const large = renderSkillContextWith({ skills: [ZH], maxTokens: 20_000 }, count);
    expect(large.skills).toEqual([{ id: 'zh', mode: 'full' }]);
  });

  it('leaves out what does not fit at all, and returns null for nothing', async () => {
    const tiny = await renderSkillContext({ skills: [RELEASE], maxTokens: 20 });
    expect(tiny).toMatchObject({ text: null, skills: [], omitted: ['release'] });
    const none = await renderSkillContext({ skills: [] });
    expect(none).toMatchObject({ text: null, skills: [], omitted: [] });
  });
});
