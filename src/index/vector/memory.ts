/**
 * @module The `memory` vector backend: the flat backend's search without files (tests, in-memory
 * stores, and callers that persist vectors elsewhere).
 */
import { MatrixVectorIndex } from './matrix-index.js';
import type { VectorBackend, VectorEntry, VectorLoadReport } from './types.js';

export class MemoryVectorIndex extends MatrixVectorIndex implements VectorBackend {
  readonly kind = 'memory';
  readonly name: string;

  constructor(options: { name?: string } = {}) {
    super();
    this.name = options.name ?? 'memory';
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

  async close(): Promise<void> {}
}
