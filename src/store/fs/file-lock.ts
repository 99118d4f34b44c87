/**
 * @module Cross-process mutual exclusion through a lock file created with O_EXCL. The file names its
 * owner (host, pid, process start time, random token). A lock whose owner is a dead process on this
 * host is broken safely: breakers serialise on a second, short-lived `.break` file and re-check the
 * token before unlinking, so a live lock is never removed. The liveness of another host's process cannot
 * be checked, so its lock is broken only once the file is older than `foreignStaleMs` (2 minutes: far
 * longer than any write holds it); until then waiting ends with `LOCK_TIMEOUT`.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { z } from 'zod';
import { AutoSkillError } from '../../shared/errors.js';
import { parseJsonValue, validate } from '../../shared/json.js';
import { writeAll } from './atomic-write.js';

const LockOwnerSchema = z.object({
  host: z.string(),
  pid: z.number().int(),
  token: z.string(),
  processStart: z.string().nullable().default(null),
  acquiredAt: z.string(),
});
export type LockOwner = z.infer<typeof LockOwnerSchema>;

/** A `.break` file older than this is left over from a breaker that died in its few-microsecond window. */
const BREAK_FILE_STALE_MS = 10_000;

/** Field 22 of /proc/<pid>/stat (start time in clock ticks) and the state letter; null off Linux. */
function procStat(pid: number): { state: string; start: string } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', start: fields[19] ?? '' };
  } catch {
    return null;
  }
}

const OWN_PROCESS_START = procStat(process.pid)?.start ?? null;

/** Whether the lock's owner may still be running (unknown counts as alive). */
export function isOwnerAlive(owner: LockOwner, host = hostname()): boolean {
  if (owner.host !== host) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  const stat = procStat(owner.pid);
  if (stat === null) return true;
  if (stat.state === 'Z' || stat.state === 'X') return false;
  // A recycled pid belongs to a process that started later than the lock's owner.
  return owner.processStart === null || stat.start === owner.processStart;
}

export interface FileLockOptions {
  /** Path of the lock file (its folder must exist). */
  path: string;
  /** How long `acquire` waits before failing with `LOCK_TIMEOUT`. @default 10000 */
  timeoutMs?: number;
  /** @default os.hostname() */
  host?: string;
  /**
   * A lock of another host (e.g. another container on a shared volume) whose file is older than this is
   * taken to be left by a dead process: a store holds its lock for milliseconds per write and well under
   * a second for a scan. @default 120000
   */
  foreignStaleMs?: number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One lock file; `acquire` and `release` must alternate (the store serialises its own callers). */
export class FileLock {
  readonly path: string;
  private readonly timeoutMs: number;
  private readonly host: string;
  private readonly foreignStaleMs: number;
  private token: string | null = null;

  constructor(options: FileLockOptions) {
    this.path = options.path;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.host = options.host ?? hostname();
    this.foreignStaleMs = options.foreignStaleMs ?? 120_000;
  }

  get held(): boolean {
    return this.token !== null;
  }

  /** Tries once; true when this call took the lock. */
  tryAcquire(): boolean {
    const token = randomUUID();
    const owner: LockOwner = {
      host: this.host,
      pid: process.pid,
      token,
      processStart: OWN_PROCESS_START,
      acquiredAt: new Date().toISOString(),
    };
    let fd: number;
    try {
      fd = openSync(this.path, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
    try {
      writeAll(fd, Buffer.from(JSON.stringify(owner)));
    } finally {
      closeSync(fd);
    }
    this.token = token;
    return true;
  }

  async acquire(): Promise<void> {
    if (this.token !== null) {
      throw new AutoSkillError('INTERNAL', `Lock ${this.path} is already held by this instance`);
    }
    const deadline = Date.now() + this.timeoutMs;
    let delay = 1;
    for (;;) {
      if (this.tryAcquire()) return;
      const owner = this.readOwner();
      if (owner === 'missing') continue;
      const dead =
        typeof owner === 'object' &&
        (owner.host === this.host
          ? !isOwnerAlive(owner, this.host)
          : this.isOldFile(this.path, this.foreignStaleMs));
      if (owner === 'unreadable' || dead) {
        if (this.breakStale(owner)) continue;
      }
      if (Date.now() >= deadline) {
        const who = typeof owner === 'object' ? `pid ${owner.pid} on ${owner.host}` : 'an unknown process';
        throw new AutoSkillError(
          'LOCK_TIMEOUT',
          `Timed out after ${this.timeoutMs} ms waiting for the store lock ${this.path} held by ${who}; ` +
            'if that process is gone for good, remove the file by hand',
          {
            details: { path: this.path, owner: typeof owner === 'object' ? owner : null },
            isRetryable: true,
          },
        );
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 25);
    }
  }

  /** Releases the lock if this instance holds it (only ever removes its own lock file). */
  release(): void {
    if (this.token === null) return;
    const owner = this.readOwner();
    if (typeof owner === 'object' && owner.token === this.token) rmSync(this.path, { force: true });
    this.token = null;
  }

  private readOwner(): LockOwner | 'missing' | 'writing' | 'unreadable' {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
      throw error;
    }
    try {
      return validate(parseJsonValue(text), LockOwnerSchema);
    } catch {
      // Empty or partial: the owner was killed between creating and writing the file, or is writing now.
      return this.isOldFile(this.path, 2_000) ? 'unreadable' : 'writing';
    }
  }

  private isOldFile(path: string, ageMs: number): boolean {
    try {
      return Date.now() - statSync(path).mtimeMs > ageMs;
    } catch {
      return false;
    }
  }

  /** Removes a dead owner's lock under the `.break` guard; true when the caller should retry at once. */
  private breakStale(seen: LockOwner | 'unreadable'): boolean {
    const guard = `${this.path}.break`;
    let fd: number;
    try {
      fd = openSync(guard, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (this.isOldFile(guard, BREAK_FILE_STALE_MS)) rmSync(guard, { force: true });
      return false;
    }
    closeSync(fd);
    try {
      const current = this.readOwner();
      const same =
        (seen === 'unreadable' && current === 'unreadable') ||
        (typeof seen === 'object' && typeof current === 'object' && current.token === seen.token);
      if (same) rmSync(this.path, { force: true });
      return same;
    } finally {
      rmSync(guard, { force: true });
    }
  }
}
