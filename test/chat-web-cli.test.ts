/**
 * `autoskill web` as a process (from source): the seeds' port and environment variables, the sessions API
 * and `/me` mounted next to the management API (and in openapi.json), the UI's files when built, a chat
 * turn over HTTP, and a graceful stop on SIGTERM.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serverConfig } from '../src/cli/commands/serve.js';
import { WEB_DEFAULT_PORT, webEnv, webFlags } from '../src/cli/commands/web.js';
import { startCliServer } from './support/cli.js';
import { makeTempDir, REPO_ROOT } from './support/fixtures.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers are checked field by field
type Json = Record<string, any>;

const temp = makeTempDir('autoskill-web-cli-');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  temp.cleanup();
});

describe('webFlags', () => {
  it('listens on 8000 unless told otherwise, with the seeds’ AUTOSKILL_WEB_* variables', () => {
    expect(webFlags({}, {})).toMatchObject({ port: String(WEB_DEFAULT_PORT) });
    expect(webFlags({}, { AUTOSKILL_WEB_PORT: '8123', AUTOSKILL_WEB_HOST: '0.0.0.0' })).toMatchObject({
      port: '8123',
      host: '0.0.0.0',
    });
    expect(
      webFlags({ port: '9', host: '127.0.0.2', gatingMode: 'llm' }, { AUTOSKILL_WEB_PORT: '8123' }),
    ).toEqual({
      port: '9',
      host: '127.0.0.2',
    });
  });

  it('ignores the proxy variables AUTOSKILL_PROXY_HOST / _PORT (they configure serve and proxy)', () => {
    const env = { AUTOSKILL_PROXY_HOST: '0.0.0.0', AUTOSKILL_PROXY_PORT: '9100' };
    expect(serverConfig(webFlags({}, env), webEnv(env)).server).toMatchObject({
      host: '127.0.0.1',
      port: WEB_DEFAULT_PORT,
    });
    expect(serverConfig({}, env).server).toMatchObject({ host: '0.0.0.0', port: 9100 });
  });
});

describe('autoskill web', () => {
  it('serves the sessions API, /me and the UI, and stops cleanly', async () => {
    const server = await startCliServer({
      args: ['web', '--port', '0', '--store-dir', 'SkillBank', '--gating-mode', 'llm'],
      cwd: temp.dir,
      children,
    });
    const { child, url } = server;
    const stdout = server.stdout();
    expect(stdout).toContain('/v1/autoskill/sessions');

    const me = (await (await fetch(`${url}/v1/autoskill/me`)).json()) as Json;
    expect(me).toMatchObject({ user_id: 'u1', auth_enabled: false, is_admin: false });

    const created = (await (
      await fetch(`${url}/v1/autoskill/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'From the test' }),
      })
    ).json()) as Json;
    const id = created['data']['id'] as string;
    const turn = await fetch(`${url}/v1/autoskill/sessions/${id}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'hello' }),
    });
    expect(turn.headers.get('content-type')).toContain('text/event-stream');
    const text = await turn.text();
    expect(text).toContain('event: turn');
    expect(text).toContain('event: done');
    const list = (await (await fetch(`${url}/v1/autoskill/sessions`)).json()) as Json;
    expect(list['data'][0]).toMatchObject({ id, title: 'From the test', message_count: 2 });

    const openapi = (await (await fetch(`${url}/v1/autoskill/openapi.json`)).json()) as Json;
    expect(Object.keys(openapi['paths'])).toEqual(
      expect.arrayContaining(['/v1/autoskill/sessions/{session_id}/messages', '/v1/autoskill/me']),
    );

    if (existsSync(join(REPO_ROOT, 'web', 'dist', 'index.html'))) {
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
    }

    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);
});
