/**
 * A new install's store holds only the user's own few skills (no libraries). The calibrated score must
 * mean there what it means in a large store: the learned skill is injected at the default `min_score`
 * 0.4 with `top_k` 1 through the turn pipeline, and unrelated requests inject nothing, whether the
 * store holds 1, 3 or 11 skills (the background corpus of src/index/background/ makes this so).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddingConnector } from '../src/embeddings/registry.js';
import type { EmbeddingConnector } from '../src/embeddings/types.js';
import { prepareTurnContext } from '../src/retrieve/prepare.js';
import { FileSkillStore } from '../src/store/fs/file-skill-store.js';
import { createSkillSearch, type SkillSearch } from '../src/store/skill-search.js';
import { makeTempDir } from './support/fixtures.js';

interface UserSkill {
  name: string;
  description: string;
  instructions: string;
  triggers: string[];
  tags: string[];
}

/** The release skill exactly as the offline extractor learns it from the README's conversation. */
const RELEASE: UserSkill = {
  name: 'release-workflow',
  description:
    "Applies this user's standing procedure for release: Before each release, always run regression; Canary. Use when the user asks for release.",
  instructions:
    "# Goal\nCarry out release by following this user's fixed procedure.\n\n# Workflow\n1. Before each release, always run regression\n2. Canary\n3. Monitor\n4. Full rollout",
  triggers: ['release'],
  tags: ['release', 'workflow', 'before', 'regression', 'canary', 'monitor'],
};

/** A Chinese preference as the offline extractor learns it ("以后写周报都先写结论…"). */
const WEEKLY_REPORT: UserSkill = {
  name: '周报规范',
  description:
    '按用户固定的要求处理周报：写周报都先写结论，再列关键数据和下周计划，控制在300字以内。 在用户需要周报时使用。',
  instructions:
    '# Goal\n按用户的长期要求完成周报相关的任务。\n\n# Constraints & Style\n- 写周报都先写结论，再列关键数据和下周计划，控制在300字以内',
  triggers: ['周报'],
  tags: ['周报', '写', '规范'],
};

/** Other preferences a user might have taught, in both languages, unrelated to the queries below. */
const OTHERS: UserSkill[] = [
  {
    name: 'email-rules',
    description:
      "Applies this user's standing rules for emails: keep them under 120 words and end with one clear request. Use when the user asks for an email.",
    instructions:
      '# Goal\nWrite emails the way this user has asked, every time.\n\n# Constraints & Style\n- Keep emails under 120 words\n- End with one clear request\n- No exclamation marks',
    triggers: ['email'],
    tags: ['email', 'style', 'words', 'request'],
  },
  {
    name: 'Python 代码规范',
    description:
      '按用户的要求编写 Python 代码：公共函数加类型注解，用 logging 代替 print。在用户写 Python 代码时使用。',
    instructions:
      '# Goal\n按用户的长期要求编写 Python 代码。\n\n# Constraints & Style\n- 公共函数一律加类型注解\n- 不要用 print 调试，用 logging\n- 函数不超过 40 行',
    triggers: ['Python'],
    tags: ['python', '代码', '规范'],
  },
  {
    name: 'sql-style',
    description:
      "Applies this user's SQL conventions: uppercase keywords, one clause per line, no SELECT *. Use when the user writes SQL.",
    instructions:
      '# Goal\nFormat SQL the way this user wants.\n\n# Constraints & Style\n- Uppercase SQL keywords\n- One clause per line\n- List columns explicitly instead of SELECT *',
    triggers: ['sql'],
    tags: ['sql', 'style', 'query'],
  },
  {
    name: '论文引用格式',
    description:
      '按用户要求整理论文参考文献：统一使用 GB/T 7714 格式，中文文献在前。在用户整理参考文献时使用。',
    instructions:
      '# Goal\n按用户的要求整理参考文献。\n\n# Constraints & Style\n- 统一使用 GB/T 7714 著录格式\n- 中文文献排在英文文献之前\n- 每条都要有 DOI（如有）',
    triggers: ['参考文献'],
    tags: ['论文', '参考文献', '格式'],
  },
  {
    name: 'report-numbers',
    description:
      "Applies this user's rule for reports: never invent numbers; every figure needs a source. Use when the user asks for a report.",
    instructions:
      '# Goal\nWrite reports the way this user requires.\n\n# Constraints & Style\n- Never invent numbers\n- Cite the source of every figure\n- Mark estimates as estimates',
    triggers: ['report'],
    tags: ['report', 'numbers', 'source'],
  },
  {
    name: '家常菜少油少盐',
    description: '按用户的口味给出菜谱：少油少盐，不放味精，优先清蒸和快炒。在用户问菜谱或做饭时使用。',
    instructions:
      '# Goal\n按用户的饮食偏好给出做法。\n\n# Constraints & Style\n- 少油少盐，不放味精\n- 优先清蒸、白灼和快炒\n- 标注每道菜的大致热量',
    triggers: ['菜谱'],
    tags: ['做饭', '菜谱', '健康'],
  },
  {
    name: 'commit-messages',
    description:
      "Applies this user's rules for git commit messages: imperative subject under 72 characters, body says why. Use when the user writes a commit message.",
    instructions:
      '# Goal\nWrite commit messages the way this user wants.\n\n# Constraints & Style\n- Imperative subject line under 72 characters\n- The body explains why, not what\n- Reference the issue number',
    triggers: ['commit'],
    tags: ['git', 'commit', 'message'],
  },
  {
    name: '会议纪要格式',
    description:
      '按用户要求整理会议纪要：先写决定，再写待办，每个待办有负责人和截止日期。在用户整理会议记录时使用。',
    instructions:
      '# Goal\n按用户的格式整理会议纪要。\n\n# Constraints & Style\n- 先列会议决定\n- 待办事项写明负责人和截止日期\n- 不记录闲聊',
    triggers: ['会议纪要'],
    tags: ['会议', '纪要', '格式'],
  },
  {
    name: 'slide-style',
    description:
      "Applies this user's slide rules: one idea per slide, full-sentence titles, at most 20 words of body text. Use when the user makes slides.",
    instructions:
      '# Goal\nMake slides the way this user wants.\n\n# Constraints & Style\n- One idea per slide\n- Titles are full sentences\n- At most 20 words of body text per slide',
    triggers: ['slides'],
    tags: ['slides', 'presentation', 'style'],
  },
];

const USER = 'u1';
const RELEASE_QUERY = 'How should I do a safe release?';
/** A paraphrase of the Chinese skill's purpose ("what are the requirements for this week's report?"). */
const WEEKLY_QUERY = '这周的周报有什么要求？';
const UNRELATED = ["what's the capital of Australia", 'write a haiku about cats', '帮我查一下明天的天气'];

/** Stores by size: one skill (each of the two), then 3 and 11 holding both. */
const STORES: Array<{ label: string; skills: UserSkill[] }> = [
  { label: '1 skill (release)', skills: [RELEASE] },
  { label: '1 skill (周报)', skills: [WEEKLY_REPORT] },
  { label: '3 skills', skills: [RELEASE, WEEKLY_REPORT, ...OTHERS.slice(0, 1)] },
  { label: '11 skills', skills: [RELEASE, WEEKLY_REPORT, ...OTHERS.slice(0, 9)] },
];

let embeddings: EmbeddingConnector;
const temp = makeTempDir('autoskill-small-store-');

beforeAll(async () => {
  // The offline default (`hashing` = the n-gram embedder), as `autoskill serve` uses without a key.
  embeddings = await createEmbeddingConnector({ provider: 'hashing' });
});
afterAll(() => temp.cleanup());

async function turn(search: SkillSearch, content: string) {
  // The seeds' defaults: top_k 1, min_score 0.4.
  return prepareTurnContext({ search, userId: USER, messages: [{ role: 'user', content }] });
}

describe.each(STORES)('a fresh store with $label and no libraries', ({ label, skills }) => {
  let store: FileSkillStore;
  let search: SkillSearch;
  const ids = new Map<string, string>();
  const root = join(temp.dir, label.replace(/\W+/g, '-'));

  beforeAll(async () => {
    store = new FileSkillStore({ root });
    await store.open();
    for (const skill of skills) {
      const created = await store.create({ owner: USER, ...skill }, { actor: 'test' });
      ids.set(skill.name, created.id);
    }
    search = createSkillSearch({ store, embeddings });
  });
  afterAll(async () => {
    await search.close();
    await store.close();
  });

  it.runIf(skills.includes(RELEASE))(
    'injects the release skill for "How should I do a safe release?"',
    async () => {
      const context = await turn(search, RELEASE_QUERY);
      expect(context.error).toBeUndefined();
      expect(context.injected.map((skill) => skill.id)).toEqual([ids.get(RELEASE.name)]);
      expect(context.retrieval.hits[0]?.score).toBeGreaterThanOrEqual(0.4);
    },
  );

  it.runIf(skills.includes(WEEKLY_REPORT))('injects the Chinese skill for a Chinese paraphrase', async () => {
    const context = await turn(search, WEEKLY_QUERY);
    expect(context.injected.map((skill) => skill.id)).toEqual([ids.get(WEEKLY_REPORT.name)]);
  });

  it.each(UNRELATED)('injects nothing for an unrelated request: %s', async (query) => {
    const context = await turn(search, query);
    expect(context.error).toBeUndefined();
    expect(context.injected).toEqual([]);
  });

  it('keeps the background out of the vector files and the vector status', async () => {
    const status = await search.vectorStatus();
    expect(status).toMatchObject({ skills: skills.length, vectors: skills.length, extra: 0, healthy: true });
    const indexName = status.indexName as string;
    const lines = readFileSync(join(root, 'vectors', `${indexName}.ids.txt`), 'utf8')
      .trim()
      .split('\n');
    expect(lines.sort()).toEqual([...ids.values()].sort());
    const meta = JSON.parse(readFileSync(join(root, 'vectors', `${indexName}.meta.json`), 'utf8'));
    expect(meta.count).toBe(skills.length);
  });
});

describe('the score does not depend on how many skills the store holds', () => {
  it('gives the release skill the same score alone and among ten others', async () => {
    const scores: number[] = [];
    for (const skills of [[RELEASE], [RELEASE, WEEKLY_REPORT, ...OTHERS.slice(0, 9)]]) {
      const root = join(temp.dir, `same-score-${skills.length}`);
      const store = new FileSkillStore({ root });
      await store.open();
      for (const skill of skills) await store.create({ owner: USER, ...skill }, { actor: 'test' });
      const search = createSkillSearch({ store, embeddings });
      const hits = await search.search(RELEASE_QUERY, { userId: USER, limit: 1 });
      scores.push(hits[0]?.score ?? 0);
      await search.close();
      await store.close();
    }
    expect(scores[0]).toBeGreaterThanOrEqual(0.4);
    expect(Math.abs((scores[0] as number) - (scores[1] as number))).toBeLessThan(0.02);
  });
});
