/**
 * The behaviour every `SkillStore` must have (in-memory, filesystem, and later PostgreSQL). Call
 * `runSkillStoreContract({ name, create })` from a test file; `create` returns a fresh, opened store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AutoSkillError } from '../../src/shared/errors.js';
import type { CreateSkillInput, ListOptions, SkillStore } from '../../src/store/types.js';

export interface ContractStoreFactory {
  name: string;
  create: () => Promise<{ store: SkillStore; cleanup: () => Promise<void> | void }>;
}

const actor = { actor: 'test', reason: 'contract' };

function input(overrides: Partial<CreateSkillInput> = {}): CreateSkillInput {
  return {
    owner: 'u1',
    name: 'Release checklist',
    description: 'Steps before each release.',
    instructions: '# Goal\nShip safely.\n\n## Steps\n1. regression\n2. canary',
    tags: ['release'],
    triggers: ['when releasing'],
    ...overrides,
  };
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<AutoSkillError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AutoSkillError);
    expect((error as AutoSkillError).code).toBe(code);
    return error as AutoSkillError;
  }
  throw new Error(`expected ${code}, but the call succeeded`);
}

export function runSkillStoreContract(factory: ContractStoreFactory): void {
  describe(`SkillStore contract: ${factory.name}`, () => {
    let store: SkillStore;
    let cleanup: () => Promise<void> | void;

    beforeEach(async () => {
      ({ store, cleanup } = await factory.create());
    });
    afterEach(async () => {
      await store.close();
      await cleanup();
    });

    describe('create', () => {
      it('stores a user skill at revision 1 in Users/<user>/<slug>', async () => {
        const created = await store.create(input(), actor);
        expect(created).toMatchObject({
          owner: 'u1',
          name: 'Release checklist',
          revision: 1,
          readOnly: false,
          location: 'Users/u1/release-checklist',
          version: '0.1.0',
          tags: ['release'],
        });
        expect(created.instructions).toBe('# Goal\nShip safely.\n\n## Steps\n1. regression\n2. canary');
        expect(created.createdAt).not.toBeNull();
        expect(await store.get(created.id)).toEqual(created);
      });

      it('gives a second skill of the same name its own folder (-2) and keeps Chinese slugs', async () => {
        const first = await store.create(input(), actor);
        const second = await store.create(input(), actor);
        const chinese = await store.create(input({ name: '周报 写作' }), actor);
        expect(first.location).toBe('Users/u1/release-checklist');
        expect(second.location).toBe('Users/u1/release-checklist-2');
        expect(chinese.location).toBe('Users/u1/周报-写作');
        expect(second.id).not.toBe(first.id);
      });

      it('accepts Chinese user ids and refuses unsafe ones', async () => {
        const created = await store.create(input({ owner: '张三' }), actor);
        expect(created.location.startsWith('Users/张三/')).toBe(true);
        await expectCode(store.create(input({ owner: '../x' }), actor), 'INVALID_USER_ID');
        await expectCode(store.list({ userId: 'a/b' }), 'INVALID_USER_ID');
      });

      it('refuses library owners and duplicate ids', async () => {
        await expectCode(store.create(input({ owner: 'library:Common' }), actor), 'READ_ONLY');
        const created = await store.create(input(), actor);
        await expectCode(store.create(input({ id: created.id }), actor), 'CONFLICT');
      });

      it('stores resource files and refuses paths that leave the folder', async () => {
        const created = await store.create(input(), actor, {
          files: { 'scripts\\run.sh': new TextEncoder().encode('echo hi\n') },
        });
        expect(created.resources).toEqual(['scripts/run.sh']);
        const files = await store.readFiles(created.id);
        expect(new TextDecoder().decode(files.files['scripts/run.sh'])).toBe('echo hi\n');
        expect(files.skillMd).toContain('name: "Release checklist"');
        await expectCode(
          store.create(input(), actor, { files: { '../evil.txt': new Uint8Array([1]) } }),
          'INVALID_PATH',
        );
      });

      it('keeps a given SKILL.md verbatim (with the id written in)', async () => {
        const text = '---\nname: docx\ndescription: "Word files"\nlicense: MIT\n---\n\nUse python-docx.\n';
        const created = await store.create(
          { owner: 'u1', name: 'x', description: '', instructions: '' },
          actor,
          {
            skillMd: text,
          },
        );
        expect(created.name).toBe('docx');
        expect(created.extraFrontMatter).toMatchObject({ license: 'MIT' });
        const files = await store.readFiles(created.id);
        expect(files.skillMd).toContain('license: MIT');
        expect(files.skillMd).toContain(created.id);
      });
    });

    describe('update, edit, history', () => {
      it('records each write as a revision and lists them oldest first', async () => {
        const created = await store.create(input({ metadata: { confidence: 0.5 } }), actor);
        const updated = await store.update(
          created.id,
          { version: '0.1.1', tags: ['release', 'canary'] },
          actor,
        );
        expect(updated.revision).toBe(2);
        expect(updated.tags).toEqual(['release', 'canary']);
        expect(updated.metadata).toEqual({ confidence: 0.5 });
        expect(updated.createdAt).toBe(created.createdAt);
        expect(updated.location).toBe(created.location);
        const renamed = await store.update(created.id, { name: 'Renamed skill' }, actor);
        expect(renamed.location).toBe(created.location);
        const versions = await store.versions(created.id);
        expect(versions.map((item) => [item.revision, item.operation, item.isCurrent])).toEqual([
          [1, 'create', false],
          [2, 'update', false],
          [3, 'update', true],
        ]);
        expect(versions[1]).toMatchObject({ version: '0.1.1', actor: 'test', reason: 'contract' });
      });

      it('refuses a write based on a revision that is no longer current', async () => {
        const created = await store.create(input(), actor);
        await store.update(created.id, { description: 'changed' }, { ...actor, baseRevision: 1 });
        await expectCode(
          store.update(created.id, { description: 'again' }, { ...actor, baseRevision: 1 }),
          'STALE_REVISION',
        );
        await expectCode(store.saveSkillMd(created.id, 'x', { ...actor, baseRevision: 1 }), 'STALE_REVISION');
        expect((await store.get(created.id))?.description).toBe('changed');
      });

      it('saves an edited SKILL.md after validating it', async () => {
        const created = await store.create(input(), actor);
        const files = await store.readFiles(created.id);
        const edited = files.skillMd.replace('Steps before each release.', 'Edited by hand.');
        const saved = await store.saveSkillMd(created.id, edited, actor);
        expect(saved).toMatchObject({ description: 'Edited by hand.', revision: 2 });
        expect((await store.readFiles(created.id)).skillMd).toBe(edited);
        await expectCode(
          store.saveSkillMd(created.id, '---\nname: [broken\n---\n', actor),
          'INVALID_SKILL_FILE',
        );
        const otherId = edited.replace(created.id, '00000000-0000-4000-8000-000000000000');
        await expectCode(store.saveSkillMd(created.id, otherId, actor), 'INVALID_INPUT');
      });

      it('rolls back by writing the old content as a new revision', async () => {
        const created = await store.create(input(), actor);
        await store.update(created.id, { instructions: 'new prompt', version: '0.1.1' }, actor);
        const rolled = await store.rollback(created.id, 1, actor);
        expect(rolled).toMatchObject({ revision: 3, instructions: created.instructions, version: '0.1.0' });
        const versions = await store.versions(created.id);
        expect(versions.at(-1)).toMatchObject({ operation: 'rollback', restoredFrom: 1, isCurrent: true });
        const old = await store.getRevision(created.id, 2);
        expect(old.skill.instructions).toBe('new prompt');
        await expectCode(store.getRevision(created.id, 9), 'REVISION_NOT_FOUND');
        await expectCode(store.rollback(created.id, 0, actor), 'REVISION_NOT_FOUND');
      });

      it('adds, replaces and deletes resource files', async () => {
        const bytes = (text: string) => new TextEncoder().encode(text);
        const created = await store.create(input(), actor, {
          files: { 'a.txt': bytes('a'), 'b.txt': bytes('b') },
        });
        const updated = await store.update(created.id, {}, actor, {
          files: { 'a.txt': null, 'c/d.txt': bytes('d') },
        });
        expect(updated.resources).toEqual(['b.txt', 'c/d.txt']);
        expect(Object.keys((await store.readFiles(created.id)).files).sort()).toEqual(['b.txt', 'c/d.txt']);
        const rolled = await store.rollback(created.id, 1, actor);
        expect(rolled.resources).toEqual(['a.txt', 'b.txt']);
        expect(Object.keys((await store.readFiles(created.id)).files).sort()).toEqual(['a.txt', 'b.txt']);
      });

      it('excludes archived skills from lists unless asked', async () => {
        const created = await store.create(input(), actor);
        await store.update(created.id, { status: 'archived' }, actor);
        expect((await store.list({ userId: 'u1' })).total).toBe(0);
        expect((await store.list({ userId: 'u1', includeArchived: true })).total).toBe(1);
      });
    });

    describe('delete and restore', () => {
      it('keeps the history of a deleted skill and brings it back with the same id', async () => {
        const created = await store.create(input(), actor);
        await store.delete(created.id, actor);
        expect(await store.get(created.id)).toBeNull();
        expect((await store.list({ userId: 'u1' })).total).toBe(0);
        expect((await store.list({ userId: 'u1', deleted: true })).items.map((item) => item.id)).toEqual([
          created.id,
        ]);
        const versions = await store.versions(created.id);
        expect(versions.map((item) => item.operation)).toEqual(['create', 'delete']);
        await expectCode(store.update(created.id, {}, actor), 'SKILL_NOT_FOUND');
        const restored = await store.restore(created.id, actor);
        expect(restored).toMatchObject({
          id: created.id,
          revision: 3,
          name: created.name,
          location: created.location,
        });
        expect((await store.get(created.id))?.instructions).toBe(created.instructions);
        await expectCode(store.restore(created.id, actor), 'CONFLICT');
      });
    });

    describe('list', () => {
      it('pages a user scope by name with a total', async () => {
        for (const name of ['b skill', 'a skill', 'c skill']) await store.create(input({ name }), actor);
        await store.create(input({ owner: 'u2', name: 'other user' }), actor);
        const page = await store.list({ userId: 'u1', scope: 'user', limit: 2, offset: 1 });
        expect(page.total).toBe(3);
        expect(page.items.map((item) => item.name)).toEqual(['b skill', 'c skill']);
        expect((await store.list({ userId: 'u2', scope: 'all' })).items.map((item) => item.name)).toContain(
          'other user',
        );
      });

      it('filters by a case-insensitive text query over name, description, id, tags and triggers', async () => {
        const weekly = await store.create(
          input({ name: '周报 Weekly Report', description: 'Status every Friday.', tags: ['reporting'] }),
          actor,
        );
        await store.create(input({ name: 'Release checklist', triggers: ['Ship a RELEASE'] }), actor);
        await store.create(input({ name: 'Code review', description: 'Review pull requests.' }), actor);
        await store.create(input({ owner: 'u2', name: 'Weekly for someone else' }), actor);
        const names = async (query: string, extra: Partial<ListOptions> = {}) =>
          (await store.list({ userId: 'u1', query, ...extra })).items.map((item) => item.name);
        expect(await names('weekly')).toEqual(['周报 Weekly Report']);
        expect(await names('  周报 ')).toEqual(['周报 Weekly Report']);
        expect(await names('REPORTING')).toEqual(['周报 Weekly Report']);
        expect(await names('ship a release')).toEqual(['Release checklist']);
        expect(await names(weekly.id.slice(0, 8))).toEqual(['周报 Weekly Report']);
        expect(await names('e', { limit: 1, offset: 1 })).toEqual(['Release checklist']);
        expect((await store.list({ userId: 'u1', query: 'e', limit: 1 })).total).toBe(3);
        expect(await names('no such text')).toEqual([]);
        expect(await names('')).toHaveLength(3);
      });

      it('lists the current state after writes, also when the same listing was asked before', async () => {
        const first = await store.create(input({ name: 'b first' }), actor);
        await store.create(input({ name: 'c second' }), actor);
        const names = async () => (await store.list({ userId: 'u1' })).items.map((item) => item.name);
        expect(await names()).toEqual(['b first', 'c second']);
        expect(await names()).toEqual(['b first', 'c second']);
        await store.update(first.id, { name: 'd renamed' }, actor);
        expect(await names()).toEqual(['c second', 'd renamed']);
        await store.create(input({ name: 'a third' }), actor);
        expect(await names()).toEqual(['a third', 'c second', 'd renamed']);
        await store.delete(first.id, actor);
        expect(await names()).toEqual(['a third', 'c second']);
        expect((await store.list({ userId: 'u1', query: 'renamed', deleted: true })).total).toBe(1);
      });
    });

    describe('errors', () => {
      it('reports unknown ids', async () => {
        expect(await store.get('no-such-id')).toBeNull();
        await expectCode(store.update('no-such-id', {}, actor), 'SKILL_NOT_FOUND');
        await expectCode(store.versions('no-such-id'), 'SKILL_NOT_FOUND');
        await expectCode(store.readFiles('no-such-id'), 'SKILL_NOT_FOUND');
      });
    });

    describe('writeBatch', () => {
      it('writes the good entries and reports the bad ones', async () => {
        const results = await store.writeBatch(
          [
            { kind: 'create', input: input({ name: 'one' }) },
            { kind: 'create', input: input({ owner: '../bad', name: 'two' }) },
            { kind: 'create', input: input({ name: 'three' }) },
          ],
          actor,
        );
        expect(results.map((result) => result.ok)).toEqual([true, false, true]);
        expect((await store.list({ userId: 'u1' })).items.map((item) => item.name)).toEqual(['one', 'three']);
      });

      it('replaces an existing skill in place', async () => {
        const created = await store.create(input(), actor);
        const [result] = await store.writeBatch(
          [{ kind: 'replace', id: created.id, input: input({ description: 'replaced' }) }],
          actor,
        );
        expect(result?.ok && result.skill).toMatchObject({
          id: created.id,
          revision: 2,
          description: 'replaced',
        });
      });

      it('replaces with exactly the given files', async () => {
        const withFile = await store.create(input({ name: 'with file' }), actor, {
          files: { 'old.txt': new Uint8Array([1]) },
        });
        const replace = {
          kind: 'replace' as const,
          id: withFile.id,
          input: input({ name: 'with file' }),
          options: { files: { 'new.txt': new Uint8Array([2]) } },
        };
        const [replaced] = await store.writeBatch([replace], actor);
        expect(replaced?.ok && replaced.skill.resources).toEqual(['new.txt']);
        expect(Object.keys((await store.readFiles(withFile.id)).files)).toEqual(['new.txt']);
      });
    });

    describe('subscribe', () => {
      it('tells listeners about every write', async () => {
        const seen: string[] = [];
        const stop = store.subscribe((change) => seen.push(`${change.type}:${change.revision}`));
        const created = await store.create(input(), actor);
        await store.update(created.id, { description: 'x' }, actor);
        await store.delete(created.id, actor);
        stop();
        await store.restore(created.id, actor);
        expect(seen).toEqual(['upsert:1', 'upsert:2', 'delete:3']);
      });
    });
  });
}
