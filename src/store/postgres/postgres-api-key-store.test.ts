import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyStoreContract } from '../../../test/support/api-key-store-contract.js';
import { postgresServer, postgresSkipReason } from '../../../test/support/postgres.js';
import { createPostgresApiKeyStore, type PostgresApiKeyStore } from './postgres-api-key-store.js';

const skip = postgresSkipReason();

describe.skipIf(skip !== null)('PostgreSQL API key store', () => {
  const opened: Array<{ store: PostgresApiKeyStore; schema: string }> = [];
  let url = '';
  let tick = 0;
  const clock = () => new Date(Date.UTC(2026, 0, 1, 0, 0, tick++));

  afterEach(async () => {
    const server = await postgresServer();
    for (const { store, schema } of opened.splice(0)) {
      await store.close();
      await server.dropSchema(schema);
    }
  });
  beforeAll(async () => {
    url = (await postgresServer()).url;
  });
  afterAll(async () => (await postgresServer()).stop());

  function make(schema: string): PostgresApiKeyStore {
    const store = createPostgresApiKeyStore({ url, schema, maxConnections: 2, now: clock });
    opened.push({ store, schema });
    return store;
  }

  apiKeyStoreContract('postgres', () =>
    make(`keys_${process.pid}_${opened.length}_${Date.now().toString(36)}`),
  );

  it('shows keys created and revoked on one replica to another on its next lookup', async () => {
    const server = await postgresServer();
    const schema = server.freshSchema('keys');
    const first = make(schema);
    const second = createPostgresApiKeyStore({ url: server.url, schema, maxConnections: 2 });
    const created = await first.create({ userId: 'u1' });
    expect(await second.findByHash(created.record.hash)).toEqual(created.record);
    await first.revoke(created.record.id);
    expect(await second.findByHash(created.record.hash)).toBeUndefined();
    await second.close();
  });
});
