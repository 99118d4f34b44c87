/**
 * Every store command of the CLI on a PostgreSQL store (`--store-url` and `AUTOSKILL_STORE_URL`): keys
 * created from the CLI authenticate on a `serve` replica of the same database, `import skills` (user and
 * library), `skills list`, `search` and `vectors status|rebuild` act on the database and never on a
 * `./SkillBank` beside it, filesystem-only commands and flags are refused with exit code 2, and a
 * `serve` started with `--library-dir` imports the folder into the database's libraries (again at each
 * start, writing only what changed), as startup maintenance does `AUTOSKILL_AUTO_IMPORT_DIRS`.
 * `chat --store-url` keeps its extraction jobs in the database's jobs table, where replicas see them.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runChatCommand } from '../src/cli/commands/chat.js';
import { EXIT } from '../src/cli/exit-codes.js';
import { PostgresSkillStore } from '../src/store/postgres/postgres-skill-store.js';
import { runStartupMaintenance } from '../src/store/startup-maintenance.js';
import { cli, startCliServer } from './support/cli.js';
import { makeTempDir } from './support/fixtures.js';
import { postgresServer, postgresSkipReason } from './support/postgres.js';

// biome-ignore lint/suspicious/noExplicitAny: CLI JSON output is read loosely here
type Loose = Record<string, any>;

const skip = postgresSkipReason();

function writeSkill(root: string, folder: string, name: string, description: string, body: string): void {
  mkdirSync(join(root, folder), { recursive: true });
  writeFileSync(
    join(root, folder, 'SKILL.md'),
    `---\nname: ${name}\ndescription: ${description}\n---\n\n${body}\n`,
  );
}

describe.skipIf(skip !== null)('the CLI on a PostgreSQL store', () => {
  const temp = makeTempDir('autoskill-pg-cli-');
  const children: ChildProcess[] = [];
  const schemas: string[] = [];
  const previousCwd = process.cwd();
  const previousUrl = process.env.AUTOSKILL_STORE_URL;
  let baseUrl = '';

  async function freshUrl(prefix: string): Promise<string> {
    const server = await postgresServer();
    const schema = server.freshSchema(prefix);
    schemas.push(schema);
    return `${baseUrl}${baseUrl.includes('?') ? '&' : '?'}schema=${schema}`;
  }

  beforeAll(async () => {
    baseUrl = (await postgresServer()).url;
    // Commands run where a fallback would create `./SkillBank`: the test can then see that none did.
    process.chdir(temp.dir);
    writeSkill(
      join(temp.dir, 'skills'),
      'weekly-report',
      'Weekly report',
      'Write the weekly report with sourced figures',
      'Never invent numbers; cite the source of every figure in the weekly report.',
    );
    writeSkill(join(temp.dir, 'skills'), '周报', '周报写作', '每周五写周报', '先写结论，再列数据来源。');
    writeSkill(join(temp.dir, 'docs-lib'), 'docx', 'docx', 'Edit Word documents', 'Use python-docx.');
  });
  afterEach(() => {
    if (previousUrl === undefined) delete process.env.AUTOSKILL_STORE_URL;
    else process.env.AUTOSKILL_STORE_URL = previousUrl;
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    process.chdir(previousCwd);
    const server = await postgresServer();
    for (const schema of schemas) await server.dropSchema(schema);
    await server.stop();
    temp.cleanup();
  });

  it('imports, lists, searches and maintains vectors in the database (flag and variable)', async () => {
    const url = await freshUrl('cli');
    const imported = await cli('import', 'skills', join(temp.dir, 'skills'), '--store-url', url, '--json');
    expect(imported.code, imported.err).toBe(EXIT.ok);
    expect((JSON.parse(imported.out) as Loose).imported).toHaveLength(2);

    const library = await cli(
      'import',
      'skills',
      join(temp.dir, 'docs-lib'),
      '--library',
      'docs',
      '--store-url',
      url,
      '--json',
    );
    expect(library.code, library.err).toBe(EXIT.ok);
    expect((JSON.parse(library.out) as Loose).imported[0].location).toBe('Common/docs/docx');

    const listed = await cli('skills', 'list', '--store-url', url, '--json');
    expect(listed.code, listed.err).toBe(EXIT.ok);
    expect((JSON.parse(listed.out) as Loose).data.map((skill: Loose) => skill.name).sort()).toEqual([
      'Weekly report',
      '周报写作',
    ]);

    // The variable alone names the store, as it does for `serve`.
    process.env.AUTOSKILL_STORE_URL = url;
    const common = await cli('skills', 'list', '--scope', 'common', '--json');
    expect(common.code, common.err).toBe(EXIT.ok);
    expect((JSON.parse(common.out) as Loose).data.map((skill: Loose) => skill.name)).toEqual(['docx']);

    const before = await cli('vectors', 'status', '--json');
    expect((JSON.parse(before.out) as Loose).skills).toBe(3);
    const rebuilt = await cli('vectors', 'rebuild', '--json');
    expect(rebuilt.code, rebuilt.err).toBe(EXIT.ok);
    const after = await cli('vectors', 'status', '--json');
    expect(after.code, after.err).toBe(EXIT.ok);
    expect(JSON.parse(after.out) as Loose).toMatchObject({ healthy: true, skills: 3, vectors: 3 });

    const found = await cli('search', 'weekly report sources', '--min-score', '0', '--json');
    expect(found.code, found.err).toBe(EXIT.ok);
    expect((JSON.parse(found.out) as Loose).data[0].name).toBe('Weekly report');
    delete process.env.AUTOSKILL_STORE_URL;

    // A config file's store.url names it too (keys take it the same way).
    const configFile = join(temp.dir, 'pg-config.json');
    writeFileSync(configFile, JSON.stringify({ store: { provider: 'postgres', url } }));
    const configured = await cli('skills', 'list', '--config', configFile, '--json');
    expect(configured.code, configured.err).toBe(EXIT.ok);
    expect((JSON.parse(configured.out) as Loose).total).toBe(2);
    const configuredKey = await cli('keys', 'create', '--user-id', 'carol', '--config', configFile, '--json');
    expect(configuredKey.code, configuredKey.err).toBe(EXIT.ok);
    const keyList = await cli('keys', 'list', '--store-url', url, '--json');
    expect((JSON.parse(keyList.out) as Loose).data.map((record: Loose) => record.user_id)).toEqual(['carol']);

    const flagged = await cli('search', '周报', '--store-url', url, '--min-score', '0', '--json');
    expect((JSON.parse(flagged.out) as Loose).data[0].name).toBe('周报写作');

    // Conversations learn into the database too (offline extraction).
    const chats = join(temp.dir, 'chats.jsonl');
    writeFileSync(
      chats,
      `${JSON.stringify({
        messages: [
          {
            role: 'user',
            content: 'From now on, every weekly report has three sections: Done, Next, Blocked.',
          },
        ],
      })}\n`,
    );
    const learnt = await cli(
      'import',
      'conversations',
      chats,
      '--store-url',
      url,
      '--user-id',
      'u7',
      '--json',
    );
    expect(learnt.code, learnt.err).toBe(EXIT.ok);
    expect(JSON.parse(learnt.out) as Loose).toMatchObject({ processed: 1, outcomes: { created: 1 } });
    const learntList = await cli('skills', 'list', '--user-id', 'u7', '--store-url', url, '--json');
    expect((JSON.parse(learntList.out) as Loose).total).toBe(1);

    expect(existsSync(join(temp.dir, 'SkillBank'))).toBe(false);
  }, 60_000);

  it('refuses filesystem-only commands and flags with exit code 2 instead of using ./SkillBank', async () => {
    const url = await freshUrl('refuse');
    const normalize = await cli('ids', 'normalize', '--store-url', url);
    expect(normalize.code).toBe(EXIT.usage);
    expect(normalize.err).toMatch(/filesystem store only/);

    const mounted = await cli(
      'skills',
      'list',
      '--store-url',
      url,
      '--library-dir',
      join(temp.dir, 'docs-lib'),
    );
    expect(mounted.code).toBe(EXIT.usage);
    expect(mounted.err).toMatch(/--library-dir/);
    const searched = await cli(
      'search',
      'x',
      '--store-url',
      url,
      '--library-dir',
      join(temp.dir, 'docs-lib'),
    );
    expect(searched.code).toBe(EXIT.usage);

    expect(existsSync(join(temp.dir, 'SkillBank'))).toBe(false);
  }, 30_000);

  it('keys created from the CLI authenticate on a serve replica; serve imports --library-dir', async () => {
    const url = await freshUrl('keys');
    const created = await cli(
      'keys',
      'create',
      '--user-id',
      'alice',
      '--label',
      'ci',
      '--store-url',
      url,
      '--json',
    );
    expect(created.code, created.err).toBe(EXIT.ok);
    const { key, id } = JSON.parse(created.out) as Loose;
    expect(typeof key).toBe('string');

    const replica = await startCliServer({
      args: [
        'serve',
        '--no-web',
        '--port',
        '0',
        '--log-level',
        'silent',
        '--no-extraction-worker',
        '--store-url',
        url,
        '--library-dir',
        join(temp.dir, 'docs-lib'),
      ],
      cwd: temp.dir,
      children,
      timeoutMs: 60_000,
    });
    const models = (auth?: string) =>
      fetch(`${replica.url}/v1/models`, auth ? { headers: { authorization: `Bearer ${auth}` } } : {});
    expect((await models()).status).toBe(401);
    expect((await models('not-a-key')).status).toBe(401);
    expect((await models(key)).status).toBe(200);

    const listedKeys = await cli('keys', 'list', '--store-url', url, '--json');
    expect((JSON.parse(listedKeys.out) as Loose).data.map((record: Loose) => record.id)).toEqual([id]);
    const revoked = await cli('keys', 'revoke', id, '--store-url', url);
    expect(revoked.code, revoked.err).toBe(EXIT.ok);
    expect((await models(key)).status).toBe(401);

    // The library folder given to serve is now a library of the database.
    const common = await cli('skills', 'list', '--scope', 'common', '--store-url', url, '--json');
    expect((JSON.parse(common.out) as Loose).data.map((skill: Loose) => skill.location)).toEqual([
      'Common/docs-lib/docx',
    ]);
    replica.child.kill('SIGTERM');
    expect(existsSync(join(temp.dir, 'SkillBank'))).toBe(false);
  }, 90_000);

  it('startup maintenance imports AUTOSKILL_AUTO_IMPORT_DIRS and library folders into PostgreSQL', async () => {
    const url = await freshUrl('startup');
    const store = new PostgresSkillStore({ url, maxConnections: 2 });
    await store.open();
    try {
      const libraryDir = join(temp.dir, 'startup-lib');
      writeSkill(libraryDir, 'pptx', 'pptx', 'Slides', 'Use python-pptx.');
      writeSkill(libraryDir, 'xlsx', 'xlsx', 'Sheets', 'Use openpyxl.');
      const start = () =>
        runStartupMaintenance({
          store,
          env: { AUTOSKILL_AUTO_IMPORT_DIRS: join(temp.dir, 'skills'), AUTOSKILL_AUTO_IMPORT_SCOPE: 'user' },
          defaultUserId: 'bob',
          libraryDirs: [{ name: 'office', path: libraryDir }],
        });
      const first = await start();
      expect(first.ran).toBe(true);
      expect(first.errors).toEqual([]);
      expect(first.imports[0]?.imported).toHaveLength(2);
      expect(first.libraries[0]?.imported.map((item) => item.location).sort()).toEqual([
        'Common/office/pptx',
        'Common/office/xlsx',
      ]);
      expect((await store.list({ userId: 'bob', scope: 'user' })).total).toBe(2);

      // The next start writes nothing that is already there, and takes in what changed in the folder.
      writeSkill(libraryDir, 'xlsx', 'xlsx', 'Spreadsheets', 'Use openpyxl; keep formulas.');
      const second = await start();
      expect(second.errors).toEqual([]);
      expect(second.imports[0]?.imported).toEqual([]);
      expect(second.libraries[0]?.imported.map((item) => item.location)).toEqual(['Common/office/xlsx']);
      expect(second.libraries[0]?.skipped.map((item) => item.reason)).toEqual(['unchanged']);
      const library = await store.list({ userId: 'bob', scope: 'library' });
      expect(library.items.find((skill) => skill.name === 'xlsx')?.description).toBe('Spreadsheets');
    } finally {
      await store.close();
    }
  }, 30_000);

  it('chat --store-url keeps its extraction jobs in the database, not in memory', async () => {
    const url = await freshUrl('chat');
    const schema = schemas.at(-1) ?? '';
    const output = new PassThrough();
    output.resume();
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await runChatCommand(
        { storeUrl: url, extractMode: 'always', rewriteMode: 'never', waitExtractions: '30' },
        {
          input: Readable.from([
            'From now on, whenever you write a status update for me, always end it with the next steps and their owners.\n',
          ]),
          output,
          env: {},
        },
      );
    } finally {
      stdout.mockRestore();
    }
    const client = new pg.Client({ connectionString: baseUrl });
    await client.connect();
    try {
      const jobs = await client.query<{ status: string }>(`SELECT status FROM "${schema}".jobs`);
      expect(jobs.rows.length).toBeGreaterThan(0);
      expect(jobs.rows.map((row) => row.status)).toContain('completed');
    } finally {
      await client.end();
    }
    expect(existsSync(join(temp.dir, 'SkillBank'))).toBe(false);
  }, 60_000);
});
