/**
 * `autoskill serve` / `autoskill proxy` as processes: the binary starts on a free port, prints where it
 * listens, answers the openai client, refuses a public address without authentication, and shuts down
 * gracefully on SIGTERM (exit code 0).
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/program.js';
import { type CliServer, startCliServer } from './support/cli.js';
import { makeTempDir, REPO_ROOT } from './support/fixtures.js';

const temp = makeTempDir('autoskill-e2e-cli-');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  temp.cleanup();
});

function startCli(args: string[]): Promise<CliServer> {
  return startCliServer({ args, cwd: temp.dir, children });
}

function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('autoskill serve / proxy', () => {
  it('runs the proxy, answers the openai client, and stops gracefully on SIGTERM', async () => {
    const store = join(temp.dir, 'SkillBank');
    const { child, url, output } = await startCli([
      'proxy',
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
    ]);
    expect(output()).toContain('OpenAI base URL:');
    expect(output()).toContain('POST /v1/chat/completions');
    const health = (await (await fetch(`${url}/health`)).json()) as { ok: boolean };
    expect(health.ok).toBe(true);
    const client = new OpenAI({ apiKey: 'unused', baseURL: `${url}/v1`, maxRetries: 0 });
    const answer = await client.chat.completions.create({
      model: 'any',
      messages: [{ role: 'user', content: 'From now on, always answer in bullet points.' }],
    });
    expect(answer.choices[0]?.message.content).toContain('offline');
    child.kill('SIGTERM');
    expect(await exitOf(child)).toBe(0);
    expect(output()).toContain('stopped');
  }, 60_000);

  it('serves the web UI files without credentials while the API needs them', async () => {
    const { child, url } = await startCli([
      'serve',
      '--port',
      '0',
      '--store-dir',
      join(temp.dir, 'SkillBank2'),
      '--proxy-api-key',
      'app-key-0123456789abcdef',
      '--web-dir',
      join(REPO_ROOT, 'test', 'support'),
      '--log-level',
      'silent',
    ]);
    expect((await fetch(`${url}/fixtures.ts`)).status).toBe(200);
    expect((await fetch(`${url}/v1/autoskill/extractions`)).status).toBe(401);
    const authed = await fetch(`${url}/v1/autoskill/extractions`, {
      headers: { authorization: 'Bearer app-key-0123456789abcdef' },
    });
    expect(authed.status).toBe(200);
    child.kill('SIGINT');
    expect(await exitOf(child)).toBe(0);
  }, 60_000);

  it('refuses a non-loopback address without authentication unless told to allow it', async () => {
    const code = await runCli([
      'proxy',
      '--host',
      '0.0.0.0',
      '--port',
      '0',
      '--store-dir',
      join(temp.dir, 'SkillBank3'),
      '--log-level',
      'silent',
    ]);
    expect(code).toBe(2);
  });
});
