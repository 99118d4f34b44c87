import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { apiKeyStoreContract } from '../../test/support/api-key-store-contract.js';
import { makeTempDir } from '../../test/support/fixtures.js';
import { createMemoryApiKeyStore } from './api-key-store.js';
import { API_KEYS_FILE, createFileApiKeyStore } from './fs/file-api-key-store.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function tempStateDir(): string {
  const temp = makeTempDir('autoskill-keys-');
  cleanups.push(temp.cleanup);
  return join(temp.dir, '.autoskill');
}

let tick = 0;
const clock = () => new Date(Date.UTC(2026, 0, 1, 0, 0, tick++));

apiKeyStoreContract('memory', () => createMemoryApiKeyStore({ now: clock }));
apiKeyStoreContract('filesystem', () => createFileApiKeyStore({ stateDir: tempStateDir(), now: clock }));

describe('file API key store', () => {
  it('survives a restart and keeps only hashes, readable by the owner only', async () => {
    const stateDir = tempStateDir();
    const first = createFileApiKeyStore({ stateDir });
    const created = await first.create({ userId: 'u1', label: 'ci' });
    const text = readFileSync(join(stateDir, API_KEYS_FILE), 'utf8');
    expect(text).not.toContain(created.key);
    expect(text).toContain(created.record.hash);
    expect(statSync(join(stateDir, API_KEYS_FILE)).mode & 0o777).toBe(0o600);
    const second = createFileApiKeyStore({ stateDir });
    expect(await second.findByHash(created.record.hash)).toEqual(created.record);
  });

  it('sees keys created and revoked by another instance (another process) without a restart', async () => {
    const stateDir = tempStateDir();
    const server = createFileApiKeyStore({ stateDir });
    const cli = createFileApiKeyStore({ stateDir });
    expect(await server.list()).toEqual([]);
    const created = await cli.create({ userId: 'u1' });
    expect(await server.findByHash(created.record.hash)).toBeDefined();
    await cli.revoke(created.record.id);
    expect(await server.findByHash(created.record.hash)).toBeUndefined();
  });

  it('loses no key when two instances create at the same time', async () => {
    const stateDir = tempStateDir();
    const stores = [createFileApiKeyStore({ stateDir }), createFileApiKeyStore({ stateDir })];
    await Promise.all(
      Array.from({ length: 10 }, (_, index) => stores[index % 2]?.create({ userId: `user-${index}` })),
    );
    expect(await createFileApiKeyStore({ stateDir }).list()).toHaveLength(10);
  });

  it('fails closed on a damaged file', async () => {
    const stateDir = tempStateDir();
    const store = createFileApiKeyStore({ stateDir });
    const created = await store.create({ userId: 'u1' });
    writeFileSync(join(stateDir, API_KEYS_FILE), '{"format": "autoskill-api-keys", "keys": [');
    await expect(store.findByHash(created.record.hash)).rejects.toMatchObject({ code: 'STORE_CORRUPT' });
    await expect(store.create({ userId: 'u2' })).rejects.toMatchObject({ code: 'STORE_CORRUPT' });
  });
});
