import { afterEach, describe, expect, it } from 'vitest';
import { createOfflineLLMConnector } from '../llm/offline.js';
import { AutoSkillError } from '../shared/errors.js';
import { SkillSchema } from '../skill/schema.js';
import type { SkillStore } from '../store/types.js';
import { ingest } from './ingest.js';
import { createMaintenanceWorld, type MaintenanceWorld } from './maintain-eval.js';
import { createUserLock } from './maintain-lock.js';
import { scriptedLearningResponse } from './maintain-scripted-responder.js';
import { PLANTED } from './over-extracting-responder.js';

const WEEKLY = {
  name: 'weekly_status_report',
  description:
    "Writes the user's weekly status report from rough notes using a fixed Done / Next / Blocked format.",
  instructions:
    '# Goal\nTurn the notes into a status report.\n\n# Constraints & Style\n- Exactly three sections: Done, Next, Blocked.\n- At most 5 bullets per section.',
  triggers: ['write my weekly status report', 'weekly report from these notes'],
  tags: ['report'],
};

const TLDR_CONVERSATION = [
  {
    role: 'user',
    content: 'Notes: shipped the export, fixed the login bug. Next: dashboard. Blocked: design review.',
  },
  {
    role: 'assistant',
    content: '**Done**\n- Shipped the export\n- Fixed the login bug\n**Next**\n- Dashboard',
  },
  { role: 'user', content: 'Nice. Add a one-line TL;DR at the very top of every weekly report from now on.' },
];

const PREFERENCE = [
  {
    role: 'user',
    content:
      'From now on, whenever you write SQL for me: uppercase keywords, CTEs instead of nested subqueries, and never SELECT *.',
  },
  { role: 'assistant', content: 'Understood.' },
];

let world: MaintenanceWorld | undefined;
afterEach(() => {
  world?.close();
  world = undefined;
});

async function setUp(libraries: Parameters<typeof createMaintenanceWorld>[0]['caseLibraries'] = []) {
  world = await createMaintenanceWorld({ caseLibraries: libraries });
  return world;
}

describe('ingest', () => {
  it('merges a new rule into the existing skill: 0.1.0 → 0.1.1 with a revision', async () => {
    const { store, searchFor } = await setUp();
    const existing = await store.create({ ...WEEKLY, owner: 'u1' }, { actor: 'test' });
    const result = await ingest({
      store,
      search: searchFor(undefined),
      userId: 'u1',
      messages: TLDR_CONVERSATION,
    });
    console.log(
      JSON.stringify(result.decision?.considered, null, 1),
      result.candidate?.name,
      result.candidate?.evidence,
    );
    expect(result.outcome).toBe('merged');
    expect(result.skill).toMatchObject({ id: existing.id, version: '0.1.1', name: 'weekly_status_report' });
    expect(result.skill?.instructions).toContain('- At most 5 bullets per section.\n- Add a one-line TL;DR');
    const history = await store.versions(existing.id);
    expect(history.map((entry) => entry.version)).toEqual(['0.1.0', '0.1.1']);
    expect(history[1]?.reason).toMatch(/^merge: 1 rule\(s\) added/);
    expect(result.merge?.added).toHaveLength(1);
  });

  it('creates a skill from a new preference and finds nothing in small talk', async () => {
    const { store, searchFor } = await setUp();
    const created = await ingest({ store, search: searchFor(undefined), userId: 'u1', messages: PREFERENCE });
    expect(created.outcome).toBe('created');
    expect(created.skill).toMatchObject({ version: '0.1.0', owner: 'u1' });
    const nothing = await ingest({
      store,
      search: searchFor(undefined),
      userId: 'u1',
      messages: [
        { role: 'user', content: 'haha thanks, you are fast today' },
        { role: 'assistant', content: 'Happy to help!' },
      ],
    });
    expect(nothing.outcome).toBe('nothing');
    expect((await store.list({ userId: 'u1', scope: 'user' })).total).toBe(1);
  });

  it('two parallel ingests of the same new preference end with one skill', async () => {
    const { store, searchFor } = await setUp();
    const lock = createUserLock();
    const results = await Promise.all(
      [0, 1].map(() =>
        ingest({ store, search: searchFor(undefined), userId: 'u1', messages: PREFERENCE, lock }),
      ),
    );
    const outcomes = results.map((result) => result.outcome).sort();
    expect(outcomes).toEqual(['created', 'discarded']);
    const listed = await store.list({ userId: 'u1', scope: 'user' });
    expect(listed.total).toBe(1);
    expect(listed.items[0]?.version).toBe('0.1.0');
  });

  it('never modifies a library skill and discards what it covers', async () => {
    const library = SkillSchema.parse({
      id: 'library-weekly',
      owner: 'library:team',
      ...WEEKLY,
    });
    const { store, searchFor } = await setUp([library]);
    const before = JSON.stringify(await store.get('library-weekly'));
    const search = searchFor('library:team');
    const added = await ingest({ store, search, userId: 'u1', messages: TLDR_CONVERSATION });
    expect(added.outcome).toBe('created');
    expect(added.decision?.reason).toMatch(/library skill .* cannot change/);
    const covered = await ingest({
      store,
      search,
      userId: 'u2',
      messages: [
        { role: 'user', content: 'Write my weekly status report from these notes: shipped the export.' },
        { role: 'assistant', content: '**Done**\n- Shipped the export\n**Next**\n-\n**Blocked**\n-' },
      ],
      forced: true,
    });
    expect(covered.outcome).toBe('discarded');
    expect(covered.reason).toMatch(/covered by the library skill/);
    expect(JSON.stringify(await store.get('library-weekly'))).toBe(before);
  });

  it('keeps planted names and keys out of stored skills when the model over-reaches', async () => {
    const { store, searchFor } = await setUp();
    await store.create({ ...WEEKLY, owner: 'u1' }, { actor: 'test' });
    const llm = createOfflineLLMConnector({ respond: scriptedLearningResponse });
    for (const messages of [TLDR_CONVERSATION, PREFERENCE]) {
      await ingest({ store, search: searchFor(undefined), userId: 'u1', messages, llm, offline: false });
    }
    const skills = (await store.list({ userId: 'u1', scope: 'user' })).items;
    expect(skills.map((skill) => skill.version).sort()).toEqual(['0.1.0', '0.1.1']);
    const text = JSON.stringify(skills);
    for (const planted of Object.values(PLANTED)) expect(text).not.toContain(planted);
  });

  it('decides again when another writer changed the skill in between (stale revision)', async () => {
    const { store, searchFor } = await setUp();
    await store.create({ ...WEEKLY, owner: 'u1' }, { actor: 'test' });
    let failures = 1;
    const flaky: SkillStore = Object.create(store) as SkillStore;
    flaky.update = (id, patch, context, options) => {
      if (failures-- > 0) {
        return Promise.reject(new AutoSkillError('STALE_REVISION', 'changed meanwhile', { details: { id } }));
      }
      return store.update(id, patch, context, options);
    };
    const result = await ingest({
      store: flaky,
      search: searchFor(undefined),
      userId: 'u1',
      messages: TLDR_CONVERSATION,
    });
    expect(result.outcome).toBe('merged');
    expect(result.skill?.version).toBe('0.1.1');
  });

  it('rejects an invalid user id before doing anything', async () => {
    const { store, searchFor } = await setUp();
    await expect(
      ingest({ store, search: searchFor(undefined), userId: '../etc', messages: PREFERENCE }),
    ).rejects.toMatchObject({ code: 'INVALID_USER_ID' });
  });
});
