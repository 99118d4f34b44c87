/**
 * Filesystem store benchmark: imports the SkillBank corpus into a fresh store as one user's skills
 * (every skill gets its first revision), then opens that store cold in a fresh process and lists it.
 * Prints one JSON object. Usage: `npm run bench:store [-- --corpus <dir>] [-- --keep]`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileSkillStore } from '../src/store/fs/file-skill-store.js';
import { importSkills } from '../src/store/import/import-skills.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const USER = 'bench';

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** Child mode: open the store cold, load every skill, list, report. */
async function openWorker(root: string): Promise<void> {
  const started = performance.now();
  const store = new FileSkillStore({ root });
  const report = await store.open();
  const openMs = performance.now() - started;
  const listStarted = performance.now();
  const page = await store.list({ userId: USER, scope: 'user', limit: 100 });
  const listMs = performance.now() - listStarted;
  const allStarted = performance.now();
  const all = await store.list({ userId: USER, scope: 'user', limit: 100_000 });
  const listAllMs = performance.now() - allStarted;
  const getStarted = performance.now();
  for (const item of page.items) await store.get(item.id);
  const getMs = (performance.now() - getStarted) / Math.max(1, page.items.length);
  process.stdout.write(
    JSON.stringify({
      cold_open_ms: round(openMs),
      loaded: report.loaded,
      problems: report.problems.length,
      list_ms: round(listMs),
      list_all_ms: round(listAllMs),
      listed: all.total,
      get_ms: round(getMs),
      rss_mb: round(process.memoryUsage().rss / 1e6),
    }),
  );
}

async function main(): Promise<void> {
  const openRoot = argument('--open');
  if (openRoot) return openWorker(openRoot);
  const corpus = resolve(argument('--corpus') ?? join(REPO, '..', 'shared', 'fixtures', 'skillbank'));
  const root = mkdtempSync(join(tmpdir(), 'autoskill-bench-store-'));
  try {
    const store = new FileSkillStore({ root });
    await store.open();
    const started = performance.now();
    const report = await importSkills(store, { source: corpus, target: { userId: USER } });
    const importMs = performance.now() - started;
    const importRss = process.memoryUsage().rss / 1e6;
    await store.close();
    const child = execFileSync(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), '--open', root],
      {
        encoding: 'utf8',
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const opened = JSON.parse(child) as Record<string, unknown>;
    process.stdout.write(
      `${JSON.stringify({
        corpus,
        imported: report.imported.length,
        import_errors: report.errors.length,
        import_ms: round(importMs),
        import_rss_mb: round(importRss),
        ...opened,
        node: process.version,
      })}\n`,
    );
  } finally {
    if (!process.argv.includes('--keep')) rmSync(root, { recursive: true, force: true });
  }
}

await main();
