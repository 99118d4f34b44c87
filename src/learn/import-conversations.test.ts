import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../test/support/fixtures.js';
import {
  discoverConversations,
  type ImportedMessage,
  importConversations,
  importOpenAIConversations,
  normaliseMessage,
} from './import-conversations.js';
import type { IngestResult } from './ingest.js';
import { createMaintenanceWorld } from './maintain-eval.js';
import { storedSkill } from './maintain-test-support.js';

const temp = makeTempDir('autoskill-import-');
afterAll(() => temp.cleanup());

function writeFile(name: string, text: string): string {
  const path = join(temp.dir, name);
  writeFileSync(path, text);
  return path;
}

/** An ingest that records what it got and answers `nothing`. */
function recorder(
  outcome: (messages: ImportedMessage[]) => Pick<IngestResult, 'outcome' | 'skill'> = () => ({
    outcome: 'nothing',
  }),
) {
  const seen: Array<{ messages: ImportedMessage[]; metadata: Record<string, unknown>; hint?: string }> = [];
  return {
    seen,
    ingest: async (
      messages: ImportedMessage[],
      context: { metadata: Record<string, unknown>; hint?: string },
    ) => {
      seen.push({ messages, metadata: context.metadata, ...(context.hint ? { hint: context.hint } : {}) });
      return outcome(messages);
    },
  };
}

describe('discoverConversations', () => {
  it('finds bare message lists and every wrapper of the OpenAI exports', () => {
    const user = (text: string) => ({ role: 'user', content: text });
    const found = discoverConversations([
      [user('bare list')],
      { messages: [user('messages')], dialogue: [user('dialogue in the same record')] },
      { conversation: [user('conversation')] },
      { history: [user('history')] },
      { chat_history: [user('chat_history')] },
      { body: { messages: [user('body')] } },
      {
        request: { messages: [user('request')] },
        response: { choices: [{ message: { content: 'answer' } }] },
      },
      { input: { messages: [user('input')] }, response: { output_text: 'output text' } },
      { payload: { messages: [user('payload')] } },
      { data: [{ items: { records: [{ messages: [user('nested containers')] }] } }] },
      { anything: { deeper: [[user('any other value is searched')]] } },
      { messages: [] },
    ]);
    expect(found.map((conversation) => conversation[0]?.content)).toEqual([
      'bare list',
      'messages',
      'dialogue in the same record',
      'conversation',
      'history',
      'chat_history',
      'body',
      'request',
      'input',
      'payload',
      'nested containers',
      'any other value is searched',
    ]);
    expect(found[7]?.[1]).toEqual({ role: 'assistant', content: 'answer' });
    expect(found[8]?.[1]).toEqual({ role: 'assistant', content: 'output text' });
  });

  it('normalises roles and contents (parts, objects, a bare text field) and drops empty messages', () => {
    expect(
      normaliseMessage({ role: 'USER', content: [{ type: 'text', text: 'a' }, 'b', { content: 'c' }] }),
    ).toEqual({
      role: 'user',
      content: 'a\nb\nc',
    });
    expect(normaliseMessage({ role: 'developer', text: 'only text' })).toEqual({
      role: 'user',
      content: 'only text',
    });
    expect(normaliseMessage({ role: 'tool', content: { text: 'tool output' } })).toEqual({
      role: 'tool',
      content: 'tool output',
    });
    expect(normaliseMessage({ role: 'assistant', content: '   ' })).toBeUndefined();
  });

  it('does not append the response when the conversation already ends with an answer', () => {
    const [conversation] = discoverConversations({
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: 'a' },
      ],
      response: { choices: [{ message: { content: 'again' } }] },
    });
    expect(conversation).toHaveLength(2);
  });
});

describe('importConversations', () => {
  it('reads .json and .jsonl files, clips each conversation, and sets the import metadata', async () => {
    const conversation = Array.from({ length: 5 }, (_, index) => ({
      role: index % 2 === 0 ? 'user' : 'assistant',
      content: `turn ${index}`,
    }));
    const json = writeFile('export.json', JSON.stringify({ conversations: [{ messages: conversation }] }));
    const { ingest, seen } = recorder();
    const result = await importConversations({ file: json, maxMessagesPerConversation: 2 }, ingest);
    expect(result).toMatchObject({ totalConversations: 1, processed: 1, failed: 0, upsertedCount: 0 });
    expect(seen[0]?.messages.map((message) => message.content)).toEqual(['turn 3', 'turn 4']);
    expect(seen[0]?.metadata).toMatchObject({ channel: 'openai_import', source_file: json, import_index: 0 });
    expect(seen[0]?.hint).toBeUndefined();

    const jsonl = writeFile(
      'export.jsonl',
      `${JSON.stringify({ messages: conversation })}\n\n${JSON.stringify([{ role: 'user', content: 'second' }])}\n`,
    );
    const lines = recorder();
    const second = await importConversations({ file: jsonl, hint: '  SQL style ' }, lines.ingest);
    expect(second.totalConversations).toBe(2);
    expect(lines.seen.map((entry) => entry.hint)).toEqual(['SQL style', 'SQL style']);
  });

  it('reports bad .jsonl lines and failing conversations, and stops on them without continueOnError', async () => {
    const file = writeFile(
      'mixed.jsonl',
      [
        JSON.stringify({ messages: [{ role: 'user', content: 'one' }] }),
        '{"messages": [',
        JSON.stringify({ messages: [{ role: 'user', content: 'boom' }] }),
        JSON.stringify({ messages: [{ role: 'user', content: 'three' }] }),
      ].join('\n'),
    );
    const failing = recorder((messages) => {
      if (messages[0]?.content === 'boom') throw new Error('the model is down');
      return { outcome: 'nothing' };
    });
    const progress: Array<[number, number, string]> = [];
    const result = await importConversations(
      { file, onProgress: (done, total, step) => progress.push([done, total, step.outcome]) },
      failing.ingest,
    );
    expect(result).toMatchObject({ totalConversations: 3, processed: 2, failed: 1 });
    expect(result.errors).toEqual([
      expect.objectContaining({ line: 2, code: 'INVALID_INPUT' }),
      expect.objectContaining({ index: 1, error: 'the model is down' }),
    ]);
    expect(progress).toEqual([
      [1, 3, 'nothing'],
      [2, 3, 'failed'],
      [3, 3, 'nothing'],
    ]);
    await expect(
      importConversations({ file, continueOnError: false }, recorder().ingest),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    const good = writeFile('good.jsonl', JSON.stringify({ messages: [{ role: 'user', content: 'boom' }] }));
    await expect(importConversations({ file: good, continueOnError: false }, failing.ingest)).rejects.toThrow(
      'the model is down',
    );
  });

  it('fails clearly for a missing or invalid file and counts distinct skills once', async () => {
    await expect(
      importConversations({ file: join(temp.dir, 'missing.json') }, recorder().ingest),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(
      importConversations({ file: writeFile('bad.json', '{nope') }, recorder().ingest),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    const skill = storedSkill({ name: 'x', instructions: '- y' });
    let version = 0;
    const result = await importConversations(
      { data: [[{ role: 'user', content: 'a' }], [{ role: 'user', content: 'b' }]] },
      async () => ({ outcome: 'merged', skill: { ...skill, version: `0.1.${version++}` } }),
    );
    expect(result.upsertedCount).toBe(1);
    expect(result.skills.map((item) => item.version)).toEqual(['0.1.1']);
    expect(result.sourceFile).toBeNull();
  });

  it('learns through the real ingest pipeline', async () => {
    const world = await createMaintenanceWorld({});
    try {
      const rule = {
        role: 'user',
        content: 'From now on, start every commit message with the ticket id in brackets.',
      };
      const result = await importOpenAIConversations({
        data: { data: [{ messages: [rule] }, { messages: [{ role: 'user', content: 'thanks!' }] }] },
        ingest: { store: world.store, search: world.searchFor(undefined), userId: 'u1' },
      });
      expect(result).toMatchObject({ processed: 2, upsertedCount: 1 });
      expect(result.outcomes).toMatchObject({ created: 1, nothing: 1 });
      expect(result.skills[0]?.metadata).toMatchObject({ channel: 'openai_import', import_index: 0 });
    } finally {
      world.close();
    }
  });
});
