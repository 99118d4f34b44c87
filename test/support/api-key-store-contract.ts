/**
 * The contract every `ApiKeyStore` must keep (memory, filesystem, PostgreSQL). Call
 * `apiKeyStoreContract(name, make)` from a test file; `make` returns a fresh, empty store.
 */
import { describe, expect, it } from 'vitest';
import { type ApiKeyStore, hashApiKey } from '../../src/store/api-key-store.js';

export function apiKeyStoreContract(name: string, make: () => ApiKeyStore): void {
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
