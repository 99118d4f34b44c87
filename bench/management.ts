/**
 * Management API benchmark: imports the SkillBank corpus (5,188 skills) into one user of a fresh
 * filesystem store, mounts the management routes on the server app and times requests in-process
 * (`app.request`, no sockets, so this is the route + store cost): list pages at the start and the end,
 * the substring filter over every skill, get with SKILL.md, versions, a SKILL.md save and a zip export.
 * Prints one JSON object. Usage: `npx tsx bench/management.ts [--corpus <dir>] [--rounds 200]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServerApp } from '../src/server/app.js';
import { createManagementRoutes } from '../src/server/management/index.js';
import { FileSkillStore } from '../src/store/fs/file-skill-store.js';
import { importSkills } from '../src/store/import/import-skills.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const USER = 'bench';

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round((sorted[index] ?? 0) * 100) / 100;
}

async function main(): Promise<void> {
  const corpus = resolve(argument('--corpus') ?? join(REPO, '..', 'shared', 'fixtures', 'skillbank'));
  const rounds = Number(argument('--rounds') ?? 200);
  const root = mkdtempSync(join(tmpdir(), 'autoskill-bench-management-'));
  try {
    const store = new FileSkillStore({ root });
    await store.open();
    const importStarted = performance.now();
    const report = await importSkills(store, { source: corpus, target: { userId: USER } });
    const importMs = performance.now() - importStarted;
    const app = createServerApp({ routes: [createManagementRoutes({ store, authEnabled: false })] });
    const headers = { 'x-autoskill-user': USER, 'content-type': 'application/json' };
    const request = async (method: string, path: string, body?: unknown) => {
      const response = await app.request(
        new Request(`http://127.0.0.1/v1/autoskill${path}`, {
          method,
          headers,
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        }),
      );
      const text = await response.text();
      if (response.status !== 200)
        throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 200)}`);
      return text;
    };
    const time = async (name: string, run: (round: number) => Promise<unknown>, count = rounds) => {
      for (let round = 0; round < Math.min(10, count); round += 1) await run(round);
      const samples: number[] = [];
      for (let round = 0; round < count; round += 1) {
        const started = performance.now();
        await run(round);
        samples.push(performance.now() - started);
      }
      samples.sort((a, b) => a - b);
      return [name, { p50: percentile(samples, 50), p99: percentile(samples, 99), n: count }] as const;
    };
    const total = report.imported.length;
    const ids = report.imported.map((item) => item.id);
    const pick = (round: number) => ids[(round * 7919) % ids.length] as string;
    const results = [
      await time('list_first_page_100', () => request('GET', '/skills?limit=100')),
      await time('list_last_page_100', () =>
        request('GET', `/skills?limit=100&offset=${Math.max(0, total - 100)}`),
      ),
      await time('list_filter_q_over_all', () => request('GET', '/skills?q=report&limit=100')),
      await time('get_with_md', (round) =>
        request('GET', `/skills/${encodeURIComponent(pick(round))}?include_md=1`),
      ),
      await time('versions', (round) =>
        request('GET', `/skills/${encodeURIComponent(pick(round))}/versions`),
      ),
      await time('export_zip', (round) =>
        request('GET', `/skills/${encodeURIComponent(pick(round))}/export?format=zip`),
      ),
      await time(
        'save_md',
        async (round) => {
          const id = pick(round + 1);
          const md = JSON.parse(await request('GET', `/skills/${encodeURIComponent(id)}/md`))
            .skill_md as string;
          const started = performance.now();
          await request('PUT', `/skills/${encodeURIComponent(id)}/md`, {
            skill_md: `${md}\n<!-- edit ${round} -->\n`,
          });
          return performance.now() - started;
        },
        Math.min(rounds, 100),
      ),
    ];
    await store.close();
    process.stdout.write(
      `${JSON.stringify({
        skills: total,
        import_ms: Math.round(importMs),
        requests_ms: Object.fromEntries(results),
        note: 'in-process app.request; save_md includes the GET of the text it edits',
        machine: { cpus: cpus().length, load: loadavg().map((value) => Math.round(value * 10) / 10) },
      })}\n`,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
