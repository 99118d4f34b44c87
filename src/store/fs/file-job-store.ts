/**
 * @module Jobs and events on disk, under the store's state folder:
 *
 *     .autoskill/jobs/lock                   one writer at a time, across processes
 *     .autoskill/jobs/users/<user>.jsonl     append-only: `job` lines (a job as added) and `ev` lines
 *                                            (an event with the state change it made)
 *     .autoskill/jobs/workers/<worker>.json  liveness of each running queue (host, pid, last heartbeat)
 *
 * Every write takes the lock, first reads what other processes appended (one `stat` when nothing
 * changed), checks its precondition on that fresh state, and appends one line, so a claim happens exactly
 * once however many processes share the folder. A line counts once its newline is written; a torn last
 * line from a killed writer is ignored by readers and cut by the next writer. When a user's log holds
 * more than `retentionPerUser` jobs plus some slack, it is rewritten (temp file + rename) with the newest
 * `retentionPerUser` jobs and all unfinished ones; readers notice the new file and reload.
 */
import { randomBytes } from 'node:crypto';
import { type FSWatcher, mkdirSync, readdirSync, readFileSync, rmSync, statSync, watch } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { AutoSkillError } from '../../shared/errors.js';
import { parseJsonValue, validate } from '../../shared/json.js';
import { JobBook, meetsExpectation, pickRunnableHead } from '../job-book.js';
import {
  type ClaimNextOptions,
  type JobEvent,
  JobEventSchema,
  type JobRecord,
  JobRecordSchema,
  type JobStore,
  type JobUpdate,
  type ListJobsOptions,
  type RecordEventInput,
} from '../job-store.js';
import { nameProblem, validateUserId } from '../safe-paths.js';
import { type Durability, writeFileAtomic } from './atomic-write.js';
import { FileLock, isOwnerAlive } from './file-lock.js';
import { JsonLinesLog } from './json-lines-log.js';

/** Folder of the job records inside the store's state folder (`.autoskill/`). */
export const JOBS_DIR = 'jobs';

const JobUpdateSchema = JobRecordSchema.pick({
  status: true,
  scheduledBy: true,
  claimedBy: true,
  notBefore: true,
  attempts: true,
  recoveries: true,
  outcome: true,
  reason: true,
  error: true,
  updatedAt: true,
}).partial();

const LineSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('job'), job: JobRecordSchema }),
  z.object({ t: z.literal('ev'), event: JobEventSchema, update: JobUpdateSchema }),
]);
type Line = z.infer<typeof LineSchema>;

const WorkerFileSchema = z.object({
  workerId: z.string(),
  host: z.string(),
  pid: z.number().int(),
  heartbeatAt: z.number(),
});

export interface FileJobStoreOptions {
  /** The store's state folder, e.g. `<SkillBank>/.autoskill` (created when missing). */
  stateDir: string;
  /** Jobs kept per user (the oldest finished ones are dropped first). @default 200 */
  retentionPerUser?: number;
  /** `fsync` flushes every record to disk; `rename` survives a killed process, not a power cut. @default 'rename' */
  durability?: Durability;
  /** How long a write waits for another process's lock. @default 10000 */
  lockTimeoutMs?: number;
  /** @default os.hostname() */
  host?: string;
}

interface UserView {
  book: JobBook;
  log: JsonLinesLog<Line>;
  /** End of the last complete line applied. */
  offset: number;
  /** Inode of the file read (a compaction replaces the file). */
  ino: number;
  /** `job` lines in the file: what compaction bounds. */
  jobLines: number;
  /** Read at least once (later lines are another process's news). */
  synced: boolean;
}

function parseLine(text: string): Line {
  return validate(parseJsonValue(text), LineSchema, { code: 'STORE_CORRUPT' });
}

/** A file-name-safe worker id. */
function workerFileName(workerId: string): string {
  return `${workerId.replace(/[^A-Za-z0-9._-]/g, '_')}.json`;
}

export class FileJobStore implements JobStore {
  readonly dir: string;
  private readonly usersDir: string;
  private readonly workersDir: string;
  private readonly retention: number;
  private readonly slack: number;
  private readonly durability: Durability;
  private readonly host: string;
  private readonly lock: FileLock;
  private readonly views = new Map<string, UserView>();
  private readonly watchers = new Set<(event: JobEvent) => void>();
  private watcher: FSWatcher | undefined;
  /** Serialises this instance's writers (the file lock is not reentrant). */
  private queue: Promise<unknown> = Promise.resolve();
  private opened = false;

  constructor(options: FileJobStoreOptions) {
    this.dir = join(options.stateDir, JOBS_DIR);
    this.usersDir = join(this.dir, 'users');
    this.workersDir = join(this.dir, 'workers');
    this.retention = options.retentionPerUser ?? 200;
    this.slack = Math.max(10, Math.ceil(this.retention / 4));
    this.durability = options.durability ?? 'rename';
    this.host = options.host ?? hostname();
    this.lock = new FileLock({ path: join(this.dir, 'lock'), timeoutMs: options.lockTimeoutMs ?? 10_000 });
  }

  async open(): Promise<void> {
    mkdirSync(this.usersDir, { recursive: true });
    mkdirSync(this.workersDir, { recursive: true });
    this.opened = true;
  }

  async close(): Promise<void> {
    this.watcher?.close();
    this.watcher = undefined;
    this.watchers.clear();
    await this.queue.catch(() => undefined);
    this.views.clear();
    this.opened = false;
  }

  private ensureOpen(): void {
    if (!this.opened) {
      throw new AutoSkillError('INTERNAL', 'The job store is not open; call open() first', {
        details: { dir: this.dir },
      });
    }
  }

  private view(userId: string): UserView {
    let view = this.views.get(userId);
    if (!view) {
      validateUserId(userId);
      view = {
        book: new JobBook(),
        log: new JsonLinesLog<Line>({
          path: join(this.usersDir, `${userId}.jsonl`),
          durability: this.durability,
          parse: parseLine,
        }),
        offset: 0,
        ino: -1,
        jobLines: 0,
        synced: false,
      };
      this.views.set(userId, view);
    }
    return view;
  }

  /** Takes in what other processes wrote to the user's log since the last read. */
  private sync(view: UserView): void {
    let ino = -1;
    let size = 0;
    try {
      const stat = statSync(view.log.path);
      ino = stat.ino;
      size = stat.size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    // A view read for the first time, or a file another process replaced (compaction), is loaded whole;
    // its events are history, not news. Lines appended after what this instance read or wrote are news:
    // another process wrote them (including the first lines of a file that did not exist when last read).
    let fresh = !view.synced;
    view.synced = true;
    if (ino !== view.ino || size < view.offset) {
      if (view.ino !== -1) fresh = true;
      view.book = new JobBook();
      view.offset = 0;
      view.jobLines = 0;
      view.ino = ino;
    }
    if (ino === -1 || size === view.offset) return;
    const read = view.log.readFrom(view.offset);
    const news: JobEvent[] = [];
    for (const { entry } of read.entries) {
      this.applyLine(view, entry);
      if (!fresh && entry.t === 'ev') news.push(entry.event);
    }
    view.offset = read.end;
    view.book.prune(this.retention);
    if (news.length > 0) for (const watcher of this.watchers) for (const event of news) watcher(event);
  }

  /**
   * Events other processes store, as they land (`fs.watch` on the users folder, then the incremental read
   * every access does): the in-process event bus re-publishes them, so an SSE stream served by one process
   * (the web UI) follows a job another process (the proxy) runs. Returns the stop function.
   */
  watchForeignEvents(listener: (event: JobEvent) => void): () => void {
    this.ensureOpen();
    this.watchers.add(listener);
    if (!this.watcher) {
      // What exists now is history; a user file that appears later is news from its first line.
      for (const userId of this.allUserIds()) this.sync(this.view(userId));
      this.watcher = watch(this.usersDir, { persistent: false }, (_type, name) => {
        const file = typeof name === 'string' ? name : '';
        if (!file.endsWith('.jsonl')) return;
        const userId = file.slice(0, -'.jsonl'.length);
        if (nameProblem(userId) !== null || !this.opened) return;
        try {
          const known = this.views.has(userId);
          const view = this.view(userId);
          if (!known) view.synced = true;
          this.sync(view);
        } catch {
          // A file being replaced or a torn line: the next change or access reads it.
        }
      });
      this.watcher.on('error', () => undefined);
    }
    return () => {
      this.watchers.delete(listener);
      if (this.watchers.size === 0) {
        this.watcher?.close();
        this.watcher = undefined;
      }
    };
  }

  private applyLine(view: UserView, line: Line): void {
    if (line.t === 'job') {
      view.jobLines += 1;
      if (!view.book.has(line.job.jobId)) view.book.add(line.job);
      return;
    }
    view.book.apply(line.event, line.update as JobUpdate);
  }

  /** Runs `write` under the in-process queue and the cross-process lock. */
  private async locked<T>(write: () => T): Promise<T> {
    this.ensureOpen();
    const run = async () => {
      await this.lock.acquire();
      try {
        return write();
      } finally {
        this.lock.release();
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Appends lines to a synced view (lock held) and applies them. */
  private append(view: UserView, lines: Line[]): void {
    view.offset = view.log.repairTail();
    view.log.append(lines);
    if (view.ino === -1) view.ino = statSync(view.log.path).ino;
    view.offset = view.log.size();
    for (const line of lines) this.applyLine(view, line);
  }

  /** Rewrites the user's log with the retained jobs (lock held). */
  private compact(view: UserView): void {
    view.book.prune(this.retention);
    const lines: string[] = [];
    for (const { job, events } of view.book.entries()) {
      lines.push(JSON.stringify({ t: 'job', job } satisfies Line));
      for (const event of events) lines.push(JSON.stringify({ t: 'ev', event, update: {} } satisfies Line));
    }
    writeFileAtomic(view.log.path, lines.length > 0 ? `${lines.join('\n')}\n` : '', this.durability);
    const stat = statSync(view.log.path);
    view.ino = stat.ino;
    view.offset = stat.size;
    view.jobLines = view.book.size;
  }

  async addJob(job: JobRecord, event: JobEvent): Promise<void> {
    validate(job, JobRecordSchema, { source: 'job' });
    validate(event, JobEventSchema, { source: 'job event' });
    if (event.jobId !== job.jobId || event.userId !== job.userId) {
      throw new AutoSkillError('INVALID_INPUT', 'The first event must belong to the job', {
        details: { jobId: job.jobId },
      });
    }
    await this.locked(() => {
      const view = this.view(job.userId);
      this.sync(view);
      if (view.book.has(job.jobId)) {
        throw new AutoSkillError('CONFLICT', `Job ${job.jobId} already exists`, {
          details: { jobId: job.jobId },
        });
      }
      this.append(view, [
        { t: 'job', job },
        { t: 'ev', event, update: {} },
      ]);
      view.book.prune(this.retention);
      if (view.jobLines > this.retention + this.slack) this.compact(view);
    });
  }

  async claimNext(options: ClaimNextOptions): Promise<JobRecord | null> {
    this.ensureOpen();
    const candidates = () =>
      options.scheduledBy === undefined
        ? this.allUserIds().map((userId) => this.view(userId))
        : [...this.views.values()].filter((view) => view.book.unfinishedCount > 0);
    // Cheap look without the lock first: most calls find nothing to do.
    if (options.scheduledBy !== undefined && !pickRunnableHead(books(candidates()), options)) return null;
    return this.locked(() => {
      const views = candidates();
      for (const view of views) this.sync(view);
      const head = pickRunnableHead(books(views), options);
      if (!head) return null;
      const view = this.view(head.userId);
      const event = options.event({ ...head });
      this.append(view, [
        {
          t: 'ev',
          event,
          update: {
            status: 'running',
            claimedBy: options.workerId,
            attempts: head.attempts + 1,
            updatedAt: event.eventTime,
          },
        },
      ]);
      return view.book.get(head.jobId);
    });
  }

  async recordEvent(input: RecordEventInput): Promise<JobRecord | null> {
    validate(input.event, JobEventSchema, { source: 'job event' });
    return this.locked(() => {
      const view = this.view(input.event.userId);
      this.sync(view);
      const job = view.book.get(input.event.jobId);
      if (!job || !meetsExpectation(job, input.expect)) return null;
      this.append(view, [{ t: 'ev', event: input.event, update: input.update }]);
      return view.book.get(job.jobId);
    });
  }

  private readView(userId: string): UserView | null {
    this.ensureOpen();
    if (nameProblem(userId) !== null) return null;
    const view = this.view(userId);
    this.sync(view);
    return view;
  }

  async getJob(userId: string, jobId: string): Promise<JobRecord | null> {
    return this.readView(userId)?.book.get(jobId) ?? null;
  }

  async listJobs(options: ListJobsOptions): Promise<JobRecord[]> {
    return this.readView(options.userId)?.book.list(options) ?? [];
  }

  async jobEvents(userId: string, jobId: string): Promise<JobEvent[]> {
    return [...(this.readView(userId)?.book.eventsOf(jobId) ?? [])];
  }

  private allUserIds(): string[] {
    let names: string[];
    try {
      names = readdirSync(this.usersDir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return names
      .filter((name) => name.endsWith('.jsonl'))
      .map((name) => name.slice(0, -'.jsonl'.length))
      .filter((userId) => nameProblem(userId) === null);
  }

  async unfinishedJobs(): Promise<JobRecord[]> {
    this.ensureOpen();
    return this.allUserIds().flatMap((userId) => {
      const view = this.view(userId);
      this.sync(view);
      return view.book.unfinishedJobs();
    });
  }

  async heartbeat(workerId: string, now: number): Promise<void> {
    this.ensureOpen();
    const record = { workerId, host: this.host, pid: process.pid, heartbeatAt: now };
    writeFileAtomic(join(this.workersDir, workerFileName(workerId)), JSON.stringify(record), 'rename');
  }

  async isWorkerAlive(workerId: string, options: { now: number; staleAfterMs: number }): Promise<boolean> {
    this.ensureOpen();
    let text: string;
    try {
      text = readFileSync(join(this.workersDir, workerFileName(workerId)), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
    const parsed = WorkerFileSchema.safeParse(safeJson(text));
    if (!parsed.success || parsed.data.workerId !== workerId) return false;
    const worker = parsed.data;
    if (worker.host === this.host) {
      // On this host the process table answers; a heartbeat is not needed.
      return isOwnerAlive(
        { host: worker.host, pid: worker.pid, token: workerId, processStart: null, acquiredAt: '' },
        this.host,
      );
    }
    return options.now - worker.heartbeatAt <= options.staleAfterMs;
  }

  async retireWorker(workerId: string): Promise<void> {
    rmSync(join(this.workersDir, workerFileName(workerId)), { force: true });
  }
}

function books(views: UserView[]): JobBook[] {
  return views.map((view) => view.book);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** A worker id naming this process: host, pid and a random part (one per queue). */
export function newWorkerId(host = hostname()): string {
  return `${host}-${process.pid}-${randomBytes(4).toString('hex')}`;
}
