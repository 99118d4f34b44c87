/**
 * The web UI when the server runs with per-user API keys (`autoskill keys create`): the UI asks for a key,
 * keeps it in this tab's sessionStorage, sends it on every request, and shows only the signed-in user's
 * skills (plus the libraries). Real built UI, real `autoskill serve`, headless Chromium.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  type Browser,
  browserTestsBlocker,
  CLI,
  launchBrowser,
  type RunningServer,
  screenshotPath,
  startAutoskill,
} from './web-support.js';

const run = promisify(execFile);
const blocker = browserTestsBlocker();

function skillMd(name: string, description: string): string {
  return `---\nname: ${name}\ndescription: ${description}\nversion: "0.1.0"\n---\n\n# ${name}\n\n${description}\n\n## Prompt\n\n- ${description}\n`;
}

async function createKey(storeDir: string, userId: string): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [CLI, 'keys', 'create', '--user-id', userId, '--store-dir', storeDir, '--json'],
    {
      env: { PATH: process.env['PATH'] ?? '' },
    },
  );
  return (JSON.parse(stdout) as { key: string }).key;
}

describe.skipIf(blocker !== null)('web UI sign-in with per-user API keys', () => {
  let storeDir: string;
  let server: RunningServer;
  let browser: Browser;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    storeDir = mkdtempSync(join(tmpdir(), 'autoskill-web-auth-'));
    keys['alice'] = await createKey(storeDir, 'alice');
    keys['bob'] = await createKey(storeDir, 'bob');
    server = await startAutoskill({
      command: 'serve',
      args: ['--store-dir', storeDir, '--llm-provider', 'offline'],
    });
    for (const [user, skill] of [
      [
        'alice',
        skillMd(
          'alice-meeting-notes',
          'Alice writes meeting notes as decisions, actions and open questions.',
        ),
      ],
      ['bob', skillMd('bob-sql-style', 'Bob wants uppercase SQL keywords and CTEs instead of subqueries.')],
    ] as const) {
      const imported = await api(server, '/v1/autoskill/skills/import', {
        method: 'POST',
        key: keys[user],
        body: { files: { [`${user}-skill/SKILL.md`]: skill } },
      });
      expect(imported.status).toBe(200);
    }
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (storeDir) rmSync(storeDir, { recursive: true, force: true });
  });

  async function signIn(page: Page, key: string): Promise<void> {
    await page.waitForSelector('form.sign-in');
    await page.fill('form.sign-in input[name=api-key]', key);
    await page.click('form.sign-in button[type=submit]');
  }

  it('asks for a key, refuses a wrong one, and shows only the signed-in user’s skills', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/#/skills/mine`);
    await page.waitForSelector('form.sign-in');
    await page.screenshot({ path: screenshotPath('sign-in') });
    await signIn(page, 'ask_wrong');
    await page.waitForSelector('form.sign-in [role=alert]');
    expect(await page.textContent('form.sign-in [role=alert]')).toMatch(/refused/);

    await signIn(page, keys['alice'] ?? '');
    await page.waitForSelector('[data-testid=user-badge]');
    expect(await page.textContent('[data-testid=user-badge]')).toContain('alice');
    await page.waitForSelector('[data-testid=skill-list] .skill-row >> text=alice-meeting-notes');
    expect(await page.locator('[data-testid=skill-list]').textContent()).not.toContain('bob-sql-style');

    // The key survives a reload of the tab (sessionStorage), and is gone after signing out.
    await page.reload();
    await page.waitForSelector('[data-testid=skill-list] .skill-row >> text=alice-meeting-notes');
    await page.click('text=Sign out');
    await page.waitForSelector('form.sign-in');
    await page.close();
  });

  it('keeps each tab’s key to itself: another tab signs in as another user', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/#/skills/mine`);
    await signIn(page, keys['bob'] ?? '');
    await page.waitForSelector('[data-testid=skill-list] .skill-row >> text=bob-sql-style');
    expect(await page.locator('[data-testid=skill-list]').textContent()).not.toContain('alice-meeting-notes');
    // Bob cannot open Alice's skill even by its address: the server answers 404 and the UI says so.
    const list = await api<{ data: Array<{ id: string }> }>(server, '/v1/autoskill/skills?scope=user', {
      key: keys['alice'] ?? '',
    });
    const aliceSkill = list.body.data[0]?.id ?? '';
    await page.goto(`${server.url}/#/skills/mine/${encodeURIComponent(aliceSkill)}`);
    await page.waitForSelector('.skill-detail-panel .error-note');
    expect(await page.textContent('.skill-detail-panel .error-note')).toMatch(/404/);
    await page.close();
  });
});
