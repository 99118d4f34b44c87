/**
 * @module Vectors of the background corpus for one embedding signature, and the null distribution of
 * a query's cosine measured on them.
 *
 * They are embedded once per signature. For a remote provider that is a one-time cost of a few hundred
 * short texts, so they are cached in a side file next to the flat index,
 * `vectors/<index-name>.background.json` — never in the index files themselves, whose rows an original
 * reader would take for skills. The cache says which signature and which texts it holds; anything else
 * (another model, an edited corpus, a wrong length, an unreadable file) is ignored and rewritten.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import type { EmbeddingConnector } from '../../embeddings/types.js';
import { AutoSkillError } from '../../shared/errors.js';
import { parseJson } from '../../shared/json.js';
import { documentHash } from '../retrieval-text.js';

export interface BackgroundVectors {
  dimensions: number;
  count: number;
  /** `count` × `dimensions` row-major. */
  rows: Float32Array;
}

export interface LoadBackgroundVectorsOptions {
  embeddings: EmbeddingConnector;
  /** The texts to embed, one per background document. */
  texts: readonly string[];
  /** Side file to read and write; absent → embedded in memory every time. */
  cacheFile?: string;
  /** Embed again even when the side file holds these texts (a forced rebuild). @default false */
  refresh?: boolean;
  abortSignal?: AbortSignal;
}

export interface LoadedBackgroundVectors {
  vectors: BackgroundVectors;
  source: 'cache' | 'embedded';
}

const CACHE_VERSION = 1;

const cacheSchema = z.object({
  version: z.literal(CACHE_VERSION),
  provider: z.string(),
  model: z.string(),
  dimensions: z.number().int().positive().nullable(),
  textsDigest: z.string(),
  dims: z.number().int().positive(),
  count: z.number().int().nonnegative(),
  /** Little-endian float32 rows, base64. */
  vectors: z.string(),
});

/** The side file next to a flat index: `<directory>/<index-name>.background.json`. */
export function backgroundCachePath(directory: string, indexName: string): string {
  return join(directory, `${indexName}.background.json`);
}

/** SHA-1 of the texts in order: what a cache must have been computed from. */
export function textsDigest(texts: readonly string[]): string {
  return documentHash(texts.join('\u0000'));
}

function readCache(options: LoadBackgroundVectorsOptions, digest: string): BackgroundVectors | undefined {
  const file = options.cacheFile;
  if (file === undefined || !existsSync(file)) return undefined;
  try {
    const cache = parseJson(readFileSync(file, 'utf8'), cacheSchema, { source: file });
    const signature = options.embeddings.signature;
    if (
      cache.provider !== signature.provider ||
      cache.model !== signature.model ||
      cache.dimensions !== (signature.dimensions ?? null) ||
      cache.textsDigest !== digest ||
      cache.count !== options.texts.length
    ) {
      return undefined;
    }
    const bytes = Buffer.from(cache.vectors, 'base64');
    if (bytes.length !== cache.count * cache.dims * 4) return undefined;
    const rows = new Float32Array(cache.count * cache.dims);
    for (let index = 0; index < rows.length; index += 1) rows[index] = bytes.readFloatLE(index * 4);
    if (!rows.every(Number.isFinite)) return undefined;
    return { dimensions: cache.dims, count: cache.count, rows };
  } catch {
    return undefined;
  }
}

let temporaryCounter = 0;
function writeCache(
  file: string,
  options: LoadBackgroundVectorsOptions,
  digest: string,
  vectors: BackgroundVectors,
): void {
  const bytes = Buffer.alloc(vectors.rows.length * 4);
  for (let index = 0; index < vectors.rows.length; index += 1)
    bytes.writeFloatLE(vectors.rows[index] as number, index * 4);
  const signature = options.embeddings.signature;
  const content = JSON.stringify({
    version: CACHE_VERSION,
    provider: signature.provider,
    model: signature.model,
    dimensions: signature.dimensions ?? null,
    textsDigest: digest,
    dims: vectors.dimensions,
    count: vectors.count,
    vectors: bytes.toString('base64'),
  });
  mkdirSync(dirname(file), { recursive: true });
  temporaryCounter += 1;
  const temporary = `${file}.${process.pid}.${temporaryCounter}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, file);
}

async function embedAll(options: LoadBackgroundVectorsOptions): Promise<BackgroundVectors> {
  const connector = options.embeddings;
  const batchSize = Math.max(1, connector.maxBatchSize);
  const vectors: number[][] = [];
  for (let start = 0; start < options.texts.length; start += batchSize) {
    const batch = options.texts.slice(start, start + batchSize);
    const result = await connector.doEmbed({
      texts: batch,
      ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
    });
    if (result.embeddings.length !== batch.length) {
      throw new AutoSkillError(
        'INVALID_RESPONSE',
        `${connector.provider} returned ${result.embeddings.length} vectors for ${batch.length} background texts`,
        { details: { provider: connector.provider } },
      );
    }
    vectors.push(...result.embeddings);
  }
  const dimensions = vectors[0]?.length ?? 0;
  if (dimensions === 0 || vectors.some((vector) => vector.length !== dimensions)) {
    throw new AutoSkillError(
      'DIMENSION_MISMATCH',
      `${connector.provider} returned background vectors of mixed lengths`,
      {
        details: { provider: connector.provider },
      },
    );
  }
  const rows = new Float32Array(vectors.length * dimensions);
  vectors.forEach((vector, row) => {
    rows.set(vector, row * dimensions);
  });
  return { dimensions, count: vectors.length, rows };
}

/**
 * The background vectors for the connector's signature: from the side file when it holds exactly these
 * texts for this signature, else embedded now (and written to the side file when one is given).
 */
export async function loadBackgroundVectors(
  options: LoadBackgroundVectorsOptions,
): Promise<LoadedBackgroundVectors> {
  const digest = textsDigest(options.texts);
  const cached = options.refresh ? undefined : readCache(options, digest);
  if (cached) return { vectors: cached, source: 'cache' };
  const vectors = await embedAll(options);
  if (options.cacheFile !== undefined) {
    try {
      writeCache(options.cacheFile, options, digest, vectors);
    } catch {
      // A folder that cannot be written (read-only mount): the vectors still serve this process.
    }
  }
  return { vectors, source: 'embedded' };
}

const columnCache = new WeakMap<BackgroundVectors, Float32Array>();

/** The rows transposed (dimension-major), so scoring a query streams through contiguous memory. */
function columnsOf(background: BackgroundVectors): Float32Array {
  let columns = columnCache.get(background);
  if (!columns) {
    const { dimensions, count, rows } = background;
    columns = new Float32Array(dimensions * count);
    for (let row = 0; row < count; row += 1) {
      for (let index = 0; index < dimensions; index += 1)
        columns[index * count + row] = rows[row * dimensions + index] as number;
    }
    columnCache.set(background, columns);
  }
  return columns;
}

/**
 * The query's dot product with every background row: for each non-zero component of the query (offline
 * n-gram vectors touch about 150 of 1,024), one pass over that dimension's column.
 */
export function backgroundCosines(query: Float32Array, background: BackgroundVectors): Float64Array {
  const { dimensions, count } = background;
  const out = new Float64Array(count);
  if (query.length !== dimensions) return out.fill(Number.NaN);
  const columns = columnsOf(background);
  for (let index = 0; index < dimensions; index += 1) {
    const value = query[index] as number;
    if (value === 0) continue;
    const base = index * count;
    for (let row = 0; row < count; row += 1)
      out[row] = (out[row] as number) + value * (columns[base + row] as number);
  }
  return out;
}
