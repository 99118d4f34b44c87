import {
  appendFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { copyFixture, makeTempDir, ORIGINAL_STORE } from '../../../test/support/fixtures.js';
import { hashingEmbedding } from '../../embeddings/hashing.js';
import { embeddingIndexName } from '../../embeddings/signature.js';
import { decodeSkillFile, parseSkillMd } from '../../skill/skill-md.js';
import { documentHash, retrievalText } from '../retrieval-text.js';
import { FlatVectorIndex, flatFilePaths, renderFlatMeta } from './flat.js';

const ORIGINAL_NAME = 'skills-hashing-default-d256-8c95e52120';
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function originalVectors(): string {
  const copy = copyFixture(join(ORIGINAL_STORE, 'vectors'), 'autoskill-flat-');
  cleanups.push(copy.cleanup);
  return copy.dir;
}

function tempDir(): string {
  const temp = makeTempDir('autoskill-flat-');
  cleanups.push(temp.cleanup);
  return temp.dir;
}

/** The original's reading of `instructions` (core.md §2.4, with its round-trip bug): what it embedded. */
function originalInstructions(text: string): string {
  const body = text.slice(text.indexOf('\n---', 3) + 4).trim();
  const lines = body.split('\n');
  const start = lines.findIndex((line) => line.trim().toLowerCase() === '## prompt');
  if (start >= 0) {
    const out: string[] = [];
    let index = start + 1;
    while (index < lines.length && !(lines[index] as string).trim()) index += 1;
    for (; index < lines.length; index += 1) {
      const line = lines[index] as string;
      if (line.startsWith('## ') || line.startsWith('# ')) break;
      out.push(line);
    }
    const section = out.join('\n').trim();
    if (section) return section;
  }
  return body;
}

function originalSkills(): Array<{ id: string; text: string }> {
  const folders = [
    ...readdirSync(join(ORIGINAL_STORE, 'Common', 'sample')).map((name) =>
      join(ORIGINAL_STORE, 'Common', 'sample', name),
    ),
    join(ORIGINAL_STORE, 'Users', 'u1', 'standard-release-process'),
  ];
  const out: Array<{ id: string; text: string }> = [];
  for (const folder of folders) {
    let raw: string;
    try {
      raw = decodeSkillFile(readFileSync(join(folder, 'SKILL.md')), { source: folder });
    } catch {
      continue; // one sample file is binary; the original never embedded it either
    }
    const skill = parseSkillMd(raw, { owner: 'library:sample' });
    out.push({ id: skill.id, text: retrievalText({ ...skill, instructions: originalInstructions(raw) }) });
  }
  return out;
}

describe('flat vector index: the original files', () => {
  it('uses the original index name for hashing/default/256', () => {
    expect(embeddingIndexName({ provider: 'hashing', model: 'default', dimensions: 256 })).toBe(
      ORIGINAL_NAME,
    );
  });

  it("reads every id, the dimensions and every row's values, equal to the original embedder's output", () => {
    const index = new FlatVectorIndex({ directory: originalVectors(), name: ORIGINAL_NAME, unitNorm: true });
    const report = index.loadSync();
    expect(report).toMatchObject({ status: 'ok', rows: 40, dimensions: 256, problems: [] });
    const ids = readFileSync(join(ORIGINAL_STORE, 'vectors', `${ORIGINAL_NAME}.ids.txt`), 'utf8')
      .trim()
      .split('\n');
    expect(index.ids()).toEqual(ids);
    const skills = originalSkills();
    expect(skills).toHaveLength(40); // 41 folders, one SKILL.md is binary (the original never embedded it)
    let compared = 0;
    for (const skill of skills) {
      const row = index.get(skill.id);
      if (!row) continue;
      const expected = hashingEmbedding(skill.text, 256);
      for (let dim = 0; dim < 256; dim += 1) expect(row[dim]).toBeCloseTo(expected[dim] as number, 6);
      // The doc_hash manifest is the SHA-1 of exactly this retrieval text.
      expect(index.docHash(skill.id)).toBe(documentHash(skill.text));
      compared += 1;
    }
    expect(compared).toBe(40);
  });

  it('writes files byte-identical to the original format', () => {
    const source = originalVectors();
    const original = new FlatVectorIndex({ directory: source, name: ORIGINAL_NAME });
    original.loadSync();
    const target = tempDir();
    const copy = new FlatVectorIndex({ directory: target, name: ORIGINAL_NAME });
    copy.upsertSync(
      original.ids().map((id) => ({
        id,
        vector: original.get(id) as Float32Array,
        docHash: original.docHash(id) as string,
      })),
    );
    const from = flatFilePaths(join(ORIGINAL_STORE, 'vectors'), ORIGINAL_NAME);
    const to = flatFilePaths(target, ORIGINAL_NAME);
    for (const key of ['meta', 'ids', 'vectors', 'manifest'] as const) {
      expect(readFileSync(to[key]).equals(readFileSync(from[key])), key).toBe(true);
    }
  });

  it('renders meta.json with the original separators', () => {
    expect(renderFlatMeta(256, 40)).toBe('{"version": 1, "dims": 256, "count": 40, "dtype": "float32"}');
  });
});

function vector(values: number[]): Float32Array {
  const out = Float32Array.from(values);
  const norm = Math.hypot(...values);
  return norm > 0 ? out.map((value) => value / norm) : out;
}

function freshIndex(directory = tempDir()): FlatVectorIndex {
  return new FlatVectorIndex({ directory, name: 'skills-test', unitNorm: true });
}

describe('flat vector index: incremental writes', () => {
  it('appends and overwrites rows in place, removes by tombstone, and reloads the same state', async () => {
    const directory = tempDir();
    const index = freshIndex(directory);
    await index.upsert([
      { id: 'a', vector: vector([1, 0, 0]), docHash: 'ha' },
      { id: 'b', vector: vector([0, 1, 0]), docHash: 'hb' },
    ]);
    const files = flatFilePaths(directory, 'skills-test');
    const firstRow = readFileSync(files.vectors).subarray(0, 12);
    await index.upsert([{ id: 'c', vector: vector([0, 0, 1]), docHash: 'hc' }]);
    // Appending did not rewrite the earlier rows: the file grew by one row and starts with the same bytes.
    expect(statSync(files.vectors).size).toBe(3 * 3 * 4);
    expect(readFileSync(files.vectors).subarray(0, 12).equals(firstRow)).toBe(true);
    await index.upsert([{ id: 'a', vector: vector([1, 1, 0]), docHash: 'ha2' }]);
    expect(statSync(files.vectors).size).toBe(3 * 3 * 4);
    expect(await index.remove(['b'])).toBe(1);
    expect(readFileSync(files.ids, 'utf8')).toBe('a\nb\nc\n');

    const reloaded = freshIndex(directory);
    const report = reloaded.loadSync();
    expect(report.status).toBe('ok');
    // b's row is still in the file, but the manifest no longer lists it: it loads as a dead row.
    expect(reloaded.has('b')).toBe(false);
    expect(reloaded.docHash('b')).toBeUndefined();
    expect(reloaded.docHash('a')).toBe('ha2');
    expect(Array.from(reloaded.get('a') ?? [])).toEqual(Array.from(vector([1, 1, 0])));
    expect(Array.from(reloaded.get('c') ?? [])).toEqual(Array.from(vector([0, 0, 1])));
    const matches = await reloaded.search(vector([1, 1, 0]), { limit: 2 });
    expect(matches[0]?.id).toBe('a');
  });

  it('compacts once dead rows pass the threshold, keeping the survivors', async () => {
    const directory = tempDir();
    const index = new FlatVectorIndex({ directory, name: 'skills-test', compactRatio: 0.25 });
    const entries = Array.from({ length: 40 }, (_, row) => ({
      id: `s${row}`,
      vector: vector([row + 1, 1, 0]),
      docHash: `h${row}`,
    }));
    await index.upsert(entries);
    await index.remove(entries.slice(0, 20).map((entry) => entry.id));
    const files = flatFilePaths(directory, 'skills-test');
    expect(readFileSync(files.ids, 'utf8').trim().split('\n')).toHaveLength(20);
    expect(statSync(files.vectors).size).toBe(20 * 3 * 4);
    const reloaded = new FlatVectorIndex({ directory, name: 'skills-test' });
    expect(reloaded.loadSync()).toMatchObject({ status: 'ok', rows: 20 });
    expect(reloaded.docHash('s39')).toBe('h39');
  });

  it('refuses a vector of another length', async () => {
    const index = freshIndex();
    await index.upsert([{ id: 'a', vector: vector([1, 0, 0]), docHash: 'h' }]);
    await expect(index.upsert([{ id: 'b', vector: vector([1, 0]), docHash: 'h' }])).rejects.toMatchObject({
      code: 'DIMENSION_MISMATCH',
    });
  });
});

describe('flat vector index: damaged files are detected and repaired, never used silently', () => {
  async function written(): Promise<{ directory: string; files: ReturnType<typeof flatFilePaths> }> {
    const directory = tempDir();
    await freshIndex(directory).upsert([
      { id: 'a', vector: vector([1, 0, 0]), docHash: 'ha' },
      { id: 'b', vector: vector([0, 1, 0]), docHash: 'hb' },
      { id: 'c', vector: vector([0, 0, 1]), docHash: 'hc' },
    ]);
    return { directory, files: flatFilePaths(directory, 'skills-test') };
  }

  it('a truncated vectors file keeps the complete rows and drops the rest', async () => {
    const { directory, files } = await written();
    truncateSync(files.vectors, 2 * 12 + 5);
    const index = freshIndex(directory);
    const report = index.loadSync();
    expect(report.status).toBe('repaired');
    expect(report.droppedIds).toEqual(['c']);
    expect(index.ids()).toEqual(['a', 'b']);
    // The files were rewritten to match.
    expect(statSync(files.vectors).size).toBe(2 * 12);
    expect(freshIndex(directory).loadSync().status).toBe('ok');
  });

  it('uncommitted appends (ids beyond meta.count, e.g. a crash before the commit) are dropped', async () => {
    const { directory, files } = await written();
    appendFileSync(files.ids, 'd\n');
    appendFileSync(files.vectors, Buffer.from(vector([1, 1, 1]).buffer));
    const report = freshIndex(directory).loadSync();
    expect(report).toMatchObject({ status: 'repaired', rows: 3, droppedIds: ['d'] });
  });

  it('a vectors file longer than its ids (rows may be misaligned) resets the index', async () => {
    const { directory, files } = await written();
    writeFileSync(files.ids, 'a\nc\n');
    writeFileSync(files.meta, renderFlatMeta(3, 2));
    const index = freshIndex(directory);
    const report = index.loadSync();
    expect(report.status).toBe('reset');
    expect(report.problems.join(' ')).toMatch(/misaligned/);
    expect(index.size()).toBe(0);
  });

  it('fewer ids than meta.count resets the index', async () => {
    const { directory, files } = await written();
    writeFileSync(files.ids, 'a\n');
    expect(freshIndex(directory).loadSync().status).toBe('reset');
  });

  it('an unreadable meta file resets the index', async () => {
    const { directory, files } = await written();
    writeFileSync(files.meta, '{"dims": "many"');
    expect(freshIndex(directory).loadSync().status).toBe('reset');
  });

  it('corrupted rows (non-finite, or not unit length for a normalising embedder) are dropped', async () => {
    const { directory, files } = await written();
    const bytes = readFileSync(files.vectors);
    bytes.writeFloatLE(Number.NaN, 0);
    bytes.writeFloatLE(0.5, 12);
    writeFileSync(files.vectors, bytes);
    const index = freshIndex(directory);
    const report = index.loadSync();
    expect(report.status).toBe('repaired');
    expect(report.droppedIds.sort()).toEqual(['a', 'b']);
    expect(index.ids()).toEqual(['c']);
  });

  it('a corrupt manifest makes every vector stale', async () => {
    const { directory, files } = await written();
    writeFileSync(files.manifest, '{not json');
    const index = freshIndex(directory);
    expect(index.loadSync().status).toBe('repaired');
    expect(index.docHash('a')).toBeUndefined();
    expect(index.size()).toBe(3);
  });

  it('an empty vectors file drops every row', async () => {
    const { directory, files } = await written();
    truncateSync(files.vectors, 0);
    const report = freshIndex(directory).loadSync();
    expect(report).toMatchObject({ status: 'repaired', rows: 0 });
    expect(report.droppedIds).toEqual(['a', 'b', 'c']);
  });

  it('a missing file of the three resets the index', async () => {
    const { directory, files } = await written();
    rmSync(files.ids);
    const report = freshIndex(directory).loadSync();
    expect(report.status).toBe('reset');
    expect(existsSync(files.vectors)).toBe(false);
    expect(freshIndex(directory).loadSync().status).toBe('missing');
  });
});
