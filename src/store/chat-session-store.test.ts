/**
 * One contract suite for every `ChatSessionStore` (memory and filesystem), plus what only the filesystem
 * store does: survive a restart, rebuild a lost summary, refuse unsafe ids, surface write errors.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chatSessionStoreContract, record, turn } from '../../test/support/chat-session-store-contract.js';
import { makeTempDir } from '../../test/support/fixtures.js';
import { fitSessionRecord, summarizeSession } from './chat-session-store.js';
import { FileChatSessionStore } from './fs/file-chat-session-store.js';
import { MemoryChatSessionStore } from './memory-chat-session-store.js';

const temps: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of temps.splice(0)) cleanup();
});

function fileStore(): FileChatSessionStore {
  const temp = makeTempDir('autoskill-sessions-');
  temps.push(temp.cleanup);
  return new FileChatSessionStore({ stateDir: join(temp.dir, '.autoskill') });
}

chatSessionStoreContract('memory', () => new MemoryChatSessionStore());
chatSessionStoreContract('filesystem', fileStore);

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
