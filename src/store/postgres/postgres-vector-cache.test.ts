import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { postgresServer, postgresSkipReason } from '../../../test/support/postgres.js';
import { PostgresDatabase } from './database.js';
import { PostgresVectorCache } from './postgres-vector-cache.js';

const skip = postgresSkipReason();

describe.skipIf(skip !== null)('PostgreSQL vector cache (plain column)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(async () => (await postgresServer()).stop());

  async function replica(schema: string): Promise<PostgresVectorCache> {
    const server = await postgresServer();
    const database = await PostgresDatabase.open({ url: server.url, schema, maxConnections: 2 });
    const cache = new PostgresVectorCache({ database, name: 'skills-test' });
    cleanups.push(async () => {
      await cache.close();
      await database.close();
    });
    await cache.load();
    return cache;
  }

  it('stores float32 rows, reloads them, and keeps other replicas in step', async () => {
    const server = await postgresServer();
    const schema = server.freshSchema('vectors');
    cleanups.push(() => server.dropSchema(schema));
    const writer = await replica(schema);
    const reader = await replica(schema);
    const vector = Float32Array.from([0.6, 0.8, 0, 0.1]);
    await writer.upsert([{ id: 'a', vector, docHash: 'h1' }]);
    // The reader hears the NOTIFY and reads the new row.
    const deadline = Date.now() + 5_000;
    while (!reader.has('a') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(reader.docHash('a')).toBe('h1');
    expect(Array.from(reader.get('a') ?? [])).toEqual(Array.from(vector));
    expect(reader.scoreMany(Float32Array.from([1, 0, 0, 0]), ['a', 'missing'])[0]).toBeCloseTo(0.6, 6);
    await expect(
      writer.upsert([{ id: 'b', vector: Float32Array.from([1]), docHash: 'h' }]),
    ).rejects.toMatchObject({
      code: 'DIMENSION_MISMATCH',
    });
    const restarted = await replica(schema);
    expect(restarted.size()).toBe(1);
    expect(await restarted.remove(['a'])).toBe(1);
    const again = await replica(schema);
    expect(again.size()).toBe(0);
  });
});
