/**
 * Throughput of the fake model server as a benchmark upstream: N chat completions (JSON, or SSE with
 * `--stream`) through keep-alive connections with a fixed reply delay. Prints one JSON object.
 *
 *   npx tsx bench/fake-model-server.ts [--requests 5000] [--concurrency 200] [--delay-ms 50] [--stream]
 */
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import { startFakeModelServer } from '../src/testing/index.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '200' },
    'delay-ms': { type: 'string', default: '50' },
    stream: { type: 'boolean', default: false },
  },
});
const total = Number(values.requests);
const concurrency = Number(values.concurrency);
const delayMs = Number(values['delay-ms']);
const stream = values.stream ?? false;

const server = await startFakeModelServer({ defaultDelayMs: delayMs, recordRequests: false });
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
const payload = JSON.stringify({
  model: 'fake-chat-model',
  stream,
  messages: [{ role: 'user', content: 'Summarise the release process in one sentence.' }],
});

function once(): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        agent,
        host: '127.0.0.1',
        port: server.port,
        method: 'POST',
        path: '/v1/chat/completions',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (response) => {
        response.resume();
        response.on('end', () =>
          response.statusCode === 200
            ? resolve(performance.now() - started)
            : reject(new Error(`HTTP ${response.statusCode}`)),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

const latencies: number[] = [];
let next = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < total) {
      next += 1;
      latencies.push(await once());
    }
  }),
);
const elapsedMs = performance.now() - started;
latencies.sort((a, b) => a - b);
const percentile = (p: number) =>
  Number((latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0).toFixed(1));

console.log(
  JSON.stringify({
    bench: 'fake-model-server',
    requests: total,
    concurrency,
    delay_ms: delayMs,
    stream,
    requests_per_second: Math.round((total / elapsedMs) * 1000),
    latency_ms: { p50: percentile(0.5), p99: percentile(0.99), max: percentile(1) },
    rss_mb: Math.round(process.memoryUsage().rss / 1048576),
  }),
);
agent.destroy();
await server.close();
