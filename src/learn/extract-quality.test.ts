/**
 * Three quality defects of the offline extractor (issue 4, h25): a durable rule stated with a
 * result-complement verb (分成, 整理成) was missed; an English topic kept a modifier without its head
 * noun ("weekly"); an enumeration (本周进展、风险、下周计划, "impact, root cause, and follow-ups") was split
 * into bullets. Each case comes with sentences of our own and a counter-example the rule leaves alone.
 */
import { describe, expect, it } from 'vitest';
import { extractCandidate } from './extract.js';
import { hasDirectiveMarker } from './extract-cues.js';
import { topicFromRule } from './extract-topic.js';
import { describeTopic } from './skill-naming.js';

async function extract(text: string) {
  return extractCandidate({
    messages: [
      { role: 'user', content: text },
      { role: 'assistant', content: /[\u4e00-\u9fff]/.test(text) ? '好的' : 'Sure.' },
    ],
    offline: true,
  });
}

/** The bullets of the candidate's constraints section. */
function bullets(prompt: string | undefined): string[] {
  return (prompt ?? '')
    .split('\n')
    .filter((line) => line.startsWith('- '))
    .map((line) => line.slice(2));
}

describe('result-complement verbs are directives (分成, 写成, 整理为)', () => {
  it.each([
    ['以后写周报都分成本周进展、风险、下周计划三部分。', '写周报都分成本周进展、风险、下周计划三部分'],
    ['以后会议记录都整理成决议和待办两块。', '会议记录都整理成决议和待办两块'],
    ['每次写实验报告都拆分为目的、方法、结果。', '每次写实验报告都拆分为目的、方法、结果'],
  ])('%s is a durable output rule with one requirement', async (text, bullet) => {
    const result = await extract(text);
    expect(result.outcome).toBe('candidate');
    expect(bullets(result.candidate?.prompt)).toEqual([bullet]);
  });

  it('leaves 成本 (cost) alone and still needs a durability cue', async () => {
    expect(hasDirectiveMarker('做成本核算')).toBe(false);
    expect(hasDirectiveMarker('做成表格')).toBe(true);
    expect((await extract('我们把报告分成三部分了。')).outcome).toBe('nothing-to-learn');
  });

  it('keeps the English counterpart (an imperative) working', async () => {
    const result = await extract('From now on, break every status update into wins, blockers and asks.');
    expect(result.outcome).toBe('candidate');
    expect(result.candidate?.name).toBe('status-update-rules');
  });
});

describe('an English topic is a noun phrase with its head noun', () => {
  it('names "split every weekly report into …" after weekly reports', async () => {
    const result = await extract(
      "From now on, split every weekly report into progress, risks and next week's plan.",
    );
    expect(result.candidate?.name).toBe('weekly-report-rules');
    expect(result.candidate?.description).toContain('Use when the user asks for weekly reports.');
  });

  it.each([
    ['Going forward, translate every product page into French.', 'product pages'],
    ['Always structure my weekly reports as progress, risks, and next steps.', 'weekly reports'],
    ['Each commit message you write starts with the ticket key.', 'commit messages'],
    ['Every SQL query you write uses CTEs.', 'SQL queries'],
  ])('%s → %s', (text, phrase) => {
    expect(topicFromRule(text, 'en')?.phrase).toBe(phrase);
  });

  it('completes a modifier with its head noun when no construction names the topic', () => {
    const named = (rule: string) =>
      describeTopic({ topic: undefined, language: 'en', kind: 'rules', rules: [rule] }).name;
    expect(named('Keep quarterly summaries under one page')).toBe('quarterly-summary-rules');
    // A noun stays a noun: no adjective form, no extension.
    expect(named('Use tabs for indentation')).toBe('indentation-rules');
  });

  it('reads the object of 把 after a durability adverb as the Chinese topic', async () => {
    expect(topicFromRule('以后把周报整理成进展、风险、计划三块。', 'zh')?.phrase).toBe('周报');
    const result = await extract('每次都把会议记录按决议、待办整理。');
    expect(result.candidate?.name).toBe('会议记录规范');
  });
});

describe('an enumeration is one requirement', () => {
  it.each([
    ['以后写日报都包括：今日完成、遇到的问题、明日计划。', ['写日报都包括：今日完成、遇到的问题、明日计划']],
    ['我们的周报格式：本周进展、风险、下周计划。', ['我们的周报格式：本周进展、风险、下周计划']],
    [
      'Going forward, every incident summary should cover: impact, root cause, and follow-ups.',
      ['Every incident summary should cover: impact, root cause, and follow-ups'],
    ],
    [
      'From now on my weekly reports have three parts: progress, risks and next steps.',
      ['My weekly reports have three parts: progress, risks and next steps'],
    ],
    ['帮我写周报，以后都分成进展、风险、计划三部分。', ['分成进展、风险、计划三部分']],
  ])('%s', async (text, expected) => {
    const result = await extract(text);
    expect(bullets(result.candidate?.prompt)).toEqual(expected);
    // The description quotes the requirement whole, not a fragment of the list.
    expect(result.candidate?.description).toContain(expected[0]);
  });

  it('still splits clauses and rule lists', async () => {
    expect(
      bullets((await extract('我们店的小红书文案规矩：第一人称、口语化，每段不超过3行。')).candidate?.prompt),
    ).toEqual(['第一人称、口语化', '每段不超过3行']);
    expect(
      bullets(
        (await extract('Our house style: no emojis, British spelling, short paragraphs.')).candidate?.prompt,
      ),
    ).toEqual(['No emojis', 'British spelling', 'Short paragraphs']);
    expect(
      bullets(
        (await extract('Our house style: use metric, cite sources and keep it short.')).candidate?.prompt,
      ),
    ).toHaveLength(2);
  });

  it('keeps a procedure list as ordered steps', async () => {
    const result = await extract('以后发版都按这个流程：跑测试、打标签、灰度发布。');
    expect(result.candidate?.prompt).toContain('# Workflow');
  });
});
