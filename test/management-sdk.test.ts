/**
 * The management API wired to the real SDK (offline models, hashing embeddings, a filesystem store in a
 * temp folder): the store-side search, `prepareTurnContext`, vector maintenance and conversation import
 * plug in as the route module's services without adapters (conversation import: one small mapping).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AutoSkill } from '../src/sdk.js';
import { createServerApp } from '../src/server/app.js';
import { createManagementRoutes } from '../src/server/management/index.js';
import type { SkillContextProvider } from '../src/service/turn-types.js';
import { FileSkillStore } from '../src/store/fs/file-skill-store.js';
import { makeTempDir } from './support/fixtures.js';
import { expectDocumentedShape, type Json } from './support/management-harness.js';

const A = '/v1/autoskill';
let temp: { dir: string; cleanup: () => void };
let sdk: AutoSkill;
let store: FileSkillStore;
let app: ReturnType<typeof createServerApp>;

async function call(method: string, path: string, body?: unknown, user = 'alice') {
  const response = await app.request(
    new Request(`http://127.0.0.1${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-autoskill-user': user },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );
  return { status: response.status, body: (await response.json()) as Json };
}

beforeAll(async () => {
  temp = makeTempDir('autoskill-management-sdk-');
  store = new FileSkillStore({ root: temp.dir });
  await store.open();
  sdk = await AutoSkill.open({ store, llm: { provider: 'offline' }, embeddings: { provider: 'hashing' } });
  const retrieval: SkillContextProvider = {
    prepare: (input) =>
      sdk.prepareTurnContext({
        userId: input.userId,
        messages: input.messages,
        ...(input.scope ? { scope: input.scope } : {}),
        minScore: 0,
        topK: 2,
      }),
  };
  app = createServerApp({
    routes: [
      createManagementRoutes({
        store: sdk.store,
        search: sdk.skillSearch,
        vectors: sdk,
        retrieval,
        conversations: {
          async importConversations(input) {
            const result = await sdk.importOpenAIConversations({
              userId: input.userId,
              data: input.conversations,
              continueOnError: input.continueOnError,
            });
            return {
              processed: result.processed,
              failed: result.failed,
              skills: result.skills,
              errors: result.errors,
            };
          },
        },
        authEnabled: false,
      }),
    ],
  });
  await store.create(
    {
      owner: 'alice',
      name: 'Safe release procedure',
      description: 'How to release a service safely',
      instructions: 'Run the regression suite, then a canary, then monitor, then roll out fully.',
      tags: ['release', 'deploy'],
    },
    { actor: 'test' },
  );
  await store.create(
    {
      owner: 'bob',
      name: 'Bob release notes',
      description: 'release notes style',
      instructions: 'Short bullets.',
    },
    { actor: 'test' },
  );
});

afterAll(async () => {
  await sdk?.close();
  await store?.close();
  temp?.cleanup();
});

describe('management API over the SDK', () => {
  it('searches with the store-side search: scored hits with parts, only the user’s own and library skills', async () => {
    const answer = await call('POST', `${A}/skills/search`, { query: 'how do I release safely?', limit: 5 });
    expect(answer.status).toBe(200);
    expectDocumentedShape('searchSkills', answer.body);
    expect(answer.body['data'][0]).toMatchObject({ name: 'Safe release procedure', source: 'user:alice' });
    expect(answer.body['data'][0]['score_parts']['keyword']).toBeGreaterThan(0);
    expect(answer.body['data'].map((hit: Json) => hit['owner'])).not.toContain('bob');
  });

  it('previews the context the proxy would inject', async () => {
    const answer = await call('POST', `${A}/retrieval/preview`, {
      messages: [
        { role: 'user', content: 'We are about to release the payments service. What should we do?' },
      ],
    });
    expect(answer.status).toBe(200);
    expectDocumentedShape('previewRetrieval', answer.body);
    expect(answer.body['selected_skills'].map((skill: Json) => skill['name'])).toContain(
      'Safe release procedure',
    );
    expect(answer.body['context']).toContain('canary');
  });

  it('reports and rebuilds vectors', async () => {
    const status = await call('GET', `${A}/vectors/status?scope=user`);
    expect(status.status).toBe(200);
    expect(status.body['data']).toMatchObject({ enabled: true, user: 'alice', scope: 'user' });
    const rebuild = await call('POST', `${A}/vectors/rebuild`, { force: true, wait_ms: 10_000 });
    expect(rebuild.status).toBe(200);
    expect(rebuild.body['data']).toMatchObject({ status: 'completed', force: true });
    expect(rebuild.body['data']['report']['embedded']).toBeGreaterThanOrEqual(2);
  });

  it('learns a skill from an uploaded conversation with a durable preference', async () => {
    const answer = await call(
      'POST',
      `${A}/conversations/import`,
      {
        conversations: [
          {
            messages: [
              { role: 'user', content: 'Write the weekly status report for the data team.' },
              { role: 'assistant', content: 'Here is a draft with estimated numbers…' },
              {
                role: 'user',
                content: 'From now on, never invent numbers in my reports; cite the source of every figure.',
              },
            ],
          },
        ],
      },
      'carol',
    );
    expect(answer.status).toBe(200);
    expectDocumentedShape('importConversations', answer.body);
    expect(answer.body).toMatchObject({ user: 'carol', total_conversations: 1, processed: 1, failed: 0 });
    expect(answer.body['upserted_count']).toBe(1);
    expect(answer.body['skills'][0]['owner']).toBe('carol');
  });
});
