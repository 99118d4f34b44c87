/**
 * @module The read side the matrix-held vector backends (`memory`, `flat`) share: lookups and exact
 * search over their `VectorMatrix`. Subclasses add loading, writing and persistence.
 */
import { VectorMatrix } from './matrix.js';
import type { VectorMatch, VectorSearchOptions } from './types.js';

export abstract class MatrixVectorIndex {
  protected readonly matrix = new VectorMatrix();

  dimensions(): number | undefined {
    return this.matrix.dimensions;
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

  async search(query: Float32Array, options: VectorSearchOptions): Promise<VectorMatch[]> {
    return this.matrix.search(query, options.limit, options.ids);
  }

  /** Synchronous search for callers on a hot path. */
  searchSync(query: Float32Array, options: VectorSearchOptions): VectorMatch[] {
    return this.matrix.search(query, options.limit, options.ids);
  }

  scoreMany(query: Float32Array, ids: readonly string[]): Float64Array {
    return this.matrix.scoreMany(query, ids);
  }

  async reset(dimensions?: number): Promise<void> {
    this.matrix.clear(dimensions);
  }
}
