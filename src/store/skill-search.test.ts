import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { copyFixture, makeTempDir, ORIGINAL_STORE, requireFixtures } from '../../test/support/fixtures.js';
import { createEmbeddingConnector } from '../embeddings/registry.js';
import type { EmbeddingConnector } from '../embeddings/types.js';
import type { Skill } from '../skill/schema.js';
import { FileLock } from './fs/file-lock.js';
import { FileSkillStore, STATE_DIR } from './fs/file-skill-store.js';
import { MemorySkillStore } from './memory-skill-store.js';
import { createSkillSearch, type SkillSearch } from './skill-search.js';
import type { CreateSkillInput, SkillStore } from './types.js';

const actor = { actor: 'test' };

const RELEASE: Omit<CreateSkillInput, 'owner'> = {
  name: 'Release procedure',
  description: 'How this team ships a release safely: regression, canary, monitoring, full rollout.',
  instructions:
    '# Workflow\n1. Run the regression suite\n2. Canary to 5% of traffic\n3. Monitor error rates\n4. Full rollout',
  triggers: ['release', 'deploy'],
  tags: ['release', 'deployment'],
};
const SQL: Omit<CreateSkillInput, 'owner'> = {
  name: 'SQL style',
  description: 'Formatting rules for SQL queries: uppercase keywords, one clause per line.',
  instructions:
    'Write SQL keywords in uppercase. Put each clause on its own line. Alias tables with short names.',
  triggers: ['sql query'],
  tags: ['sql'],
};
const WEEKLY_ZH: Omit<CreateSkillInput, 'owner'> = {
  name: '周报写作',
  description: '按固定格式写周报：本周进展、风险、下周计划。',
  instructions: '# 约束\n- 先写本周进展，再写风险，最后写下周计划\n- 每部分不超过五条',
  triggers: ['写周报'],
  tags: ['周报'],
};
const FILLER: Array<Omit<CreateSkillInput, 'owner'>> = [
  'Poetry about the sea',
  'Cooking pasta carbonara',
  'Chess opening repertoire',
  'Watering house plants',
  'Tax return checklist',
  'Guitar chord practice',
  'Marathon training plan',
  'Birthday party ideas',
].map((name) => ({
  name,
  description: `Notes on ${name.toLowerCase()}.`,
  instructions: `Everything about ${name.toLowerCase()}, step by step.`,
  triggers: [],
  tags: [],
}));

function librarySkill(id: string, name: string, description: string, instructions: string): Skill {
  return {
    id,
    owner: 'library:team',
    name,
    description,
    instructions,
    version: '0.1.0',
    tags: ['release'],
    triggers: [],
    examples: [],
    status: 'active',
    resources: [],
    extraFrontMatter: {},
    metadata: {},
    createdAt: null,
    updatedAt: null,
  };
}

let embeddings: EmbeddingConnector;

beforeEach(async () => {
  embeddings ??= await createEmbeddingConnector({ provider: 'hashing' });
});

async function seed(store: SkillStore): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  ids.u1Release = (await store.create({ ...RELEASE, owner: 'u1' }, actor)).id;
  ids.u1Weekly = (await store.create({ ...WEEKLY_ZH, owner: 'u1' }, actor)).id;
  ids.u2Release = (await store.create({ ...RELEASE, name: 'Release runbook', owner: 'u2' }, actor)).id;
  ids.u2Sql = (await store.create({ ...SQL, owner: 'u2' }, actor)).id;
  for (const [index, skill] of FILLER.entries())
    await store.create({ ...skill, owner: `filler${index % 2}` }, actor);
  return ids;
}

describe('createSkillSearch over a memory store', () => {
  let store: MemorySkillStore;
  let search: SkillSearch;
  let ids: Record<string, string>;
  beforeEach(async () => {
    store = new MemorySkillStore({
      libraries: [
        librarySkill(
          'lib-release',
          'Release checklist (library)',
          'A shared release checklist for every team.',
          'Check the changelog, tag the release, announce it.',
        ),
      ],
    });
    await store.open();
    ids = await seed(store);
    search = createSkillSearch({ store, embeddings, userIds: ['u1', 'u2', 'filler0', 'filler1'] });
  });
  afterEach(() => search.close());

  it('is lazy: nothing is listed before the first search', async () => {
    const list = vi.spyOn(store, 'list');
    const lazy = createSkillSearch({ store, embeddings });
    expect(lazy.isOpen).toBe(false);
    expect(list).not.toHaveBeenCalled();
    await lazy.search('release', { userId: 'u1' });
    expect(lazy.isOpen).toBe(true);
    expect(list).toHaveBeenCalled();
    await lazy.close();
  });

  it('shows a user their own skills plus libraries, never another user’s', async () => {
    const u1 = await search.search('release procedure canary rollout', { userId: 'u1', limit: 20 });
    const owners = new Set(u1.map((hit) => hit.skill.owner));
    expect(u1.map((hit) => hit.skill.id)).toContain(ids.u1Release);
    expect(u1.map((hit) => hit.skill.id)).toContain('lib-release');
    expect(owners).toEqual(new Set(['u1', 'library:team']));
    expect(u1.map((hit) => hit.skill.id)).not.toContain(ids.u2Release);

    const u2 = await search.search('release procedure canary rollout', { userId: 'u2', limit: 20 });
    expect(u2.map((hit) => hit.skill.id)).toContain(ids.u2Release);
    expect(u2.map((hit) => hit.skill.id)).not.toContain(ids.u1Release);

    const userOnly = await search.search('release', { userId: 'u1', scope: 'user', limit: 20 });
    expect(userOnly.every((hit) => hit.skill.owner === 'u1')).toBe(true);
    const libraryOnly = await search.search('release', { userId: 'u1', scope: 'common', limit: 20 });
    expect(libraryOnly.map((hit) => hit.skill.id)).toEqual(['lib-release']);
    expect(libraryOnly[0]?.source).toBe('library:team');
    expect(userOnly[0]?.source).toBe('user:u1');

    // Nobody named: libraries only. Another user's skills are never reachable, even by id filter.
    const anonymous = await search.search('release', { limit: 20 });
    expect(anonymous.map((hit) => hit.skill.id)).toEqual(['lib-release']);
    const sneaky = await search.search('release', {
      userId: 'u1',
      filters: { ids: [ids.u2Release as string] },
    });
    expect(sneaky).toEqual([]);
  });

  it('loads a user that was not known at open on their first search', async () => {
    const late = createSkillSearch({ store, embeddings });
    const hits = await late.search('SQL keywords uppercase', { userId: 'u2' });
    expect(hits[0]?.skill.id).toBe(ids.u2Sql);
    await late.close();
  });

  it('applies filters: tags, ids, libraries', async () => {
    const byTag = await search.search('release', {
      userId: 'u1',
      filters: { tags: ['DEPLOYMENT'] },
      limit: 20,
    });
    expect(byTag.map((hit) => hit.skill.id)).toEqual([ids.u1Release]);
    const byId = await search.search('release', { userId: 'u1', filters: { ids: ['lib-release'] } });
    expect(byId.map((hit) => hit.skill.id)).toEqual(['lib-release']);
    const byLibrary = await search.search('release', { userId: 'u1', filters: { libraries: ['team'] } });
    expect(byLibrary.map((hit) => hit.skill.id)).toEqual(['lib-release']);
  });

  it('drops hits under minScore and returns the score with its parts', async () => {
    const all = await search.search('release canary monitoring rollout', { userId: 'u1', limit: 20 });
    expect(all.length).toBeGreaterThan(1);
    for (const hit of all) {
      expect(hit.score).toBeGreaterThanOrEqual(0);
      expect(hit.score).toBeLessThanOrEqual(1);
      expect(hit.parts).toMatchObject({ keyword: expect.any(Number), coverage: expect.any(Number) });
    }
    const scores = all.map((hit) => hit.score);
    expect(scores).toEqual([...scores].sort((left, right) => right - left));
    const threshold = ((all[0]?.score ?? 0) + (all.at(-1)?.score ?? 0)) / 2;
    const kept = await search.search('release canary monitoring rollout', {
      userId: 'u1',
      limit: 20,
      minScore: threshold,
    });
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(all.length);
    expect(kept.every((hit) => hit.score >= threshold)).toBe(true);
  });

  it('finds Chinese skills from Chinese queries', async () => {
    const hits = await search.search('帮我写本周的周报', { userId: 'u1' });
    expect(hits[0]?.skill.id).toBe(ids.u1Weekly);
  });

  it('stays in step with creates, updates and deletes of the same process', async () => {
    await search.open();
    expect(await search.search('kubernetes helm chart', { userId: 'u1' })).toEqual([]);
    const created = await store.create(
      {
        owner: 'u1',
        name: 'Helm charts',
        description: 'Kubernetes helm chart conventions.',
        instructions: 'Pin every version.',
        triggers: [],
        tags: [],
      },
      actor,
    );
    expect((await search.search('kubernetes helm chart', { userId: 'u1' }))[0]?.skill.id).toBe(created.id);
    await store.update(
      created.id,
      { name: 'Terraform modules', description: 'Terraform module layout.' },
      actor,
    );
    expect(await search.search('kubernetes helm chart', { userId: 'u1' })).toEqual([]);
    const updated = await search.search('terraform module layout', { userId: 'u1' });
    expect(updated[0]?.skill).toMatchObject({ id: created.id, name: 'Terraform modules', revision: 2 });
    await store.delete(created.id, actor);
    expect(await search.search('terraform module layout', { userId: 'u1' })).toEqual([]);
    await store.restore(created.id, actor);
    expect((await search.search('terraform module layout', { userId: 'u1' }))[0]?.skill.id).toBe(created.id);
  });

  it('keeps vectors in memory and reports their status per scope', async () => {
    const status = await search.vectorStatus({ userId: 'u1' });
    expect(status).toMatchObject({ enabled: true, backend: 'memory', directory: null, healthy: true });
    expect(status.skills).toBe(3); // two of u1's, one library skill
    expect(status.vectors).toBe(3);
    const everything = await search.vectorStatus();
    expect(everything.skills).toBe(13);
  });

  it('searches by keywords only with embeddings none', async () => {
    const none = await createEmbeddingConnector({ provider: 'none' });
    const keywordOnly = createSkillSearch({ store, embeddings: none, userIds: ['u1'] });
    const hits = await keywordOnly.search('release canary', { userId: 'u1' });
    expect(hits[0]?.skill.id).toBe(ids.u1Release);
    expect(hits[0]?.parts.vector).toBeNull();
    expect(await keywordOnly.vectorStatus()).toMatchObject({
      enabled: false,
      backend: 'none',
      healthy: true,
    });
    await keywordOnly.close();
  });
});

describe('createSkillSearch over the filesystem store', () => {
  let temp: { dir: string; cleanup: () => void };
  let root: string;
  let store: FileSkillStore;
  let search: SkillSearch;
  let ids: Record<string, string>;
  beforeEach(async () => {
    temp = makeTempDir('autoskill-search-');
    root = join(temp.dir, 'SkillBank');
    const library = join(root, 'Common', 'team', 'release-checklist');
    mkdirSync(library, { recursive: true });
    writeFileSync(
      join(library, 'SKILL.md'),
      '---\nname: Release checklist (library)\ndescription: A shared release checklist.\n---\n\nTag the release and announce it.\n',
    );
    store = new FileSkillStore({ root });
    await store.open();
    ids = await seed(store);
    search = createSkillSearch({ store, embeddings });
  });
  afterEach(async () => {
    await search.close();
    await store.close();
    temp.cleanup();
  });

  it('indexes every user folder and writes the flat vector files', async () => {
    const u2 = await search.search('SQL keywords uppercase', { userId: 'u2' });
    expect(u2[0]?.skill.id).toBe(ids.u2Sql);
    expect(await search.search('SQL keywords uppercase', { userId: 'u1', scope: 'user' })).toEqual([]);
    const files = readdirSync(join(root, 'vectors'));
    expect(files.some((name) => name.endsWith('.vecs.f32'))).toBe(true);
    expect(files.some((name) => name.endsWith('.ids.txt'))).toBe(true);
    const status = await search.vectorStatus();
    expect(status).toMatchObject({ backend: 'flat', healthy: true, skills: 13, vectors: 13, extra: 0 });
    expect(status.directory).toBe(join(root, 'vectors'));
  });

  it('sees writes made by a second store instance on the same folder', async () => {
    await search.open();
    const other = new FileSkillStore({ root });
    await other.open();
    try {
      const created = await other.create(
        {
          owner: 'u1',
          name: 'Incident postmortem',
          description: 'Blameless postmortem template.',
          instructions: 'Timeline, impact, root cause, action items.',
          triggers: [],
          tags: [],
        },
        actor,
      );
      const found = await search.search('blameless postmortem template', { userId: 'u1' });
      expect(found[0]?.skill.id).toBe(created.id);
      await other.update(created.id, { description: 'Blameless incident review with a timeline.' }, actor);
      const updated = await search.search('blameless incident review', { userId: 'u1' });
      expect(updated[0]?.skill.description).toBe('Blameless incident review with a timeline.');
      await other.delete(ids.u1Release as string, actor);
      const afterDelete = await search.search('release procedure canary', { userId: 'u1', scope: 'user' });
      expect(afterDelete.map((hit) => hit.skill.id)).not.toContain(ids.u1Release);
      // A brand-new user created elsewhere is indexed too.
      const newcomer = await other.create({ ...SQL, owner: 'u3' }, actor);
      expect((await search.search('SQL keywords uppercase', { userId: 'u3' }))[0]?.skill.id).toBe(
        newcomer.id,
      );
      const status = await search.vectorStatus();
      expect(status).toMatchObject({ healthy: true, missing: 0, stale: 0, extra: 0 });
    } finally {
      await other.close();
    }
  });

  it('reloads the vectors another process wrote instead of embedding again', async () => {
    await search.open();
    const otherStore = new FileSkillStore({ root });
    await otherStore.open();
    const spy = vi.spyOn(embeddings, 'doEmbed');
    const otherSearch = createSkillSearch({ store: otherStore, embeddings });
    try {
      await otherSearch.open();
      const created = await otherStore.create({ ...SQL, name: 'SQL review', owner: 'u1' }, actor);
      await otherSearch.catchUp(); // the writing process embeds and writes the vector
      spy.mockClear();
      const hits = await search.search('SQL review', { userId: 'u1' });
      expect(hits.map((hit) => hit.skill.id)).toContain(created.id);
      // Only the query was embedded here: the skill's vector came from the other process's files.
      expect(
        spy.mock.calls.every((call) => call[0].texts.length === 1 && call[0].texts[0] === 'SQL review'),
      ).toBe(true);
    } finally {
      spy.mockRestore();
      await otherSearch.close();
      await otherStore.close();
    }
  });

  it('repairs missing vector files when it opens, and rebuilds on demand', async () => {
    await search.open();
    await search.close();
    rmSync(join(root, 'vectors'), { recursive: true, force: true });
    const reopened = createSkillSearch({ store, embeddings });
    const report = await reopened.open();
    expect(report.vectorLoad.status).toBe('missing');
    expect(report.vectorSync?.embedded).toBe(13);
    const progress: Array<[number, number]> = [];
    const rebuild = await reopened.rebuildVectors({
      force: true,
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(rebuild.embedded).toBe(13);
    expect(rebuild.status.healthy).toBe(true);
    expect(progress.at(-1)).toEqual([13, 13]);
    const incremental = await reopened.rebuildVectors();
    expect(incremental.embedded).toBe(0);
    search = reopened;
  });

  it('writes vector files only while holding the store lock', async () => {
    await search.open();
    const lock = new FileLock({ path: join(root, STATE_DIR, 'lock') });
    await lock.acquire();
    let finished = false;
    const rebuild = search.rebuildVectors({ force: true }).then(() => {
      finished = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(finished).toBe(false);
    lock.release();
    await rebuild;
    expect(finished).toBe(true);
    expect((await search.vectorStatus()).healthy).toBe(true);
  });

  it('keeps vectors in memory for a store opened read-only', async () => {
    await store.close();
    const copyRoot = join(temp.dir, 'ReadOnly');
    mkdirSync(join(copyRoot, 'Users', 'u1', 'sql'), { recursive: true });
    writeFileSync(
      join(copyRoot, 'Users', 'u1', 'sql', 'SKILL.md'),
      '---\nname: SQL style\n---\n\nUppercase keywords.\n',
    );
    const readOnly = new FileSkillStore({ root: copyRoot, readOnly: true });
    await readOnly.open();
    const readOnlySearch = createSkillSearch({ store: readOnly, embeddings });
    const hits = await readOnlySearch.search('SQL style uppercase', { userId: 'u1' });
    expect(hits).toHaveLength(1);
    expect(existsSync(join(copyRoot, 'vectors'))).toBe(false);
    expect((await readOnlySearch.vectorStatus()).backend).toBe('memory');
    await readOnlySearch.close();
    await readOnly.close();
    store = new FileSkillStore({ root });
    await store.open();
  });
});

describe('createSkillSearch over a SkillBank written by the original', () => {
  it('reads its flat vector files and searches its users and libraries', async () => {
    requireFixtures();
    const copy = copyFixture(ORIGINAL_STORE, 'autoskill-search-original-');
    const store = new FileSkillStore({ root: copy.dir });
    await store.open();
    const original = await createEmbeddingConnector({
      provider: 'hashing',
      model: 'default',
      dimensions: 256,
    });
    const search = createSkillSearch({ store, embeddings: original });
    try {
      const opened = await search.open();
      expect(opened.skills).toBe(40);
      expect(opened.vectorLoad).toMatchObject({ status: 'ok', rows: 40, dimensions: 256, problems: [] });
      const hits = await search.search('How should I do a safe release?', { userId: 'u1', limit: 3 });
      expect(hits[0]?.skill).toMatchObject({ name: 'Standard release process', owner: 'u1' });
      expect(await search.search('How should I do a safe release?', { userId: 'u2', scope: 'user' })).toEqual(
        [],
      );
      const library = await search.search('pytorch 向量化', { userId: 'u2', limit: 3 });
      expect(library[0]?.source).toBe('library:sample');
      expect(await search.vectorStatus()).toMatchObject({
        indexName: 'skills-hashing-default-d256-8c95e52120',
        healthy: true,
        skills: 40,
      });
    } finally {
      await search.close();
      await store.close();
      copy.cleanup();
    }
  });
});
