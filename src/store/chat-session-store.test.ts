/**
 * One contract suite for every `ChatSessionStore` (memory and filesystem), plus what only the filesystem
 * store does: survive a restart, rebuild a lost summary, refuse unsafe ids, surface write errors.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../test/support/fixtures.js';
import {
  type ChatSessionRecord,
  type ChatSessionStore,
  type ChatTurnRecord,
  fitSessionRecord,
  summarizeSession,
} from './chat-session-store.js';
import { FileChatSessionStore } from './fs/file-chat-session-store.js';
import { MemoryChatSessionStore } from './memory-chat-session-store.js';

function turn(index: number, overrides: Partial<ChatTurnRecord> = {}): ChatTurnRecord {
  return {
    id: `turn_${index}`,
    kind: 'chat',
    command: null,
    status: 'completed',
    userText: `question ${index}`,
    replyText: `answer ${index}`,
    retrieval: null,
    injected: [],
    jobIds: [],
    receipt: null,
    error: null,
    trimmed: false,
    createdAt: 1000 + index,
    finishedAt: 1001 + index,
    ...overrides,
  };
}

function record(id: string, userId: string, overrides: Partial<ChatSessionRecord> = {}): ChatSessionRecord {
  return {
    version: 1,
    id,
    userId,
    title: 'New chat',
    titleSource: 'auto',
    createdAt: 100,
    updatedAt: 100,
    settings: {
      scope: 'all',
      rewriteMode: 'auto',
      extractMode: 'auto',
      extractTurnLimit: 1,
      minScore: 0.4,
      topK: 1,
    },
    turns: [],
    jobs: [],
    turnsSinceExtraction: 0,
    ...overrides,
  };
}

const temps: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of temps.splice(0)) cleanup();
});

function fileStore(): FileChatSessionStore {
  const temp = makeTempDir('autoskill-sessions-');
  temps.push(temp.cleanup);
  return new FileChatSessionStore({ stateDir: join(temp.dir, '.autoskill') });
}

const IMPLEMENTATIONS: Array<[string, () => ChatSessionStore]> = [
  ['memory', () => new MemoryChatSessionStore()],
  ['filesystem', fileStore],
];

describe.each(IMPLEMENTATIONS)('ChatSessionStore contract: %s', (_name, make) => {
  it('creates, reads, saves and deletes a session', async () => {
    const store = make();
    await store.open();
    await store.create(record('ses_a', 'u1'));
    expect((await store.get('u1', 'ses_a'))?.title).toBe('New chat');
    await store.save(record('ses_a', 'u1', { title: '周报', turns: [turn(1)], updatedAt: 200 }));
    const read = await store.get('u1', 'ses_a');
    expect(read?.title).toBe('周报');
    expect(read?.turns).toHaveLength(1);
    expect(await store.delete('u1', 'ses_a')).toBe(true);
    expect(await store.get('u1', 'ses_a')).toBeNull();
    expect(await store.delete('u1', 'ses_a')).toBe(false);
    await store.close();
  });

  it('refuses a duplicate id and saving a deleted session', async () => {
    const store = make();
    await store.open();
    await store.create(record('ses_a', 'u1'));
    await expect(store.create(record('ses_a', 'u1'))).rejects.toMatchObject({ code: 'CONFLICT' });
    await store.delete('u1', 'ses_a');
    await expect(store.save(record('ses_a', 'u1'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('keeps users apart: another user never sees, lists or deletes a session', async () => {
    const store = make();
    await store.open();
    await store.create(record('ses_a', 'alice'));
    expect(await store.get('bob', 'ses_a')).toBeNull();
    expect(await store.list('bob')).toEqual([]);
    expect(await store.count('bob')).toBe(0);
    expect(await store.delete('bob', 'ses_a')).toBe(false);
    expect(await store.get('alice', 'ses_a')).not.toBeNull();
  });

  it('lists summaries newest first, with counts and a preview', async () => {
    const store = make();
    await store.open();
    await store.create(record('ses_old', 'u1', { updatedAt: 100 }));
    await store.create(
      record('ses_new', 'u1', { updatedAt: 300, turns: [turn(1), turn(2, { replyText: null })] }),
    );
    await store.create(record('ses_mid', 'u1', { updatedAt: 200 }));
    const list = await store.list('u1');
    expect(list.map((item) => item.id)).toEqual(['ses_new', 'ses_mid', 'ses_old']);
    expect(list[0]).toMatchObject({ messageCount: 3, turnCount: 2, preview: 'question 2' });
    expect(await store.list('u1', { limit: 1 })).toHaveLength(1);
    expect(await store.count('u1')).toBe(3);
  });

  it('returns copies: changing a returned record changes nothing stored', async () => {
    const store = make();
    await store.open();
    const original = record('ses_a', 'u1', { turns: [turn(1)] });
    await store.create(original);
    original.title = 'changed after create';
    const read = await store.get('u1', 'ses_a');
    if (!read) throw new Error('missing');
    read.turns.push(turn(2));
    expect((await store.get('u1', 'ses_a'))?.turns).toHaveLength(1);
    expect((await store.get('u1', 'ses_a'))?.title).toBe('New chat');
  });

  it('refuses invalid user ids and treats unsafe session ids as unknown', async () => {
    const store = make();
    await store.open();
    await expect(store.get('../x', 'ses_a')).rejects.toMatchObject({ code: 'INVALID_USER_ID' });
    expect(await store.get('u1', '../../etc/passwd')).toBeNull();
    await expect(store.create(record('../evil', 'u1'))).rejects.toBeDefined();
  });
});

describe('FileChatSessionStore', () => {
  it('keeps sessions across a restart (a new instance on the same folder)', async () => {
    const temp = makeTempDir('autoskill-sessions-');
    temps.push(temp.cleanup);
    const stateDir = join(temp.dir, '.autoskill');
    const first = new FileChatSessionStore({ stateDir });
    await first.open();
    await first.create(record('ses_a', 'u1', { turns: [turn(1)], turnsSinceExtraction: 1 }));
    await first.close();
    const second = new FileChatSessionStore({ stateDir });
    await second.open();
    expect(await second.get('u1', 'ses_a')).toMatchObject({
      turnsSinceExtraction: 1,
      turns: [{ id: 'turn_1' }],
    });
    expect(readdirSync(join(stateDir, 'sessions', 'u1')).sort()).toEqual([
      'ses_a.json',
      'ses_a.summary.json',
    ]);
  });

  it('rebuilds a missing or damaged summary from the record', async () => {
    const store = fileStore();
    await store.open();
    await store.create(record('ses_a', 'u1', { title: 'kept', turns: [turn(1)] }));
    const dir = join(store.root, 'u1');
    rmSync(join(dir, 'ses_a.summary.json'));
    expect((await store.list('u1'))[0]).toMatchObject({ title: 'kept', messageCount: 2 });
    writeFileSync(join(dir, 'ses_a.summary.json'), '{not json');
    expect((await store.list('u1'))[0]?.title).toBe('kept');
  });

  it('reports a damaged record on read and leaves it out of the list', async () => {
    const store = fileStore();
    await store.open();
    await store.create(record('ses_a', 'u1'));
    await store.create(record('ses_b', 'u1'));
    const dir = join(store.root, 'u1');
    writeFileSync(join(dir, 'ses_a.json'), '{"version": 1');
    rmSync(join(dir, 'ses_a.summary.json'));
    await expect(store.get('u1', 'ses_a')).rejects.toMatchObject({ code: 'STORE_CORRUPT' });
    expect((await store.list('u1')).map((item) => item.id)).toEqual(['ses_b']);
  });

  it('surfaces write errors instead of swallowing them', async () => {
    const store = fileStore();
    await store.open();
    await store.create(record('ses_a', 'u1'));
    // A folder where the summary file goes: the rename fails (as root too, unlike a permission test).
    const summary = join(store.root, 'u1', 'ses_a.summary.json');
    rmSync(summary);
    mkdirSync(join(summary, 'blocker'), { recursive: true });
    await expect(store.save(record('ses_a', 'u1', { title: 'x' }))).rejects.toMatchObject({
      code: 'INTERNAL',
      message: expect.stringContaining('Could not write chat session'),
    });
  });

  it('writes nothing outside its folder and leaves no temp files', async () => {
    const store = fileStore();
    await store.open();
    for (let index = 0; index < 5; index += 1) {
      await store.save(record('ses_a', 'u1', { turns: [turn(index)] })).catch(() => undefined);
    }
    await store.create(record('ses_a', 'u1'));
    await store.save(record('ses_a', 'u1', { turns: [turn(1)] }));
    expect(readdirSync(join(store.root, 'u1')).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    expect(existsSync(join(store.root, 'u1', 'ses_a.json'))).toBe(true);
    expect(JSON.parse(readFileSync(join(store.root, 'u1', 'ses_a.json'), 'utf8')).turns).toHaveLength(1);
  });
});

describe('fitSessionRecord', () => {
  const retrieval = {
    originalQuery: 'q',
    rewrittenQuery: null,
    searchQuery: 'q',
    eventTime: 1,
    scope: 'all' as const,
    topK: 1,
    minScore: 0.4,
    hits: Array.from({ length: 5 }, (_, rank) => ({
      rank: rank + 1,
      score: 0.5,
      id: `skill-${rank}`,
      name: 'name',
      description: 'x'.repeat(2000),
      resourcePaths: [],
      source: 'user:u1',
      owner: 'u1',
      version: '0.1.0',
    })),
    hitsUser: [],
    hitsLibrary: [],
    selectedForUseIds: [],
    selectedForContextIds: [],
    contextInjected: false,
    error: null,
  };

  it('drops the oldest turns’ details first and never the visible text', () => {
    const turns = Array.from({ length: 20 }, (_, index) => turn(index, { retrieval }));
    const big = record('ses_a', 'u1', { turns });
    const fitted = fitSessionRecord(big, { maxRecordBytes: 60_000 });
    expect(Buffer.byteLength(JSON.stringify(fitted))).toBeLessThanOrEqual(60_000);
    expect(fitted.turns[0]?.trimmed).toBe(true);
    expect(fitted.turns.at(-1)?.trimmed).toBe(false);
    expect(fitted.turns.map((item) => item.userText)).toEqual(turns.map((item) => item.userText));
    expect(fitted.turns.map((item) => item.replyText)).toEqual(turns.map((item) => item.replyText));
    expect(summarizeSession(fitted).messageCount).toBe(40);
  });

  it('leaves a small record untouched and refuses one whose messages are over the limit', () => {
    const small = record('ses_a', 'u1', { turns: [turn(1, { retrieval })] });
    expect(fitSessionRecord(small)).toBe(small);
    const full = record('ses_a', 'u1', { turns: [turn(1, { userText: '长'.repeat(1000) })] });
    expect(() => fitSessionRecord(full, { maxVisibleBytes: 1000 })).toThrow(/full/);
  });
});
