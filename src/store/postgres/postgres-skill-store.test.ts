import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { postgresServer, postgresSkipReason } from '../../../test/support/postgres.js';
import { runSkillStoreContract } from '../../../test/support/skill-store-contract.js';
import { PostgresSkillStore } from './postgres-skill-store.js';

const skip = postgresSkipReason();
afterAll(async () => {
  if (skip === null) await (await postgresServer()).stop();
});

describe.skipIf(skip !== null)('PostgreSQL skill store', () => {
  runSkillStoreContract({
    name: 'PostgresSkillStore',
    create: async () => {
      const server = await postgresServer();
      const schema = server.freshSchema();
      const store = new PostgresSkillStore({ url: server.url, schema, maxConnections: 4 });
      await store.open();
      return { store, cleanup: () => server.dropSchema(schema) };
    },
  });
});

describe.skipIf(skip !== null)('PostgreSQL skill store across replicas', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function replicas(count: number): Promise<PostgresSkillStore[]> {
    const server = await postgresServer();
    const schema = server.freshSchema('replicas');
    cleanups.push(() => server.dropSchema(schema));
    const stores: PostgresSkillStore[] = [];
    for (let index = 0; index < count; index += 1) {
      const store = new PostgresSkillStore({ url: server.url, schema, maxConnections: 3 });
      await store.open();
      cleanups.push(() => store.close());
      stores.push(store);
    }
    return stores;
  }

  const actor = { actor: 'test' };
  const input = { owner: 'u1', name: 'Shared', description: 'a', instructions: 'b' };

  it('shows a write of one replica to another on its next read, and reports it as remote', async () => {
    const [writer, reader] = await replicas(2);
    const seen: string[] = [];
    reader!.subscribe((change) => seen.push(`${change.type}:${change.origin}:${change.revision}`));
    const created = await writer!.create(input, actor);
    expect((await reader!.get(created.id))?.name).toBe('Shared');
    await writer!.update(created.id, { description: 'second' }, actor);
    expect((await reader!.get(created.id))?.description).toBe('second');
    await writer!.delete(created.id, actor);
    expect(await reader!.get(created.id)).toBeNull();
    // The reader writes on top of the latest state, never its cached copy.
    const restored = await reader!.restore(created.id, actor);
    expect(restored.revision).toBe(4);
    expect((await writer!.get(created.id))?.revision).toBe(4);
    expect(seen).toEqual(['upsert:remote:1', 'upsert:remote:2', 'delete:remote:3', 'upsert:local:4']);
  });

  it('tells a replica that only listens about other replicas’ writes (NOTIFY), without a read', async () => {
    const [writer, listener] = await replicas(2);
    const heard: string[] = [];
    listener!.subscribe((change) => heard.push(`${change.type}:${change.origin}`));
    const created = await writer!.create(input, actor);
    await writer!.update(created.id, { description: 'heard' }, actor);
    const deadline = Date.now() + 5_000;
    while (heard.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(heard).toEqual(['upsert:remote', 'upsert:remote']);
  });

  it('in notify mode, reads without asking the database and still see another replica’s write', async () => {
    const server = await postgresServer();
    const [writer] = await replicas(1);
    const reader = new PostgresSkillStore({
      url: server.url,
      schema: writer!.schema,
      readConsistency: 'notify',
    });
    await reader.open();
    cleanups.push(() => reader.close());
    const created = await writer!.create(input, actor);
    const deadline = Date.now() + 5_000;
    while (!(await reader.get(created.id)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect((await reader.get(created.id))?.name).toBe('Shared');
  });

  it('refuses a stale edit made through another replica', async () => {
    const [first, second] = await replicas(2);
    const created = await first!.create(input, actor);
    await second!.update(created.id, { description: 'by the second' }, { ...actor, baseRevision: 1 });
    await expect(
      first!.update(created.id, { description: 'by the first' }, { ...actor, baseRevision: 1 }),
    ).rejects.toMatchObject({ code: 'STALE_REVISION' });
  });

  it('serialises concurrent writers: no lost revision, unique folders', async () => {
    const stores = await replicas(3);
    const created = await stores[0]!.create(input, actor);
    await Promise.all(
      stores.flatMap((store, index) =>
        [0, 1, 2, 3].map((round) =>
          Promise.all([
            store.update(created.id, { description: `s${index} r${round}` }, actor),
            store.create({ ...input, name: 'Same name' }, actor),
          ]),
        ),
      ),
    );
    const versions = await stores[1]!.versions(created.id);
    expect(versions.map((item) => item.revision)).toEqual(
      Array.from({ length: 13 }, (_, index) => index + 1),
    );
    const listed = await stores[2]!.list({ userId: 'u1', limit: 100 });
    const locations = listed.items.map((item) => item.location);
    expect(new Set(locations).size).toBe(13);
  });

  it('keeps library skills read-only and gives them the filesystem store’s ids', async () => {
    const [store, other] = await replicas(2);
    const docx = '---\nname: docx\ndescription: "Word files"\nlicense: MIT\n---\n\nUse it.\n';
    const results = await store!.writeLibrarySkills(
      'anthropics-skill',
      [{ rel: 'docx', skillMd: docx, files: { 'scripts/a.py': new TextEncoder().encode('print(1)') } }],
      { overwrite: false },
    );
    expect(results).toEqual([{ location: 'Common/anthropics-skill/docx', status: 'imported' }]);
    const [library] = (await other!.list({ scope: 'library' })).items;
    expect(library).toMatchObject({
      id: '087f95df-f870-5a59-8465-2aecf4314057',
      owner: 'library:anthropics-skill',
      readOnly: true,
      revision: 0,
      resources: ['scripts/a.py'],
    });
    await expect(other!.update(library!.id, { description: 'x' }, actor)).rejects.toMatchObject({
      code: 'READ_ONLY',
    });
    expect(await other!.versions(library!.id)).toEqual([]);
    expect((await other!.readFiles(library!.id)).skillMd).toBe(docx);
    const again = await store!.writeLibrarySkills(
      'anthropics-skill',
      [{ rel: 'docx', skillMd: docx, files: {} }],
      {
        overwrite: false,
      },
    );
    expect(again[0]?.status).toBe('skipped');
  });
});
