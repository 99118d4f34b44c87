/**
 * `npm run bench:proxy`: what the whole AutoSkill proxy costs a chat request, with a real store.
 *
 * The proxy runs as `autoskill proxy` in a **child process** (the CLI from source under tsx) over a
 * temporary copy of the corpus (`--skills` of the 5,188 fixture skills), offline embeddings (`hashing`)
 * and rule-based learning; its upstream is the fake model server in this process, which also generates
 * the load (so load generator, upstream and proxy share the machine's 2 cores, as the issue says).
 *
 * 1. `added_ms`: the same chat requests (real queries from the retrieval dev set, so retrieval does its
 *    full work: search over the user's scope, render) sent alternately straight to the fake upstream and
 *    through the proxy, one at a time over keep-alive connections; `added` = proxy percentile − direct
 *    percentile, for whole JSON answers (`non_stream`) and for the first content chunk of a stream.
 * 2. `throughput`: requests/s through the proxy at 1, 8 and 32 concurrent clients with a 50 ms upstream
 *    (the ceiling is 20 / 160 / 640), and errors.
 * 3. `busy_p99_ratio`: p99 of proxied chat requests while extraction jobs run ÷ p99 of the same requests
 *    with none. Both conditions have the same background traffic (`--busy-loops` loops of API calls with a
 *    durable-preference conversation): `retrieval/preview` when idle; `extractions` when busy, each loop
 *    waiting (on the job's SSE stream) until its job has run — extract, decide, write — before the next, so
 *    `--busy-loops` jobs run at any time. Idle and busy blocks alternate (3 rounds) so that drifting load
 *    from other processes hits both alike; the ratio isolates what running jobs cost the chat path.
 *
 *   npm run bench:proxy [-- --skills 5188 --upstream-latency-ms 0 --rewrite-mode never|auto
 *                          --requests 1000 --warmup 200 --throughput-requests 1500 --busy-requests 600 --busy-loops 2 --busy-pause-ms 50
 *                          --extraction-worker on|off --runtime dist|tsx --cpu-prof <dir>]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { Agent } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startFakeModelServer } from '../src/testing/index.js';
import { percentile, runConcurrently, timeChatRequest } from './chat-timing.js';
import { newestSource } from './source-times.js';

const { values } = parseArgs({
  options: {
    skills: { type: 'string', default: '5188' },
    'upstream-latency-ms': { type: 'string', default: '0' },
    'rewrite-mode': { type: 'string', default: 'never' },
    requests: { type: 'string', default: '1000' },
    warmup: { type: 'string', default: '200' },
    'throughput-requests': { type: 'string', default: '1500' },
    'throughput-upstream-ms': { type: 'string', default: '50' },
    'busy-requests': { type: 'string', default: '600' },
    'busy-loops': { type: 'string', default: '2' },
    'busy-pause-ms': { type: 'string', default: '50' },
    corpus: { type: 'string' },
    keep: { type: 'boolean', default: false },
    /** `dist` (plain node on the build) or `tsx` (the sources). @default dist when the build is current */
    runtime: { type: 'string' },
    /** Write a CPU profile of the proxy process into this folder. */
    'cpu-prof': { type: 'string' },
    /** `off` runs extraction jobs in the server's thread (`--no-extraction-worker`). @default on */
    'extraction-worker': { type: 'string', default: 'on' },
  },
});

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CORPUS = resolve(values.corpus ?? join(ROOT, '..', 'shared', 'fixtures', 'skillbank'));
const DEV_QUERIES = join(ROOT, '..', 'shared', 'fixtures', 'retrieval-dev.jsonl');
const skillCount = Number(values.skills);
const upstreamLatencyMs = Number(values['upstream-latency-ms']);
const rewriteMode = values['rewrite-mode'];
const requests = Number(values.requests);
const warmup = Number(values.warmup);
const throughputRequests = Number(values['throughput-requests']);
const throughputUpstreamMs = Number(values['throughput-upstream-ms']);
const busyRequests = Number(values['busy-requests']);
const busyLoops = Number(values['busy-loops']);
const busyPauseMs = Number(values['busy-pause-ms']);
const USER = 'bench';
const log = (text: string) => process.stderr.write(`[bench:proxy] ${text}\n`);

// ---------------------------------------------------------------- the store: a copy of the corpus

function skillFolders(dir: string, out: string[] = []): string[] {
  const names = readdirSync(dir);
  if (names.includes('SKILL.md')) {
    out.push(dir);
    return out;
  }
  for (const name of names.sort()) {
    if (name.startsWith('.') || name === 'vectors') continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) skillFolders(full, out);
  }
  return out;
}

const work = mkdtempSync(join(tmpdir(), 'autoskill-bench-proxy-'));
const storeDir = join(work, 'SkillBank');
const folders = skillFolders(CORPUS);
if (skillCount >= folders.length) {
  cpSync(CORPUS, storeDir, { recursive: true, filter: (source) => !source.includes(`${CORPUS}/vectors`) });
} else {
  // An even spread over the corpus (every k-th skill), keeping each skill's place in the layout.
  const step = folders.length / skillCount;
  for (let index = 0; index < skillCount; index += 1) {
    const folder = folders[Math.floor(index * step)] as string;
    const target = join(storeDir, relative(CORPUS, folder));
    mkdirSync(dirname(target), { recursive: true });
    cpSync(folder, target, { recursive: true });
  }
}
const loadedSkills = Math.min(skillCount, folders.length);

// ---------------------------------------------------------------- queries and the fake upstream

const queries = readFileSync(DEV_QUERIES, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => (JSON.parse(line) as { query: string }).query)
  .slice(0, 64);

const ANSWER = 'Here is the plan: run the regression suite, deploy to canary, monitor, then roll out fully.';
const CHUNKS = [
  'Here is the plan: ',
  'run the regression suite, ',
  'deploy to canary, ',
  'monitor, then roll out fully.',
];
const fake = await startFakeModelServer({ recordRequests: false, defaultText: ANSWER });
// The model name picks the upstream's delay, so one proxy serves both the latency and throughput runs.
fake.setResponder('chat', (incoming) => {
  const model = String((incoming.body as { model?: unknown } | undefined)?.model ?? '');
  const delay = model.startsWith('slow-') ? Number(model.slice(5)) : upstreamLatencyMs;
  return { type: 'text', text: ANSWER, chunks: CHUNKS, delayMs: delay };
});

// ---------------------------------------------------------------- the proxy, in a child process

// The built CLI with plain node (as users run it) when the build is newer than every source; else the
// sources under tsx (same code, slower start). `--runtime tsx|dist` forces one.
const builtCli = join(ROOT, 'dist', 'cli', 'main.js');
const distIsCurrent = existsSync(builtCli) && statSync(builtCli).mtimeMs >= newestSource(join(ROOT, 'src'));
const runtime = values.runtime ?? (distIsCurrent ? 'dist' : 'tsx');
const tsx = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const args = [
  ...(values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${resolve(values['cpu-prof'])}`] : []),
  ...(runtime === 'dist' ? [builtCli] : ['--import', tsx, join(ROOT, 'src', 'cli', 'main.ts')]),
  'proxy',
  '--port',
  '0',
  '--store-dir',
  storeDir,
  '--llm-provider',
  'generic',
  '--learn-llm-provider',
  'offline',
  '--embeddings-provider',
  'hashing',
  '--rewrite-mode',
  rewriteMode,
  // Chat turns of one user message never reach turn 1000: extraction runs only when the bench asks.
  '--extract-mode',
  'auto',
  '--extract-turn-limit',
  '1000',
  '--log-level',
  'silent',
  ...(values['extraction-worker'] === 'off' ? ['--no-extraction-worker'] : []),
];
const child: ChildProcess = spawn(process.execPath, args, {
  cwd: work,
  env: {
    PATH: process.env['PATH'] ?? '',
    HOME: work,
    AUTOSKILL_GENERIC_LLM_URL: fake.baseUrl,
    AUTOSKILL_GENERIC_LLM_MODEL: 'bench-model',
  },
  stdio: ['ignore', 'pipe', 'pipe'],
});
const startedAt = performance.now();
let childOutput = '';
const proxyUrl = await new Promise<string>((resolveUrl, reject) => {
  const onData = (chunk: Buffer) => {
    childOutput += chunk.toString();
    const match = /^AutoSkill[^:]*: (http:\/\/\S+)$/m.exec(childOutput);
    if (match?.[1] && childOutput.includes('Press Ctrl+C')) resolveUrl(match[1]);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  child.once('exit', (code) => reject(new Error(`proxy exited with ${code}:\n${childOutput}`)));
});
const startupMs = performance.now() - startedAt;
const proxyPort = Number(new URL(proxyUrl).port);
log(`proxy at ${proxyUrl} over ${loadedSkills} skills (started in ${Math.round(startupMs)} ms)`);

/** CPU time (user + system) the proxy process has used so far, in ms, from /proc on Linux. */
function proxyCpuMs(): number | null {
  try {
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime (fields 14 and 15 of the whole line) in clock ticks, 100 per second on Linux.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

/** CPU ms per proxied request over a run (a load-independent cost: wall time varies with other work). */
function cpuPerRequest(before: number | null, requestCount: number): number | null {
  const after = proxyCpuMs();
  return before === null || after === null ? null : round((after - before) / requestCount);
}

// ---------------------------------------------------------------- one request

const agent = new Agent({ keepAlive: true, maxSockets: 64 });
let queryIndex = 0;

/**
 * A two-turn conversation: the previous dev query, an answer, then the current one (many dev queries are
 * follow-ups — "works, but stick to my style this time" — which `--rewrite-mode auto` rewrites from the
 * earlier turn). Two user turns never reach the extraction turn limit the proxy runs with.
 */
function body(stream: boolean, model = 'bench-model'): string {
  const previous = queries[queryIndex % queries.length] ?? 'How should I plan a release?';
  queryIndex += 1;
  const query = queries[queryIndex % queries.length] ?? 'How should I do a safe release?';
  return JSON.stringify({
    model,
    stream,
    messages: [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: previous },
      { role: 'assistant', content: ANSWER },
      { role: 'user', content: query },
    ],
  });
}

function once(port: number, payload: string, stream: boolean): Promise<number> {
  return timeChatRequest({ agent, port, headers: { 'x-autoskill-user': USER }, payload, stream });
}

const round = (value: number) => Math.round(value * 100) / 100;

function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: round(percentile(sorted, 0.5)), p99: round(percentile(sorted, 0.99)), n: samples.length };
}

// The first chat request, sent as soon as the proxy listens: the search index warms up in the background,
// so this request waits for what is left of the warm-up (bounded by the skill-context timeout).
const firstRequestStarted = performance.now();
await once(proxyPort, body(false), false);
const firstRequestMs = performance.now() - firstRequestStarted;
log(`first request ${Math.round(firstRequestMs)} ms after listening`);

// ---------------------------------------------------------------- 1. added latency

async function added(stream: boolean) {
  const direct: number[] = [];
  const proxied: number[] = [];
  let cpuBefore: number | null = null;
  for (let index = 0; index < warmup + requests; index += 1) {
    if (index === warmup) cpuBefore = proxyCpuMs();
    const payload = body(stream);
    const a = await once(fake.port, payload, stream);
    const b = await once(proxyPort, payload, stream);
    if (index < warmup) continue;
    direct.push(a);
    proxied.push(b);
  }
  const cpuMs = cpuPerRequest(cpuBefore, requests);
  const directSummary = summary(direct);
  const proxiedSummary = summary(proxied);
  return {
    proxy_cpu_ms_per_request: cpuMs,
    direct_ms: directSummary,
    proxied_ms: proxiedSummary,
    added_ms: {
      p50: round(proxiedSummary.p50 - directSummary.p50),
      p99: round(proxiedSummary.p99 - directSummary.p99),
    },
  };
}

log('added latency, non-stream…');
const nonStream = await added(false);
log('added latency, first streamed chunk…');
const firstChunk = await added(true);

// ---------------------------------------------------------------- 2. throughput

async function throughput(clients: number, total: number) {
  const cpuBefore = proxyCpuMs();
  const { latencies, errors, seconds } = await runConcurrently(clients, total, () =>
    once(proxyPort, body(false, `slow-${throughputUpstreamMs}`), false),
  );
  return {
    clients,
    rps: round(total / seconds),
    errors,
    latency_ms: summary(latencies),
    proxy_cpu_ms_per_request: cpuPerRequest(cpuBefore, total),
  };
}

const rssBeforeJobsMb = proxyRssMb();

log('throughput…');
const throughputResults = [];
for (const clients of [1, 8, 32]) {
  throughputResults.push(
    await throughput(clients, clients === 1 ? Math.min(throughputRequests, 100) : throughputRequests),
  );
}

// ---------------------------------------------------------------- 3. latency while extraction runs

async function sequential(total: number): Promise<number[]> {
  const samples: number[] = [];
  for (let index = 0; index < total; index += 1) samples.push(await once(proxyPort, body(false), false));
  return samples;
}

async function api(method: string, path: string, json?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${proxyUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
  });
  return (await response.json()) as Record<string, unknown>;
}

// Both phases run the same sequential chat requests next to the same background traffic: two loops of
// API calls, each with a short conversation stating a durable preference. Idle: `retrieval/preview`
// (retrieval only). Busy: `extractions` (the same retrieval for the reference, plus a job that extracts,
// decides create/merge/discard and writes the store), so the difference is the extraction work.
const TOPICS = [
  'release notes',
  'status updates',
  'SQL queries',
  'code reviews',
  'incident reports',
  '周报',
  '会议纪要',
  'API docs',
];
const RULES = [
  'always start with a one-line summary',
  'never invent numbers',
  'use bullet points',
  'end with next steps and owners',
  '先写结论再写细节',
  'keep it under 200 words',
];
let conversationIndex = 0;
function conversation(): { user: string; messages: Array<{ role: string; content: string }> } {
  const index = conversationIndex++;
  const topic = TOPICS[index % TOPICS.length];
  const rule = RULES[Math.floor(index / TOPICS.length) % RULES.length];
  return {
    user: `${USER}-${index % 16}`,
    messages: [
      { role: 'user', content: `Write ${topic} for project ${index}.` },
      { role: 'assistant', content: 'Done.' },
      { role: 'user', content: `From now on, for all my ${topic}, ${rule}. (${index})` },
    ],
  };
}

/** Follows a job's SSE stream until it ends (pushed; no polling). */
async function waitForJob(jobId: string, user: string): Promise<void> {
  const response = await fetch(
    `${proxyUrl}/v1/autoskill/extractions/${jobId}/events?timeout_s=120&user=${user}`,
  );
  await response.text();
}

interface PhaseRun {
  samples: number[];
  calls: number;
  jobs: number;
  outcomes: Record<string, number>;
}

/**
 * Sequential chat requests while `loops` background loops each repeat: one API call, (busy) wait for the
 * job it scheduled to finish, pause. So in the busy phase `loops` extraction jobs run at any time, and the
 * idle phase has the same API traffic without jobs.
 */
async function phase(kind: 'idle' | 'busy', requestCount: number): Promise<PhaseRun> {
  let running = true;
  const run: PhaseRun = { samples: [], calls: 0, jobs: 0, outcomes: {} };
  const background = Array.from({ length: busyLoops }, async () => {
    while (running) {
      const call = conversation();
      if (kind === 'idle') {
        await api('POST', '/v1/autoskill/retrieval/preview', call);
      } else {
        const answer = await api('POST', '/v1/autoskill/extractions', call);
        const jobId = (answer['data'] as { job_id?: string } | undefined)?.job_id;
        if (jobId) {
          await waitForJob(jobId, call.user);
          const job = await api('GET', `/v1/autoskill/extractions/${jobId}?user=${call.user}`);
          const outcome = (job['data'] as { outcome?: string | null; status?: string } | undefined) ?? {};
          const key = outcome.outcome ?? outcome.status ?? 'unknown';
          run.outcomes[key] = (run.outcomes[key] ?? 0) + 1;
          run.jobs += 1;
        }
      }
      run.calls += 1;
      await new Promise((resolvePause) => setTimeout(resolvePause, busyPauseMs));
    }
  });
  run.samples = await sequential(requestCount);
  running = false;
  await Promise.all(background);
  return run;
}

// Idle and busy blocks alternate, so drifting load from other processes hits both alike.
const ROUNDS = 3;
const idleRuns: PhaseRun[] = [];
const busyRuns: PhaseRun[] = [];
for (let round = 0; round < ROUNDS; round += 1) {
  log(`round ${round + 1}/${ROUNDS}: next to retrieval-only traffic, then next to running extraction jobs…`);
  idleRuns.push(await phase('idle', Math.ceil(busyRequests / ROUNDS)));
  busyRuns.push(await phase('busy', Math.ceil(busyRequests / ROUNDS)));
}
const idle = summary(idleRuns.flatMap((run) => run.samples));
const busy = summary(busyRuns.flatMap((run) => run.samples));
const jobOutcomes: Record<string, number> = {};
for (const run of busyRuns) {
  for (const [key, count] of Object.entries(run.outcomes)) jobOutcomes[key] = (jobOutcomes[key] ?? 0) + count;
}

// ---------------------------------------------------------------- report

/** Resident memory of the proxy process (server thread and extraction worker), from /proc on Linux. */
function proxyRssMb(): number | null {
  try {
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return Number.isFinite(kb) ? Math.round(kb / 1024) : null;
  } catch {
    return null;
  }
}

const result = {
  benchmark: 'proxy',
  skills: loadedSkills,
  rewrite_mode: rewriteMode,
  upstream_latency_ms: upstreamLatencyMs,
  requests,
  warmup,
  node: process.version,
  cpus: cpus().length,
  load_average_1m: round(loadavg()[0] ?? 0),
  proxy_process: `autoskill proxy in a child process (${runtime === 'dist' ? 'node dist/cli/main.js' : 'src under tsx'})`,
  proxy_startup_ms: Math.round(startupMs),
  first_request_ms: Math.round(firstRequestMs),
  proxy_rss_mb: proxyRssMb(),
  proxy_rss_mb_before_jobs: rssBeforeJobsMb,
  extraction_worker: values['extraction-worker'] !== 'off',
  added_ms: { non_stream: nonStream.added_ms, first_chunk: firstChunk.added_ms },
  proxy_cpu_ms_per_request: {
    non_stream: nonStream.proxy_cpu_ms_per_request,
    stream: firstChunk.proxy_cpu_ms_per_request,
  },
  throughput_upstream_ms: throughputUpstreamMs,
  throughput: throughputResults,
  busy_p99_ratio: round(busy.p99 / idle.p99),
  busy: {
    idle_ms: idle,
    busy_ms: busy,
    rounds: ROUNDS,
    background_loops: busyLoops,
    background_pause_ms: busyPauseMs,
    idle_background_calls: idleRuns.reduce((sum, run) => sum + run.calls, 0),
    busy_background_calls: busyRuns.reduce((sum, run) => sum + run.calls, 0),
    jobs_run_during_busy_blocks: busyRuns.reduce((sum, run) => sum + run.jobs, 0),
    job_outcomes: jobOutcomes,
  },
  non_stream: nonStream,
  first_chunk: firstChunk,
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);

agent.destroy();
child.kill('SIGTERM');
await new Promise((resolveExit) => {
  const timer = setTimeout(() => {
    child.kill('SIGKILL');
    resolveExit(null);
  }, 15_000);
  child.once('exit', () => {
    clearTimeout(timer);
    resolveExit(null);
  });
});
await fake.close();
if (values.keep) log(`store kept at ${storeDir}`);
else if (existsSync(work)) rmSync(work, { recursive: true, force: true });
