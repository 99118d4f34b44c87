import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli } from '../../../test/support/cli.js';
import { makeTempDir } from '../../../test/support/fixtures.js';
import { EXIT } from '../exit-codes.js';

let temp: { dir: string; cleanup: () => void };

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, out, err } = await cli(...args);
  return { code, stdout: out, stderr: err };
}

function writeSkill(folder: string, text: string): string {
  const dir = join(temp.dir, folder);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'SKILL.md'), text);
  return dir;
}

beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.cleanup());

describe('autoskill skills validate', () => {
  it('exits 0 for a valid skill folder', async () => {
    const dir = writeSkill('pdf-tools', '---\nname: pdf-tools\ndescription: Work with PDFs.\n---\n\n# PDF\n');
    const result = await run(['skills', 'validate', dir]);
    expect(result).toEqual({ code: EXIT.ok, stdout: 'OK: 1 skill folder valid\n', stderr: '' });
  });

  it('prints every problem with its place and exits 5', async () => {
    const dir = writeSkill('pdf', '---\nname: PDF_Tools\ndescription: ""\nversion: "1"\n---\n');
    const result = await run(['skills', 'validate', dir]);
    const file = join(dir, 'SKILL.md');
    expect(result.code).toBe(EXIT.problemsFound);
    expect(result.stdout.split('\n')).toEqual([
      `${file}:4: version: is not an Agent Skills field (allowed: name, description, license, compatibility, metadata, allowed-tools); move it under metadata`,
      `${file}:2: name: may contain only lowercase letters a-z, digits and hyphens`,
      `${file}:2: name: must equal the folder name "pdf"`,
      `${file}:3: description: must not be empty`,
      '4 problems in 1 skill folder',
      '',
    ]);
  });

  it('validates every skill folder under a library folder', async () => {
    writeSkill('lib/good', '---\nname: good\ndescription: d\n---\n');
    writeSkill('lib/group/bad', '# no front matter\n');
    writeSkill('lib/.hidden/skipped', 'ignored');
    const result = await run(['skills', 'validate', join(temp.dir, 'lib')]);
    expect(result.code).toBe(EXIT.problemsFound);
    expect(result.stdout).toBe(
      `${join(temp.dir, 'lib/group/bad/SKILL.md')}:1: front matter: SKILL.md must start with YAML front matter between --- lines\n1 problem in 2 skill folders\n`,
    );
  });

  it('prints {"object":"list","data":[problems]} with --json', async () => {
    const dir = writeSkill('x', '---\nname: x\n---\n');
    const result = await run(['skills', 'validate', dir, '--json']);
    expect(result.code).toBe(EXIT.problemsFound);
    expect(JSON.parse(result.stdout)).toEqual({
      object: 'list',
      data: [{ path: join(dir, 'SKILL.md'), line: 1, field: 'description', message: 'is required' }],
    });
    const valid = writeSkill('y', '---\nname: y\ndescription: d\n---\n');
    const ok = await run(['skills', 'validate', valid, '--json']);
    expect(ok.code).toBe(EXIT.ok);
    expect(JSON.parse(ok.stdout)).toEqual({ object: 'list', data: [] });
  });

  it('reports a folder without skills as a problem and a missing folder as not found', async () => {
    mkdirSync(join(temp.dir, 'empty'));
    const empty = await run(['skills', 'validate', join(temp.dir, 'empty')]);
    expect(empty.code).toBe(EXIT.problemsFound);
    expect(empty.stdout).toContain('no SKILL.md found');
    const missing = await run(['skills', 'validate', join(temp.dir, 'missing')]);
    expect(missing.code).toBe(EXIT.notFound);
    expect(missing.stderr).toContain('No such folder');
  });
});
