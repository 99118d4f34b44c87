/**
 * Small-store benchmark: does the calibrated score mean the same thing in a new install's store (the
 * user's own few skills, no libraries) as in a large one?
 *
 *   npx tsx bench/retrieval-small-store.ts [--corpus <dir>] [--min-score 0.4] [--no-corpus]
 *
 * For stores of 1, 2, 3, 6, 11 and 21 learned skills (bench/retrieval-small-store-skills.ts), with the
 * shipped background corpus and without it (`background: false`, the earlier design: null sample and
 * IDF from the store itself), and once more with the same 21 skills among the corpus's read-only
 * libraries, it runs requests that one of the user's skills answers (whenever that skill is in the
 * store) and requests none answers, with `top_k` 1 over the user's scope, and prints one JSON object:
 * per condition and size, the best hit's score for each request and the share injected at `min_score`.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createHashingV2Embeddings } from '../src/embeddings/hashing-v2.js';
import { type IndexedSkill, SkillSearchIndex } from '../src/index/search.js';
import { loadCorpus } from './retrieval-corpus.js';
import { OTHERS, RELEASE, type UserSkillText, WEEKLY_REPORT } from './retrieval-small-store-skills.js';

const REPO = resolve(import.meta.dirname, '..');
const { values: args } = parseArgs({
  options: {
    corpus: { type: 'string', default: resolve(REPO, '..', 'shared', 'fixtures', 'skillbank') },
    'min-score': { type: 'string', default: '0.4' },
    'no-corpus': { type: 'boolean', default: false },
  },
});
const minScore = Number(args['min-score']);
const USER = 'u1';
const SIZES = [1, 2, 3, 6, 11, 21];
const SKILLS: UserSkillText[] = [RELEASE, WEEKLY_REPORT, ...OTHERS];
const byName = (name: string): UserSkillText => SKILLS.find((skill) => skill.name === name) as UserSkillText;

/** Requests a user's skill answers; counted at the sizes where that skill is in the store. */
const POSITIVES: Array<{ query: string; skill: UserSkillText }> = [
  { query: 'How should I do a safe release?', skill: RELEASE },
  { query: '这周的周报有什么要求？', skill: WEEKLY_REPORT },
  { query: 'Can you help me write a short email to my landlord?', skill: byName('email-rules') },
  { query: '帮我写一段 Python 代码读取 CSV 文件', skill: byName('Python 代码规范') },
  { query: 'Tidy up this SQL query for me', skill: byName('sql-style') },
  { query: '帮我整理一下论文的参考文献', skill: byName('论文引用格式') },
  { query: 'Write the commit message for this change', skill: byName('commit-messages') },
  { query: '帮我规划一下去成都的旅行行程', skill: byName('旅行行程偏好') },
];

/** Requests none of the user's skills answers: nothing should be injected. */
const NEGATIVES = [
  "what's the capital of Australia",
  'write a haiku about cats',
  '帮我查一下明天的天气',
  'Tell me a joke',
  '推荐几部好看的电影',
  'how many legs does a spider have',
  'Write a poem about the sea',
  '给我讲个笑话',
  '今天股市怎么样',
  'What is the release date of the new iPhone?',
];

const embeddings = createHashingV2Embeddings();
const round2 = (value: number): number => Math.round(value * 100) / 100;

function userSkills(size: number): IndexedSkill[] {
  return SKILLS.slice(0, size).map((skill, index) => ({ ...skill, id: `user-${index}`, owner: USER }));
}

interface Row {
  size: number;
  positives: Record<string, number | null>;
  positives_injected: number;
  positives_asked: number;
  negatives_injected: string[];
}

/** `scope` 'user' among libraries, so the libraries' hits do not hide the user's own. */
async function measure(
  index: SkillSearchIndex,
  skills: readonly IndexedSkill[],
  scope: 'all' | 'user' = 'all',
): Promise<Row> {
  const idOf = new Map(skills.map((skill) => [skill.name, skill.id]));
  const positives: Record<string, number | null> = {};
  let injected = 0;
  let asked = 0;
  for (const { query, skill } of POSITIVES) {
    const id = idOf.get(skill.name);
    if (id === undefined) continue;
    asked += 1;
    const hit = (await index.search(query, { userId: USER, scope, limit: 1 }))[0];
    positives[query] = hit ? round2(hit.score) : null;
    if (hit?.id === id && hit.score >= minScore) injected += 1;
    else if (hit?.id !== id) positives[query] = hit ? -round2(hit.score) : null;
  }
  const negatives: string[] = [];
  for (const query of NEGATIVES) {
    const hit = (await index.search(query, { userId: USER, scope, limit: 1, minScore }))[0];
    if (hit) negatives.push(`${query} → ${hit.id} ${round2(hit.score)}`);
  }
  return {
    size: skills.length,
    positives,
    positives_injected: injected,
    positives_asked: asked,
    negatives_injected: negatives,
  };
}

async function main(): Promise<void> {
  const result: Record<string, unknown> = {
    min_score: minScore,
    note: 'positives: best hit score (negative = the best hit was another skill); top_k 1 over the user scope',
  };
  for (const background of [true, false]) {
    const rows: Row[] = [];
    for (const size of SIZES) {
      const skills = userSkills(size);
      const index = new SkillSearchIndex({
        embeddings,
        ...(background ? {} : { background: false as const }),
      });
      await index.upsert(skills);
      rows.push(await measure(index, skills));
    }
    result[background ? 'with_background' : 'without_background'] = rows;
  }
  if (!args['no-corpus']) {
    // The same 21 skills among every corpus skill as read-only libraries (scope: the user's own skills).
    const corpus = loadCorpus(args.corpus as string, { asLibraries: true });
    const skills = userSkills(SIZES[SIZES.length - 1] as number);
    const index = new SkillSearchIndex({ embeddings });
    await index.upsert([...corpus.skills, ...skills]);
    const row = await measure(index, skills, 'user');
    result['with_background_among_libraries'] = { libraries: corpus.skills.length, ...row };
  }
  console.log(JSON.stringify(result, null, 2));
}

await main();
