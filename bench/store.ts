/**
 * Filesystem store benchmark: imports the SkillBank corpus into a fresh store as one user's skills
 * (every skill gets its first revision), then opens that store cold in a fresh process, loads every
 * skill and lists them. The cold open runs on the built `dist/` with plain node when the build is newer
 * than the sources (as the CLI and server run), else on the sources under tsx (`open_runtime` says
 * which). Prints one JSON object.
 * Usage: `npm run bench:store [-- --corpus <dir>] [-- --keep]`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FileSkillStore } from '../src/store/fs/file-skill-store.js';
import { importSkills } from '../src/store/import/import-skills.js';
import { newestSource } from './source-times.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const USER = 'bench';

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** Opens the store in a fresh process and returns what the child measured. */
function coldOpen(root: string): Record<string, unknown> {
  const built = join(REPO, 'dist', 'store', 'index.js');
  // The store depends on these layers only; other folders may be mid-edit without making dist stale.
  const sources = ['shared', 'skill', 'store'].map((layer) => newestSource(join(REPO, 'src', layer)));
  const current = existsSync(built) && statSync(built).mtimeMs >= Math.max(...sources);
  const module = current ? built : join(REPO, 'src', 'store', 'index.ts');
  const loader = current ? [] : process.execArgv;
  const output = execFileSync(
    process.execPath,
    [...loader, join(REPO, 'bench', 'store-open.mjs'), root, pathToFileURL(module).href, USER],
    { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
  );
  return {
    ...(JSON.parse(output) as Record<string, unknown>),
    open_runtime: current ? 'node (dist)' : 'tsx (src)',
  };
}

async function main(): Promise<void> {
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
    const opened = coldOpen(root);
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
    else process.stderr.write(`store kept at ${root}\n`);
  }
}

await main();
