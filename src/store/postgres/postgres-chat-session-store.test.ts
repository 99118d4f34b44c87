import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chatSessionStoreContract, record } from '../../../test/support/chat-session-store-contract.js';
import { postgresServer, postgresSkipReason } from '../../../test/support/postgres.js';
import { PostgresChatSessionStore } from './postgres-chat-session-store.js';

const skip = postgresSkipReason();

describe.skipIf(skip !== null)('PostgreSQL chat session store', () => {
  const opened: Array<{ store: PostgresChatSessionStore; schema: string }> = [];
  let url = '';
  beforeAll(async () => {
    url = (await postgresServer()).url;
  });
  afterEach(async () => {
    const server = await postgresServer();
    for (const { store, schema } of opened.splice(0)) {
      await store.close();
      await server.dropSchema(schema);
    }
  });
  afterAll(async () => (await postgresServer()).stop());

  let counter = 0;
  function make(schema?: string) {
    counter += 1;
    schema ??= `sessions_${process.pid}_${Date.now().toString(36)}_${counter}`;
    const store = new PostgresChatSessionStore({ url, schema, maxConnections: 2 });
    opened.push({ store, schema });
    return store;
  }

  chatSessionStoreContract('postgres', () => make());

  it('continues a session started through one replica on another', async () => {
    const first = make();
    await first.open();
    const schema = opened.at(-1)?.schema ?? '';
    const second = new PostgresChatSessionStore({ url, schema, maxConnections: 2 });
    await first.create(record('ses_shared', 'u1'));
    await second.save(record('ses_shared', 'u1', { title: 'from replica B', updatedAt: 500 }));
    expect((await first.get('u1', 'ses_shared'))?.title).toBe('from replica B');
    await second.close();
  });
});
