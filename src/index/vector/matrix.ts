/**
 * @module Vectors held in one contiguous Float32Array (row-major), with id ↔ row maps and exact
 * dot-product top-k search. Shared by the `memory` and `flat` backends.
 */
import { AutoSkillError } from '../../shared/errors.js';
import type { VectorMatch } from './types.js';

export class VectorMatrix {
  dimensions: number | undefined;
  /** Rows in use (including dead rows, which keep their place until compaction). */
  rowCount = 0;
  data: Float32Array = new Float32Array(0);
  /** Row → id; `undefined` for a dead (removed or superseded) row. */
  rowIds: Array<string | undefined> = [];
  readonly rowById = new Map<string, number>();
  readonly hashes = new Map<string, string>();
  deadRows = 0;

  constructor(dimensions?: number) {
    this.dimensions = dimensions;
  }

  get size(): number {
    return this.rowById.size;
  }

  checkDimensions(vector: Float32Array, id: string): void {
    if (this.dimensions === undefined) this.dimensions = vector.length;
    if (vector.length !== this.dimensions || vector.length === 0) {
      throw new AutoSkillError(
        'DIMENSION_MISMATCH',
        `Vector for ${id} has ${vector.length} dimensions; the index holds ${this.dimensions}`,
        { details: { id, expected: this.dimensions, actual: vector.length } },
      );
    }
  }

  /** Appends a row (the id must not be live); returns its row number. */
  append(id: string, vector: Float32Array, docHash: string): number {
    this.checkDimensions(vector, id);
    const dimensions = this.dimensions as number;
    if ((this.rowCount + 1) * dimensions > this.data.length) {
      const grown = new Float32Array(Math.max(64, Math.ceil((this.rowCount + 1) * 1.5)) * dimensions);
      grown.set(this.data.subarray(0, this.rowCount * dimensions));
      this.data = grown;
    }
    const row = this.rowCount;
    this.data.set(vector, row * dimensions);
    this.rowIds[row] = id;
    this.rowById.set(id, row);
    this.hashes.set(id, docHash);
    this.rowCount += 1;
    return row;
  }

  overwrite(row: number, vector: Float32Array, docHash: string): void {
    const id = this.rowIds[row] as string;
    this.checkDimensions(vector, id);
    this.data.set(vector, row * (this.dimensions as number));
    this.hashes.set(id, docHash);
  }

  kill(id: string): boolean {
    const row = this.rowById.get(id);
    if (row === undefined) return false;
    this.rowById.delete(id);
    this.hashes.delete(id);
    this.rowIds[row] = undefined;
    this.deadRows += 1;
    return true;
  }

  row(id: string): Float32Array | undefined {
    const row = this.rowById.get(id);
    if (row === undefined || this.dimensions === undefined) return undefined;
    return this.data.slice(row * this.dimensions, (row + 1) * this.dimensions);
  }

  /** Live rows in row order, packed (used by compaction). */
  live(): { ids: string[]; data: Float32Array } {
    const dimensions = this.dimensions ?? 0;
    const ids: string[] = [];
    const data = new Float32Array(this.size * dimensions);
    for (let row = 0; row < this.rowCount; row += 1) {
      const id = this.rowIds[row];
      if (id === undefined) continue;
      data.set(this.data.subarray(row * dimensions, (row + 1) * dimensions), ids.length * dimensions);
      ids.push(id);
    }
    return { ids, data };
  }

  /** Replaces every row; `undefined` ids are dead rows that keep their place (positions match a file). */
  replaceAll(
    ids: ReadonlyArray<string | undefined>,
    data: Float32Array,
    hashesSource: ReadonlyMap<string, string>,
  ): void {
    const hashes = new Map(hashesSource);
    this.rowById.clear();
    this.hashes.clear();
    this.rowIds = [...ids];
    this.rowCount = ids.length;
    this.data = data;
    this.deadRows = 0;
    ids.forEach((id, row) => {
      if (id === undefined) {
        this.deadRows += 1;
        return;
      }
      this.rowById.set(id, row);
      const hash = hashes.get(id);
      if (hash !== undefined) this.hashes.set(id, hash);
    });
  }

  clear(dimensions?: number): void {
    this.replaceAll([], new Float32Array(0), new Map());
    this.dimensions = dimensions;
  }

  /** Dot products with the rows of `ids`, in order; NaN for ids without a vector. */
  scoreMany(query: Float32Array, ids: readonly string[]): Float64Array {
    const out = new Float64Array(ids.length).fill(Number.NaN);
    if (this.dimensions === undefined || this.size === 0) return out;
    const scoreRow = this.rowScorer(query);
    ids.forEach((id, index) => {
      const row = this.rowById.get(id);
      if (row !== undefined) out[index] = scoreRow(row);
    });
    return out;
  }

  /** Exact top-k by dot product over `ids` (or every live row). */
  search(query: Float32Array, limit: number, ids?: readonly string[]): VectorMatch[] {
    if (this.dimensions === undefined || limit <= 0 || this.size === 0) return [];
    const scoreRow = this.rowScorer(query);
    const heap = new TopK(limit);
    if (ids) {
      for (const id of ids) {
        const row = this.rowById.get(id);
        if (row !== undefined) heap.push(row, scoreRow(row));
      }
    } else {
      for (let row = 0; row < this.rowCount; row += 1) {
        if (this.rowIds[row] !== undefined) heap.push(row, scoreRow(row));
      }
    }
    return heap.sorted().map(({ item, score }) => ({ id: this.rowIds[item] as string, score }));
  }

  private rowScorer(query: Float32Array): (row: number) => number {
    const dimensions = this.dimensions as number;
    if (query.length !== dimensions) {
      throw new AutoSkillError(
        'DIMENSION_MISMATCH',
        `Query vector has ${query.length} dimensions; the index holds ${dimensions}`,
        { details: { expected: dimensions, actual: query.length } },
      );
    }
    const data = this.data;
    // Offline n-gram queries touch few buckets: a sparse dot product over the query's non-zero entries
    // gives the same sums several times faster; dense queries (remote models) take the plain loop.
    const nonZero: number[] = [];
    for (let index = 0; index < dimensions; index += 1) if (query[index] !== 0) nonZero.push(index);
    const sparseIndexes = nonZero.length * 2 < dimensions ? Int32Array.from(nonZero) : undefined;
    const sparseValues = sparseIndexes
      ? Float64Array.from(sparseIndexes, (index) => query[index] as number)
      : undefined;
    const scoreRow = (row: number): number => {
      let sum = 0;
      const offset = row * dimensions;
      if (sparseIndexes && sparseValues) {
        for (let index = 0; index < sparseIndexes.length; index += 1) {
          sum +=
            (sparseValues[index] as number) * (data[offset + (sparseIndexes[index] as number)] as number);
        }
        return sum;
      }
      for (let index = 0; index < dimensions; index += 1) {
        sum += (query[index] as number) * (data[offset + index] as number);
      }
      return sum;
    };
    return scoreRow;
  }
}

/** Bounded min-heap keeping the `limit` highest scores; ties keep the earlier item. */
export class TopK {
  private readonly items: number[] = [];
  private readonly scores: number[] = [];

  constructor(private readonly limit: number) {}

  get length(): number {
    return this.items.length;
  }

  /** Lowest kept score, or -Infinity while not full. */
  threshold(): number {
    return this.items.length < this.limit ? Number.NEGATIVE_INFINITY : (this.scores[0] as number);
  }

  push(item: number, score: number): void {
    if (this.items.length < this.limit) {
      this.items.push(item);
      this.scores.push(score);
      this.siftUp(this.items.length - 1);
    } else if (score > (this.scores[0] as number)) {
      this.items[0] = item;
      this.scores[0] = score;
      this.siftDown(0);
    }
  }

  sorted(): Array<{ item: number; score: number }> {
    return this.items
      .map((item, index) => ({ item, score: this.scores[index] as number }))
      .sort((left, right) => right.score - left.score || left.item - right.item);
  }

  private swap(a: number, b: number): void {
    [this.items[a], this.items[b]] = [this.items[b] as number, this.items[a] as number];
    [this.scores[a], this.scores[b]] = [this.scores[b] as number, this.scores[a] as number];
  }

  private siftUp(start: number): void {
    let index = start;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if ((this.scores[parent] as number) <= (this.scores[index] as number)) break;
      this.swap(parent, index);
      index = parent;
    }
  }

  private siftDown(start: number): void {
    let index = start;
    const length = this.items.length;
    for (;;) {
      const left = index * 2 + 1;
      const right = left + 1;
      let smallest = index;
      if (left < length && (this.scores[left] as number) < (this.scores[smallest] as number)) smallest = left;
      if (right < length && (this.scores[right] as number) < (this.scores[smallest] as number))
        smallest = right;
      if (smallest === index) return;
      this.swap(smallest, index);
      index = smallest;
    }
  }
}
