/**
 * @module Entry point of the extraction worker thread (see `worker-runner.ts`): opens its own SDK on the
 * same store (writes reach the server's thread through the store's change feed, as another process's
 * would), then runs ingest jobs as the server thread sends them, so extraction, maintenance and store
 * writes never block the event loop that answers chat requests.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { ResolvedConfig } from '../config/schema.js';
import { AutoSkillError, errorMessage, isAutoSkillError } from '../shared/errors.js';
import type { JobRecord } from '../store/job-store.js';
import { createIngestRunner } from './ingest-runner.js';
import { createSdkEngine, openAutoSkillFromConfig } from './sdk-engine.js';

export interface ExtractionWorkerData {
  /** Scheduling priority of the worker's thread (Linux nice, 0–19); 0 leaves it as the server's. */
  niceness: number;
  config: ResolvedConfig;
  env: Record<string, string | undefined>;
  cwd: string;
  includeSkillDetails: boolean;
  maxSkillMdChars: number;
}

export type WorkerRequest =
  | { type: 'run'; id: number; job: JobRecord }
  | { type: 'abort'; id: number }
  | { type: 'close' };

export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  details?: Record<string, unknown>;
  isRetryable?: boolean;
}

export type WorkerResponse =
  | { type: 'ready' }
  | { type: 'failed-to-start'; error: SerializedError }
  | { type: 'result'; id: number; result: unknown }
  | { type: 'error'; id: number; error: SerializedError }
  | { type: 'log'; level: 'debug' | 'warn'; details: Record<string, unknown>; message: string }
  | { type: 'closed' };

export function serializeError(error: unknown): SerializedError {
  if (isAutoSkillError(error)) {
    return {
      name: error.name,
      message: error.message,
      code: error.code,
      details: JSON.parse(JSON.stringify(error.details ?? {})) as Record<string, unknown>,
      isRetryable: error.isRetryable,
    };
  }
  return { name: error instanceof Error ? error.name : 'Error', message: errorMessage(error) };
}

/**
 * Lowers this thread's priority, so the kernel runs the server's thread (chat requests) first when both
 * want the CPU; learning then uses what is left. Linux only (`/proc/thread-self` names the thread, and
 * `setpriority` on a thread id applies to that thread alone); elsewhere it is skipped.
 */
function lowerThreadPriority(niceness: number): void {
  if (niceness <= 0 || process.platform !== 'linux') return;
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(threadId) && threadId > 0) setPriority(threadId, Math.min(19, niceness));
  } catch {
    // Not permitted or not available: run at the normal priority.
  }
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const data = workerData as ExtractionWorkerData;
  lowerThreadPriority(data.niceness);
  const send = (message: WorkerResponse) => port.postMessage(message);
  const log = (level: 'debug' | 'warn') => (details: Record<string, unknown>, message: string) =>
    send({
      type: 'log',
      level,
      details: JSON.parse(JSON.stringify(details)) as Record<string, unknown>,
      message,
    });
  let sdk: Awaited<ReturnType<typeof openAutoSkillFromConfig>>;
  try {
    sdk = await openAutoSkillFromConfig({
      config: data.config,
      env: data.env,
      cwd: data.cwd,
      logger: { warn: log('warn'), debug: log('debug') },
    });
    // The search index only: jobs never render a context, so the tokenizer's tables (≈ 30–70 MB) stay out.
    await sdk.skillSearch.open();
  } catch (error) {
    send({ type: 'failed-to-start', error: serializeError(error) });
    return;
  }
  const runner = createIngestRunner({
    engine: createSdkEngine(sdk),
    includeSkillDetails: data.includeSkillDetails,
    maxSkillMdChars: data.maxSkillMdChars,
  });
  const running = new Map<number, AbortController>();
  port.on('message', (message: WorkerRequest) => {
    if (message.type === 'run') {
      const controller = new AbortController();
      running.set(message.id, controller);
      runner
        .run(message.job, { signal: controller.signal })
        .then(
          (result) => send({ type: 'result', id: message.id, result }),
          (error: unknown) => send({ type: 'error', id: message.id, error: serializeError(error) }),
        )
        .finally(() => running.delete(message.id));
    } else if (message.type === 'abort') {
      running.get(message.id)?.abort(new AutoSkillError('ABORTED', 'The job was aborted'));
    } else if (message.type === 'close') {
      for (const controller of running.values())
        controller.abort(new AutoSkillError('ABORTED', 'Shutting down'));
      sdk.close().finally(() => {
        send({ type: 'closed' });
        port.close();
      });
    }
  });
  send({ type: 'ready' });
}

void main();
