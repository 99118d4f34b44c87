/**
 * Timing helpers the proxy benches share: one chat request timed to its whole JSON answer or to the
 * first content delta of a stream, concurrent callers sending a fixed number of requests, and the
 * nearest-rank percentile.
 */
import { type Agent, request } from 'node:http';

export interface TimeChatRequestOptions {
  agent: Agent;
  port: number;
  /** @default '/v1/chat/completions' */
  path?: string;
  /** Sent besides `content-type: application/json`. */
  headers?: Record<string, string>;
  /** The JSON request body. */
  payload: string;
  stream: boolean;
}

/** Milliseconds until the whole JSON answer (stream=false) or the first content delta (stream=true). */
export function timeChatRequest(options: TimeChatRequestOptions): Promise<number> {
  const { stream } = options;
  const started = performance.now();
  return new Promise((resolveTime, reject) => {
    const outgoing = request(
      {
        agent: options.agent,
        host: '127.0.0.1',
        port: options.port,
        method: 'POST',
        path: options.path ?? '/v1/chat/completions',
        headers: { 'content-type': 'application/json', ...options.headers },
      },
      (response) => {
        let text = '';
        let measured: number | undefined;
        response.setEncoding('utf8');
        response.on('data', (piece: string) => {
          if (!stream || measured !== undefined) return;
          text += piece;
          // The first chunk carries the role; the first content delta is what a user sees.
          if (/"content":"[^"]/.test(text)) measured = performance.now() - started;
        });
        response.on('end', () => {
          if (response.statusCode !== 200) reject(new Error(`status ${response.statusCode}`));
          else resolveTime(measured ?? performance.now() - started);
        });
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options.payload);
  });
}

/** `clients` callers share `total` sends; a send that throws counts as an error. */
export async function runConcurrently(
  clients: number,
  total: number,
  send: () => Promise<number>,
): Promise<{ latencies: number[]; errors: number; seconds: number }> {
  let next = 0;
  let errors = 0;
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < total) {
        next += 1;
        try {
          latencies.push(await send());
        } catch {
          errors += 1;
        }
      }
    }),
  );
  return { latencies, errors, seconds: (performance.now() - started) / 1000 };
}

/** Nearest-rank percentile of an ascending array; NaN when it is empty. */
export function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}
