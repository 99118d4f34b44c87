/**
 * @module The `pgvector` vector backend: vectors in a PostgreSQL `vector(D)` column with an HNSW index
 * (cosine), searched in SQL. One table per index name (`<schema>.pgv_<hash of the name>`), created when
 * the first vector fixes the length. The replica keeps only ids and document hashes in memory (what the
 * search index asks synchronously); scores come from the database.
 *
 * Scores are dot products (`-(a <#> b)`), as the `flat` backend's, so calibrated scores match for the
 * same vectors (pgvector sums in single precision: scores agree to ~1e-6). Scoring given ids is always
 * exact; a search over every vector uses the HNSW index (approximate, fast at scale) unless `exact`.
 *
 * Config (`vectorBackendConfig`): `pool` (a `pg.Pool`) or `url`, `schema` (default `autoskill`),
 * `exact` (default false), `efSearch` (HNSW candidate list size, default the server's 40), `hnsw`
 * (build the index, default true).
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { fromSql, toSql } from 'pgvector';
import { AutoSkillError } from '../../shared/errors.js';
import type {
  VectorBackend,
  VectorBackendContext,
  VectorEntry,
  VectorLoadReport,
  VectorMatch,
  VectorSearchOptions,
} from './types.js';

export interface PgvectorIndexOptions {
  name: string;
  /** A pool the caller owns; or `url` to open (and close) one. */
  pool?: pg.Pool;
  url?: string;
  /** @default 'autoskill' */
  schema?: string;
  /** Search every vector exactly (sequential scan) instead of through the HNSW index. @default false */
  exact?: boolean;
  /** `hnsw.ef_search` for approximate searches. @default the server's (40) */
  efSearch?: number;
  /**
   * Build the HNSW index (with the table). Without it every search is exact, which is what `exact`
   * needs anyway; bulk loads are faster without it. @default true
   */
  hnsw?: boolean;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,50}$/;
const BATCH = 500;

function literal(vector: Float32Array): string {
  return toSql(Array.from(vector)) as string;
}

export class PgvectorIndex implements VectorBackend {
  readonly kind = 'pgvector';
  readonly name: string;
  private readonly pool: pg.Pool;
  private readonly ownsPool: boolean;
  private readonly options: PgvectorIndexOptions;
  private readonly table: string;
  private readonly schema: string;
  private readonly hashes = new Map<string, string>();
  private dims: number | undefined;
  private tableReady = false;

  constructor(options: PgvectorIndexOptions) {
    this.options = options;
    this.name = options.name;
    this.schema = options.schema ?? 'autoskill';
    if (!SCHEMA_NAME.test(this.schema)) {
      throw new AutoSkillError(
        'INVALID_CONFIG',
        `Invalid PostgreSQL schema name ${JSON.stringify(this.schema)}`,
      );
    }
    const suffix = createHash('sha1').update(options.name).digest('hex').slice(0, 16);
    this.table = `"${this.schema}"."pgv_${suffix}"`;
    if (options.pool) {
      this.pool = options.pool;
      this.ownsPool = false;
    } else if (options.url) {
      this.pool = new pg.Pool({
        connectionString: options.url,
        max: 4,
        application_name: 'autoskill-pgvector',
      });
      this.ownsPool = true;
    } else {
      throw new AutoSkillError('INVALID_CONFIG', 'The pgvector backend needs a pool or a url');
    }
  }

  dimensions(): number | undefined {
    return this.dims;
  }

  async load(): Promise<VectorLoadReport> {
    await this.ensureExtension();
    const exists = await this.pool.query<{ present: boolean }>(
      'SELECT to_regclass($1) IS NOT NULL AS present',
      [this.table],
    );
    this.hashes.clear();
    if (!exists.rows[0]?.present) {
      this.tableReady = false;
      return { status: 'missing', rows: 0, dimensions: this.dims, problems: [], droppedIds: [] };
    }
    this.tableReady = true;
    const typmod = await this.pool.query<{ dims: number }>(
      `SELECT atttypmod AS dims FROM pg_attribute WHERE attrelid = $1::regclass AND attname = 'embedding'`,
      [this.table],
    );
    this.dims = typmod.rows[0]?.dims;
    const rows = await this.pool.query<{ id: string; doc_hash: string }>(
      `SELECT id, doc_hash FROM ${this.table}`,
    );
    for (const row of rows.rows) this.hashes.set(row.id, row.doc_hash);
    return { status: 'ok', rows: this.hashes.size, dimensions: this.dims, problems: [], droppedIds: [] };
  }

  size(): number {
    return this.hashes.size;
  }
  has(id: string): boolean {
    return this.hashes.has(id);
  }
  ids(): string[] {
    return [...this.hashes.keys()];
  }
  /** Vectors stay in the database; use `fetchVector` to read one. */
  get(_id: string): Float32Array | undefined {
    return undefined;
  }
  docHash(id: string): string | undefined {
    return this.hashes.get(id);
  }

  /** Reads one stored vector (diagnostics and tests). */
  async fetchVector(id: string): Promise<Float32Array | undefined> {
    if (!this.tableReady) return undefined;
    const result = await this.pool.query<{ embedding: string }>(
      `SELECT embedding::text AS embedding FROM ${this.table} WHERE id = $1`,
      [id],
    );
    const text = result.rows[0]?.embedding;
    return text === undefined ? undefined : Float32Array.from(fromSql(text) as number[]);
  }

  async upsert(entries: readonly VectorEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const dims = this.dims ?? entries[0]?.vector.length ?? 0;
    for (const entry of entries) {
      if (entry.vector.length !== dims || dims === 0) {
        throw new AutoSkillError(
          'DIMENSION_MISMATCH',
          `Vector for ${entry.id} has ${entry.vector.length} dimensions; the index holds ${dims}`,
          { details: { id: entry.id, expected: dims, actual: entry.vector.length } },
        );
      }
    }
    await this.ensureTable(dims);
    for (let start = 0; start < entries.length; start += BATCH) {
      const batch = entries.slice(start, start + BATCH);
      await this.pool.query(
        `INSERT INTO ${this.table} (id, doc_hash, embedding)
         SELECT id, doc_hash, embedding::vector FROM unnest($1::text[], $2::text[], $3::text[]) AS input(id, doc_hash, embedding)
         ON CONFLICT (id) DO UPDATE SET doc_hash = EXCLUDED.doc_hash, embedding = EXCLUDED.embedding`,
        [
          batch.map((entry) => entry.id),
          batch.map((entry) => entry.docHash),
          batch.map((entry) => literal(entry.vector)),
        ],
      );
    }
    for (const entry of entries) this.hashes.set(entry.id, entry.docHash);
  }

  async remove(ids: readonly string[]): Promise<number> {
    const present = ids.filter((id) => this.hashes.has(id));
    if (present.length === 0 || !this.tableReady) return 0;
    await this.pool.query(`DELETE FROM ${this.table} WHERE id = ANY($1::text[])`, [present]);
    for (const id of present) this.hashes.delete(id);
    return present.length;
  }

  async search(query: Float32Array, options: VectorSearchOptions): Promise<VectorMatch[]> {
    if (!this.tableReady || this.hashes.size === 0 || options.limit <= 0) return [];
    if (query.length !== this.dims) return [];
    const vector = literal(query);
    if (options.ids) {
      const ids = options.ids.filter((id) => this.hashes.has(id));
      if (ids.length === 0) return [];
      const result = await this.pool.query<{ id: string; score: number }>(
        `SELECT id, (embedding <#> $1::vector) * -1 AS score FROM ${this.table} WHERE id = ANY($2::text[])`,
        [vector, ids],
      );
      const order = new Map(ids.map((id, index) => [id, index]));
      return result.rows
        .map((row) => ({ id: row.id, score: Number(row.score) }))
        .sort((a, b) => b.score - a.score || (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0))
        .slice(0, options.limit);
    }
    if (this.options.exact) {
      const result = await this.pool.query<{ id: string; score: number }>(
        `SELECT id, (embedding <#> $1::vector) * -1 AS score FROM ${this.table}
         ORDER BY embedding <#> $1::vector, id LIMIT $2`,
        [vector, options.limit],
      );
      return result.rows.map((row) => ({ id: row.id, score: Number(row.score) }));
    }
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      if (this.options.efSearch)
        await client.query(`SET LOCAL hnsw.ef_search = ${Math.floor(this.options.efSearch)}`);
      const result = await client.query<{ id: string; score: number }>(
        `SELECT id, (embedding <#> $1::vector) * -1 AS score FROM ${this.table}
         ORDER BY embedding <=> $1::vector LIMIT $2`,
        [vector, options.limit],
      );
      await client.query('COMMIT');
      return result.rows.map((row) => ({ id: row.id, score: Number(row.score) }));
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async reset(dimensions?: number): Promise<void> {
    await this.pool.query(`DROP TABLE IF EXISTS ${this.table}`);
    this.tableReady = false;
    this.hashes.clear();
    this.dims = dimensions;
    if (dimensions !== undefined) await this.ensureTable(dimensions);
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.end();
  }

  /** Builds the HNSW index (cosine) if it is missing; searches without `ids` then use it. */
  async createHnswIndex(): Promise<void> {
    const indexName = `${this.table.split('.')[1]?.replaceAll('"', '')}_hnsw`;
    await this.pool.query(
      `CREATE INDEX IF NOT EXISTS "${indexName}" ON ${this.table} USING hnsw (embedding vector_cosine_ops)`,
    );
  }

  private async ensureExtension(): Promise<void> {
    try {
      await this.pool.query('CREATE EXTENSION IF NOT EXISTS vector');
    } catch (cause) {
      throw new AutoSkillError(
        'UNSUPPORTED',
        'The pgvector extension is not available on this PostgreSQL server; use the `postgres` vector backend (a plain column scored in the replica)',
        { cause },
      );
    }
  }

  private async ensureTable(dims: number): Promise<void> {
    if (this.tableReady) return;
    await this.ensureExtension();
    await this.pool.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
    await this.pool.query(
      `CREATE TABLE IF NOT EXISTS ${this.table} (id text PRIMARY KEY, doc_hash text NOT NULL, embedding vector(${dims}) NOT NULL)`,
    );
    if (this.options.hnsw ?? true) await this.createHnswIndex();
    this.dims = dims;
    this.tableReady = true;
  }
}

/** Registry factory: `createVectorBackend({ backend: 'pgvector', config: { pool | url, … } })`. */
export function createPgvectorIndex(context: VectorBackendContext): PgvectorIndex {
  const config = context.config;
  return new PgvectorIndex({
    name: context.name,
    ...(config.pool instanceof pg.Pool ? { pool: config.pool } : {}),
    ...(typeof config.url === 'string' ? { url: config.url } : {}),
    ...(typeof config.schema === 'string' ? { schema: config.schema } : {}),
    ...(config.exact === true ? { exact: true } : {}),
    ...(typeof config.efSearch === 'number' ? { efSearch: config.efSearch } : {}),
    ...(config.hnsw === false ? { hnsw: false } : {}),
  });
}
