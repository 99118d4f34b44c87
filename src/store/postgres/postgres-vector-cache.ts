/**
 * @module The `postgres` vector backend: vectors in a plain column (`<schema>.vectors`, float32 bytes per
 * row) for servers without pgvector, scored in the replica. Each replica keeps the rows of its index in
 * memory (the `memory` backend's exact dot-product search, so scores equal the filesystem store's) and
 * keeps that cache in step with the database: writes go to the table first, then to the cache; every
 * write is announced with NOTIFY, and the other replicas read the rows changed since their last
 * change number. A replica that starts loads the whole index once instead of re-embedding every skill.
 */
import { endianness } from 'node:os';
import { MemoryVectorIndex } from '../../index/vector/memory.js';
import type {
  VectorBackend,
  VectorEntry,
  VectorLoadReport,
  VectorMatch,
  VectorSearchOptions,
} from '../../index/vector/types.js';
import type { PostgresDatabase } from './database.js';

export interface PostgresVectorCacheOptions {
  database: PostgresDatabase;
  /** Index name (from the embedding signature). */
  name: string;
  /** Told about failures of the background refresh. */
  onError?: (error: unknown, context: string) => void;
}

interface VectorRow {
  id: string;
  doc_hash: string;
  dims: number;
  vector: Buffer;
  seq: string;
}

const LITTLE_ENDIAN = endianness() === 'LE';

function toBytes(vector: Float32Array): Buffer {
  if (LITTLE_ENDIAN) {
    const copy = Float32Array.from(vector);
    return Buffer.from(copy.buffer, copy.byteOffset, copy.byteLength);
  }
  const bytes = Buffer.alloc(vector.length * 4);
  for (let index = 0; index < vector.length; index += 1) bytes.writeFloatLE(vector[index] ?? 0, index * 4);
  return bytes;
}

function fromBytes(bytes: Buffer, dims: number): Float32Array | null {
  if (bytes.length !== dims * 4) return null;
  if (LITTLE_ENDIAN) {
    // One aligned copy instead of a read per float (50,000 × 1024 floats load in well under a second).
    const copy = new Uint8Array(bytes.length);
    copy.set(bytes);
    return new Float32Array(copy.buffer, 0, dims);
  }
  const vector = new Float32Array(dims);
  for (let index = 0; index < dims; index += 1) vector[index] = bytes.readFloatLE(index * 4);
  return vector;
}

export class PostgresVectorCache implements VectorBackend {
  readonly kind = 'postgres';
  readonly name: string;
  readonly scoreMany: (query: Float32Array, ids: readonly string[]) => Float64Array;
  private readonly database: PostgresDatabase;
  private readonly options: PostgresVectorCacheOptions;
  private memory: MemoryVectorIndex;
  private lastSeq = 0;
  private stopListening: (() => void) | undefined;
  private refreshing: Promise<void> = Promise.resolve();

  constructor(options: PostgresVectorCacheOptions) {
    this.options = options;
    this.database = options.database;
    this.name = options.name;
    this.memory = new MemoryVectorIndex({ name: options.name });
    this.scoreMany = (query, ids) => this.memory.scoreMany(query, ids);
  }

  dimensions(): number | undefined {
    return this.memory.dimensions();
  }

  async load(): Promise<VectorLoadReport> {
    const problems: string[] = [];
    const droppedIds: string[] = [];
    const rows = await this.fetch(0);
    this.memory = new MemoryVectorIndex({ name: this.name });
    const entries: VectorEntry[] = [];
    let dims: number | undefined;
    for (const row of rows) {
      const vector = fromBytes(row.vector, row.dims);
      dims ??= row.dims;
      if (!vector || row.dims !== dims || !vector.every(Number.isFinite)) {
        problems.push(`row ${row.id} is damaged or of another length; it will be re-embedded`);
        droppedIds.push(row.id);
        continue;
      }
      entries.push({ id: row.id, vector, docHash: row.doc_hash });
    }
    await this.memory.upsert(entries);
    if (droppedIds.length > 0) await this.deleteRows(droppedIds);
    if (!this.stopListening) {
      this.stopListening = await this.database.listen(this.channel(), () => this.scheduleRefresh());
    }
    return {
      status: rows.length === 0 ? 'missing' : droppedIds.length > 0 ? 'repaired' : 'ok',
      rows: entries.length,
      dimensions: this.memory.dimensions(),
      problems,
      droppedIds,
    };
  }

  size(): number {
    return this.memory.size();
  }
  has(id: string): boolean {
    return this.memory.has(id);
  }
  ids(): string[] {
    return this.memory.ids();
  }
  get(id: string): Float32Array | undefined {
    return this.memory.get(id);
  }
  docHash(id: string): string | undefined {
    return this.memory.docHash(id);
  }

  async upsert(entries: readonly VectorEntry[]): Promise<void> {
    if (entries.length === 0) return;
    // The cache checks lengths first, so a wrong vector never reaches the table.
    const probe = new MemoryVectorIndex();
    const dims = this.memory.dimensions();
    if (dims !== undefined) await probe.reset(dims);
    await probe.upsert(entries);
    const table = this.database.table('vectors');
    for (let start = 0; start < entries.length; start += 500) {
      const batch = entries.slice(start, start + 500);
      await this.database.query(
        `INSERT INTO ${table} (index_name, id, doc_hash, dims, vector, seq)
         SELECT $1, id, doc_hash, dims, vector, nextval('${this.database.schema}.vector_seq')
         FROM unnest($2::text[], $3::text[], $4::int[], $5::bytea[]) AS input(id, doc_hash, dims, vector)
         ON CONFLICT (index_name, id) DO UPDATE SET doc_hash = EXCLUDED.doc_hash, dims = EXCLUDED.dims,
           vector = EXCLUDED.vector, seq = EXCLUDED.seq`,
        [
          this.name,
          batch.map((entry) => entry.id),
          batch.map((entry) => entry.docHash),
          batch.map((entry) => entry.vector.length),
          batch.map((entry) => toBytes(entry.vector)),
        ],
      );
    }
    await this.memory.upsert(entries);
    await this.announce();
  }

  async remove(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    await this.deleteRows(ids);
    return this.memory.remove(ids);
  }

  async search(query: Float32Array, options: VectorSearchOptions): Promise<VectorMatch[]> {
    return this.memory.search(query, options);
  }

  async reset(dimensions?: number): Promise<void> {
    await this.database.query(`DELETE FROM ${this.database.table('vectors')} WHERE index_name = $1`, [
      this.name,
    ]);
    await this.memory.reset(dimensions);
    await this.announce();
  }

  /** Takes in rows other replicas wrote since the last refresh (also run on their NOTIFY). */
  refresh(): Promise<void> {
    this.scheduleRefresh();
    return this.refreshing;
  }

  async close(): Promise<void> {
    this.stopListening?.();
    this.stopListening = undefined;
    await this.refreshing;
  }

  private scheduleRefresh(): void {
    this.refreshing = this.refreshing.then(async () => {
      try {
        const rows = await this.fetch(this.lastSeq);
        const entries: VectorEntry[] = [];
        for (const row of rows) {
          const vector = fromBytes(row.vector, row.dims);
          if (!vector || (this.memory.dimensions() !== undefined && row.dims !== this.memory.dimensions()))
            continue;
          if (this.memory.docHash(row.id) === row.doc_hash) continue;
          entries.push({ id: row.id, vector, docHash: row.doc_hash });
        }
        await this.memory.upsert(entries);
      } catch (error) {
        this.options.onError?.(error, 'refreshing the vector cache');
      }
    });
  }

  private async fetch(after: number): Promise<VectorRow[]> {
    const result = await this.database.query<VectorRow>(
      `SELECT id, doc_hash, dims, vector, seq FROM ${this.database.table('vectors')}
       WHERE index_name = $1 AND seq > $2 ORDER BY seq`,
      [this.name, after],
    );
    const last = result.rows.at(-1);
    if (last) this.lastSeq = Math.max(this.lastSeq, Number(last.seq));
    return result.rows;
  }

  private async deleteRows(ids: readonly string[]): Promise<void> {
    await this.database.query(
      `DELETE FROM ${this.database.table('vectors')} WHERE index_name = $1 AND id = ANY($2::text[])`,
      [this.name, [...ids]],
    );
  }

  private channel(): string {
    return this.database.channel('vectors');
  }

  private async announce(): Promise<void> {
    await this.database.query('SELECT pg_notify($1, $2)', [this.channel(), this.name]);
  }
}
