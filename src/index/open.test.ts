import { existsSync, readFileSync, truncateSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../test/support/fixtures.js';
import { createHashingV2Embeddings } from '../embeddings/hashing-v2.js';
import { embeddingIndexName } from '../embeddings/signature.js';
import type { EmbeddingConnector } from '../embeddings/types.js';
import { defaultBackgroundCorpus } from './background/corpus.js';
import { openSkillSearchIndex } from './open.js';
import type { IndexedSkill } from './search.js';
import { FlatVectorIndex, flatFilePaths } from './vector/flat.js';
import { createVectorBackend, listVectorBackends, registerVectorBackend } from './vector/registry.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});
function tempDir(): string {
  const temp = makeTempDir('autoskill-open-');
  cleanups.push(temp.cleanup);
  return temp.dir;
}

const embeddings = createHashingV2Embeddings({ dimensions: 128 });
const name = embeddingIndexName(embeddings.signature);
const skills: IndexedSkill[] = [
  {
    id: 'a',
    owner: 'u1',
    name: 'Release checklist',
    description: 'canary then rollout',
    instructions: '',
    triggers: [],
    tags: [],
  },
  {
    id: 'b',
    owner: 'library:Common',
    name: '周报写作',
    description: '先列完成再列风险',
    instructions: '',
    triggers: [],
    tags: [],
  },
  {
    id: 'c',
    owner: 'u1',
    name: 'Docx builder',
    description: 'Word files with a table of contents',
    instructions: '',
    triggers: [],
    tags: [],
  },
];

describe('openSkillSearchIndex', () => {
  it('builds the vector files on first open and reuses them afterwards', async () => {
    const directory = tempDir();
    const first = await openSkillSearchIndex({ skills, embeddings, vectorsDirectory: directory });
    expect(first.vectorLoad.status).toBe('missing');
    expect(first.vectorSync).toMatchObject({ embedded: 3, removed: 0, failed: [] });
    expect(name).toMatch(/^skills-hashing-ngram-v2-d128-[0-9a-f]{10}$/);
    expect(readFileSync(flatFilePaths(directory, name).ids, 'utf8')).toBe('a\nb\nc\n');

    const again = await openSkillSearchIndex({ skills, embeddings, vectorsDirectory: directory });
    expect(again.vectorLoad).toMatchObject({ status: 'ok', rows: 3 });
    expect(again.vectorSync).toMatchObject({ embedded: 0, removed: 0 });
    const hits = await again.index.search('canary rollout checklist', { userId: 'u1' });
    expect(hits[0]?.id).toBe('a');
  });

  it('re-embeds changed skills, drops deleted ones, and repairs damaged files', async () => {
    const directory = tempDir();
    await openSkillSearchIndex({ skills, embeddings, vectorsDirectory: directory });
    const changed = [
      { ...skills[0], description: 'canary, monitor, then full rollout' } as IndexedSkill,
      skills[1] as IndexedSkill,
    ];
    const reopened = await openSkillSearchIndex({ skills: changed, embeddings, vectorsDirectory: directory });
    expect(reopened.vectorSync).toMatchObject({ embedded: 1, removed: 1 });
    expect(reopened.index.vectorHealth()).toEqual({ missing: [], stale: [], extra: [] });

    truncateSync(flatFilePaths(directory, name).vectors, 128 * 4 + 7);
    const repaired = await openSkillSearchIndex({ skills: changed, embeddings, vectorsDirectory: directory });
    expect(repaired.vectorLoad.status).toBe('repaired');
    expect(repaired.vectorSync.embedded).toBe(1);
    expect(repaired.index.vectorHealth()).toEqual({ missing: [], stale: [], extra: [] });
  });

  it("caches a remote embedder's background vectors beside the flat files, never inside them", async () => {
    const directory = tempDir();
    let sent = 0;
    const remote: EmbeddingConnector = {
      ...embeddings,
      provider: 'fake-remote',
      signature: { provider: 'fake-remote', model: 'm', dimensions: 128 },
      async doEmbed(options) {
        sent += options.texts.length;
        return embeddings.doEmbed(options);
      },
    };
    const remoteName = embeddingIndexName(remote.signature);
    const first = await openSkillSearchIndex({ skills, embeddings: remote, vectorsDirectory: directory });
    const background = defaultBackgroundCorpus().documents.length;
    expect(sent).toBe(skills.length + background);
    expect(existsSync(join(directory, `${remoteName}.background.json`))).toBe(true);
    expect(readFileSync(flatFilePaths(directory, remoteName).ids, 'utf8')).toBe('a\nb\nc\n');
    expect(first.index.vectorHealth()).toEqual({ missing: [], stale: [], extra: [] });

    const again = await openSkillSearchIndex({ skills, embeddings: remote, vectorsDirectory: directory });
    await again.index.search('canary rollout checklist', { userId: 'u1' });
    expect(sent).toBe(skills.length + background + 1);
    // A forced rebuild embeds the background again (and rewrites the side file).
    await again.index.syncVectors({ force: true });
    expect(sent).toBe(2 * (skills.length + background) + 1);

    // The offline embedder recomputes its background (milliseconds) and writes no side file.
    await openSkillSearchIndex({ skills, embeddings, vectorsDirectory: directory });
    expect(existsSync(join(directory, `${name}.background.json`))).toBe(false);
  });

  it('works keyword-only without embeddings, and in memory without a folder', async () => {
    const keywordOnly = await openSkillSearchIndex({ skills });
    expect((await keywordOnly.index.search('周报 风险', { userId: 'u1' }))[0]?.id).toBe('b');
    const inMemory = await openSkillSearchIndex({ skills, embeddings });
    expect(inMemory.vectorSync.embedded).toBe(3);
  });
});

describe('vector backend registry', () => {
  it('knows flat (and its aliases) and memory, and explains unknown names', async () => {
    expect(listVectorBackends()).toEqual(expect.arrayContaining(['flat', 'memory']));
    const disk = await createVectorBackend({
      backend: 'filesystem',
      directory: tempDir(),
      name: 'x',
      config: {},
    });
    expect(disk.kind).toBe('flat');
    await expect(
      createVectorBackend({ backend: 'milvus', directory: '.', name: 'x', config: {} }),
    ).rejects.toMatchObject({
      code: 'NO_SUCH_PROVIDER',
      details: { available: expect.arrayContaining(['flat']) },
    });
  });

  it('registers custom backends and loads "module:export" factories', async () => {
    registerVectorBackend(
      'custom-test',
      (context) => new FlatVectorIndex({ directory: context.directory, name: context.name }),
    );
    expect(
      (await createVectorBackend({ backend: 'custom-test', directory: tempDir(), name: 'x', config: {} }))
        .kind,
    ).toBe('flat');
    const importModule = async (specifier: string) => {
      // Relative module paths resolve against the working directory (src/shared/module-export.ts).
      expect(specifier).toBe(pathToFileURL(resolve('./my-backend.js')).href);
      return {
        createBackend: (context: { name: string }) =>
          new FlatVectorIndex({ directory: tempDir(), name: context.name }),
      };
    };
    const loaded = await createVectorBackend({
      backend: './my-backend.js:createBackend',
      directory: '.',
      name: 'y',
      config: {},
      importModule,
    });
    expect(loaded.name).toBe('y');
    await expect(
      createVectorBackend({
        backend: './my-backend.js:missing',
        directory: '.',
        name: 'y',
        config: {},
        importModule,
      }),
    ).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
  });
});

describe('flat backend shared by two processes taking turns', () => {
  it('reloads before writing when the other wrote in between', async () => {
    const directory = tempDir();
    const first = new FlatVectorIndex({ directory, name: 'shared' });
    const second = new FlatVectorIndex({ directory, name: 'shared' });
    first.loadSync();
    second.loadSync();
    await first.upsert([{ id: 'a', vector: Float32Array.of(1, 0), docHash: 'ha' }]);
    await second.upsert([{ id: 'b', vector: Float32Array.of(0, 1), docHash: 'hb' }]);
    await first.upsert([{ id: 'c', vector: Float32Array.of(1, 1), docHash: 'hc' }]);
    const check = new FlatVectorIndex({ directory, name: 'shared' });
    expect(check.loadSync()).toMatchObject({ status: 'ok', rows: 3 });
    expect(check.ids()).toEqual(['a', 'b', 'c']);
    expect(Array.from(check.get('b') ?? [])).toEqual([0, 1]);
  });
});
