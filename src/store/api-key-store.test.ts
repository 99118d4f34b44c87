import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../test/support/fixtures.js';
import { type ApiKeyStore, createMemoryApiKeyStore, hashApiKey } from './api-key-store.js';
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

/** The contract every ApiKeyStore implementation must keep. */
function apiKeyStoreContract(name: string, make: () => ApiKeyStore): void {
  describe(`ApiKeyStore contract: ${name}`, () => {
    it('creates a user key whose secret is returned once and stored only as its hash', async () => {
      const store = make();
      const created = await store.create({ userId: '张三', label: 'laptop' });
      expect(created.key).toMatch(/^ask_[\w-]{43}$/);
      expect(created.record).toMatchObject({
        userId: '张三',
        admin: false,
        label: 'laptop',
        revokedAt: null,
      });
      expect(created.record.hash).toBe(hashApiKey(created.key));
      expect(JSON.stringify(await store.list())).not.toContain(created.key);
      expect(await store.findByHash(hashApiKey(created.key))).toEqual(created.record);
      expect(await store.findByHash(hashApiKey('ask_wrong'))).toBeUndefined();
    });

    it('creates admin keys without a user and refuses unsafe or missing users', async () => {
      const store = make();
      const admin = await store.create({ admin: true });
      expect(admin.record).toMatchObject({ admin: true, userId: null });
      await expect(store.create({})).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      await expect(store.create({ admin: true, userId: 'u1' })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
      });
      await expect(store.create({ userId: '../etc' })).rejects.toMatchObject({ code: 'INVALID_USER_ID' });
      await expect(store.create({ userId: 'u1', key: 'short' })).rejects.toMatchObject({
        code: 'INVALID_CONFIG',
      });
      expect(await store.list()).toHaveLength(1);
    });

    it('accepts a given secret once and refuses it twice', async () => {
      const store = make();
      const key = 'a-configured-key-0123456789';
      await store.create({ userId: 'u1', key });
      await expect(store.create({ userId: 'u2', key })).rejects.toMatchObject({ code: 'CONFLICT' });
      expect((await store.findByHash(hashApiKey(key)))?.userId).toBe('u1');
    });

    it('lists oldest first, filters by user, and hides revoked keys unless asked', async () => {
      const store = make();
      const a = await store.create({ userId: 'alice' });
      const b = await store.create({ userId: 'bob' });
      const c = await store.create({ userId: 'alice', label: 'second' });
      expect((await store.list()).map((record) => record.id)).toEqual([
        a.record.id,
        b.record.id,
        c.record.id,
      ]);
      expect((await store.list({ userId: 'alice' })).map((record) => record.id)).toEqual([
        a.record.id,
        c.record.id,
      ]);
      expect(await store.revoke(a.record.id)).toBe(true);
      expect(await store.revoke(a.record.id)).toBe(false);
      expect(await store.revoke('key_unknown')).toBe(false);
      expect(await store.findByHash(a.record.hash)).toBeUndefined();
      expect((await store.list()).map((record) => record.id)).toEqual([b.record.id, c.record.id]);
      const all = await store.list({ includeRevoked: true });
      expect(all).toHaveLength(3);
      expect(all[0]?.revokedAt).toEqual(expect.any(String));
    });

    it('hands out copies: changing a returned record changes nothing stored', async () => {
      const store = make();
      const created = await store.create({ userId: 'u1' });
      created.record.userId = 'mallory';
      const listed = await store.list();
      if (listed[0]) listed[0].admin = true;
      expect(await store.findByHash(created.record.hash)).toMatchObject({ userId: 'u1', admin: false });
    });
  });
}

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
