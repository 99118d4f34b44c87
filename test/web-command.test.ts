/**
 * `autoskill web` (the seeds' web entry point) serves the same built UI with what it calls: a chat turn
 * streams, the skill browser lists the libraries, and a narrow (420 px) window still works.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SKILLBANK } from './support/fixtures.js';
import {
  type Browser,
  browserTestsBlocker,
  launchBrowser,
  type RunningServer,
  startAutoskill,
} from './web-support.js';

const blocker = browserTestsBlocker();

describe.skipIf(blocker !== null)('autoskill web in headless Chromium', () => {
  let storeDir: string;
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    storeDir = mkdtempSync(join(tmpdir(), 'autoskill-web-command-'));
    server = await startAutoskill({
      command: 'web',
      args: [
        '--store-dir',
        storeDir,
        '--llm-provider',
        'offline',
        '--library-dir',
        join(SKILLBANK, 'Common', 'humanizer-zh-skills'),
        '--library-dir',
        join(SKILLBANK, 'Common', 'superpowers'),
      ],
    });
    browser = await launchBrowser({ locale: 'zh-CN' });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (storeDir) rmSync(storeDir, { recursive: true, force: true });
  });

  it('chats and browses the libraries in a 420 px window, in Chinese by the browser’s language', async () => {
    const page = await browser.newPage({ width: 420, height: 860 });
    await page.goto(`${server.url}/`);
    await page.waitForSelector('[data-testid=composer]');
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    await page.fill('[data-testid=composer]', '请把这段话改得更自然一些：本产品具有卓越的性能。');
    await page.click('[data-testid=send]');
    await page.waitForSelector('.bubble-row.assistant');
    await page.waitForFunction("document.querySelector('.bubble-row.assistant .cursor') === null", null, {
      timeout: 30_000,
    });
    expect(
      ((await page.locator('.bubble-row.assistant .bubble-text').last().textContent()) ?? '').length,
    ).toBeGreaterThan(0);
    await page.click('[data-nav=skills]');
    await page.click('a[data-tab=libraries]');
    const row = page.locator('[data-testid=skill-list] .skill-row', { hasText: 'humanizer-zh' });
    await row.waitFor();
    await row.click();
    await page.waitForSelector('[data-testid=skill-detail]');
    // Narrow: the list gives way to the open skill, with a way back.
    expect(await page.isVisible('[data-testid=skill-list]')).toBe(false);
    await page.click('.back-button');
    await page.waitForSelector('[data-testid=skill-list]', { state: 'visible' });
    await page.close();
  });
});
