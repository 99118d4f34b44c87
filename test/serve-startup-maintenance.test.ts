/**
 * Startup maintenance through an entry point: `autoskill serve` (a child process, as users run it) with
 * the seeds' variables `AUTOSKILL_AUTO_IMPORT_DIRS` and `AUTOSKILL_AUTO_NORMALIZE_IDS` imports the named
 * skill folders into a library and writes the missing id into a user's SKILL.md before it listens; the
 * running server then lists the imported skills and serves the user's skill under the id it wrote.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCliServer } from './support/cli.js';
import { makeTempDir } from './support/fixtures.js';

// biome-ignore lint/suspicious/noExplicitAny: answers of the HTTP API are read loosely here
type Loose = Record<string, any>;

const temp = makeTempDir('autoskill-startup-');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  temp.cleanup();
});

function writeSkill(folder: string, frontMatter: string, body: string): string {
  const file = join(folder, 'SKILL.md');
  mkdirSync(folder, { recursive: true });
  writeFileSync(file, `---\n${frontMatter}\n---\n\n${body}\n`);
  return file;
}

function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('startup maintenance in autoskill serve', () => {
  it('imports AUTOSKILL_AUTO_IMPORT_DIRS and writes missing ids (AUTOSKILL_AUTO_NORMALIZE_IDS) before listening', async () => {
    const store = join(temp.dir, 'SkillBank');
    const ownFile = writeSkill(
      join(store, 'Users', 'u1', 'status-update-style'),
      'name: status-update-style\ndescription: How I want status updates written\nversion: 0.1.0',
      '# status-update-style\n\n## Prompt\n\nStart every status update with a one-line summary.',
    );
    expect(readFileSync(ownFile, 'utf8')).not.toMatch(/^id:/m);
    const teamSkills = join(temp.dir, 'team-skills');
    writeSkill(
      join(teamSkills, 'release-checklist'),
      'name: release-checklist\ndescription: Steps before every release',
      '# release-checklist\n\nRun the regression suite, then canary, then roll out fully.',
    );
    writeSkill(
      join(teamSkills, 'nested', '周报格式'),
      'name: 周报格式\ndescription: 中文周报的格式要求',
      '# 周报格式\n\n每个数字都要注明来源，结尾列出下周计划。',
    );

    const start = (env: Record<string, string>) =>
      startCliServer({
        args: [
          'serve',
          '--no-web',
          '--port',
          '0',
          '--store-dir',
          store,
          '--llm-provider',
          'offline',
          '--embeddings-provider',
          'hashing',
          '--log-level',
          'silent',
        ],
        cwd: temp.dir,
        children,
        env,
        timeoutMs: 60_000,
      });

    // With the variables off, nothing is written or imported: the run below is their doing.
    const plain = await start({ AUTOSKILL_AUTO_NORMALIZE_IDS: '0' });
    plain.child.kill('SIGTERM');
    expect(await exitOf(plain.child)).toBe(0);
    expect(readFileSync(ownFile, 'utf8')).not.toMatch(/^id:/m);
    expect(existsSync(join(store, 'Common'))).toBe(false);

    const { child, url } = await start({
      AUTOSKILL_AUTO_IMPORT_DIRS: teamSkills,
      AUTOSKILL_AUTO_NORMALIZE_IDS: '1',
    });

    // The id was written into the user's file before the server listened.
    const id = /^id: *"?([^"\s]+)"?$/m.exec(readFileSync(ownFile, 'utf8'))?.[1];
    expect(id).toBeDefined();
    // The folders were imported into the library named after the source folder (scope `common`).
    expect(existsSync(join(store, 'Common', 'team-skills', 'release-checklist', 'SKILL.md'))).toBe(true);

    const get = async (path: string) => (await (await fetch(`${url}${path}`)).json()) as Loose;
    const library = await get('/v1/autoskill/skills?scope=library&limit=50');
    expect(library['data'].map((skill: Loose) => skill['name']).sort()).toEqual([
      'release-checklist',
      '周报格式',
    ]);
    expect(
      library['data'].every((skill: Loose) => typeof skill['id'] === 'string' && skill['id'] !== ''),
    ).toBe(true);
    const own = await get(`/v1/autoskill/skills/${encodeURIComponent(id ?? '')}`);
    expect(own['data']).toMatchObject({ id, name: 'status-update-style' });

    child.kill('SIGTERM');
    expect(await exitOf(child)).toBe(0);
  }, 90_000);
});
