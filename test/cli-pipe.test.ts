/**
 * `autoskill … | head`: when the reader of stdout goes away, the CLI ends quietly with its exit code instead
 * of crashing with an EPIPE stack trace.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, SKILLBANK } from './support/fixtures.js';

const work = mkdtempSync(join(tmpdir(), 'autoskill-cli-pipe-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('autoskill output into a closed pipe', () => {
  it('exits 0 without an error when stdout is closed early', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        pathToFileURL(join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href,
        join(REPO_ROOT, 'src/cli/main.ts'),
        'skills',
        'list',
        '--scope',
        'all',
        '--limit',
        '5000',
        '--library-dir',
        join(SKILLBANK, 'ConvSkill', 'chinese_gpt4_8'),
      ],
      { cwd: work, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH, HOME: work } },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    // Read the first chunk, then close our end, as `head -1` does.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toContain('EPIPE');
    expect(code).toBe(0);
  }, 60_000);
});
