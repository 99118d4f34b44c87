/**
 * Path traversal attempts are refused with a clear error (issue 2 acceptance). Every attempt below is
 * tried as a user id (create, list, import), as a resource path, and as a zip entry; skill ids are only
 * ever looked up in memory, so traversal strings as ids are simply unknown.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AutoSkillError } from '../src/shared/errors.js';
import { FileSkillStore } from '../src/store/fs/file-skill-store.js';
import { importSkills } from '../src/store/import/import-skills.js';
import { makeTempDir } from './support/fixtures.js';

const USER_ID_ATTEMPTS = [
  '../x',
  '..',
  '.',
  '../../etc',
  '/etc/passwd',
  '/tmp',
  '..%2f..%2fetc',
  '%2e%2e',
  'a/../../b',
  'a\\..\\b',
  '..\\x',
  'C:\\Windows',
  'u1\u0000',
  'u1\n',
  'u\u001bx',
  '.hidden',
  '',
  ' ',
  'a'.repeat(65),
  '用'.repeat(65),
  'u1/..',
];

const RESOURCE_ATTEMPTS = [
  '../evil.txt',
  '../../evil.txt',
  'a/../../evil.txt',
  '/etc/passwd',
  'C:/evil.txt',
  '..\\evil.txt',
  'scripts/../../evil.txt',
  'ok\u0000.txt',
  '.git/config',
  'SKILL.md',
  '',
  'x'.repeat(241),
];

const ZIP_ENTRY_ATTEMPTS = ['../evil/SKILL.md', '/abs/SKILL.md', 'a/../../evil/SKILL.md', 'C:/evil/SKILL.md'];

const actor = { actor: 'test' };
const skill = (owner: string) => ({ owner, name: 'Attempt', description: 'd', instructions: 'i' });

async function refusal(promise: Promise<unknown>): Promise<AutoSkillError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AutoSkillError);
    return error as AutoSkillError;
  }
  throw new Error('the attempt was accepted');
}

describe('path traversal', () => {
  const temp = makeTempDir('autoskill-traversal-');
  const root = join(temp.dir, 'store', 'SkillBank');
  let store: FileSkillStore;
  beforeAll(async () => {
    store = new FileSkillStore({ root });
    await store.open();
  });
  afterAll(() => temp.cleanup());

  it.each(USER_ID_ATTEMPTS)('refuses the user id %j everywhere', async (userId) => {
    const created = await refusal(store.create(skill(userId), actor));
    expect(created.code).toBe('INVALID_USER_ID');
    expect(created.message).toMatch(/^Invalid user id /);
    expect((await refusal(store.list({ userId }))).code).toBe('INVALID_USER_ID');
    const source = join(temp.dir, 'source');
    expect((await refusal(importSkills(store, { source, target: { userId } }))).code).toMatch(
      /INVALID_USER_ID|NOT_FOUND/,
    );
  });

  it.each(RESOURCE_ATTEMPTS)('refuses the resource path %j', async (path) => {
    const error = await refusal(store.create(skill('u1'), actor, { files: { [path]: new Uint8Array([1]) } }));
    expect(error.code).toBe('INVALID_PATH');
    expect(error.message).toMatch(/^Invalid resource path /);
  });

  it.each(['../x', '/etc/passwd', '..%2f..%2fetc'])('treats the skill id %j as unknown', async (id) => {
    expect(await store.get(id)).toBeNull();
    expect((await refusal(store.update(id, {}, actor))).code).toBe('SKILL_NOT_FOUND');
    expect((await refusal(store.versions(id))).code).toBe('SKILL_NOT_FOUND');
  });

  it('refuses zip entries that escape the target and imports the rest', async () => {
    const entries: Record<string, Uint8Array> = {
      'good/SKILL.md': new TextEncoder().encode('---\nname: Good\n---\n\nok\n'),
    };
    for (const name of ZIP_ENTRY_ATTEMPTS)
      entries[name] = new TextEncoder().encode('---\nname: Evil\n---\n\nx\n');
    const zip = join(temp.dir, 'attack.zip');
    writeFileSync(zip, zipSync(entries));
    const report = await importSkills(store, { source: zip, target: { userId: 'zipper' } });
    expect(report.imported.map((item) => item.name)).toEqual(['Good']);
    expect(report.errors.map((item) => [item.code, item.from]).sort()).toEqual(
      ZIP_ENTRY_ATTEMPTS.map((name) => ['INVALID_PATH', name]).sort(),
    );
    expect(existsSync(join(temp.dir, 'store', 'evil'))).toBe(false);
    expect(existsSync(join(temp.dir, 'evil'))).toBe(false);
  });

  it('wrote nothing outside the store root', () => {
    expect(readdirSync(join(temp.dir, 'store'))).toEqual(['SkillBank']);
    expect(readdirSync(temp.dir).sort()).toEqual(['attack.zip', 'store']);
  });
});
