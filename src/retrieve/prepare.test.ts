import { beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddingConnector } from '../embeddings/registry.js';
import type { EmbeddingConnector } from '../embeddings/types.js';
import { createOfflineLLMConnector } from '../llm/offline.js';
import { AutoSkillError } from '../shared/errors.js';
import { MemorySkillStore } from '../store/memory-skill-store.js';
import { createSkillSearch, type SkillSearch } from '../store/skill-search.js';
import { prepareTurnContext } from './prepare.js';

let embeddings: EmbeddingConnector;
let search: SkillSearch;
let releaseId: string;

beforeAll(async () => {
  embeddings = await createEmbeddingConnector({ provider: 'none' });
  const store = new MemorySkillStore({
    libraries: [
      {
        id: 'lib-sql',
        owner: 'library:team',
        name: 'SQL style',
        description: 'Uppercase SQL keywords, one clause per line.',
        instructions: 'Write SQL keywords in uppercase.',
        version: '1.0.0',
        tags: ['sql'],
        triggers: [],
        examples: [],
        status: 'active',
        resources: ['references/style.md'],
        extraFrontMatter: {},
        metadata: {},
        createdAt: null,
        updatedAt: null,
      },
    ],
  });
  const release = await store.create(
    {
      owner: 'u1',
      name: 'Release procedure',
      description: 'How to ship a release safely: regression, canary, monitor, full rollout.',
      instructions: '# Workflow\n1. Run regression\n2. Canary\n3. Monitor\n4. Full rollout',
      triggers: ['release'],
      tags: ['release'],
    },
    { actor: 'test' },
  );
  releaseId = release.id;
  search = createSkillSearch({ store, embeddings, userIds: ['u1'] });
});

const ASK = [{ role: 'user', content: 'How do I ship a release safely?' }];

describe('prepareTurnContext', () => {
  it('retrieves, renders and reports the turn', async () => {
    const context = await prepareTurnContext({
      search,
      userId: 'u1',
      messages: ASK,
      topK: 2,
      now: () => 1234,
    });
    expect(context.error).toBeUndefined();
    expect(context.systemMessage).toContain('### Release procedure (v0.1.0)');
    expect(context.injected).toEqual([
      expect.objectContaining({
        id: releaseId,
        name: 'Release procedure',
        version: '0.1.0',
        source: 'user:u1',
      }),
    ]);
    expect(context.retrieval).toMatchObject({
      originalQuery: 'How do I ship a release safely?',
      rewrittenQuery: null,
      searchQuery: 'How do I ship a release safely?',
      eventTime: 1234,
      scope: 'all',
      topK: 2,
      minScore: 0.4,
      selectedForUseIds: [releaseId],
      selectedForContextIds: [releaseId],
      contextInjected: true,
      error: null,
    });
    expect(context.retrieval.hits[0]).toMatchObject({
      rank: 1,
      id: releaseId,
      owner: 'u1',
      source: 'user:u1',
    });
    expect(context.retrieval.hitsUser).toHaveLength(1);
    expect(context.retrieval.hitsLibrary).toHaveLength(0);
    expect(context.details.rendered).toEqual([{ id: releaseId, mode: 'full' }]);
  });

  it('lists library hits separately with their resources', async () => {
    const context = await prepareTurnContext({
      search,
      userId: 'u1',
      messages: [{ role: 'user', content: 'format this SQL query with uppercase keywords' }],
      minScore: 0.2,
    });
    expect(context.retrieval.hitsLibrary[0]).toMatchObject({
      id: 'lib-sql',
      source: 'library:team',
      resourcePaths: ['references/style.md'],
    });
  });

  it('rewrites a follow-up before searching', async () => {
    const context = await prepareTurnContext({
      search,
      userId: 'u1',
      messages: [
        { role: 'user', content: 'Explain our release procedure with canary and rollout' },
        { role: 'assistant', content: 'Sure: …' },
        { role: 'user', content: 'make it shorter' },
      ],
    });
    expect(context.retrieval.rewrittenQuery).toBe('shorter Explain release procedure canary rollout');
    expect(context.retrieval.searchQuery).toBe(context.retrieval.rewrittenQuery);
    expect(context.details.rewrite).toMatchObject({ method: 'fallback', reason: 'anaphora', cue: 'make it' });
    expect(context.injected.map((skill) => skill.id)).toEqual([releaseId]);
  });

  it('answers with no skills and an error when retrieval fails, never throwing', async () => {
    const broken = {
      search: async () => {
        throw new AutoSkillError('LOCK_TIMEOUT', 'store busy');
      },
    };
    const context = await prepareTurnContext({ search: broken, userId: 'u1', messages: ASK });
    expect(context.systemMessage).toBeNull();
    expect(context.injected).toEqual([]);
    expect(context.error).toBe('retrieval failed: store busy');
    expect(context.retrieval.error).toBe('retrieval failed: store busy');
    expect(context.retrieval.contextInjected).toBe(false);
  });

  it('keeps every hit when selection fails, and injects none when the model chooses none', async () => {
    const failing = createOfflineLLMConnector({
      respond: (call) => {
        if (String(call.messages[0]?.content).includes('retrieved skills')) throw new Error('boom');
        return 'unused';
      },
    });
    const kept = await prepareTurnContext({
      search,
      userId: 'u1',
      messages: ASK,
      selection: 'llm',
      llm: failing,
    });
    expect(kept.injected.map((skill) => skill.id)).toEqual([releaseId]);
    expect(kept.details.selection?.method).toBe('kept-all');
    expect(kept.details.warnings[0]).toContain('boom');

    const none = createOfflineLLMConnector({
      respond: () => '{"use_skills": false, "selected_skill_ids": [], "reason": "not needed"}',
    });
    const skipped = await prepareTurnContext({
      search,
      userId: 'u1',
      messages: ASK,
      selection: 'llm',
      llm: none,
    });
    expect(skipped.systemMessage).toBeNull();
    expect(skipped.retrieval.hits).toHaveLength(1);
    expect(skipped.retrieval.selectedForUseIds).toEqual([]);
    expect(skipped.retrieval.contextInjected).toBe(false);
  });

  it('does nothing without a user message', async () => {
    const context = await prepareTurnContext({
      search,
      userId: 'u1',
      messages: [{ role: 'system', content: 'x' }],
    });
    expect(context).toMatchObject({ systemMessage: null, injected: [] });
    expect(context.retrieval.error).toBeNull();
  });

  it('reports an aborted retrieval as an error', async () => {
    const controller = new AbortController();
    controller.abort();
    const llm = createOfflineLLMConnector({ respond: () => 'release' });
    const context = await prepareTurnContext({
      search,
      userId: 'u1',
      messages: [...ASK, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'and again' }],
      llm,
      abortSignal: controller.signal,
    });
    expect(context.error).toBe('retrieval aborted');
  });
});
