/**
 * The compatibility corpus: every one of the 5,188 SKILL.md files of ../shared/fixtures/skillbank either
 * loads or is reported with its reason, and every loaded skill survives render → parse with every field.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isAutoSkillError } from '../src/shared/errors.js';
import { toAgentSkill, validateAgentSkillText } from '../src/skill/agent-skills.js';
import type { Skill } from '../src/skill/schema.js';
import { decodeSkillFile, parseSkillMd, renderSkillMd } from '../src/skill/skill-md.js';
import { requireFixtures, SKILLBANK } from './support/fixtures.js';

interface Outcome {
  path: string;
  skill?: Skill;
  reason?: string;
  message?: string;
}

function walk(dir: string, out: string[]): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else if (entry.name === 'SKILL.md') out.push(full);
  }
  return out;
}

/** Owner and id key as the store derives them from the SkillBank layout (core.md §2.5). */
function ownerOf(path: string): { owner: string; key: string } {
  const parts = path.split('/');
  const folder = parts.slice(0, -1);
  if (folder[0] === 'Users') return { owner: folder[1] ?? '', key: folder.slice(2).join('/') };
  return { owner: `library:${folder[1] ?? ''}`, key: folder.slice(1).join('/') };
}

const FIELDS = [
  'id',
  'name',
  'description',
  'instructions',
  'version',
  'tags',
  'triggers',
  'examples',
  'extraFrontMatter',
  'resources',
] as const;

describe('SkillBank corpus', () => {
  const outcomes: Outcome[] = [];

  beforeAll(() => {
    requireFixtures();
    for (const file of walk(SKILLBANK, [])) {
      const path = relative(SKILLBANK, file).split(sep).join('/');
      const { owner, key } = ownerOf(path);
      const folderName = path.split('/').at(-2) ?? '';
      if (path.split('/').some((segment) => segment.startsWith('.'))) {
        outcomes.push({ path, reason: 'hidden' });
        continue;
      }
      try {
        const text = decodeSkillFile(readFileSync(file), { source: path });
        const skill = parseSkillMd(text, {
          owner,
          source: path,
          fallbackName: folderName,
          deterministicIdKey: key,
        });
        outcomes.push({ path, skill });
      } catch (error) {
        if (!isAutoSkillError(error)) throw error;
        outcomes.push({ path, reason: String(error.details.reason), message: error.message });
      }
    }
  });

  it('loads every file or reports it with a reason (exact counts)', () => {
    const counts: Record<string, number> = {};
    for (const outcome of outcomes) {
      const key = outcome.skill ? 'loaded' : (outcome.reason ?? 'unknown');
      counts[key] = (counts[key] ?? 0) + 1;
    }
    expect(outcomes).toHaveLength(5188);
    expect(counts).toEqual({ loaded: 5182, binary: 5, hidden: 1 });
    for (const outcome of outcomes.filter((item) => item.reason === 'binary')) {
      expect(outcome.message).toMatch(/^ConvSkill\/english_gpt[^:]+\/SKILL\.md:\d+: file is binary/);
    }
    expect(outcomes.find((item) => item.reason === 'hidden')?.path).toBe(
      'Common/baoyu-skills/.claude/skills/release-skills/SKILL.md',
    );
  });

  it('keeps every field through render → parse for every loaded skill', () => {
    let checked = 0;
    const escaped: string[] = [];
    for (const { path, skill } of outcomes) {
      if (!skill) continue;
      const rendered = renderSkillMd(skill);
      if (/^instructions: /m.test(rendered.split('\n---\n')[0] ?? '')) escaped.push(path);
      const back = parseSkillMd(rendered, { owner: skill.owner, source: path });
      for (const field of FIELDS) {
        if (JSON.stringify(back[field]) !== JSON.stringify(skill[field])) {
          expect.fail(`${path}: ${field} changed after render → parse`);
        }
      }
      checked += 1;
    }
    expect(checked).toBe(5182);
    // No corpus prompt is ambiguous enough to need the front-matter prompt.
    expect(escaped).toEqual([]);
  });

  it('gives every loaded skill a unique id and a name', () => {
    const loaded = outcomes.flatMap((outcome) => (outcome.skill ? [outcome.skill] : []));
    expect(new Set(loaded.map((skill) => skill.id)).size).toBe(loaded.length);
    expect(loaded.every((skill) => skill.name.trim() !== '')).toBe(true);
  });

  it('reads prompts that start with # headings whole, and unwraps the two legacy nested files', () => {
    const loaded = outcomes.flatMap((outcome) =>
      outcome.skill ? [{ path: outcome.path, skill: outcome.skill }] : [],
    );
    // The prompts the original cut short or replaced by the whole body: they contain `# `/`## ` lines.
    const withHeadings = loaded.filter(({ skill }) => /^#{1,2} /m.test(skill.instructions));
    expect(withHeadings).toHaveLength(4980);
    const goalShaped = withHeadings.filter(
      ({ path }) => path.startsWith('Users/') || path.startsWith('ConvSkill/'),
    );
    for (const { skill } of goalShaped) {
      expect(skill.instructions).not.toMatch(/^## (Prompt|Triggers|Examples)$/m);
    }
    for (const path of [
      'Users/u8/政府报告撰写-务实合规犀利版/SKILL.md',
      'Users/u7/公众号文章风格转换/SKILL.md',
    ]) {
      const skill = loaded.find((item) => item.path === path)?.skill;
      expect(skill?.instructions.startsWith('# Goal')).toBe(true);
      expect(skill?.instructions).not.toContain('## Prompt');
    }
  });

  it('exports every loaded skill as a spec-valid Agent Skill', () => {
    const invalid: string[] = [];
    for (const { path, skill } of outcomes) {
      if (!skill) continue;
      const exported = toAgentSkill(skill);
      if (validateAgentSkillText(exported.text, { folderName: exported.folderName }).length > 0)
        invalid.push(path);
    }
    expect(invalid).toEqual([]);
  });
});
