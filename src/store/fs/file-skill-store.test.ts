import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../test/support/fixtures.js';
import { runSkillStoreContract } from '../../../test/support/skill-store-contract.js';
import { deterministicSkillId } from '../../skill/ids.js';
import { FileLock } from './file-lock.js';
import { FileSkillStore, type FileSkillStoreOptions } from './file-skill-store.js';

runSkillStoreContract({
  name: 'FileSkillStore (durability: fsync)',
  create: async () => {
    const temp = makeTempDir('autoskill-store-fsync-');
    const store = new FileSkillStore({ root: temp.dir, durability: 'fsync' });
    await store.open();
    return { store, cleanup: temp.cleanup };
  },
});

runSkillStoreContract({
  name: 'FileSkillStore',
  create: async () => {
    const temp = makeTempDir('autoskill-store-');
    const store = new FileSkillStore({ root: temp.dir });
    await store.open();
    return { store, cleanup: temp.cleanup };
  },
});

const actor = { actor: 'test' };
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

function writeSkill(dir: string, content: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'SKILL.md'), content);
}

describe('FileSkillStore on disk', () => {
  let temp: { dir: string; cleanup: () => void };
  let root: string;
  beforeEach(() => {
    temp = makeTempDir('autoskill-fs-');
    root = join(temp.dir, 'SkillBank');
  });
  afterEach(() => temp.cleanup());

  async function open(options: Partial<FileSkillStoreOptions> = {}): Promise<FileSkillStore> {
    const store = new FileSkillStore({ root, ...options });
    await store.open();
    return store;
  }

  it('loads hand-written user skills without history and records a baseline when needed', async () => {
    writeSkill(join(root, 'Users', 'u1', 'notes'), '---\nname: Notes\ndescription: d\n---\n\nPrompt text\n');
    const store = await open();
    const [skill] = (await store.list({ userId: 'u1' })).items;
    expect(skill).toMatchObject({ name: 'Notes', revision: 0, location: 'Users/u1/notes', readOnly: false });
    expect(skill?.id).toBe(deterministicSkillId('u1', 'notes'));
    const before = readFileSync(join(root, 'Users', 'u1', 'notes', 'SKILL.md'), 'utf8');
    const versions = await store.versions(skill!.id);
    expect(versions.map((item) => [item.revision, item.operation, item.actor])).toEqual([
      [1, 'baseline', 'filesystem'],
    ]);
    expect(readFileSync(join(root, 'Users', 'u1', 'notes', 'SKILL.md'), 'utf8')).toBe(before);
    // An editor that saw revision 0 may still save: nothing changed since it read.
    const updated = await store.update(skill!.id, { description: 'edited' }, { ...actor, baseRevision: 0 });
    expect(updated.revision).toBe(2);
  });

  it('records a hand edit of SKILL.md before overwriting it, and refuses an editor that did not see it', async () => {
    const store = await open();
    const created = await store.create(
      { owner: 'u1', name: 'Hand', description: 'a', instructions: 'b' },
      actor,
    );
    const file = join(root, ...created.location.split('/'), 'SKILL.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace('description: "a"', 'description: "by hand"'));
    await expectCode(
      store.update(created.id, { version: '0.2.0' }, { ...actor, baseRevision: 1 }),
      'STALE_REVISION',
    );
    const versions = await store.versions(created.id);
    expect(versions.map((item) => item.operation)).toEqual(['create', 'external-edit']);
    expect((await store.getRevision(created.id, 2)).skill.description).toBe('by hand');
    const updated = await store.update(created.id, { version: '0.2.0' }, { ...actor, baseRevision: 2 });
    expect(updated).toMatchObject({ revision: 3, description: 'by hand', version: '0.2.0' });
  });

  it('sees hand edits on refresh and tells subscribers', async () => {
    const store = await open();
    const created = await store.create(
      { owner: 'u1', name: 'Refresh', description: 'a', instructions: 'b' },
      actor,
    );
    const changes: string[] = [];
    store.subscribe((change) => changes.push(`${change.type}:${change.origin}`));
    const file = join(root, ...created.location.split('/'), 'SKILL.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace('description: "a"', 'description: "changed"'));
    writeSkill(join(root, 'Users', 'u1', 'new-one'), '---\nname: New one\ndescription: x\n---\n\nbody\n');
    const report = await store.refresh();
    expect(report).toMatchObject({ added: 1, changed: 1, removed: 0 });
    expect((await store.get(created.id))?.description).toBe('changed');
    expect(changes.sort()).toEqual(['upsert:rescan', 'upsert:rescan']);
  });

  it('keeps metadata, status and timestamps across a restart', async () => {
    let now = new Date('2026-01-02T03:04:05.000Z');
    const store = await open({ clock: () => now });
    const created = await store.create(
      {
        owner: 'u1',
        name: 'Kept',
        description: 'd',
        instructions: 'i',
        metadata: { confidence: 0.8, source: { a: 1 } },
      },
      actor,
    );
    now = new Date('2026-02-02T00:00:00.000Z');
    await store.update(created.id, { status: 'archived' }, actor);
    await store.close();
    const reopened = await open();
    expect(await reopened.get(created.id)).toMatchObject({
      metadata: { confidence: 0.8, source: { a: 1 } },
      status: 'archived',
      createdAt: '2026-01-02T03:04:05.000Z',
      updatedAt: '2026-02-02T00:00:00.000Z',
      revision: 2,
    });
  });

  it('shows a write of one instance to another on its next read, without a restart', async () => {
    const writer = await open();
    const reader = await open();
    const seen: string[] = [];
    reader.subscribe((change) => seen.push(`${change.type}:${change.origin}:${change.revision}`));
    const created = await writer.create(
      { owner: 'u1', name: 'Shared', description: 'a', instructions: 'b' },
      actor,
    );
    expect((await reader.get(created.id))?.name).toBe('Shared');
    await writer.update(created.id, { description: 'second' }, actor);
    expect((await reader.get(created.id))?.description).toBe('second');
    await writer.delete(created.id, actor);
    expect(await reader.get(created.id)).toBeNull();
    // The reader writes on top of the latest state, never a stale copy.
    const restored = await reader.restore(created.id, actor);
    expect(restored.revision).toBe(4);
    expect((await writer.get(created.id))?.revision).toBe(4);
    expect(seen).toEqual(['upsert:remote:1', 'upsert:remote:2', 'delete:remote:3', 'upsert:local:4']);
    const listener = await open();
    const heard: string[] = [];
    listener.subscribe((change) => heard.push(`${change.type}:${change.origin}`));
    await writer.update(created.id, { description: 'heard' }, actor);
    await listener.sync();
    expect(heard).toEqual(['upsert:remote']);
  });

  it('peeks at the state of its last read, and a copy of it', async () => {
    const writer = await open();
    const reader = await open();
    const created = await writer.create(
      { owner: 'u1', name: 'Peeked', description: 'a', instructions: 'b' },
      actor,
    );
    expect(reader.peek(created.id)).toBeNull();
    await reader.sync();
    const peeked = reader.peek(created.id);
    expect(peeked).toEqual(await reader.get(created.id));
    (peeked as { name: string }).name = 'changed by the caller';
    expect(reader.peek(created.id)?.name).toBe('Peeked');
    await writer.update(created.id, { description: 'second' }, actor);
    expect(reader.peek(created.id)?.description).toBe('a');
    await reader.sync();
    expect(reader.peek(created.id)?.description).toBe('second');
  });

  it('treats libraries as read-only, never changes their files, and reports duplicate ids', async () => {
    const docx = '---\nname: docx\ndescription: "Word files"\nlicense: MIT\n---\n\nUse it.\n';
    writeSkill(join(root, 'Common', 'flat-skill'), '---\nname: Flat\ndescription: f\n---\n\nx\n');
    writeSkill(join(root, 'Common', 'anthropics-skill', 'docx'), docx);
    writeSkill(
      join(root, 'Common', 'lib2', 'copy'),
      `---\nid: "${deterministicSkillId('library:anthropics-skill', 'anthropics-skill/docx')}"\nname: copy\n---\n\nx\n`,
    );
    const extra = join(temp.dir, 'extra-lib');
    writeSkill(join(extra, 'group', 'one'), '---\nname: One\ndescription: o\n---\n\nx\n');
    const store = await open({ libraryDirs: [extra] });
    const all = (await store.list({ scope: 'library', limit: 100 })).items;
    expect(all.map((skill) => [skill.owner, skill.location.replace(temp.dir, '<tmp>')]).sort()).toEqual([
      ['library:Common', 'Common/flat-skill'],
      ['library:anthropics-skill', 'Common/anthropics-skill/docx'],
      ['library:extra-lib', '<tmp>/extra-lib/group/one'],
    ]);
    const docxSkill = all.find((skill) => skill.name === 'docx')!;
    expect(docxSkill.id).toBe('087f95df-f870-5a59-8465-2aecf4314057');
    expect(all.find((skill) => skill.name === 'One')?.id).toBe(
      deterministicSkillId('library:extra-lib', 'extra-lib/group/one'),
    );
    expect(store.problems()).toEqual([
      expect.objectContaining({ code: 'DUPLICATE_ID', location: 'Common/lib2/copy' }),
    ]);
    await expectCode(store.update(docxSkill.id, { description: 'x' }, actor), 'READ_ONLY');
    await expectCode(store.delete(docxSkill.id, actor), 'READ_ONLY');
    await expectCode(store.saveSkillMd(docxSkill.id, docx, actor), 'READ_ONLY');
    expect(await store.versions(docxSkill.id)).toEqual([]);
    expect(readFileSync(join(root, 'Common', 'anthropics-skill', 'docx', 'SKILL.md'), 'utf8')).toBe(docx);
    expect(text((await store.readFiles(docxSkill.id)).files.x ?? new Uint8Array())).toBe('');
  });

  it('opens read-only without creating anything', async () => {
    writeSkill(join(root, 'Users', 'u1', 'a'), '---\nname: A\n---\n\nx\n');
    const store = await open({ readOnly: true });
    expect((await store.list({ userId: 'u1' })).total).toBe(1);
    expect(existsSync(join(root, '.autoskill'))).toBe(false);
    await expectCode(
      store.create({ owner: 'u1', name: 'B', description: '', instructions: '' }, actor),
      'READ_ONLY',
    );
  });

  it('skips hidden folders, bad user folder names and reports bad files with their reason', async () => {
    writeSkill(join(root, 'Users', 'u1', '.hidden', 'x'), '---\nname: Hidden\n---\n\nx\n');
    writeSkill(join(root, 'Users', '.git', 'x'), '---\nname: Hidden too\n---\n\nx\n');
    mkdirSync(join(root, 'Users', 'u1', 'binary'), { recursive: true });
    writeFileSync(join(root, 'Users', 'u1', 'binary', 'SKILL.md'), Buffer.from('---\nname: B\n---\n\0\n'));
    writeSkill(join(root, 'Users', 'u1', 'good'), '---\nname: Good\n---\n\nx\n');
    const store = await open();
    expect((await store.list({ userId: 'u1' })).items.map((skill) => skill.name)).toEqual(['Good']);
    expect(store.problems()).toEqual([
      expect.objectContaining({ code: 'INVALID_SKILL_FILE', location: 'Users/u1/binary/SKILL.md', line: 4 }),
    ]);
  });

  it('writes ids into id-less user files as a revision, and into library files only when asked', async () => {
    writeSkill(join(root, 'Users', 'u1', 'plain'), '---\nname: Plain\ndescription: p\n---\n\nbody\n');
    writeSkill(join(root, 'Common', 'lib', 'c'), '---\nname: C\n---\n\nbody\n');
    const store = await open();
    const report = await store.normalizeIds();
    const userId = deterministicSkillId('u1', 'plain');
    expect(report.changed).toEqual([{ location: 'Users/u1/plain', id: userId }]);
    expect(readFileSync(join(root, 'Users', 'u1', 'plain', 'SKILL.md'), 'utf8')).toContain(`id: "${userId}"`);
    expect((await store.versions(userId)).map((item) => item.operation)).toEqual([
      'baseline',
      'normalize-id',
    ]);
    expect(readFileSync(join(root, 'Common', 'lib', 'c', 'SKILL.md'), 'utf8')).not.toContain('id:');
    const again = await store.normalizeIds({ includeLibraries: true });
    const libraryId = deterministicSkillId('library:lib', 'lib/c');
    expect(again.changed).toEqual([{ location: 'Common/lib/c', id: libraryId }]);
    expect(readFileSync(join(root, 'Common', 'lib', 'c', 'SKILL.md'), 'utf8')).toContain(
      `id: "${libraryId}"`,
    );
    expect((await store.get(libraryId))?.name).toBe('C');
  });
});

describe('FileLock', () => {
  let temp: { dir: string; cleanup: () => void };
  beforeEach(() => {
    temp = makeTempDir('autoskill-lock-');
  });
  afterEach(() => temp.cleanup());

  it('breaks a lock left by a dead process and times out on a live one', async () => {
    const path = join(temp.dir, 'lock');
    const dead = {
      host: hostname(),
      pid: 2 ** 22 + 12345,
      token: 'x',
      processStart: null,
      acquiredAt: 'then',
    };
    writeFileSync(path, JSON.stringify(dead));
    const lock = new FileLock({ path, timeoutMs: 1000 });
    await lock.acquire();
    expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.pid);
    const other = new FileLock({ path, timeoutMs: 50 });
    await expectCode(other.acquire(), 'LOCK_TIMEOUT');
    lock.release();
    expect(existsSync(path)).toBe(false);
    await other.acquire();
    other.release();
  });

  it('breaks the lock of another host only once it is old', async () => {
    const path = join(temp.dir, 'lock');
    writeFileSync(
      path,
      JSON.stringify({ host: 'elsewhere', pid: 1, token: 't', processStart: null, acquiredAt: 'x' }),
    );
    await expectCode(new FileLock({ path, timeoutMs: 30, foreignStaleMs: 60_000 }).acquire(), 'LOCK_TIMEOUT');
    const old = new Date(Date.now() - 120_000);
    utimesSync(path, old, old);
    const lock = new FileLock({ path, timeoutMs: 1000, foreignStaleMs: 60_000 });
    await lock.acquire();
    expect(JSON.parse(readFileSync(path, 'utf8')).host).toBe(hostname());
    lock.release();
  });

  it('never breaks a fresh lock of another host', async () => {
    const path = join(temp.dir, 'lock');
    writeFileSync(
      path,
      JSON.stringify({ host: 'elsewhere', pid: 1, token: 't', processStart: null, acquiredAt: 'x' }),
    );
    await expectCode(new FileLock({ path, timeoutMs: 30 }).acquire(), 'LOCK_TIMEOUT');
    expect(existsSync(path)).toBe(true);
  });
});

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toMatchObject({ code });
}

describe('FileSkillStore recovery', () => {
  let temp: { dir: string; cleanup: () => void };
  beforeEach(() => {
    temp = makeTempDir('autoskill-recover-');
  });
  afterEach(() => temp.cleanup());

  it('finishes a transaction that stopped after its revision was logged', async () => {
    const root = join(temp.dir, 'SkillBank');
    const store = new FileSkillStore({ root });
    await store.open();
    const created = await store.create(
      { owner: 'u1', name: 'Crash', description: 'a', instructions: 'b' },
      actor,
      {
        files: { 'old.txt': new TextEncoder().encode('old') },
      },
    );
    // Recreate what a process killed right after the commit point leaves: the update's revision line is
    // in the log, the intent names where the transaction started, the folder still holds the old state.
    const folder = join(root, ...created.location.split('/'));
    const oldSkillMd = readFileSync(join(folder, 'SKILL.md'), 'utf8');
    const logSize = statSync(join(root, '.autoskill', 'revisions.jsonl')).size;
    await store.update(created.id, { description: 'new' }, actor, {
      files: { 'old.txt': null, 'new.txt': new TextEncoder().encode('new') },
    });
    writeFileSync(join(folder, 'SKILL.md'), oldSkillMd);
    writeFileSync(join(folder, 'old.txt'), 'old');
    rmSync(join(folder, 'new.txt'));
    writeFileSync(
      join(root, '.autoskill', 'intent.json'),
      JSON.stringify({ logOffset: logSize, host: 'h', pid: 1 }),
    );

    const next = new FileSkillStore({ root });
    await next.open();
    expect(existsSync(join(root, '.autoskill', 'intent.json'))).toBe(false);
    expect(readFileSync(join(folder, 'SKILL.md'), 'utf8')).toContain('description: "new"');
    expect(existsSync(join(folder, 'old.txt'))).toBe(false);
    expect(readFileSync(join(folder, 'new.txt'), 'utf8')).toBe('new');
    expect(await next.get(created.id)).toMatchObject({
      revision: 2,
      description: 'new',
      resources: ['new.txt'],
    });
  });

  it('ignores and then cuts a torn last line of the revision log', async () => {
    const root = join(temp.dir, 'SkillBank');
    const store = new FileSkillStore({ root });
    await store.open();
    const created = await store.create(
      { owner: 'u1', name: 'Torn', description: 'a', instructions: 'b' },
      actor,
    );
    const log = join(root, '.autoskill', 'revisions.jsonl');
    const size = statSync(log).size;
    appendFileSync(log, '{"seq":2,"id":"x","rev');
    writeFileSync(
      join(root, '.autoskill', 'intent.json'),
      JSON.stringify({ logOffset: size, host: 'h', pid: 1 }),
    );
    const reader = new FileSkillStore({ root });
    await reader.open();
    expect(statSync(log).size).toBe(size);
    expect(reader.problems()).toEqual([]);
    expect(await reader.update(created.id, { description: 'b' }, actor)).toMatchObject({ revision: 2 });
  });
});

describe('FileSkillStore checkpoint', () => {
  let temp: { dir: string; cleanup: () => void };
  beforeEach(() => {
    temp = makeTempDir('autoskill-checkpoint-');
  });
  afterEach(() => temp.cleanup());

  it('opens from the checkpoint plus the log tail, and ignores a checkpoint that does not fit the log', async () => {
    const root = join(temp.dir, 'SkillBank');
    const writer = new FileSkillStore({ root, checkpointEveryBytes: 1 });
    await writer.open();
    const first = await writer.create(
      { owner: 'u1', name: 'One', description: 'a', instructions: 'b' },
      actor,
    );
    await writer.update(first.id, { description: 'two' }, actor);
    const checkpoint = join(root, '.autoskill', 'checkpoint.json');
    expect(JSON.parse(readFileSync(checkpoint, 'utf8')).skills).toHaveLength(1);
    const noCheckpoint = new FileSkillStore({ root, checkpointEveryBytes: 1e12 });
    await noCheckpoint.open();
    const second = await noCheckpoint.create(
      { owner: 'u1', name: 'Two', description: 'c', instructions: 'd' },
      actor,
    );
    await noCheckpoint.delete(second.id, actor);

    const reader = new FileSkillStore({ root });
    await reader.open();
    expect(await reader.get(first.id)).toMatchObject({ revision: 2, description: 'two' });
    expect((await reader.versions(first.id)).map((item) => item.operation)).toEqual(['create', 'update']);
    expect((await reader.versions(second.id)).map((item) => item.operation)).toEqual(['create', 'delete']);
    expect(await reader.get(second.id)).toBeNull();

    writeFileSync(checkpoint, JSON.stringify({ version: 1, logOffset: 10, seq: 1, skills: [] }));
    const fallback = new FileSkillStore({ root });
    await fallback.open();
    expect((await fallback.versions(first.id)).map((item) => item.revision)).toEqual([1, 2]);
    writeFileSync(checkpoint, '{not json');
    const broken = new FileSkillStore({ root });
    await broken.open();
    expect((await broken.get(first.id))?.revision).toBe(2);
  });
});

describe('FileSkillStore after a failed write', () => {
  let temp: { dir: string; cleanup: () => void };
  beforeEach(() => {
    temp = makeTempDir('autoskill-failed-');
  });
  afterEach(() => temp.cleanup());

  it('keeps reading, and finishes the write once the disk allows it', async () => {
    const root = join(temp.dir, 'SkillBank');
    const store = new FileSkillStore({ root });
    await store.open();
    const created = await store.create(
      { owner: 'u1', name: 'Blocked', description: 'a', instructions: 'b' },
      actor,
    );
    const folder = join(root, ...created.location.split('/'));
    // A file where the folder should be makes every write into it fail.
    rmSync(folder, { recursive: true });
    writeFileSync(folder, 'in the way');
    await expect(store.update(created.id, { description: 'second' }, actor)).rejects.toThrow();
    expect(existsSync(join(root, '.autoskill', 'intent.json'))).toBe(true);
    expect((await store.versions(created.id)).map((item) => item.revision)).toEqual([1, 2]);
    expect(store.problems().map((problem) => problem.code)).toContain('STORE_CORRUPT');
    rmSync(folder);
    const fixed = await store.update(created.id, { version: '0.2.0' }, actor);
    expect(fixed).toMatchObject({ revision: 3, description: 'second', version: '0.2.0' });
    expect(readFileSync(join(folder, 'SKILL.md'), 'utf8')).toContain('description: "second"');
    expect(existsSync(join(root, '.autoskill', 'intent.json'))).toBe(false);
  });
});
