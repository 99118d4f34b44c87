import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli } from '../../../test/support/cli.js';
import { makeTempDir } from '../../../test/support/fixtures.js';
import { createServerApp } from '../../server/app.js';
import { createFileApiKeyStore } from '../../store/fs/file-api-key-store.js';
import { EXIT } from '../exit-codes.js';

describe('autoskill keys', () => {
  let temp: { dir: string; cleanup: () => void };
  let store: string[];
  beforeEach(() => {
    temp = makeTempDir('autoskill-keys-cli-');
    store = ['--store-dir', join(temp.dir, 'SkillBank')];
  });
  afterEach(() => temp.cleanup());

  it('creates a per-user key, prints the secret once, lists without it, and revokes it', async () => {
    const created = await cli('keys', 'create', '--user-id', '张三', '--label', 'laptop', ...store);
    expect(created.code).toBe(EXIT.ok);
    const key = created.out.split('\n')[1] ?? '';
    expect(key).toMatch(/^ask_[\w-]{43}$/);
    expect(created.out).toContain('user 张三  "laptop"');
    expect(created.err).toContain('only time the key is shown');
    const file = readFileSync(join(temp.dir, 'SkillBank', '.autoskill', 'api-keys.json'), 'utf8');
    expect(file).not.toContain(key);

    const listed = await cli('keys', 'list', '--json', ...store);
    const data = JSON.parse(listed.out).data as Array<Record<string, unknown>>;
    expect(data).toEqual([
      expect.objectContaining({ user_id: '张三', admin: false, label: 'laptop', revoked_at: null }),
    ]);
    expect(listed.out).not.toContain(key);
    expect(data[0]).not.toHaveProperty('hash');

    const id = String(data[0]?.['id']);
    expect((await cli('keys', 'revoke', id, ...store)).out).toContain(`Revoked ${id}.`);
    expect((await cli('keys', 'revoke', id, ...store)).code).toBe(EXIT.notFound);
    expect((await cli('keys', 'list', ...store)).out).toContain('No keys.');
    expect((await cli('keys', 'list', '--all', ...store)).out).toContain('revoked');
  });

  it('creates admin keys as JSON and refuses ambiguous or unsafe requests', async () => {
    const admin = await cli('keys', 'create', '--admin', '--json', ...store);
    expect(JSON.parse(admin.out)).toMatchObject({
      object: 'api_key',
      admin: true,
      user_id: null,
      key: expect.stringMatching(/^ask_/),
    });
    expect((await cli('keys', 'create', ...store)).code).toBe(EXIT.usage);
    expect((await cli('keys', 'create', '--admin', '--user-id', 'u1', ...store)).code).toBe(EXIT.usage);
    expect((await cli('keys', 'create', '--user-id', '../etc', ...store)).code).toBe(EXIT.usage);
  });

  it('makes a key a running server accepts at once, and refuses it after revocation', async () => {
    const stateDir = join(temp.dir, 'SkillBank', '.autoskill');
    const app = createServerApp({ auth: { apiKeys: createFileApiKeyStore({ stateDir }) }, rateLimit: false });
    const models = (key: string) =>
      app.request('/v1/models', { headers: { authorization: `Bearer ${key}` } });
    const created = JSON.parse((await cli('keys', 'create', '--user-id', 'alice', '--json', ...store)).out);
    expect((await models(created.key)).status).toBe(200);
    await cli('keys', 'revoke', created.id, ...store);
    expect((await models(created.key)).status).toBe(401);
  });
});
