/**
 * @module A vector backend wrapper that serialises writes under a cross-process lock file, so processes
 * sharing a SkillBank never interleave writes to the vector files.
 */
import type { VectorBackend, VectorEntry, VectorLoadReport } from '../index/vector/types.js';
import type { FileLock } from './fs/file-lock.js';

/**
 * A vector backend whose writes take a cross-process lock, one write at a time; reads go straight
 * to the wrapped backend. `refreshFromDisk` re-reads files another process wrote.
 */
export class LockedVectorBackend implements VectorBackend {
  readonly kind: string;
  readonly name: string;
  readonly scoreMany?: (query: Float32Array, ids: readonly string[]) => Float64Array;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    readonly inner: VectorBackend,
    private readonly lock: FileLock | null,
  ) {
    this.kind = inner.kind;
    this.name = inner.name;
    if (inner.scoreMany) this.scoreMany = inner.scoreMany.bind(inner);
  }

  dimensions(): number | undefined {
    return this.inner.dimensions();
  }
  size(): number {
    return this.inner.size();
  }
  has(id: string): boolean {
    return this.inner.has(id);
  }
  ids(): string[] {
    return this.inner.ids();
  }
  get(id: string): Float32Array | undefined {
    return this.inner.get(id);
  }
  docHash(id: string): string | undefined {
    return this.inner.docHash(id);
  }
  search: VectorBackend['search'] = (query, options) => this.inner.search(query, options);

  load(): Promise<VectorLoadReport> {
    return this.locked(() => this.inner.load());
  }
  upsert(entries: readonly VectorEntry[]): Promise<void> {
    return entries.length === 0 ? Promise.resolve() : this.locked(() => this.inner.upsert(entries));
  }
  remove(ids: readonly string[]): Promise<number> {
    return ids.length === 0 ? Promise.resolve(0) : this.locked(() => this.inner.remove(ids));
  }
  reset(dimensions?: number): Promise<void> {
    return this.locked(() => this.inner.reset(dimensions));
  }
  close(): Promise<void> {
    return this.inner.close();
  }

  /** Re-reads the files when another process changed them (flat backend); true when it did. */
  async refreshFromDisk(): Promise<boolean> {
    const flat = this.inner as VectorBackend & { changedOnDisk?: () => boolean; loadSync?: () => unknown };
    if (typeof flat.changedOnDisk !== 'function' || typeof flat.loadSync !== 'function') return false;
    if (!flat.changedOnDisk()) return false;
    return this.locked(async () => {
      if (!flat.changedOnDisk?.()) return false;
      flat.loadSync?.();
      return true;
    });
  }

  /** One write at a time in this process, and under the lock file across processes. */
  private locked<T>(work: () => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      if (!this.lock) return work();
      await this.lock.acquire();
      try {
        return await work();
      } finally {
        this.lock.release();
      }
    };
    const next = this.tail.then(run, run);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
