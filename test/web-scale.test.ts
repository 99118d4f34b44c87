/**
 * The web UI over a large store: every folder of the 5,188 fixture skills mounted as a read-only library
 * (`--library-dir`), browsed in headless Chromium. Measures how long the first page of the library list,
 * the next page, a text filter and a ranked search take in the browser (request to painted rows, as the
 * UI records it in `data-load-ms`, and wall time seen by the test), and prints them as one JSON line.
 * Times are reported, never asserted; the test checks that the pages are right.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SKILLBANK } from './support/fixtures.js';
import {
  type Browser,
  browserTestsBlocker,
  launchBrowser,
  type RunningServer,
  screenshotPath,
  startAutoskill,
} from './web-support.js';

const blocker = browserTestsBlocker();

/** Every folder that holds skill folders: Common/<library>, Users/<user>, ConvSkill/<set>. */
function fixtureLibraries(): string[] {
  return ['Common', 'Users', 'ConvSkill'].flatMap((group) =>
    readdirSync(join(SKILLBANK, group), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(SKILLBANK, group, entry.name)),
  );
}

interface Timing {
  uiMs: number;
  wallMs: number;
  total: number | null;
}

async function listReady(page: Page, predicate: string, started: number): Promise<Timing> {
  await page.waitForFunction(
    `(() => { const list = document.querySelector('[data-testid=skill-list]');
      return list && list.dataset.state === 'ready' && list.dataset.loadMs !== '' && (${predicate}); })()`,
    null,
    { timeout: 30_000 },
  );
  const wallMs = Date.now() - started;
  const list = page.locator('[data-testid=skill-list]');
  const total = await list.getAttribute('data-total');
  return {
    uiMs: Number(await list.getAttribute('data-load-ms')),
    wallMs,
    total: total ? Number(total) : null,
  };
}

describe.skipIf(blocker !== null)('web UI over the 5,188 fixture skills as libraries', () => {
  let storeDir: string;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const timings: Record<string, Timing | number> = {};

  beforeAll(async () => {
    storeDir = mkdtempSync(join(tmpdir(), 'autoskill-web-scale-'));
    const started = Date.now();
    server = await startAutoskill({
      command: 'serve',
      args: [
        '--store-dir',
        storeDir,
        '--llm-provider',
        'offline',
        '--embeddings-provider',
        'hashing',
        ...fixtureLibraries().flatMap((dir) => ['--library-dir', dir]),
      ],
      timeoutMs: 120_000,
    });
    timings['serverStartMs'] = Date.now() - started;
    browser = await launchBrowser();
    page = await browser.newPage();
  }, 180_000);

  afterAll(async () => {
    console.log(JSON.stringify({ bench: 'web-ui-large-store', fixtures: 5188, ...timings }));
    await browser?.close();
    await server?.stop();
    if (storeDir) rmSync(storeDir, { recursive: true, force: true });
  });

  it('pages through the libraries, filters and searches them', async () => {
    let started = Date.now();
    await page.goto(`${server.url}/#/skills/libraries`);
    const first = await listReady(page, `list.querySelectorAll('[data-skill-id]').length === 50`, started);
    timings['firstPage'] = first;
    // A few fixture files share an id with another library's skill and are reported as store problems.
    expect(first.total).toBeGreaterThan(5100);

    const firstIds = await page
      .locator('[data-skill-id]')
      .evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-skill-id')));
    started = Date.now();
    await page.click('[data-testid=page-next]');
    timings['nextPage'] = await listReady(
      page,
      `document.querySelector('[data-testid=page-range]').textContent.startsWith('51')`,
      started,
    );
    const secondIds = await page
      .locator('[data-skill-id]')
      .evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-skill-id')));
    expect(secondIds).toHaveLength(50);
    expect(secondIds.some((id) => firstIds.includes(id))).toBe(false);

    const filtered = (text: string) =>
      `list.dataset.mode === 'list' && list.dataset.query === ${JSON.stringify(text)}`;
    const searched = (text: string) =>
      `list.dataset.mode === 'search' && list.dataset.query === ${JSON.stringify(text)}`;

    // Wall times of filters include the UI's 250 ms typing debounce; `uiMs` is request to paint.
    started = Date.now();
    await page.fill('[data-testid=skill-filter]', 'review');
    const filter = await listReady(page, filtered('review'), started);
    timings['filter'] = filter;
    expect(filter.total).toBeGreaterThan(0);
    expect(filter.total).toBeLessThan(first.total ?? 0);

    started = Date.now();
    await page.fill('[data-testid=skill-filter]', '周报');
    timings['filterChinese'] = await listReady(page, filtered('周报'), started);

    await page.fill('[data-testid=skill-filter]', 'code review checklist');
    await listReady(page, filtered('code review checklist'), Date.now());
    started = Date.now();
    await page.check('[data-testid=skill-ranked]');
    timings['rankedSearch'] = await listReady(page, searched('code review checklist'), started);
    expect(await page.locator('[data-skill-id]').count()).toBeGreaterThan(0);

    await page.fill('[data-testid=skill-filter]', '写作 风格');
    timings['rankedSearchChinese'] = await listReady(page, searched('写作 风格'), Date.now());
    started = Date.now();
    await page.fill('[data-testid=skill-filter]', '会议纪要 行动项');
    timings['rankedSearchChineseAgain'] = await listReady(page, searched('会议纪要 行动项'), started);
    await page.screenshot({ path: screenshotPath('skills-libraries-search') });
  }, 120_000);
});
