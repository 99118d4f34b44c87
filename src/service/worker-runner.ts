/**
 * @module A `JobRunner` that runs each job in a worker thread with its own SDK on the same store, so the
 * CPU-heavy learning work (extraction, the maintainer's comparisons, rendering, store writes and index
 * updates) runs beside the event loop that answers chat requests instead of on it. Measured with
 * `npm run bench:proxy`: in the same thread, a steady stream of offline extractions multiplied chat p99 by
 * about five; in a worker it stays within the bar (bench/README.md).
 *
 * The worker starts on the first job (it opens the store and its search index, like the server did) and is
 * restarted after a crash; a crash fails the jobs it was running with a retryable error, so the queue
 * retries them. On Linux the worker's thread runs at a lower priority (nice 10), so when the cores are
 * short the kernel serves chat requests first. Cost: a second copy of the store's skills and index in
 * memory. From compiled `dist/` the worker is `extraction-worker.js`; from sources (tsx, vitest) it
 * registers tsx first.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ResolvedConfig } from '../config/schema.js';
import { AutoSkillError, type ErrorCode } from '../shared/errors.js';
import type { JobRecord } from '../store/job-store.js';
import type {
  ExtractionWorkerData,
  SerializedError,
  WorkerRequest,
  WorkerResponse,
} from './extraction-worker.js';
import type { JobRunner, JobRunResult, ServiceLogger } from './job-queue.js';

export interface WorkerJobRunnerOptions {
  config: ResolvedConfig;
  env: Readonly<Record<string, string | undefined>>;
  /** @default process.cwd() */
  cwd?: string;
  /** @default true */
  includeSkillDetails?: boolean;
  /** @default 0 */
  maxSkillMdChars?: number;
  logger?: ServiceLogger & { debug?: ServiceLogger['info'] };
  /**
   * Linux nice value of the worker's thread: the kernel then prefers the server's thread (chat requests)
   * whenever both want the CPU. 0 keeps the normal priority. @default 10
   */
  niceness?: number;
  /**
   * Runs jobs when the worker cannot start twice in a row (e.g. no way to load it in this environment):
   * usually the ingest runner in the server's thread. Without one, such jobs fail (retryably).
   */
  fallback?: JobRunner;
  /** How long the worker may take to open the store. @default 120000 */
  startTimeoutMs?: number;
}

/** Failed starts in a row after which jobs go to the fallback runner (when there is one). */
const MAX_FAILED_STARTS = 2;

export interface WorkerJobRunner extends JobRunner {
  /** Stops the worker (running jobs are aborted). */
  close(): Promise<void>;
}

function deserializeError(error: SerializedError): AutoSkillError {
  return new AutoSkillError((error.code as ErrorCode | undefined) ?? 'INTERNAL', error.message, {
    details: error.details ?? {},
    isRetryable: error.isRetryable ?? false,
  });
}

/** Creates the worker: the compiled module, or the TypeScript source with tsx registered first. */
function spawnWorker(workerData: ExtractionWorkerData): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./extraction-worker.js', here), { workerData });
  const require = createRequire(here);
  const tsxApi = pathToFileURL(require.resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const entry = new URL('./extraction-worker.ts', here).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}

export function createWorkerJobRunner(options: WorkerJobRunnerOptions): WorkerJobRunner {
  const workerData: ExtractionWorkerData = {
    niceness: options.niceness ?? 10,
    config: options.config,
    env: { ...options.env },
    cwd: options.cwd ?? process.cwd(),
    includeSkillDetails: options.includeSkillDetails ?? true,
    maxSkillMdChars: options.maxSkillMdChars ?? 0,
  };
  const startTimeoutMs = options.startTimeoutMs ?? 120_000;
  const logger = options.logger;
  const pending = new Map<
    number,
    { resolve: (result: JobRunResult) => void; reject: (error: unknown) => void }
  >();
  let nextId = 1;
  let failedStarts = 0;
  let worker: Worker | null = null;
  let ready: Promise<Worker> | null = null;
  let closed = false;

  const failAll = (error: AutoSkillError) => {
    for (const entry of pending.values()) entry.reject(error);
    pending.clear();
  };

  const start = (): Promise<Worker> => {
    ready ??= new Promise<Worker>((resolve, reject) => {
      const created = spawnWorker(workerData);
      worker = created;
      const timer = setTimeout(() => {
        reject(
          new AutoSkillError('INTERNAL', `The extraction worker did not start in ${startTimeoutMs} ms`, {
            isRetryable: true,
          }),
        );
        void created.terminate();
      }, startTimeoutMs);
      created.on('message', (message: WorkerResponse) => {
        switch (message.type) {
          case 'ready':
            clearTimeout(timer);
            failedStarts = 0;
            resolve(created);
            break;
          case 'failed-to-start':
            clearTimeout(timer);
            reject(deserializeError(message.error));
            void created.terminate();
            break;
          case 'result':
            pending.get(message.id)?.resolve(message.result as JobRunResult);
            pending.delete(message.id);
            break;
          case 'error':
            pending.get(message.id)?.reject(deserializeError(message.error));
            pending.delete(message.id);
            break;
          case 'log':
            if (message.level === 'warn') logger?.warn(message.details, message.message);
            else logger?.debug?.(message.details, message.message);
            break;
          default:
            break;
        }
      });
      const gone = (why: string) => {
        clearTimeout(timer);
        if (worker === created) {
          worker = null;
          ready = null;
        }
        const error = new AutoSkillError('INTERNAL', `The extraction worker stopped: ${why}`, {
          isRetryable: true,
        });
        reject(error);
        if (!closed) {
          logger?.warn({ why }, 'extraction worker stopped; it restarts with the next job');
          failAll(error);
        }
      };
      created.on('error', (error) => gone(error.message));
      created.on('exit', (code) => gone(`exit code ${code}`));
    });
    return ready;
  };

  return {
    async run(job: JobRecord, { signal }): Promise<JobRunResult> {
      if (closed) throw new AutoSkillError('ABORTED', 'The extraction worker is closed');
      if (options.fallback && failedStarts >= MAX_FAILED_STARTS) return options.fallback.run(job, { signal });
      let target: Worker;
      try {
        target = await start();
      } catch (error) {
        failedStarts += 1;
        if (options.fallback && failedStarts >= MAX_FAILED_STARTS) {
          logger?.warn(
            { err: error, attempts: failedStarts },
            'the extraction worker cannot start; running extraction jobs in the server thread instead',
          );
          return options.fallback.run(job, { signal });
        }
        throw error;
      }
      const id = nextId++;
      return new Promise<JobRunResult>((resolve, reject) => {
        const onAbort = () => {
          target.postMessage({ type: 'abort', id } satisfies WorkerRequest);
          pending.delete(id);
          reject(signal.reason ?? new AutoSkillError('ABORTED', 'The job was aborted'));
        };
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        pending.set(id, {
          resolve: (result) => {
            signal.removeEventListener('abort', onAbort);
            resolve(result);
          },
          reject: (error) => {
            signal.removeEventListener('abort', onAbort);
            reject(error);
          },
        });
        target.postMessage({ type: 'run', id, job } satisfies WorkerRequest);
      });
    },

    async close() {
      if (closed) return;
      closed = true;
      const current = worker as Worker | null;
      failAll(new AutoSkillError('ABORTED', 'The extraction worker is closing'));
      if (!current) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          void current.terminate().finally(resolve);
        }, 5_000);
        current.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        current.postMessage({ type: 'close' } satisfies WorkerRequest);
      });
    },
  };
}
