/**
 * A new install's store holds only the user's own few skills (no libraries). The calibrated score must
 * mean there what it means in a large store: the learned skill is injected at the default `min_score`
 * 0.4 with `top_k` 1 through the turn pipeline, and unrelated requests inject nothing, whether the
 * store holds 1, 3 or 11 skills (the background corpus of src/index/background/ makes this so).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OTHERS,
  RELEASE,
  type UserSkillText as UserSkill,
  WEEKLY_REPORT,
} from '../bench/retrieval-small-store-skills.js';
import { createEmbeddingConnector } from '../src/embeddings/registry.js';
import type { EmbeddingConnector } from '../src/embeddings/types.js';
import { defaultBackgroundCorpus } from '../src/index/background/corpus.js';
import { countPhantomDocuments } from '../src/index/bm25.js';
import { tokenize, tokenizeUnits } from '../src/index/tokenize.js';
import { describeTopic } from '../src/learn/skill-naming.js';
import { prepareTurnContext } from '../src/retrieve/prepare.js';
import { FileSkillStore } from '../src/store/fs/file-skill-store.js';
import { createSkillSearch, type SkillSearch } from '../src/store/skill-search.js';
import { makeTempDir } from './support/fixtures.js';

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

describe('the background speaks the genre of the skills the product writes', () => {
  it("holds every word of the offline extractor's sentence frames in many documents of each language", () => {
    const { documents } = defaultBackgroundCorpus();
    const rare: string[] = [];
    const cases = [
      {
        language: 'en' as const,
        phrase: 'quarterly forecast',
        rules: ['Round every figure', 'Cite each source'],
      },
      { language: 'zh' as const, phrase: '季度预测', rules: ['数字取整', '注明来源'] },
    ];
    for (const { language, phrase, rules } of cases) {
      const ofLanguage = documents.filter((document) => document.id.startsWith(`background:${language}:`));
      const phantoms = countPhantomDocuments(
        ofLanguage.map((document) => ({
          id: document.id,
          fields: {
            name: document.name,
            description: document.description,
            instructions: document.instructions,
          },
        })),
      );
      const own = new Set(tokenize([phrase, ...rules].join(' ')));
      for (const kind of ['rules', 'workflow', 'capability'] as const) {
        const identity = describeTopic({ topic: { phrase, source: 'rule' }, language, kind, rules });
        // Coverage units (words; Chinese dictionary words) of the frame, without the topic and the rules.
        for (const unit of tokenizeUnits(`${identity.goal} ${identity.description}`)) {
          if (unit.some((term) => own.has(term))) continue;
          for (const term of unit) {
            if ((phantoms.documentFrequency.get(term) ?? 0) < ofLanguage.length / 20)
              rare.push(`${kind}:${term}`);
          }
        }
      }
    }
    expect(rare).toEqual([]);
  });
});
