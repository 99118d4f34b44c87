/**
 * @module The `flat` vector backend: the original's files, byte for byte.
 *
 * `vectors/<name>.meta.json` `{"version": 1, "dims": D, "count": N, "dtype": "float32"}`,
 * `<name>.ids.txt` (one id per line, `\n` after each), `<name>.vecs.f32` (N × D little-endian float32,
 * row i = line i), `<name>.doc_hash.json` (compact `{id: sha1(text)}`).
 *
 * Updates are incremental: a new vector appends one line to ids.txt and one row to vecs.f32; a changed
 * vector overwrites its row in place; a removal only drops the id from the manifest (the row becomes
 * dead and is compacted away once dead rows pass a quarter of the file).
 *
 * Crash consistency. `meta.count` is the commit point of the row set and the manifest hash is the
 * commit point of each row:
 * - append: ids lines, then rows, then meta (count), then manifest. A crash before meta leaves more
 *   lines than `count`; load keeps the first `count` rows (all committed) and drops the rest.
 * - overwrite: manifest without the id, then the row, then manifest with the new hash. A torn row is
 *   never trusted because its id has no hash until the row is complete.
 * - full rewrite (compaction, repair): meta with count 0 first, then ids, rows, meta, manifest. A crash
 *   in between loads as zero committed rows, so everything is re-embedded rather than misaligned.
 * Load also refuses (resets) states no writer of ours produces: fewer ids than `count`, a vectors file
 * longer than its ids (the original's delete moves the last row, so a torn save there misaligns rows),
 * and drops rows that are truncated, non-finite, or (for unit-norm embedders) not of unit length.
 * Ids without a manifest hash load but are stale by definition, so the search index re-embeds them.
 *
 * Several processes: writers must take turns (the store's write lock); before each write the backend
 * checks the files' sizes and mtimes and reloads when another process wrote in between.
 */
import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { AutoSkillError } from '../../shared/errors.js';
import { parseJson } from '../../shared/json.js';
import { MatrixVectorIndex } from './matrix-index.js';
import type { VectorBackend, VectorBackendContext, VectorEntry, VectorLoadReport } from './types.js';

export interface FlatVectorIndexOptions {
  /** The `vectors/` folder. */
  directory: string;
  /** Index name from the embedding signature. */
  name: string;
  /** Rows whose norm is not 0 or 1 (± 1e-3) are corrupt; true for embedders that normalise. @default false */
  unitNorm?: boolean;
  /** Compact when dead rows exceed this share of all rows. @default 0.25 */
  compactRatio?: number;
}

const MetaSchema = z.object({
  version: z.number().optional(),
  dims: z.number().int().positive(),
  count: z.number().int().nonnegative().optional(),
  dtype: z.literal('float32').optional(),
});

const ManifestSchema = z.record(z.string(), z.string());

const LITTLE_ENDIAN = endianness() === 'LE';

/** Float32 rows as little-endian bytes, whatever the machine's byte order. */
export function float32ToLittleEndian(values: Float32Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const bytes = Buffer.alloc(values.length * 4);
  for (let index = 0; index < values.length; index += 1)
    bytes.writeFloatLE(values[index] as number, index * 4);
  return bytes;
}

/** Little-endian float32 bytes as a (copied, aligned) Float32Array of `count` values. */
export function littleEndianToFloat32(bytes: Buffer, count: number): Float32Array {
  const out = new Float32Array(count);
  if (LITTLE_ENDIAN) {
    Buffer.from(out.buffer).set(bytes.subarray(0, count * 4));
    return out;
  }
  for (let index = 0; index < count; index += 1) out[index] = bytes.readFloatLE(index * 4);
  return out;
}

/** The meta file exactly as the original writes it (Python's default JSON separators). */
export function renderFlatMeta(dims: number, count: number): string {
  return `{"version": 1, "dims": ${dims}, "count": ${count}, "dtype": "float32"}`;
}

export interface FlatFiles {
  meta: string;
  ids: string;
  vectors: string;
  manifest: string;
}

export function flatFilePaths(directory: string, name: string): FlatFiles {
  return {
    meta: join(directory, `${name}.meta.json`),
    ids: join(directory, `${name}.ids.txt`),
    vectors: join(directory, `${name}.vecs.f32`),
    manifest: join(directory, `${name}.doc_hash.json`),
  };
}

let temporaryCounter = 0;
function writeAtomic(path: string, content: string | Uint8Array): void {
  temporaryCounter += 1;
  const temporary = `${path}.${process.pid}.${temporaryCounter}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, path);
}

function rowIsValid(values: Float32Array, offset: number, dims: number, unitNorm: boolean): boolean {
  let norm = 0;
  for (let index = offset; index < offset + dims; index += 1) {
    const value = values[index] as number;
    if (!Number.isFinite(value)) return false;
    norm += value * value;
  }
  if (!unitNorm || norm === 0) return true;
  return Math.abs(Math.sqrt(norm) - 1) <= 1e-3;
}

export class FlatVectorIndex extends MatrixVectorIndex implements VectorBackend {
  readonly kind = 'flat';
  readonly name: string;
  readonly files: FlatFiles;
  private readonly directory: string;
  private readonly unitNorm: boolean;
  private readonly compactRatio: number;
  /** Sizes and mtimes of the files as this instance last read or wrote them. */
  private diskState = '';

  constructor(options: FlatVectorIndexOptions) {
    super();
    this.directory = options.directory;
    this.name = options.name;
    this.unitNorm = options.unitNorm ?? false;
    this.compactRatio = options.compactRatio ?? 0.25;
    this.files = flatFilePaths(options.directory, options.name);
  }

  async load(): Promise<VectorLoadReport> {
    return this.loadSync();
  }

  /**
   * True when another process changed the files since this instance last read or wrote them. Writers
   * call this first and reload, so two processes that take turns (under the store's lock) never
   * append rows at stale offsets.
   */
  changedOnDisk(): boolean {
    return this.readDiskState() !== this.diskState;
  }

  private readDiskState(): string {
    return [this.files.meta, this.files.ids, this.files.vectors, this.files.manifest]
      .map((path) => {
        try {
          const stat = statSync(path);
          return `${stat.size}:${stat.mtimeMs}`;
        } catch {
          return '-';
        }
      })
      .join('|');
  }

  /** Synchronous load (see the module comment for what is checked). */
  loadSync(): VectorLoadReport {
    const report = this.loadFromDisk();
    this.diskState = this.readDiskState();
    return report;
  }

  private loadFromDisk(): VectorLoadReport {
    this.matrix.clear();
    const problems: string[] = [];
    const present = [this.files.meta, this.files.ids, this.files.vectors].filter((path) => existsSync(path));
    if (present.length === 0)
      return { status: 'missing', rows: 0, dimensions: undefined, problems, droppedIds: [] };
    const reset = (problem: string, droppedIds: string[] = []): VectorLoadReport => {
      problems.push(problem);
      this.matrix.clear();
      this.writeAll();
      return { status: 'reset', rows: 0, dimensions: undefined, problems, droppedIds };
    };
    if (present.length < 3)
      return reset(`index ${this.name} is incomplete: only ${present.length} of its 3 files exist`);
    let meta: z.infer<typeof MetaSchema>;
    try {
      meta = parseJson(readFileSync(this.files.meta, 'utf8'), MetaSchema, { source: this.files.meta });
    } catch (error) {
      return reset(`unreadable meta file: ${(error as Error).message}`);
    }
    const idsText = readFileSync(this.files.ids, 'utf8');
    const lines = idsText
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length > 0);
    const dims = meta.dims;
    const count = meta.count ?? lines.length;
    const bytes = readFileSync(this.files.vectors);
    const rowBytes = dims * 4;
    if (lines.length < count) {
      return reset(
        `ids file has ${lines.length} ids but meta.count is ${count}: files are from different saves`,
        lines,
      );
    }
    const droppedIds: string[] = [];
    let status: VectorLoadReport['status'] = 'ok';
    if (lines.length > count) {
      problems.push(`${lines.length - count} uncommitted row(s) after meta.count ${count} were dropped`);
      droppedIds.push(...lines.slice(count));
      status = 'repaired';
    } else if (bytes.length > count * rowBytes) {
      return reset(
        `vectors file holds ${Math.floor(bytes.length / rowBytes)} rows for ${count} ids: rows may be misaligned`,
        lines,
      );
    }
    const committed = lines.slice(0, count);
    const availableRows = Math.min(count, Math.floor(bytes.length / rowBytes));
    if (availableRows < count) {
      problems.push(`vectors file is truncated: ${availableRows} complete rows for ${count} ids`);
      droppedIds.push(...committed.slice(availableRows));
      status = 'repaired';
    }
    const values = littleEndianToFloat32(bytes, availableRows * dims);
    let manifest: Record<string, string> | undefined;
    let rewriteManifest = false;
    if (existsSync(this.files.manifest)) {
      try {
        manifest = parseJson(readFileSync(this.files.manifest, 'utf8'), ManifestSchema, {
          source: this.files.manifest,
        });
      } catch (error) {
        problems.push(
          `unreadable doc_hash manifest, every vector is treated as stale: ${(error as Error).message}`,
        );
        status = 'repaired';
        manifest = {};
        rewriteManifest = true;
      }
    }
    // Row positions must keep matching the file, so rows we do not use stay in place as dead rows:
    // an id's earlier rows (the last row of an id wins), rows removed by us (a manifest that exists but
    // lacks the id: removal is a tombstone), and corrupt rows.
    const lastRow = new Map<string, number>();
    for (let row = 0; row < availableRows; row += 1) lastRow.set(committed[row] as string, row);
    const rowIds: Array<string | undefined> = [];
    const hashes = new Map<string, string>();
    const corrupt: string[] = [];
    for (let row = 0; row < availableRows; row += 1) {
      const id = committed[row] as string;
      let live = lastRow.get(id) === row && (manifest === undefined || rewriteManifest || id in manifest);
      if (live && !rowIsValid(values, row * dims, dims, this.unitNorm)) {
        corrupt.push(id);
        live = false;
      }
      rowIds.push(live ? id : undefined);
      const hash = manifest?.[id];
      if (live && hash !== undefined) hashes.set(id, hash);
    }
    if (corrupt.length > 0) {
      problems.push(`${corrupt.length} corrupt row(s) (non-finite or not unit length) were dropped`);
      droppedIds.push(...corrupt);
      status = 'repaired';
    }
    this.matrix.dimensions = dims;
    this.matrix.replaceAll(rowIds, values, hashes);
    if (availableRows !== lines.length) {
      // Truncated rows or uncommitted appends: rewrite so ids, rows and meta agree again.
      this.writeAll();
    } else if (rewriteManifest || (manifest !== undefined && Object.keys(manifest).length !== hashes.size)) {
      this.writeManifest();
    }
    if (this.matrix.deadRows > Math.max(16, this.matrix.rowCount * this.compactRatio)) this.compact();
    return { status, rows: this.matrix.size, dimensions: dims, problems, droppedIds };
  }

  async upsert(entries: readonly VectorEntry[]): Promise<void> {
    this.upsertSync(entries);
  }

  upsertSync(entries: readonly VectorEntry[]): void {
    if (entries.length === 0) return;
    if (this.changedOnDisk()) this.loadSync();
    for (const entry of entries) this.matrix.checkDimensions(entry.vector, entry.id);
    const latest = new Map<string, VectorEntry>();
    for (const entry of entries) latest.set(entry.id, entry);
    const overwrites: VectorEntry[] = [];
    const appends: VectorEntry[] = [];
    for (const entry of latest.values())
      (this.matrix.rowById.has(entry.id) ? overwrites : appends).push(entry);
    mkdirSync(this.directory, { recursive: true });
    if (!existsSync(this.files.meta)) this.writeAll();
    const dims = this.matrix.dimensions as number;
    if (overwrites.length > 0) {
      for (const entry of overwrites) this.matrix.hashes.delete(entry.id);
      this.writeManifest();
      const handle = openSync(this.files.vectors, 'r+');
      try {
        for (const entry of overwrites) {
          const row = this.matrix.rowById.get(entry.id) as number;
          this.matrix.overwrite(row, entry.vector, entry.docHash);
          writeSync(handle, float32ToLittleEndian(entry.vector), 0, dims * 4, row * dims * 4);
        }
      } finally {
        closeSync(handle);
      }
    }
    if (appends.length > 0) {
      const firstRow = this.matrix.rowCount;
      for (const entry of appends) this.matrix.append(entry.id, entry.vector, entry.docHash);
      const ids = appends.map((entry) => `${entry.id.trim()}\n`).join('');
      const idsHandle = openSync(this.files.ids, 'a');
      try {
        writeSync(idsHandle, ids);
      } finally {
        closeSync(idsHandle);
      }
      const handle = openSync(this.files.vectors, 'r+');
      try {
        const rows = this.matrix.data.subarray(firstRow * dims, this.matrix.rowCount * dims);
        writeSync(handle, float32ToLittleEndian(rows), 0, rows.length * 4, firstRow * dims * 4);
      } finally {
        closeSync(handle);
      }
      writeAtomic(this.files.meta, renderFlatMeta(dims, this.matrix.rowCount));
    }
    this.writeManifest();
    this.diskState = this.readDiskState();
  }

  async remove(ids: readonly string[]): Promise<number> {
    if (ids.length > 0 && this.changedOnDisk()) this.loadSync();
    let removed = 0;
    for (const id of ids) if (this.matrix.kill(id)) removed += 1;
    if (removed === 0) return 0;
    if (this.matrix.deadRows > Math.max(16, this.matrix.rowCount * this.compactRatio)) this.compact();
    else this.writeManifest();
    this.diskState = this.readDiskState();
    return removed;
  }

  override async reset(dimensions?: number): Promise<void> {
    await super.reset(dimensions);
    this.writeAll();
    this.diskState = this.readDiskState();
  }

  /** Rewrites the files with live rows only. */
  compact(): void {
    const { ids, data } = this.matrix.live();
    this.matrix.replaceAll(ids, data, this.matrix.hashes);
    this.writeAll();
    this.diskState = this.readDiskState();
  }

  async close(): Promise<void> {}

  /** Deletes the index files (used when an index is rebuilt from scratch). */
  removeFiles(): void {
    for (const path of Object.values(this.files)) rmSync(path, { force: true });
  }

  private writeManifest(): void {
    const manifest: Record<string, string> = {};
    for (let row = 0; row < this.matrix.rowCount; row += 1) {
      const id = this.matrix.rowIds[row];
      if (id === undefined) continue;
      const hash = this.matrix.hashes.get(id);
      if (hash !== undefined) manifest[id] = hash;
    }
    writeAtomic(this.files.manifest, JSON.stringify(manifest));
  }

  private writeAll(): void {
    if (this.matrix.dimensions === undefined) {
      // Nothing to write yet (an index reset before its first vector): no files until the first write.
      this.removeFiles();
      return;
    }
    mkdirSync(this.directory, { recursive: true });
    const { ids, data } = this.matrix.live();
    if (this.matrix.deadRows > 0) this.matrix.replaceAll(ids, data, this.matrix.hashes);
    const dims = this.matrix.dimensions;
    writeAtomic(this.files.meta, renderFlatMeta(dims, 0));
    writeAtomic(this.files.ids, ids.map((id) => `${id.trim()}\n`).join(''));
    writeAtomic(this.files.vectors, float32ToLittleEndian(data));
    writeAtomic(this.files.meta, renderFlatMeta(dims, ids.length));
    this.writeManifest();
  }
}

/** Factory for the backend registry. Config: `unitNorm` (boolean), `compactRatio` (number). */
export function createFlatVectorIndex(context: VectorBackendContext): FlatVectorIndex {
  const unitNorm = context.config['unitNorm'];
  const compactRatio = context.config['compactRatio'];
  if (compactRatio !== undefined && (typeof compactRatio !== 'number' || compactRatio <= 0)) {
    throw new AutoSkillError(
      'INVALID_CONFIG',
      'flat vector backend: compactRatio must be a positive number',
      {
        details: { compactRatio },
      },
    );
  }
  return new FlatVectorIndex({
    directory: context.directory,
    name: context.name,
    unitNorm: unitNorm === true,
    ...(typeof compactRatio === 'number' ? { compactRatio } : {}),
  });
}

/** Size check helper for status reports: bytes on disk of the vectors file. */
export function flatVectorBytes(files: FlatFiles): number {
  if (!existsSync(files.vectors)) return 0;
  const handle = openSync(files.vectors, 'r');
  try {
    return fstatSync(handle).size;
  } finally {
    closeSync(handle);
  }
}
