/** @module Vite build of the web UI: Preact via the automatic JSX runtime, output in web/dist (served by `autoskill serve` / `web`). */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  // Relative asset URLs so the UI works under any mount path; no public dir, no dev-only plugins.
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
  // `npm run dev:web` serves the UI with hot reload and sends API calls to a running `autoskill serve`.
  server: {
    host: '127.0.0.1',
    proxy: { '/v1': process.env['AUTOSKILL_DEV_API'] ?? 'http://127.0.0.1:9000' },
  },
});
