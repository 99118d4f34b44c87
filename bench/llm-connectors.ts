/**
 * What an LLM connector costs on top of the wire: sequential latency and concurrent throughput of
 * `doGenerate` and `doStream` against the fake model server (no delay), next to a bare `fetch` of the same
 * request, plus the parse rate of one long stream. Prints one JSON object.
 *
 *   npx tsx bench/llm-connectors.ts [--requests 2000] [--concurrency 32] [--stream-chunks 20000]
 */
import { parseArgs } from 'node:util';
import { collectLLMStream, createLLMConnector, type LLMConnector } from '../src/llm/index.js';
import { startFakeModelServer } from '../src/testing/index.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '32' },
    'stream-chunks': { type: 'string', default: '20000' },
  },
});
const total = Number(values.requests);
const concurrency = Number(values.concurrency);
const streamChunks = Number(values['stream-chunks']);
const REPLY = 'Release process: run the regression suite, deploy a canary, monitor, then roll out fully.';
const MESSAGES = [
  { role: 'system' as const, content: 'You extract reusable skills.' },
  { role: 'user' as const, content: 'Summarise the release process in one sentence.' },
];

const server = await startFakeModelServer({ defaultText: REPLY, recordRequests: false });

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0;
}

async function measure(run: () => Promise<unknown>) {
  for (let index = 0; index < 200; index += 1) await run(); // warm-up: JIT and keep-alive sockets
  const sequential: number[] = [];
  for (let index = 0; index < Math.min(total, 500); index += 1) {
    const started = performance.now();
    await run();
    sequential.push(performance.now() - started);
  }
  sequential.sort((a, b) => a - b);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next += 1;
        await run();
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    p50_ms: Number(percentile(sequential, 0.5).toFixed(3)),
    p99_ms: Number(percentile(sequential, 0.99).toFixed(3)),
    requests_per_s: Math.round(total / seconds),
  };
}

const body = JSON.stringify({ model: 'gpt-4o-mini', messages: MESSAGES, stream: false });
const bareFetch = async () => {
  const response = await fetch(`${server.baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
    body,
  });
  await response.json();
};

const openai: LLMConnector = await createLLMConnector(
  { provider: 'openai', baseUrl: server.baseUrl, maxRetries: 0 },
  { env: { OPENAI_API_KEY: 'k' } },
);
const anthropic: LLMConnector = await createLLMConnector(
  { provider: 'anthropic', baseUrl: server.url, maxRetries: 0 },
  { env: { ANTHROPIC_API_KEY: 'k' } },
);

const results = {
  bare_fetch_json: await measure(bareFetch),
  openai_generate: await measure(() => openai.doGenerate({ messages: MESSAGES })),
  openai_stream: await measure(async () => collectLLMStream(await openai.doStream({ messages: MESSAGES }))),
  anthropic_generate: await measure(() => anthropic.doGenerate({ messages: MESSAGES })),
  anthropic_stream: await measure(async () =>
    collectLLMStream(await anthropic.doStream({ messages: MESSAGES })),
  ),
};

server.enqueue('chat', {
  type: 'text',
  text: 'word '.repeat(streamChunks),
  chunks: Array(streamChunks).fill('word '),
});
const started = performance.now();
const long = await collectLLMStream(await openai.doStream({ messages: MESSAGES }));
const longSeconds = (performance.now() - started) / 1000;

await server.close();
console.log(
  JSON.stringify({
    requests: total,
    concurrency,
    ...results,
    long_stream: {
      chunks: streamChunks,
      chars: long.text.length,
      seconds: Number(longSeconds.toFixed(3)),
      chunks_per_s: Math.round(streamChunks / longSeconds),
    },
    node: process.version,
  }),
);
