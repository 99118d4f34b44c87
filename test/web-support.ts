/**
 * @module Support for the web UI's browser tests (`test/web-*.test.ts`): Debian's Chromium driven by
 * playwright-core (headless, no sandbox, no background networking, a fresh profile), an `autoskill`
 * server started from the built CLI on 127.0.0.1 with a temp store, and the screenshots folder.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { REPO_ROOT } from './support/fixtures.js';

export const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');
export const WEB_DIST = join(REPO_ROOT, 'web', 'dist');
export const SCREENSHOTS = join(REPO_ROOT, 'test-output', 'screenshots');

const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/lib/chromium/chromium'];

/** The Chromium to drive: `AUTOSKILL_CHROMIUM`, else Debian's; `null` when none is installed. */
export function findChromium(): string | null {
  const configured = process.env['AUTOSKILL_CHROMIUM'];
  if (configured) return existsSync(configured) ? configured : null;
  return CHROMIUM_CANDIDATES.find((path) => existsSync(path)) ?? null;
}

/** Why the browser tests cannot run here, or `null` when they can. */
export function browserTestsBlocker(): string | null {
  // Only a missing browser skips: a missing build (web/dist, dist/) makes the tests fail loudly instead.
  if (!findChromium()) {
    return 'web UI browser tests skipped: no Chromium found (apt-get install chromium fonts-wqy-microhei; .ci/run installs it)';
  }
  return null;
}

export interface Browser {
  context: BrowserContext;
  newPage(options?: { width?: number; height?: number }): Promise<Page>;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile in a temp folder (removed on close). */
export async function launchBrowser(options: { locale?: string } = {}): Promise<Browser> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error('Chromium is not installed');
  const userDataDir = mkdtempSync(join(tmpdir(), 'autoskill-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--disable-dev-shm-usage',
    ],
    viewport: { width: 1280, height: 800 },
    locale: options.locale ?? 'en-US',
    timeout: 30_000,
  });
  context.setDefaultTimeout(15_000);
  return {
    context,
    async newPage(size) {
      const page = await context.newPage();
      if (size) await page.setViewportSize({ width: size.width ?? 1280, height: size.height ?? 800 });
      page.on('dialog', (dialog) => void dialog.accept());
      return page;
    },
    async close() {
      await context.close().catch(() => {});
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface RunningServer {
  url: string;
  port: number;
  /** stdout + stderr so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `autoskill <command> --host 127.0.0.1 --port <free> …args` from the built CLI and waits until
 * `GET /health` answers.
 */
export async function startAutoskill(options: {
  command: 'serve' | 'web';
  args: string[];
  env?: Record<string, string>;
  timeoutMs?: number;
}): Promise<RunningServer> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  if (!existsSync(join(WEB_DIST, 'index.html'))) {
    throw new Error(`${WEB_DIST}/index.html is missing: run npm run build (it builds the web UI too)`);
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(
    process.execPath,
    [CLI, options.command, '--host', '127.0.0.1', '--port', String(port), ...options.args],
    {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: process.env['HOME'] ?? tmpdir(),
        NODE_ENV: 'test',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
  };
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`autoskill ${options.command} exited with ${child.exitCode}:\n${output}`);
    }
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return { url, port, output: () => output, stop };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  await stop();
  throw new Error(`autoskill ${options.command} did not answer /health in time:\n${output}`);
}

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return join(SCREENSHOTS, `${name}.png`);
}

/** JSON helper for calls the test makes beside the browser (setup, concurrent edits). */
export async function api<T = unknown>(
  server: RunningServer,
  path: string,
  init: { method?: string; body?: unknown; key?: string } = {},
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${server.url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...(init.key ? { Authorization: `Bearer ${init.key}` } : {}),
    },
    body: init.body === undefined ? null : JSON.stringify(init.body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}
