/**
 * Enforces DESIGN.md §3: an inner layer never imports an outer one, and no production module imports
 * the test-support folder.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');

/** Lower rank = inner layer. Entry points share the outermost rank and must not import each other. */
const LAYER_RANK: Record<string, number> = {
  shared: 0,
  skill: 1,
  http: 2,
  llm: 2,
  embeddings: 2,
  testing: 2,
  // Product configuration: schemas of the providers' configs plus the product settings; read by the SDK,
  // the service and the entry points.
  config: 3,
  index: 3,
  store: 4,
  learn: 5,
  retrieve: 6,
  sdk: 7,
  'sdk.ts': 7,
  'index.ts': 7,
  service: 8,
  server: 9,
  // The `autoskill` binary composes the server (`serve`, `proxy`), so it sits outside the other entry points.
  cli: 10,
  mcp: 9,
};

function layerOf(file: string): string {
  const first = relative(SRC, file).split(sep)[0] ?? '';
  return first;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return walk(full);
    return full.endsWith('.ts') && !full.endsWith('.test.ts') ? [full] : [];
  });
}

const IMPORT_PATTERN =
  /(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

describe('layering', () => {
  const files = walk(SRC);

  it('knows every top-level folder of src/', () => {
    const unknown = [...new Set(files.map(layerOf))].filter((layer) => !(layer in LAYER_RANK));
    expect(unknown).toEqual([]);
  });

  it('never imports outward (DESIGN.md §3)', () => {
    const violations: string[] = [];
    for (const file of files) {
      const from = layerOf(file);
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(IMPORT_PATTERN)) {
        const spec = match[1] ?? match[2];
        if (!spec) continue;
        const target = resolve(dirname(file), spec);
        if (!target.startsWith(SRC)) continue;
        const to = layerOf(target.replace(/\.js$/, '.ts'));
        if (from === to) continue;
        const fromRank = LAYER_RANK[from] ?? -1;
        const toRank = LAYER_RANK[to] ?? -1;
        const crossesEntryPoints = fromRank === 9 && toRank === 9;
        const importsTestSupport = to === 'testing';
        if (toRank > fromRank || crossesEntryPoints || importsTestSupport) {
          violations.push(`${relative(SRC, file)} (${from}) imports ${spec} (${to})`);
        }
      }
    }
    expect(violations).toEqual([]);
  });
});
