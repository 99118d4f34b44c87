/**
 * Browser acceptance of the web UI (issue 6): the real built UI (web/dist) served by a real
 * `autoskill serve` on 127.0.0.1 (temp store, offline upstream and rule-based extraction), driven in
 * Debian's headless Chromium. One server and one browser for the file; the steps build on each other in
 * order: chat → a skill learned from a durable preference → edit → new version → diff → rollback →
 * stale edit refused → delete / restore → zip import → sessions and settings kept across a restart.
 * Screenshots of the main screens (English and Chinese content) go to test-output/screenshots/.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  type Browser,
  browserTestsBlocker,
  launchBrowser,
  type RunningServer,
  screenshotPath,
  startAutoskill,
} from './web-support.js';

const blocker = browserTestsBlocker();
if (blocker) console.warn(blocker);

const RELEASE_RULE =
  'Our release process is: run the regression suite -> deploy to canary -> watch error rates for 30 minutes -> full rollout. Follow it whenever I ask you to plan a release.';

const ZH_SKILL = `---
name: 周报写作
description: 按团队习惯撰写中文周报：先结论后细节，数字必须注明来源。
version: "0.1.0"
tags: ["写作", "周报"]
---

# 周报写作

按团队习惯撰写中文周报：先结论后细节，数字必须注明来源。

## Prompt

- 第一段写本周结论，不超过三句话。
- 每个数字后用括号注明数据来源；没有来源的数字不要写。
- 下周计划用编号列表，每条以动词开头。
`;

const EN_SKILL = `---
name: incident-postmortem
description: Writes blameless incident postmortems with a timeline, impact, root cause and action items.
version: "0.1.0"
---

# incident-postmortem

Writes blameless incident postmortems with a timeline, impact, root cause and action items.

## Prompt

- Start with a one-paragraph summary a manager can read in 30 seconds.
- Timeline in UTC, one line per event.
- Action items have an owner role and a due date.
`;

function serverArgs(storeDir: string): string[] {
  return [
    '--store-dir',
    storeDir,
    '--llm-provider',
    'offline',
    '--embeddings-provider',
    'hashing',
    '--extract-mode',
    'always',
    '--user-id',
    'u1',
  ];
}

describe.skipIf(blocker !== null)('web UI in headless Chromium', () => {
  let storeDir: string;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let skillId = '';
  const pageErrors: string[] = [];

  beforeAll(async () => {
    storeDir = mkdtempSync(join(tmpdir(), 'autoskill-web-store-'));
    server = await startAutoskill({ command: 'serve', args: serverArgs(storeDir) });
    browser = await launchBrowser();
    page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(String(error)));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (storeDir) rmSync(storeDir, { recursive: true, force: true });
  });

  async function skillDetail(): Promise<{ version: string | null }> {
    await page.waitForSelector('[data-testid=skill-detail]');
    return { version: await page.getAttribute('[data-testid=skill-detail]', 'data-version') };
  }

  it('opens a session and streams a reply with the retrieval of the turn', async () => {
    await page.goto(`${server.url}/`);
    await page.waitForSelector('[data-testid=composer]');
    await page.waitForFunction("location.hash.startsWith('#/chat/')");
    await page.fill('[data-testid=composer]', RELEASE_RULE);
    await page.click('[data-testid=send]');
    const reply = page.locator('.bubble-row.assistant .bubble').last();
    await reply.waitFor();
    await page.waitForFunction("document.querySelector('.bubble-row.assistant .cursor') === null", null, {
      timeout: 30_000,
    });
    expect(((await reply.locator('.bubble-text').textContent()) ?? '').trim().length).toBeGreaterThan(0);
    await page.click('[data-tab=retrieval]');
    await page.waitForSelector('[data-testid=retrieval-panel]');
    expect(await page.textContent('[data-testid=retrieval-panel]')).toContain('regression suite');
  });

  it('shows the extraction of a durable preference live, and the skill it created', async () => {
    await page.click('[data-tab=extraction]');
    const created = page.locator('.job[data-status=completed][data-outcome=created]');
    await created.first().waitFor({ timeout: 45_000 });
    await page.screenshot({ path: screenshotPath('chat-en') });
    await created.first().locator('[data-testid=job-skill]').first().click();
    await page.waitForFunction("location.hash.startsWith('#/skills/')");
    const detail = await skillDetail();
    skillId = (await page.getAttribute('[data-testid=skill-detail]', 'data-skill-id')) ?? '';
    expect(skillId).not.toBe('');
    expect(detail.version).toBe('0.1.0');
  });

  it('retrieves and injects the learnt skill on a later turn, with its score', async () => {
    await page.goBack();
    await page.waitForSelector('[data-testid=composer]');
    await page.fill('[data-testid=composer]', 'Please plan a release for version 2.4.');
    await page.click('[data-testid=send]');
    await page.waitForFunction("document.querySelectorAll('.bubble-row.assistant').length >= 2");
    await page.waitForFunction("document.querySelector('.bubble-row.assistant .cursor') === null", null, {
      timeout: 30_000,
    });
    const last = page.locator('.bubble-row.assistant').last();
    await last.locator('.skill-chip').first().waitFor();
    expect(await last.locator('.skill-chip').first().textContent()).toMatch(/release.*\d\.\d{3}/);
    await last.locator('[data-testid=turn-details]').click();
    const used = page.locator('[data-testid=retrieval-panel] .hit.used');
    await used.first().waitFor();
    expect(await used.first().getAttribute('data-hit-id')).toBe(skillId);
    await page.screenshot({ path: screenshotPath('chat-skill-used-en') });
    await used.first().locator('.hit-name').click();
    await page.waitForSelector(`[data-testid=skill-detail][data-skill-id="${skillId}"]`);
  });

  it('checks SKILL.md before saving and saves an edit as a new version', async () => {
    await page.click('[data-tab=md]');
    await page.click('[data-testid=edit-md]');
    const editor = page.locator('[data-testid=md-editor]');
    const original = await editor.inputValue();
    // A front matter that is never closed is refused before anything is sent.
    await editor.fill(original.replace(/\n---\n/, '\n'));
    await page.click('[data-testid=save-md]');
    await expect.poll(() => page.locator('[data-testid=editor-error]').textContent()).toMatch(/Line 1/);
    await editor.fill(`${original.trimEnd()}\n- Post the release notes in the team channel.\n`);
    await page.click('[data-testid=bump-version]');
    await page.click('[data-testid=save-md]');
    await page.waitForSelector('[data-testid=skill-notice]');
    expect(await page.textContent('[data-testid=skill-notice]')).toContain('0.1.1');
    await expect.poll(async () => (await skillDetail()).version).toBe('0.1.1');
  });

  it('lists the versions, shows a diff between two of them and rolls back', async () => {
    await page.click('[data-tab=history]');
    await page.waitForSelector('[data-testid=skill-history] .version');
    expect(await page.locator('[data-testid=skill-history] .version').count()).toBeGreaterThanOrEqual(2);
    await page.click('[data-testid=show-diff]');
    const diff = page.locator('[data-testid=diff]');
    await diff.waitFor();
    const diffText = (await diff.textContent()) ?? '';
    expect(diffText).toContain('+- Post the release notes in the team channel.');
    expect(diffText).toMatch(/-version: .?0\.1\.0/);
    await page.screenshot({ path: screenshotPath('skill-diff-en') });
    const older = page
      .locator('[data-testid=skill-history] .version:not(.current) [data-testid=rollback]')
      .last();
    await older.click();
    await page.waitForSelector('[data-testid=skill-notice]');
    await expect.poll(async () => (await skillDetail()).version).toBe('0.1.0');
    await page.click('[data-tab=history]');
    await page.waitForSelector('[data-testid=skill-history] .version');
    const operations = await page.locator('[data-testid=skill-history] .version .op').allInnerTexts();
    expect(operations).toContain('rollback');
  });

  it('refuses a stale edit with a clear message and can load the latest text', async () => {
    await page.click('[data-tab=md]');
    await page.click('[data-testid=edit-md]');
    const editor = page.locator('[data-testid=md-editor]');
    const mine = await editor.inputValue();
    // Someone else saves first (another tab, the API, a merge).
    const current = await api<{ skill_md: string; revision: number }>(
      server,
      `/v1/autoskill/skills/${encodeURIComponent(skillId)}/md`,
    );
    const theirs = `${current.body.skill_md.trimEnd()}\n- Changed elsewhere.\n`;
    const saved = await api(server, `/v1/autoskill/skills/${encodeURIComponent(skillId)}/md`, {
      method: 'PUT',
      body: { skill_md: theirs, base_revision: current.body.revision },
    });
    expect(saved.status).toBe(200);
    await editor.fill(`${mine.trimEnd()}\n- My change.\n`);
    await page.click('[data-testid=save-md]');
    const warning = page.locator('[data-testid=stale-warning]');
    await warning.waitFor();
    expect(await warning.textContent()).toMatch(/changed elsewhere/);
    expect(await editor.inputValue()).toContain('- My change.');
    await page.click('[data-testid=load-latest]');
    await expect.poll(() => editor.inputValue()).toContain('- Changed elsewhere.');
  });

  it('deletes a skill into the Deleted view and restores it', async () => {
    await page.goto(`${server.url}/#/skills/mine/${encodeURIComponent(skillId)}`);
    await skillDetail();
    await page.click('[data-testid=delete-skill]');
    await page.waitForSelector('[data-testid=skill-detail][data-deleted=true]');
    await page.waitForSelector(`[data-testid=skill-list] [data-skill-id="${skillId}"]`);
    await page.click('[data-testid=restore-skill]');
    await page.waitForSelector(`[data-testid=skill-detail][data-skill-id="${skillId}"]`);
    await page.click('a[data-tab=mine]');
    await page.waitForSelector(`[data-testid=skill-list] [data-skill-id="${skillId}"]`);
  });

  it('imports a zip of Agent Skill folders with Chinese and English content', async () => {
    const zip = zipSync({
      'weekly-report/SKILL.md': strToU8(ZH_SKILL),
      'incident-postmortem/SKILL.md': strToU8(EN_SKILL),
    });
    await page.goto(`${server.url}/#/import`);
    await page.setInputFiles('[data-testid=import-zip]', {
      name: 'team-skills.zip',
      mimeType: 'application/zip',
      buffer: Buffer.from(zip),
    });
    await page.click('[data-testid=import-skills-start]');
    const result = page.locator('[data-testid=import-result]');
    await result.waitFor({ timeout: 30_000 });
    const text = (await result.textContent()) ?? '';
    expect(text).toContain('周报写作');
    expect(text).toContain('incident-postmortem');
    await page.goto(`${server.url}/#/skills/mine`);
    await page.fill('[data-testid=skill-filter]', '周报');
    const row = page.locator('[data-testid=skill-list] .skill-row', { hasText: '周报写作' });
    await row.waitFor();
    await row.click();
    await skillDetail();
    await page.click('[data-testid=lang-toggle]');
    await page.waitForSelector('text=编辑');
    await page.screenshot({ path: screenshotPath('skills-zh') });
    await page.setViewportSize({ width: 420, height: 860 });
    await page.screenshot({ path: screenshotPath('skills-zh-narrow'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.click('[data-testid=lang-toggle]');
  });

  it('imports an OpenAI conversation file and reports what it learnt', async () => {
    const conversation = {
      messages: [
        { role: 'user', content: 'Can you summarise this article about remote work trends?' },
        { role: 'assistant', content: 'Remote work stabilised: hybrid schedules became the norm.' },
        {
          role: 'user',
          content:
            'From now on, keep every summary under 100 words and end with one line on why it matters to me.',
        },
      ],
    };
    await page.goto(`${server.url}/#/import`);
    await page.setInputFiles('[data-testid=import-conversations-file]', {
      name: 'conversations.jsonl',
      mimeType: 'application/json',
      buffer: Buffer.from(`${JSON.stringify(conversation)}\n`),
    });
    await page.click('[data-testid=import-conversations-start]');
    const result = page.locator('[data-testid=conversation-result]');
    await result.waitFor({ timeout: 45_000 });
    expect(await result.textContent()).toMatch(/1 of 1 conversation/);
    await page.screenshot({ path: screenshotPath('import-en') });
  });

  it('shows a server error as a readable message, not a blank panel', async () => {
    await page.goto(`${server.url}/#/skills/mine/no-such-skill`);
    const note = page.locator('.skill-detail-panel .error-note');
    await note.waitFor();
    expect(await note.textContent()).toMatch(/404/);
  });

  it('keeps sessions, titles and settings across a server restart', async () => {
    await page.goto(`${server.url}/#/chat`);
    await page.waitForSelector('[data-testid=composer]');
    // A second session, renamed in Chinese.
    await page.click('[data-testid=new-session]');
    await page.waitForFunction("document.querySelectorAll('.session-item').length >= 2");
    await page.locator('.session-item.active [data-testid=rename-session]').click();
    await page.fill('[data-testid=rename-input]', '发布计划 · release');
    await page.press('[data-testid=rename-input]', 'Enter');
    await page.waitForSelector('.session-item.active >> text=发布计划 · release');
    await page.fill('[data-testid=composer]', '帮我规划下周的发布，记得按我们的发布流程。');
    await page.click('[data-testid=send]');
    await page.waitForFunction("document.querySelector('.bubble-row.assistant .cursor') === null", null, {
      timeout: 30_000,
    });
    // "Extract now" with a hint: a forced job for this session, followed live to its end.
    await page.click('[data-tab=extraction]');
    await page.fill('[data-testid=extract-hint]', '发布流程');
    await page.click('[data-testid=extract-now]');
    const forced = page.locator('.job', { hasText: 'extract_now' });
    await forced.first().waitFor();
    await page.waitForSelector('.job[data-status=completed] >> text=extract_now', { timeout: 45_000 });
    await page.click('[data-tab=settings]');
    await page.selectOption('[data-testid=settings-panel] select[name=scope]', 'user');
    await page.fill('[data-testid=settings-panel] input[name=top_k]', '5');
    await page.click('[data-testid=save-settings]');
    await page.waitForSelector('[data-testid=settings-panel] .chip.ok');
    await page.screenshot({ path: screenshotPath('chat-zh') });
    await page.setViewportSize({ width: 420, height: 860 });
    await page.screenshot({ path: screenshotPath('chat-narrow'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
    const sessionHash = await page.evaluate('location.hash');

    await server.stop();
    server = await startAutoskill({ command: 'serve', args: serverArgs(storeDir) });
    await page.goto(`${server.url}/${sessionHash}`);
    await page.waitForSelector('.session-item.active >> text=发布计划 · release');
    expect(await page.locator('.session-item').count()).toBeGreaterThanOrEqual(2);
    await page.waitForSelector('.bubble-row.user >> text=帮我规划下周的发布');
    await page.click('[data-tab=settings]');
    // The form fills in once the reopened session's settings have arrived; wait for that, then check.
    await page
      .waitForFunction(
        `document.querySelector('[data-testid=settings-panel] select[name=scope]')?.value === 'user'`,
        null,
        { timeout: 10_000 },
      )
      .catch(() => undefined);
    expect(await page.inputValue('[data-testid=settings-panel] select[name=scope]')).toBe('user');
    expect(await page.inputValue('[data-testid=settings-panel] input[name=top_k]')).toBe('5');

    // Delete the renamed session; the other one stays.
    await page.locator('.session-item.active [data-testid=delete-session]').click();
    await page.waitForFunction("!document.body.innerText.includes('发布计划 · release')");
    expect(await page.locator('.session-item').count()).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it('raised no uncaught error in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
