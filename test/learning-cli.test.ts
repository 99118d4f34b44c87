/**
 * `autoskill import conversations <file>`: learns offline from a .jsonl export into a SkillBank,
 * snake_case JSON output, bad lines reported with exit code 5, a second import merges instead of
 * duplicating, and the `import` group keeps `import skills`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT } from '../src/cli/exit-codes.js';
import { FileSkillStore } from '../src/store/index.js';
import { cli } from './support/cli.js';
import { makeTempDir } from './support/fixtures.js';

const RULE = (text: string) => JSON.stringify({ messages: [{ role: 'user', content: text }] });

describe('autoskill import conversations', () => {
  let temp: { dir: string; cleanup: () => void };
  let root: string;
  beforeEach(() => {
    temp = makeTempDir('autoskill-cli-import-');
    root = join(temp.dir, 'SkillBank');
  });
  afterEach(() => temp.cleanup());

  it('learns from a .jsonl file, reports bad lines, and merges on a second import', async () => {
    const file = join(temp.dir, 'chats.jsonl');
    writeFileSync(
      file,
      [
        RULE('From now on, every weekly report has three sections: Done, Next, Blocked.'),
        '{broken',
        JSON.stringify({ conversation: [{ role: 'user', content: 'thanks, bye!' }] }),
      ].join('\n'),
    );
    const first = await cli(
      'import',
      'conversations',
      file,
      '--store-dir',
      root,
      '--user-id',
      'u7',
      '--json',
    );
    expect(first.code).toBe(EXIT.problemsFound);
    const result = JSON.parse(first.out) as Record<string, unknown>;
    expect(result).toMatchObject({
      object: 'import.conversations.result',
      total_conversations: 2,
      processed: 2,
      failed: 0,
      upserted_count: 1,
      outcomes: { created: 1, nothing: 1 },
      user_id: 'u7',
    });
    expect(result['errors']).toEqual([expect.objectContaining({ line: 2, code: 'INVALID_INPUT' })]);

    const more = join(temp.dir, 'more.json');
    writeFileSync(
      more,
      JSON.stringify({
        data: [JSON.parse(RULE('Also, from now on start every weekly report with a one-line TL;DR.'))],
      }),
    );
    const second = await cli('import', 'conversations', more, '--store-dir', root, '--user-id', 'u7');
    expect(second.code).toBe(EXIT.ok);
    expect(second.out).toMatch(
      /Processed 1 of 1 conversation\(s\) for user u7: 0 skill\(s\) created, 1 merged/,
    );
    const store = new FileSkillStore({ root });
    await store.open();
    const skills = (await store.list({ userId: 'u7', scope: 'user' })).items;
    await store.close();
    expect(skills).toHaveLength(1);
    expect(skills[0]?.version).toBe('0.1.1');
  });

  it('fails with a clear message for a missing file and keeps import skills', async () => {
    const missing = await cli('import', 'conversations', join(temp.dir, 'nope.json'), '--store-dir', root);
    expect(missing.code).toBe(EXIT.notFound);
    expect(missing.err).toMatch(/cannot be read: check the path/);
    const help = await cli('import', '--help');
    expect(help.code).toBe(EXIT.ok);
    expect(help.out).toMatch(/skills \[options\] <source>/);
    expect(help.out).toMatch(/conversations \[options\] <file>/);
  });
});
