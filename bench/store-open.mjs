/**
 * Child process of `bench/store.ts`: opens a store cold, loads every skill, lists, and prints one JSON
 * object. Plain JavaScript so it can run on the built `dist/` with plain node (how the CLI and server
 * run); `bench/store.ts` runs it under tsx on the sources when the build is stale.
 * Usage: node bench/store-open.mjs <store root> <store module URL> <user id>
 */
const [root, moduleUrl, userId] = process.argv.slice(2);
const { FileSkillStore } = await import(moduleUrl);

const round = (value) => Math.round(value * 10) / 10;
const started = performance.now();
const store = new FileSkillStore({ root });
const report = await store.open();
const openMs = performance.now() - started;
const listStarted = performance.now();
const page = await store.list({ userId, scope: 'user', limit: 100 });
const listMs = performance.now() - listStarted;
const getStarted = performance.now();
for (const item of page.items) await store.get(item.id);
const getMs = (performance.now() - getStarted) / Math.max(1, page.items.length);
const rssMb = process.memoryUsage().rss / 1e6;
// Listing everything at once copies every skill: a heavier call than any page, measured last.
const allStarted = performance.now();
const all = await store.list({ userId, scope: 'user', limit: 100_000 });
const listAllMs = performance.now() - allStarted;
process.stdout.write(
  JSON.stringify({
    cold_open_ms: round(openMs),
    loaded: report.loaded,
    problems: report.problems.length,
    list_ms: round(listMs),
    list_all_ms: round(listAllMs),
    listed: all.total,
    get_ms: round(getMs),
    rss_mb: round(rssMb),
    rss_after_list_all_mb: round(process.memoryUsage().rss / 1e6),
  }),
);
