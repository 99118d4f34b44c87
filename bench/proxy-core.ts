/**
 * Latency the proxy core adds on the pass-through path: the same chat request sent N times straight to
 * the fake upstream and through the proxy (no-op skill context, and a fixed skill message), alternating,
 * over keep-alive connections, one at a time. Reports p50/p99 of each and the added milliseconds, for
 * JSON answers and for the time to the first content chunk of a stream. Prints one JSON object.
 *
 * Then throughput through the proxy at 1, 8 and 32 concurrent clients with a 50 ms upstream
 * (`--throughput-upstream-ms`), `--throughput-requests` requests per level.
 *
 *   npx tsx bench/proxy-core.ts [--requests 2000] [--warmup 300] [--upstream-latency-ms 0]
 *                               [--throughput-requests 2000] [--throughput-upstream-ms 50]
 */
import { Agent } from 'node:http';
import { parseArgs } from 'node:util';
import { createServerApp } from '../src/server/app.js';
import { startServer } from '../src/server/http/listen.js';
import { createOpenAICompatibleUpstream } from '../src/server/proxy/upstreams/openai-compatible.js';
import { fixedSkillContext, noSkillContext, type SkillContextProvider } from '../src/service/turn-types.js';
import { startFakeModelServer } from '../src/testing/index.js';
import { percentile, runConcurrently, timeChatRequest } from './chat-timing.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '300' },
    'upstream-latency-ms': { type: 'string', default: '0' },
    'throughput-requests': { type: 'string', default: '2000' },
    'throughput-upstream-ms': { type: 'string', default: '50' },
  },
});
const requests = Number(values.requests);
const warmup = Number(values.warmup);
const upstreamLatencyMs = Number(values['upstream-latency-ms']);

const fake = await startFakeModelServer({
  recordRequests: false,
  defaultDelayMs: upstreamLatencyMs,
  defaultText: 'The release goes regression, canary, monitor, then full rollout.',
});

async function startProxy(skillContext: SkillContextProvider) {
  const app = createServerApp({
    upstream: createOpenAICompatibleUpstream({ baseUrl: fake.baseUrl, apiKey: 'bench' }),
    skillContext,
  });
  return startServer({ app, port: 0 });
}

const noop = await startProxy(noSkillContext);
const withSkill = await startProxy(
  fixedSkillContext({
    systemMessage: '## Skills\n### release-process\nregression → canary → monitor → full rollout',
    injected: [{ id: 'rel-1', name: 'release-process', version: '0.1.0' }],
  }),
);

const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const messages = [
  { role: 'system', content: 'You are a release assistant.' },
  { role: 'user', content: 'How do we release the payments service? 请简要回答。' },
];
const jsonPayload = JSON.stringify({ model: 'bench-model', messages });
const streamPayload = JSON.stringify({ model: 'bench-model', messages, stream: true });

function once(port: number, path: string, stream: boolean): Promise<number> {
  return timeChatRequest({ agent, port, path, payload: stream ? streamPayload : jsonPayload, stream });
}

const round = (value: number) => Math.round(value * 1000) / 1000;

function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: round(percentile(sorted, 0.5)), p99: round(percentile(sorted, 0.99)) };
}

async function measure(stream: boolean) {
  const direct: number[] = [];
  const proxied: number[] = [];
  const injected: number[] = [];
  for (let index = 0; index < warmup + requests; index += 1) {
    const a = await once(fake.port, '/v1/chat/completions', stream);
    const b = await once(noop.port, '/v1/chat/completions', stream);
    const c = await once(withSkill.port, '/v1/chat/completions', stream);
    if (index < warmup) continue;
    direct.push(a);
    proxied.push(b);
    injected.push(c);
  }
  const directSummary = summary(direct);
  const proxiedSummary = summary(proxied);
  const injectedSummary = summary(injected);
  return {
    direct_ms: directSummary,
    proxied_ms: proxiedSummary,
    proxied_with_skill_ms: injectedSummary,
    added_ms: {
      p50: round(proxiedSummary.p50 - directSummary.p50),
      p99: round(proxiedSummary.p99 - directSummary.p99),
    },
    added_with_skill_ms: {
      p50: round(injectedSummary.p50 - directSummary.p50),
      p99: round(injectedSummary.p99 - directSummary.p99),
    },
  };
}

const nonStream = await measure(false);
const firstChunk = await measure(true);

const throughputUpstreamMs = Number(values['throughput-upstream-ms']);
const throughputRequests = Number(values['throughput-requests']);
fake.reset();
const slowFake = await startFakeModelServer({ recordRequests: false, defaultDelayMs: throughputUpstreamMs });
const slowProxy = await startServer({
  app: createServerApp({
    upstream: createOpenAICompatibleUpstream({ baseUrl: slowFake.baseUrl, apiKey: 'bench' }),
  }),
  port: 0,
});
const throughputResults = [];
for (const clients of [1, 8, 32]) {
  const requestsAtLevel = clients === 1 ? Math.min(throughputRequests, 100) : throughputRequests;
  throughputResults.push(await throughputThrough(slowProxy.port, clients, requestsAtLevel));
}
await slowProxy.close({ graceMs: 100 });
await slowFake.close();

/** Requests per second through the proxy at `port` with `clients` concurrent callers. */
async function throughputThrough(port: number, clients: number, total: number) {
  const { latencies, errors, seconds } = await runConcurrently(clients, total, () =>
    once(port, '/v1/chat/completions', false),
  );
  return { clients, rps: Math.round((total / seconds) * 10) / 10, errors, latency_ms: summary(latencies) };
}

process.stdout.write(
  `${JSON.stringify(
    {
      benchmark: 'proxy-core',
      requests,
      warmup,
      upstream_latency_ms: upstreamLatencyMs,
      node: process.version,
      added_ms: { non_stream: nonStream.added_ms, first_chunk: firstChunk.added_ms },
      added_with_skill_ms: {
        non_stream: nonStream.added_with_skill_ms,
        first_chunk: firstChunk.added_with_skill_ms,
      },
      throughput_upstream_ms: throughputUpstreamMs,
      throughput: throughputResults,
      non_stream: nonStream,
      first_chunk: firstChunk,
    },
    null,
    2,
  )}\n`,
);

agent.destroy();
await noop.close({ graceMs: 100 });
await withSkill.close({ graceMs: 100 });
await fake.close();
