/**
 * The behaviour every `ChatSessionStore` must have (memory, filesystem, PostgreSQL). Call
 * `chatSessionStoreContract(name, make)` from a test file; `make` returns a fresh, empty store.
 */
import { describe, expect, it } from 'vitest';
import type {
  ChatSessionRecord,
  ChatSessionStore,
  ChatTurnRecord,
} from '../../src/store/chat-session-store.js';

export function turn(index: number, overrides: Partial<ChatTurnRecord> = {}): ChatTurnRecord {
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

export function record(
  id: string,
  userId: string,
  overrides: Partial<ChatSessionRecord> = {},
): ChatSessionRecord {
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

export function chatSessionStoreContract(name: string, make: () => ChatSessionStore): void {
  describe(`ChatSessionStore contract: ${name}`, () => {
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
}
