/**
 * The seeds' proxy command line keeps working against `autoskill proxy` (a child process, as users run
 * it): `--history-turns` (accepted, ignored), `--extract-event-details` and `--extract-event-max-md-chars`
 * (what `completed` job events carry), `AUTOSKILL_PROXY_HOST` / `AUTOSKILL_PROXY_PORT`, and
 * `GET /api/health` answered without credentials. With a shared key and no `--rate-limit`, a burst of
 * requests is never throttled (no default limit: the key is one bucket for a whole application).
 */
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCliServer } from './support/cli.js';
import { makeTempDir } from './support/fixtures.js';

// biome-ignore lint/suspicious/noExplicitAny: answers of the HTTP API are read loosely here
type Loose = Record<string, any>;

const temp = makeTempDir('autoskill-seed-flags-');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  temp.cleanup();
});

const KEY = 'sk-app-key';
const auth = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

function startProxy(name: string, flags: string[], env: Record<string, string> = {}) {
  return startCliServer({
    args: [
      'proxy',
      '--store-dir',
      join(temp.dir, name),
      '--llm-provider',
      'offline',
      '--embeddings-provider',
      'hashing',
      '--proxy-api-key',
      KEY,
      '--log-level',
      'silent',
      ...flags,
    ],
    cwd: temp.dir,
    children,
    env,
    timeoutMs: 60_000,
  });
}

/** Extract-now through the proxy; resolves with the finished job's latest event. */
async function extractAndWait(url: string): Promise<Loose> {
  const created = await fetch(`${url}/v1/autoskill/extractions`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({
      user: 'alice',
      messages: [
        {
          role: 'user',
          content:
            'From now on, whenever I ask for a weekly report, never invent numbers and cite the source of every figure.',
        },
        { role: 'assistant', content: 'Understood.' },
      ],
    }),
  });
  expect(created.status).toBe(200);
  const jobId = ((await created.json()) as Loose)['data']['job_id'] as string;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const response = await fetch(`${url}/v1/autoskill/extractions/${jobId}?user=alice`, { headers: auth });
    const event = ((await response.json()) as Loose)['data'] as Loose;
    if (event['status'] === 'completed' || event['status'] === 'failed') return event;
    if (Date.now() > deadline) throw new Error(`job ${jobId} did not finish: ${JSON.stringify(event)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('autoskill proxy with the seeds’ flags and variables', () => {
  it('accepts the seeds’ flags, listens on AUTOSKILL_PROXY_HOST/PORT, serves /api/health, and cuts event SKILL.md', async () => {
    const port = await freePort();
    const [cut, bare] = await Promise.all([
      startProxy('cut', ['--history-turns', '50', '--extract-event-max-md-chars', '60'], {
        AUTOSKILL_PROXY_HOST: '127.0.0.1',
        AUTOSKILL_PROXY_PORT: String(port),
      }),
      startProxy('bare', ['--port', '0', '--extract-event-details', '0'], {
        AUTOSKILL_PROXY_EXTRACT_EVENT_MAX_MD_CHARS: '60',
      }),
    ]);
    expect(cut.url).toBe(`http://127.0.0.1:${port}`);
    expect(cut.output()).toContain('GET  /health');

    // Health on both spellings, without the key; the API itself needs it.
    for (const path of ['/health', '/api/health']) {
      const response = await fetch(`${cut.url}${path}`);
      expect(response.status, path).toBe(200);
      expect(await response.json()).toMatchObject({ ok: true, name: 'autoskill' });
    }
    expect((await fetch(`${cut.url}/v1/models`)).status).toBe(401);
    // No default rate limit for the shared key: a burst of 60 requests all pass.
    const burst = await Promise.all(
      Array.from({ length: 60 }, () =>
        fetch(`${cut.url}/v1/models`, { headers: auth }).then((r) => r.status),
      ),
    );
    expect(burst.filter((status) => status !== 200)).toEqual([]);

    // --extract-event-max-md-chars 60: the completed event carries the skill with its SKILL.md cut.
    const withDetails = await extractAndWait(cut.url);
    expect(withDetails).toMatchObject({ status: 'completed', outcome: 'created' });
    expect(withDetails['skills']).toHaveLength(1);
    expect(withDetails['skills'][0]).toMatchObject({ skill_md_truncated: true });
    expect(withDetails['skill_mds']).toEqual([
      { id: withDetails['upserted'][0]['id'], md: expect.any(String), truncated: true },
    ]);
    expect(withDetails['skill_mds'][0]['md'].length).toBeLessThanOrEqual(60);

    // --extract-event-details 0: only the summaries in `upserted`.
    const withoutDetails = await extractAndWait(bare.url);
    expect(withoutDetails).toMatchObject({ status: 'completed', outcome: 'created' });
    expect(withoutDetails['upserted']).toHaveLength(1);
    expect(withoutDetails['skills']).toEqual([]);
    expect(withoutDetails['skill_mds']).toEqual([]);

    for (const server of [cut, bare]) server.child.kill('SIGTERM');
    expect(await Promise.all([exitOf(cut.child), exitOf(bare.child)])).toEqual([0, 0]);
  }, 120_000);
});
