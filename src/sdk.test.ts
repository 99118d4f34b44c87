import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../test/support/fixtures.js';
import { createEmbeddingConnector } from './embeddings/registry.js';
import { createOfflineLLMConnector } from './llm/offline.js';
import { AutoSkill } from './sdk.js';
import { isAutoSkillError } from './shared/errors.js';
import { MemorySkillStore } from './store/memory-skill-store.js';

const RELEASE_CHAT = [
  { role: 'user', content: 'Before each release, always run regression → canary → monitor → full rollout.' },
  { role: 'assistant', content: 'Understood: regression, canary, monitoring, then the full rollout.' },
];

describe('AutoSkill over a temporary filesystem store', () => {
  let temp: { dir: string; cleanup: () => void };
  let autoSkill: AutoSkill;
  beforeEach(async () => {
    temp = makeTempDir('autoskill-sdk-');
    autoSkill = await AutoSkill.open({
      llm: { provider: 'offline' },
      embeddings: { provider: 'hashing' },
      store: { provider: 'filesystem', dir: join(temp.dir, 'SkillBank') },
      userId: 'u1',
      now: () => 42,
    });
  });
  afterEach(async () => {
    await autoSkill.close();
    temp.cleanup();
  });

  it('opens from config objects: offline models, hashing embeddings, the SkillBank store', () => {
    expect(autoSkill.llm.provider).toBe('offline');
    expect(autoSkill.learnLlm).toBe(autoSkill.llm);
    expect(autoSkill.embeddings.signature).toMatchObject({ provider: 'hashing', model: 'ngram-v2' });
    expect(autoSkill.offline).toBe(true);
    expect(autoSkill.config.retrieval).toMatchObject({ topK: 1, minScore: 0.4, rewriteMode: 'auto' });
    expect(autoSkill.skillSearch.isOpen).toBe(false);
  });

  it('learns a release procedure and finds it again', async () => {
    const result = await autoSkill.ingest({ messages: RELEASE_CHAT });
    expect(result.outcome).toBe('created');
    const skill = result.skill!;
    expect(skill.owner).toBe('u1');
    expect(skill.instructions).toMatch(/regression[\s\S]*canary[\s\S]*monitor[\s\S]*rollout/i);
    expect(existsSync(join(temp.dir, 'SkillBank', skill.location, 'SKILL.md'))).toBe(true);

    const hits = await autoSkill.search('How should I do a safe release?');
    expect(hits[0]?.skill.id).toBe(skill.id);
    expect(hits[0]?.source).toBe('user:u1');
    expect(await autoSkill.search('How should I do a safe release?', { userId: 'u2' })).toEqual([]);

    const rendered = await autoSkill.renderContext({ skills: hits, query: 'safe release?' });
    expect(rendered.skills).toEqual([{ id: skill.id, mode: 'full' }]);
    expect(rendered.text).toContain(skill.name);

    const context = await autoSkill.prepareTurnContext({
      messages: [{ role: 'user', content: 'How should I do a safe release?' }],
      minScore: 0,
    });
    expect(context.injected.map((item) => item.id)).toEqual([skill.id]);
    expect(context.retrieval).toMatchObject({ eventTime: 42, topK: 1, scope: 'all', contextInjected: true });
    expect(context.systemMessage).toContain('Never mention these skills');
  });

  it('evolves the skill instead of duplicating it, also when two processes ingest at once', async () => {
    const first = await autoSkill.ingest({ messages: RELEASE_CHAT });
    const again = await autoSkill.ingest({
      messages: [
        {
          role: 'user',
          content: 'For every release, also announce the rollout in the #releases channel afterwards.',
        },
        { role: 'assistant', content: 'Noted.' },
      ],
    });
    // The release rule refined: the same skill evolves to 0.1.1, and no second skill appears.
    expect(again.outcome).toBe('merged');
    expect(again.skill?.id).toBe(first.skill?.id);
    expect(again.skill?.version).toBe('0.1.1');
    expect((await autoSkill.list({})).total).toBe(1);
    // A second SDK on the same folder (another process, as far as the store knows): the same new
    // preference ingested by both at once gives one skill, never two.
    const other = await AutoSkill.open({
      llm: { provider: 'offline' },
      embeddings: { provider: 'hashing' },
      store: { provider: 'filesystem', dir: join(temp.dir, 'SkillBank') },
    });
    try {
      const sql = [
        {
          role: 'user',
          content: 'From now on, always write SQL keywords in uppercase and put each clause on its own line.',
        },
        { role: 'assistant', content: 'Will do.' },
      ];
      const results = await Promise.all([
        autoSkill.ingest({ messages: sql, userId: 'u9' }),
        other.ingest({ messages: sql, userId: 'u9' }),
      ]);
      expect(results.map((result) => result.outcome).sort()).not.toEqual(['created', 'created']);
      expect((await autoSkill.list({ userId: 'u9' })).total).toBe(1);
    } finally {
      await other.close();
    }
  });

  it('extracts candidates without storing anything', async () => {
    const dry = await autoSkill.extractCandidates({ messages: RELEASE_CHAT });
    expect(dry.outcome).toBe('candidate');
    expect(dry.candidates).toHaveLength(1);
    expect((await autoSkill.list()).total).toBe(0);
    const nothing = await autoSkill.extractCandidates({
      messages: [{ role: 'user', content: 'Write a haiku about rain' }],
    });
    expect(nothing.candidates).toEqual([]);
  });

  it('edits, versions, diffs, rolls back, deletes and restores a skill', async () => {
    const { skill } = await autoSkill.ingest({ messages: RELEASE_CHAT });
    const id = skill!.id;
    const edited = await autoSkill.update(
      id,
      { description: 'Ship safely, in four steps.', version: '0.1.1' },
      { reason: 'clearer' },
    );
    expect(edited.revision).toBe(2);
    const history = await autoSkill.versions(id);
    expect(history.map((item) => [item.revision, item.operation])).toEqual([
      [1, 'create'],
      [2, 'update'],
    ]);
    expect(history[1]).toMatchObject({ actor: 'sdk', reason: 'clearer' });

    const diff = await autoSkill.diff({ id, from: 1 });
    expect(diff).toMatchObject({ id, from: 1, to: 2 });
    expect(diff.added).toBeGreaterThan(0);
    expect(diff.unified).toContain('+description: "Ship safely, in four steps."');
    expect(diff.unified).toContain('--- r1/SKILL.md');

    await expect(autoSkill.update(id, { description: 'stale' }, { baseRevision: 1 })).rejects.toSatisfy(
      (error) => isAutoSkillError(error, 'STALE_REVISION'),
    );
    const rolled = await autoSkill.rollback(id, 1);
    expect(rolled).toMatchObject({ revision: 3, description: skill!.description });
    expect((await autoSkill.diff({ id, from: 1, to: 3 })).unified).toBe('');

    const text = (await autoSkill.readFiles(id)).skillMd.replace('# Workflow', '# Release workflow');
    expect((await autoSkill.saveSkillMd(id, text)).instructions).toContain('# Release workflow');

    await autoSkill.delete(id);
    expect(await autoSkill.get(id)).toBeNull();
    expect(await autoSkill.search('safe release', { minScore: 0 })).toEqual([]);
    expect((await autoSkill.list({ deleted: true })).items.map((item) => item.id)).toEqual([id]);
    await autoSkill.restore(id);
    expect((await autoSkill.search('safe release'))[0]?.skill.id).toBe(id);
  });

  it('exports SKILL.md text, a folder and a zip, strict or as stored', async () => {
    const { skill } = await autoSkill.ingest({ messages: RELEASE_CHAT });
    const id = skill!.id;
    const text = await autoSkill.export({ id });
    expect(text).toMatchObject({ format: 'skill-md', fileName: 'SKILL.md' });
    expect(text.format === 'skill-md' && text.text).toContain(`id: "${id}"`);
    const strict = await autoSkill.export({ id, strict: true });
    expect(strict.format === 'skill-md' && strict.text).toMatch(/^---\nname: [a-z0-9-]+\n/);

    const out = join(temp.dir, 'out');
    const folder = await autoSkill.export({ id, format: 'folder', dir: out });
    expect(folder.format === 'folder' && existsSync(join(folder.path, 'SKILL.md'))).toBe(true);
    await expect(autoSkill.export({ id, format: 'folder', dir: out })).rejects.toSatisfy((error) =>
      isAutoSkillError(error, 'CONFLICT'),
    );
    const raw = await autoSkill.export({ id, format: 'folder', dir: join(temp.dir, 'raw'), strict: false });
    expect(raw.format === 'folder' && readFileSync(join(raw.path, 'SKILL.md'), 'utf8')).toBe(
      (await autoSkill.readFiles(id)).skillMd,
    );

    const zip = await autoSkill.export({ id, format: 'zip', dir: out });
    if (zip.format !== 'zip') throw new Error('expected a zip');
    expect(zip.fileName.endsWith('.zip')).toBe(true);
    expect(Object.keys(unzipSync(zip.bytes)).some((name) => name.endsWith('/SKILL.md'))).toBe(true);
    expect(existsSync(zip.path as string)).toBe(true);
    await expect(autoSkill.export({ id: 'nope' })).rejects.toSatisfy((error) =>
      isAutoSkillError(error, 'SKILL_NOT_FOUND'),
    );
  });

  it('imports skill folders into a user and into a library, then searches them', async () => {
    const source = join(temp.dir, 'source', 'sql-style');
    mkdirSync(source, { recursive: true });
    writeFileSync(
      join(source, 'SKILL.md'),
      '---\nname: SQL style\ndescription: Uppercase SQL keywords, one clause per line.\n---\n\nWrite SQL keywords in uppercase.\n',
    );
    const intoUser = await autoSkill.importSkills({ source: join(temp.dir, 'source'), userId: 'u7' });
    expect(intoUser.imported).toHaveLength(1);
    const intoLibrary = await autoSkill.importSkills({ source: join(temp.dir, 'source'), library: 'team' });
    expect(intoLibrary.imported).toHaveLength(1);
    const hits = await autoSkill.search('SQL keywords uppercase', { userId: 'u7' });
    expect(hits.map((hit) => hit.source).sort()).toEqual(['library:team', 'user:u7']);
    const u1 = await autoSkill.search('SQL keywords uppercase');
    expect(u1.map((hit) => hit.source)).toEqual(['library:team']);
  });

  it('imports OpenAI conversations from .jsonl, one ingest each', async () => {
    const file = join(temp.dir, 'chats.jsonl');
    writeFileSync(
      file,
      [
        JSON.stringify({ messages: RELEASE_CHAT }),
        'not json',
        JSON.stringify({ messages: [{ role: 'user', content: 'What is the capital of France?' }] }),
      ].join('\n'),
    );
    const progress: number[] = [];
    const result = await autoSkill.importOpenAIConversations({
      file,
      onProgress: (done) => progress.push(done),
    });
    expect(result).toMatchObject({ totalConversations: 2, processed: 2, failed: 0, upsertedCount: 1 });
    expect(result.errors).toEqual([expect.objectContaining({ line: 2 })]);
    expect(result.skills[0]?.metadata).toMatchObject({ channel: 'openai_import' });
    expect(progress).toEqual([1, 2]);
  });

  it('reports and rebuilds vectors', async () => {
    await autoSkill.ingest({ messages: RELEASE_CHAT });
    const status = await autoSkill.vectorStatus();
    expect(status).toMatchObject({ enabled: true, backend: 'flat', skills: 1, vectors: 1, healthy: true });
    const rebuilt = await autoSkill.rebuildVectors({ force: true });
    expect(rebuilt.embedded).toBe(1);
  });

  it('closes the store it created', async () => {
    await autoSkill.close();
    await expect(autoSkill.store.list({ userId: 'u1' })).rejects.toThrow(/not open/);
  });
});

describe('AutoSkill.open with instances and environment', () => {
  it('uses given connectors and store as they are, and never closes a store it did not create', async () => {
    const store = new MemorySkillStore();
    const llm = createOfflineLLMConnector();
    const embeddings = await createEmbeddingConnector({ provider: 'none' });
    const autoSkill = await AutoSkill.open({ store, llm, embeddings, offline: true });
    expect(autoSkill.store).toBe(store);
    expect(autoSkill.llm).toBe(llm);
    const result = await autoSkill.ingest({ messages: RELEASE_CHAT, userId: 'u3' });
    expect(result.outcome).toBe('created');
    expect((await autoSkill.search('release rollout', { userId: 'u3' }))[0]?.parts.vector).toBeNull();
    await autoSkill.close();
    expect((await store.list({ userId: 'u3' })).total).toBe(1);
  });

  it('reads provider keys from env only when given, and names a missing provider', async () => {
    const temp = makeTempDir('autoskill-sdk-env-');
    try {
      const withKey = await AutoSkill.open({
        env: { OPENAI_API_KEY: 'sk-test', AUTOSKILL_TOP_K: '3' },
        store: { provider: 'memory' },
      });
      expect(withKey.llm.provider).toBe('openai');
      expect(withKey.embeddings.provider).toBe('openai');
      expect(withKey.offline).toBe(false);
      expect(withKey.config.retrieval.topK).toBe(3);
      await withKey.close();
      const offline = await AutoSkill.open({ store: { provider: 'memory' } });
      expect(offline.llm.provider).toBe('offline');
      await offline.close();
      await expect(
        AutoSkill.open({ llm: { provider: 'no-such-llm' }, store: { provider: 'memory' } }),
      ).rejects.toSatisfy((error) => isAutoSkillError(error, 'NO_SUCH_PROVIDER'));
      // Port 1 on the loopback refuses at once: the error names the store, not a crash.
      await expect(
        AutoSkill.open({
          store: { provider: 'postgres', url: 'postgres://autoskill@127.0.0.1:1/autoskill' },
        }),
      ).rejects.toSatisfy((error) => isAutoSkillError(error) && /PostgreSQL/.test(error.message));
    } finally {
      temp.cleanup();
    }
  });

  it('works with new AutoSkill(options): every method waits for the opening', async () => {
    const temp = makeTempDir('autoskill-sdk-new-');
    try {
      const autoSkill = new AutoSkill({
        llm: { provider: 'offline' },
        embeddings: { provider: 'hashing' },
        store: { provider: 'filesystem', dir: join(temp.dir, 'SkillBank') },
      });
      // Called at once, before anything is open.
      const learned = await autoSkill.ingest({ userId: 'u1', messages: RELEASE_CHAT });
      expect(learned.outcome).toBe('created');
      const [hit] = await autoSkill.search('How should I do a safe release?', { userId: 'u1' });
      expect(hit?.skill.id).toBe(learned.skill?.id);
      expect(autoSkill.userId).toBe(autoSkill.config.userId);
      await autoSkill.close();
    } finally {
      temp.cleanup();
    }
  });

  it('new AutoSkill: properties before ready() are a clear error, and a bad config rejects every call', async () => {
    const autoSkill = new AutoSkill({ store: { provider: 'memory' } });
    expect(() => autoSkill.store).toThrow(/await autoSkill\.ready\(\)/);
    await autoSkill.ready();
    expect(autoSkill.llm.provider).toBe('offline');
    await autoSkill.close();

    const broken = new AutoSkill({ llm: { provider: 'no-such-llm' }, store: { provider: 'memory' } });
    await expect(broken.ready()).rejects.toSatisfy((error) => isAutoSkillError(error, 'NO_SUCH_PROVIDER'));
    await expect(broken.search('anything')).rejects.toSatisfy((error) =>
      isAutoSkillError(error, 'NO_SUCH_PROVIDER'),
    );
    await broken.close(); // nothing was opened: nothing to close, no error
  });

  it('close() waits for the calls made before it, then refuses new ones with CLOSED', async () => {
    const temp = makeTempDir('autoskill-sdk-close-');
    try {
      const autoSkill = new AutoSkill({
        llm: { provider: 'offline' },
        embeddings: { provider: 'hashing' },
        store: { provider: 'filesystem', dir: join(temp.dir, 'SkillBank') },
      });
      const learning = autoSkill.ingest({ userId: 'u1', messages: RELEASE_CHAT });
      const closing = autoSkill.close();
      expect((await learning).outcome).toBe('created');
      await closing;
      await expect(autoSkill.search('release')).rejects.toSatisfy((error) =>
        isAutoSkillError(error, 'CLOSED'),
      );
      const reopened = await AutoSkill.open({
        store: { provider: 'filesystem', dir: join(temp.dir, 'SkillBank') },
      });
      expect((await reopened.list({ userId: 'u1' })).total).toBe(1);
      await reopened.close();
    } finally {
      temp.cleanup();
    }
  });
});
