import { describe, expect, it } from 'vitest';
import { createOfflineLLMConnector } from '../llm/offline.js';
import { candidateConstraints, compareConstraints, prepareSkill } from './maintain-evidence.js';
import { scriptedLearningResponse } from './maintain-scripted-responder.js';
import { sketchCandidate, storedSkill } from './maintain-test-support.js';
import { MERGE_CAPS, mergeByRules, mergeSkill, unionCapped } from './merge.js';
import { parsePromptSections, renderPromptSections } from './merge-sections.js';
import { PLANTED } from './over-extracting-responder.js';

const RELEASE = storedSkill({
  name: 'release_notes_writer',
  description: 'Writes release notes from a list of merged changes.',
  instructions: [
    '# Goal',
    'Write release notes from the merged changes.',
    '',
    '# Constraints & Style',
    '- Group changes under Added, Changed and Fixed.',
    '- Keep each item under 15 words.',
    '',
    '# Workflow',
    '1. Read the changes.',
    '2. Group them.',
    '',
    '# Anti-Patterns',
    '- No internal ticket numbers.',
  ].join('\n'),
  triggers: ['write release notes', 'changelog entry'],
  tags: ['release', 'notes'],
});

function comparisonsFor(existing: typeof RELEASE, candidate: ReturnType<typeof sketchCandidate>) {
  return compareConstraints(candidateConstraints(candidate), prepareSkill(existing));
}

describe('mergeByRules', () => {
  it('appends new rules to the constraints section, steps to the workflow, and bumps the patch version', () => {
    const candidate = sketchCandidate({
      rules: ['From now on, link every item to its pull request'],
      steps: ['Then check every link'],
    });
    const merged = mergeByRules({
      existing: RELEASE,
      candidate,
      comparisons: comparisonsFor(RELEASE, candidate),
    });
    expect(merged.version).toBe('0.1.1');
    expect(merged.name).toBe('release_notes_writer');
    expect(merged.description).toBe(RELEASE.description);
    expect(merged.instructions).toContain(
      '- Keep each item under 15 words.\n- Link every item to its pull request',
    );
    expect(merged.instructions).toContain('2. Group them.\n3. Then check every link');
    expect(merged.added).toHaveLength(2);
  });

  it('replaces a rule the user changed (the newer wins, the old one is gone)', () => {
    const candidate = sketchCandidate({ rules: ['Going forward, keep each item under 25 words'] });
    const merged = mergeByRules({
      existing: RELEASE,
      candidate,
      comparisons: comparisonsFor(RELEASE, candidate),
    });
    expect(merged.instructions).toContain('- Keep each item under 25 words');
    expect(merged.instructions).not.toContain('15 words');
    expect(merged.replaced).toEqual([
      { old: 'Keep each item under 15 words.', new: 'Keep each item under 25 words' },
    ]);
  });

  it('skips rules the skill already has and requirements of one task', () => {
    const candidate = sketchCandidate({
      rules: ['Always group the changes under Added, Changed and Fixed'],
      tasks: ['Mention the CSV export'],
    });
    const merged = mergeByRules({
      existing: RELEASE,
      candidate,
      comparisons: comparisonsFor(RELEASE, candidate),
    });
    expect(merged.added).toEqual([]);
    expect(merged.instructions).toBe(RELEASE.instructions);
  });

  it('creates the constraints section in the skill language when it has none', () => {
    const existing = storedSkill({
      name: '周报',
      instructions: '# 目标\n根据要点撰写周报。',
      description: '撰写周报。',
    });
    const candidate = sketchCandidate({ rules: ['以后周报开头加一句总结'], language: 'zh' });
    const merged = mergeByRules({ existing, candidate, comparisons: comparisonsFor(existing, candidate) });
    expect(merged.instructions).toBe('# 目标\n根据要点撰写周报。\n\n# 约束\n- 周报开头加一句总结');
  });

  it('caps triggers and tags at 8 and never grows a longer list', () => {
    expect(
      unionCapped(
        ['a one', 'b two'],
        ['c three', 'a one', 'd four', 'e five', 'f six', 'g7 seven', 'h8 eight', 'i9 nine'],
        MERGE_CAPS.triggers,
      ),
    ).toHaveLength(8);
    const long = Array.from({ length: 12 }, (_, index) => `trigger number ${index}`);
    expect(unionCapped(long, ['something else entirely'], MERGE_CAPS.triggers)).toEqual(long);
    expect(unionCapped(['weekly report'], ['weekly reports'], 8)).toEqual(['weekly report']);
  });
});

describe('mergeSkill with a model', () => {
  it('keeps a planted name and key out and falls back to the rules when the model drops a rule', async () => {
    const candidate = sketchCandidate({ rules: ['From now on, link every item to its pull request'] });
    const llm = createOfflineLLMConnector({ respond: scriptedLearningResponse });
    const { merged, modelCalls } = await mergeSkill({
      existing: RELEASE,
      candidate,
      comparisons: comparisonsFor(RELEASE, candidate),
      llm,
    });
    expect(modelCalls).toBe(1);
    const text = JSON.stringify(merged);
    expect(text).not.toContain(PLANTED.nameEnglish);
    expect(text).not.toContain(PLANTED.apiKey);
    expect(merged.name).toBe('release_notes_writer');
    expect(merged.instructions).toMatch(/- Keep each item under 15 words\.\n- From now on, link every item/);
    expect(merged.instructions.match(/# Constraints & Style/g)).toHaveLength(1);
    expect(merged.instructions).toContain('Keep each item under 15 words.');

    const dropping = createOfflineLLMConnector({
      respond: () =>
        JSON.stringify({
          name: 'x',
          description: '',
          prompt: '# Goal\nWrite release notes.\n- Link every item to its pull request',
        }),
    });
    const fallback = await mergeSkill({
      existing: RELEASE,
      candidate,
      comparisons: comparisonsFor(RELEASE, candidate),
      llm: dropping,
    });
    expect(fallback.merged.mergedBy).toBe('rules');
    expect(fallback.merged.notes.join(' ')).toMatch(/dropped \d existing rule/);
  });

  it('uses a valid model merge and drops lines neither skill supports', async () => {
    const candidate = sketchCandidate({ rules: ['From now on, link every item to its pull request'] });
    const prompt = `${RELEASE.instructions}\n- Link every item to its pull request.\n- Always thank the marketing team by name.`;
    const llm = createOfflineLLMConnector({
      respond: () =>
        `\`\`\`json\n${JSON.stringify({ name: 'release_notes_writer', description: RELEASE.description, prompt, triggers: [], tags: [] })}\n\`\`\``,
    });
    const { merged } = await mergeSkill({
      existing: RELEASE,
      candidate,
      comparisons: comparisonsFor(RELEASE, candidate),
      llm,
    });
    expect(merged.mergedBy).toBe('model');
    expect(merged.instructions).toContain('Link every item to its pull request.');
    expect(merged.instructions).not.toContain('marketing team');
    expect(merged.notes.join(' ')).toMatch(/1 unsupported line/);
  });

  it('falls back to the rule-based merge on a refusal, a wrong schema or a model error', async () => {
    const candidate = sketchCandidate({ rules: ['From now on, link every item to its pull request'] });
    for (const respond of [
      () => "I'm sorry, I can't help with that.",
      () => '{"title": "no prompt here"}',
      () => {
        throw new Error('boom');
      },
    ]) {
      const { merged } = await mergeSkill({
        existing: RELEASE,
        candidate,
        comparisons: comparisonsFor(RELEASE, candidate),
        llm: createOfflineLLMConnector({ respond }),
      });
      expect(merged.mergedBy).toBe('rules');
      expect(merged.instructions).toContain('- Link every item to its pull request');
    }
  });
});

describe('prompt sections', () => {
  it('round-trips a prompt without edits and ignores headings inside code fences', () => {
    const prompt = '# Goal\nDo it.\n\n```md\n# not a heading\n```\n\n## Rules\n- one\n- two';
    const sections = parsePromptSections(prompt);
    expect(sections.map((section) => section.role)).toEqual(['goal', 'constraints']);
    expect(renderPromptSections(sections)).toBe(prompt);
  });
});
