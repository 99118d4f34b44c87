import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../../test/support/fixtures.js';
import { createHashingV2Embeddings } from '../embeddings/hashing-v2.js';
import type { EmbeddingConnector } from '../embeddings/types.js';
import { AutoSkillError } from '../shared/errors.js';
import { defaultBackgroundCorpus } from './background/corpus.js';
import { documentHash } from './retrieval-text.js';
import { type IndexedSkill, SkillSearchIndex } from './search.js';
import { FlatVectorIndex } from './vector/flat.js';

function skill(
  id: string,
  owner: string,
  name: string,
  description: string,
  extra: Partial<IndexedSkill> = {},
): IndexedSkill {
  return { id, owner, name, description, instructions: '', triggers: [], tags: [], ...extra };
}

const SKILLS: IndexedSkill[] = [
  skill(
    'alice-release',
    'alice',
    'Release checklist',
    'Regression tests, canary deploy, monitor, full rollout',
    {
      tags: ['release', 'deploy'],
    },
  ),
  skill('bob-release', 'bob', 'Release checklist', 'Regression tests, canary deploy, monitor, full rollout', {
    tags: ['release'],
  }),
  skill(
    'lib-docx',
    'library:anthropics-skill',
    'docx',
    'Create Word documents with headers, footers and a table of contents',
    {
      tags: ['office'],
    },
  ),
  skill('lib-report', 'library:Common', '周报写作', '写周报：先列本周完成的工作，再列风险和下周计划', {
    tags: ['写作'],
  }),
  skill('alice-old', 'alice', 'Old release notes', 'Release notes format from last year', {
    status: 'archived',
  }),
];

async function buildIndex(options: { embeddings?: EmbeddingConnector } = {}): Promise<SkillSearchIndex> {
  const index = new SkillSearchIndex({
    embeddings: options.embeddings ?? createHashingV2Embeddings({ dimensions: 256 }),
  });
  await index.upsert(SKILLS);
  return index;
}

const ids = (hits: Array<{ id: string }>): string[] => hits.map((hit) => hit.id);

describe('SkillSearchIndex: scope', () => {
  it('a user sees their own skills and the libraries, never another user’s', async () => {
    const index = await buildIndex();
    const alice = ids(
      await index.search('release checklist with canary deploy', { userId: 'alice', limit: 10 }),
    );
    expect(alice).toContain('alice-release');
    expect(alice).not.toContain('bob-release');
    const bob = ids(await index.search('release checklist with canary deploy', { userId: 'bob', limit: 10 }));
    expect(bob).toContain('bob-release');
    expect(bob).not.toContain('alice-release');
    const anonymous = ids(await index.search('release checklist with canary deploy', { limit: 10 }));
    expect(anonymous.filter((id) => !id.startsWith('lib-'))).toEqual([]);
  });

  it('scope user, library (and its aliases common/shared) and all', async () => {
    const index = await buildIndex();
    const query = 'release checklist and a Word document with table of contents';
    const user = ids(await index.search(query, { userId: 'alice', scope: 'user', limit: 10 }));
    expect(user).toEqual(['alice-release']);
    for (const scope of ['library', 'common', 'shared'] as const) {
      const library = ids(await index.search(query, { userId: 'alice', scope, limit: 10 }));
      expect(library.every((id) => id.startsWith('lib-'))).toBe(true);
      expect(library).toContain('lib-docx');
    }
    const all = ids(await index.search(query, { userId: 'alice', scope: 'all', limit: 10 }));
    expect(all).toEqual(expect.arrayContaining(['alice-release', 'lib-docx']));
  });
});

describe('SkillSearchIndex: filters', () => {
  it('by tags (any, case-insensitive), ids, owners, libraries and status', async () => {
    const index = await buildIndex();
    const query = 'release notes checklist deploy document';
    expect(
      ids(await index.search(query, { userId: 'alice', filters: { tags: ['DEPLOY'] }, limit: 10 })),
    ).toEqual(['alice-release']);
    expect(
      ids(await index.search(query, { userId: 'alice', filters: { ids: ['lib-docx'] }, limit: 10 })),
    ).toEqual(['lib-docx']);
    const owners = ids(
      await index.search(query, { userId: 'alice', filters: { owners: ['bob', 'alice'] }, limit: 10 }),
    );
    expect(owners).toEqual(['alice-release']);
    const libraries = ids(
      await index.search('Word document table of contents 周报', {
        userId: 'alice',
        filters: { libraries: ['anthropics-skill'] },
        limit: 10,
      }),
    );
    expect(libraries).toEqual(['lib-docx']);
    expect(ids(await index.search('old release notes format', { userId: 'alice', limit: 10 }))).not.toContain(
      'alice-old',
    );
    expect(
      ids(
        await index.search('old release notes format', {
          userId: 'alice',
          filters: { status: 'archived' },
          limit: 10,
        }),
      ),
    ).toEqual(['alice-old']);
  });
});

describe('SkillSearchIndex: scores and minScore', () => {
  it('returns calibrated scores in [0, 1] with their parts, best first, and minScore drops weak hits', async () => {
    const index = await buildIndex();
    const hits = await index.search('写周报，先列本周完成的工作再列风险', { userId: 'alice', limit: 5 });
    expect(hits[0]?.id).toBe('lib-report');
    for (const hit of hits) {
      expect(hit.score).toBeGreaterThan(0);
      expect(hit.score).toBeLessThanOrEqual(1);
      expect(hit.parts.keyword).toBeGreaterThanOrEqual(0);
      expect(hit.parts.keyword).toBeLessThanOrEqual(1);
    }
    const scores = hits.map((hit) => hit.score);
    expect([...scores].sort((left, right) => right - left)).toEqual(scores);
    const strong = await index.search('写周报，先列本周完成的工作再列风险', {
      userId: 'alice',
      minScore: 0.4,
    });
    expect(ids(strong)).toEqual(['lib-report']);
    expect(await index.search('how long do I boil an egg', { userId: 'alice', minScore: 0.4 })).toEqual([]);
    expect(await index.search('', { userId: 'alice' })).toEqual([]);
  });

  it('limit caps the hits', async () => {
    const index = await buildIndex();
    expect(await index.search('release', { userId: 'alice', limit: 1 })).toHaveLength(1);
  });

  it('works without embeddings (keyword evidence only)', async () => {
    const index = new SkillSearchIndex();
    await index.upsert(SKILLS);
    const hits = await index.search('Word document with a table of contents', { userId: 'alice' });
    expect(hits[0]?.id).toBe('lib-docx');
    expect(hits[0]?.parts.vector).toBeNull();
  });
});

describe('SkillSearchIndex: updates and vector health', () => {
  it('upsert replaces a skill, remove deletes it from both indexes', async () => {
    const index = await buildIndex();
    await index.upsert([
      skill('alice-release', 'alice', 'Pancake recipe', 'Flour, eggs, milk; fry both sides'),
    ]);
    expect(ids(await index.search('canary deploy rollout', { userId: 'alice', scope: 'user' }))).toEqual([]);
    expect(ids(await index.search('pancake recipe with eggs', { userId: 'alice', scope: 'user' }))).toEqual([
      'alice-release',
    ]);
    expect(await index.remove(['alice-release', 'missing'])).toBe(1);
    expect(index.vectors.has('alice-release')).toBe(false);
    expect(await index.search('pancake recipe with eggs', { userId: 'alice', scope: 'user' })).toEqual([]);
  });

  it('detects missing, stale and extra vectors and repairs them', async () => {
    const temp = makeTempDir();
    try {
      const embeddings = createHashingV2Embeddings({ dimensions: 64 });
      const vectors = new FlatVectorIndex({ directory: temp.dir, name: 'skills-test', unitNorm: true });
      const index = new SkillSearchIndex({ embeddings, vectors });
      await index.upsert(SKILLS);
      expect(index.vectorHealth()).toEqual({ missing: [], stale: [], extra: [] });
      // Simulate drift: a vector computed from other text, one missing, one for a deleted skill.
      await vectors.upsert([
        { id: 'lib-docx', vector: new Float32Array(64).fill(0.125), docHash: documentHash('old') },
      ]);
      await vectors.remove(['lib-report']);
      await vectors.upsert([{ id: 'ghost', vector: new Float32Array(64).fill(0.125), docHash: 'x' }]);
      expect(index.vectorHealth()).toEqual({
        missing: ['lib-report'],
        stale: ['lib-docx'],
        extra: ['ghost'],
      });
      const progress: number[] = [];
      const report = await index.syncVectors({ onProgress: (done) => progress.push(done) });
      expect(report).toMatchObject({ embedded: 2, removed: 1, failed: [] });
      expect(progress.at(-1)).toBe(2);
      expect(index.vectorHealth()).toEqual({ missing: [], stale: [], extra: [] });
      // The repaired files load back clean.
      const reloaded = new FlatVectorIndex({ directory: temp.dir, name: 'skills-test', unitNorm: true });
      expect(reloaded.loadSync().status).toBe('ok');
      expect(reloaded.size()).toBe(SKILLS.length);
      expect((await index.syncVectors({ force: true })).embedded).toBe(SKILLS.length);
    } finally {
      temp.cleanup();
    }
  });

  it('an embedding failure is reported, leaves no stale vector, and search still works on keywords', async () => {
    const working = createHashingV2Embeddings({ dimensions: 64 });
    let fail = false;
    const flaky: EmbeddingConnector = {
      ...working,
      async doEmbed(options) {
        if (fail) throw new AutoSkillError('UPSTREAM_ERROR', 'provider down', { isRetryable: true });
        return working.doEmbed(options);
      },
    };
    const index = new SkillSearchIndex({ embeddings: flaky });
    await index.upsert(SKILLS);
    fail = true;
    const report = await index.upsert([
      skill('lib-docx', 'library:anthropics-skill', 'docx', 'Word documents, now with tracked changes'),
    ]);
    expect(report.failed).toEqual(['lib-docx']);
    expect(report.error).toMatch(/provider down/);
    expect(index.vectors.has('lib-docx')).toBe(false);
    expect(index.vectorHealth().missing).toEqual(['lib-docx']);
    // A query that cannot be embedded falls back to keyword evidence and says so.
    const errors: unknown[] = [];
    const degraded = new SkillSearchIndex({
      embeddings: flaky,
      onVectorError: (error) => errors.push(error),
    });
    fail = false;
    await degraded.upsert(SKILLS);
    fail = true;
    const keywordHits = await degraded.search('Word documents with a table of contents', { userId: 'alice' });
    expect(keywordHits[0]?.id).toBe('lib-docx');
    expect(keywordHits[0]?.parts.vector).toBeNull();
    expect(errors).toHaveLength(1);
    fail = false;
    const hits = await index.search('Word documents with tracked changes', { userId: 'alice' });
    expect(hits[0]?.id).toBe('lib-docx');
    expect((await index.syncVectors()).embedded).toBe(1);
  });
});

describe('SkillSearchIndex: exhaustive vector candidates', () => {
  it("a semantic embedder's match with no shared word ranks, but cannot pass 0.4 on vectors alone", async () => {
    // A stand-in "semantic" model: texts about cooking map to one direction, everything else to others.
    const semantic: EmbeddingConnector = {
      specificationVersion: 'v1',
      provider: 'fake',
      modelId: 'semantic',
      dimensions: 3,
      maxBatchSize: 16,
      disabled: false,
      signature: { provider: 'fake', model: 'semantic', dimensions: 3 },
      async doEmbed({ texts }) {
        return {
          embeddings: texts.map((text) =>
            /pancake|omelette|recipe|breakfast/i.test(text)
              ? [1, 0, 0]
              : text.length % 2 === 0
                ? [0, 1, 0]
                : [0, 0, 1],
          ),
        };
      },
    };
    const index = new SkillSearchIndex({ embeddings: semantic, nullSampleSize: 10 });
    await index.upsert([
      ...SKILLS,
      skill('lib-pancake', 'library:Common', 'Pancake recipe', 'Flour, eggs, milk; fry both sides'),
    ]);
    const hits = await index.search('what should I make for breakfast', { userId: 'alice', limit: 10 });
    const pancake = hits.find((hit) => hit.id === 'lib-pancake');
    expect(pancake?.parts.keyword).toBe(0);
    expect(pancake?.parts.vector).toBeGreaterThan(0);
    expect(pancake?.score).toBeGreaterThan(0);
    expect(pancake?.score).toBeLessThan(0.4);
  });
});

describe('SkillSearchIndex: background corpus', () => {
  it('is never a hit, never counted, and makes a one-skill store score like a large one', async () => {
    const { documents } = defaultBackgroundCorpus();
    const first = documents[0] as (typeof documents)[number];
    const index = new SkillSearchIndex({ embeddings: createHashingV2Embeddings() });
    await index.upsert([SKILLS[0] as IndexedSkill]);
    const hits = await index.search(`${first.name} ${first.description}`, { userId: 'alice', limit: 10 });
    expect(hits.every((hit) => hit.id === 'alice-release')).toBe(true);
    expect(index.size).toBe(1);
    expect(index.ids()).toEqual(['alice-release']);
    expect(index.vectors.ids()).toEqual(['alice-release']);

    const release = await index.search('How do I do a safe release with canary deploy?', { userId: 'alice' });
    expect(release[0]?.score).toBeGreaterThanOrEqual(0.4);
    const alone = new SkillSearchIndex({ embeddings: createHashingV2Embeddings(), background: false });
    await alone.upsert([SKILLS[0] as IndexedSkill]);
    const collapsed = await alone.search('How do I do a safe release with canary deploy?', {
      userId: 'alice',
    });
    expect(collapsed[0]?.score).toBeLessThan(release[0]?.score as number);
  });

  it('answers from keyword evidence while the background cannot be embedded, and retries', async () => {
    const working = createHashingV2Embeddings({ dimensions: 64 });
    let failBackground = true;
    // A remote provider (offline ones are computed in-process and shared, so they cannot fail this way).
    const flaky: EmbeddingConnector = {
      ...working,
      provider: 'flaky',
      signature: { provider: 'flaky', model: 'm', dimensions: 64 },
      async doEmbed(options) {
        if (failBackground && options.texts.some((text) => text.includes('weekly-status-email'))) {
          throw new AutoSkillError('UPSTREAM_ERROR', 'provider down', { isRetryable: true });
        }
        return working.doEmbed(options);
      },
    };
    const errors: unknown[] = [];
    const index = new SkillSearchIndex({ embeddings: flaky, onVectorError: (error) => errors.push(error) });
    await index.upsert(SKILLS);
    expect((await index.syncVectors()).error).toMatch(/background corpus: provider down/);
    const degraded = await index.search('Word documents with a table of contents', { userId: 'alice' });
    expect(degraded[0]?.id).toBe('lib-docx');
    expect(degraded[0]?.parts.vector).toBeNull();
    expect(errors).toHaveLength(1);
    failBackground = false;
    const recovered = await index.search('Word documents with a table of contents', { userId: 'alice' });
    expect(recovered[0]?.parts.vector).not.toBeNull();
    expect(errors).toHaveLength(1);
  });
});
