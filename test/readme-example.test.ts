/**
 * The README's SDK example, run exactly as printed (only the package name is pointed at the sources):
 * it must learn the release procedure offline and find it again.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, REPO_ROOT } from './support/fixtures.js';

const run = promisify(execFile);

function sdkExample(): string {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## SDK\n'));
  const match = section.match(/```ts\n([\s\S]*?)```/);
  if (!match?.[1]) throw new Error('README.md has no ```ts block in its SDK section');
  return match[1];
}

describe('README SDK example', () => {
  const temp = makeTempDir('autoskill-readme-');
  afterAll(() => temp.cleanup());

  it('learns the release procedure offline and finds it for "How should I do a safe release?"', async () => {
    const code = sdkExample();
    expect(code).toContain("from 'autoskill'");
    const source = pathToFileURL(join(REPO_ROOT, 'src', 'index.ts')).href;
    const file = join(temp.dir, 'example.mts');
    writeFileSync(file, code.replace("from 'autoskill'", `from '${source}'`));
    const tsx = pathToFileURL(join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
    const { stdout } = await run(process.execPath, ['--import', tsx, file], {
      cwd: temp.dir,
      env: { PATH: process.env.PATH ?? '' },
      timeout: 60_000,
    });
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe('created release-workflow');
    expect(lines[1]).toMatch(/^release-workflow \d\.\d\d$/);
    expect(existsSync(join(temp.dir, 'SkillBank', 'Users', 'u1', 'release-workflow', 'SKILL.md'))).toBe(true);
  }, 90_000);
});
