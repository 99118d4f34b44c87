/**
 * @module The `memory` vector backend: the flat backend's search without files (tests, in-memory
 * stores, and callers that persist vectors elsewhere).
 */
import { VectorMatrix } from './matrix.js';
import type {
  VectorBackend,
  VectorEntry,
  VectorLoadReport,
  VectorMatch,
  VectorSearchOptions,
} from './types.js';

export class MemoryVectorIndex implements VectorBackend {
  readonly kind = 'memory';
  readonly name: string;
  private readonly matrix = new VectorMatrix();

  constructor(options: { name?: string } = {}) {
    this.name = options.name ?? 'memory';
  }

  dimensions(): number | undefined {
    return this.matrix.dimensions;
  }

  async load(): Promise<VectorLoadReport> {
    return {
      status: 'missing',
      rows: this.matrix.size,
      dimensions: this.matrix.dimensions,
      problems: [],
      droppedIds: [],
    };
  }

  size(): number {
    return this.matrix.size;
  }

  has(id: string): boolean {
    return this.matrix.rowById.has(id);
  }

  ids(): string[] {
    return [...this.matrix.rowById.keys()];
  }

  get(id: string): Float32Array | undefined {
    return this.matrix.row(id);
  }

  docHash(id: string): string | undefined {
    return this.matrix.hashes.get(id);
  }

  async upsert(entries: readonly VectorEntry[]): Promise<void> {
    for (const entry of entries) this.matrix.checkDimensions(entry.vector, entry.id);
    for (const entry of entries) {
      const row = this.matrix.rowById.get(entry.id);
      if (row === undefined) this.matrix.append(entry.id, entry.vector, entry.docHash);
      else this.matrix.overwrite(row, entry.vector, entry.docHash);
    }
  }

  async remove(ids: readonly string[]): Promise<number> {
    let removed = 0;
    for (const id of ids) if (this.matrix.kill(id)) removed += 1;
    if (this.matrix.deadRows > Math.max(16, this.matrix.rowCount / 4)) {
      const { ids: live, data } = this.matrix.live();
      this.matrix.replaceAll(live, data, this.matrix.hashes);
    }
    return removed;
  }

  async search(query: Float32Array, options: VectorSearchOptions): Promise<VectorMatch[]> {
    return this.matrix.search(query, options.limit, options.ids);
  }

  searchSync(query: Float32Array, options: VectorSearchOptions): VectorMatch[] {
    return this.matrix.search(query, options.limit, options.ids);
  }

  scoreMany(query: Float32Array, ids: readonly string[]): Float64Array {
    return this.matrix.scoreMany(query, ids);
  }

  async reset(dimensions?: number): Promise<void> {
    this.matrix.clear(dimensions);
  }

  async close(): Promise<void> {}
}
