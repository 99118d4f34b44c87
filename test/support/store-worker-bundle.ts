/**
 * Builds `store-worker.ts` into one plain JavaScript file with esbuild (installed with tsx and vite), so
 * each child process starts in ~0.1 s instead of ~0.7 s under tsx. Falls back to tsx when esbuild
 * cannot be loaded.
 */
import { join } from 'node:path';
import { REPO_ROOT } from './fixtures.js';

const WORKER_SOURCE = join(REPO_ROOT, 'test', 'support', 'store-worker.ts');

/** The node arguments that run the store worker. */
export async function storeWorkerArgs(outDir: string): Promise<string[]> {
  try {
    const esbuild = await import('esbuild');
    const outfile = join(outDir, 'store-worker.mjs');
    await esbuild.build({
      entryPoints: [WORKER_SOURCE],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'silent',
      banner: {
        js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
    });
    return [outfile];
  } catch {
    return ['--import', 'tsx', WORKER_SOURCE];
  }
}
