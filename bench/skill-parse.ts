/**
 * Measures SKILL.md decoding and parsing over a corpus (default: ../shared/fixtures/skillbank) and prints
 * one JSON object. Run: `npx tsx bench/skill-parse.ts [--corpus <dir>] [--rounds <n>]`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAutoSkillError } from '../src/shared/errors.js';
import { decodeSkillFile, parseSkillMd, renderSkillMd } from '../src/skill/skill-md.js';

function argument(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : (process.argv[index + 1] ?? fallback);
}

const here = dirname(fileURLToPath(import.meta.url));
const corpus = resolve(argument('corpus', join(here, '..', '..', 'shared', 'fixtures', 'skillbank')));
const rounds = Number(argument('rounds', '5'));

function walk(dir: string, out: string[]): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else if (entry.name === 'SKILL.md') out.push(full);
  }
  return out;
}

const files = walk(corpus, []);
const readStart = performance.now();
const raw = files.map((file) => readFileSync(file));
const readMs = performance.now() - readStart;

function parseAll(): { loaded: number; failed: number; texts: string[]; ms: number } {
  const start = performance.now();
  const texts: string[] = [];
  let failed = 0;
  raw.forEach((bytes, index) => {
    const source = relative(corpus, files[index] ?? '');
    try {
      const text = decodeSkillFile(bytes, { source });
      parseSkillMd(text, { owner: 'bench', source, fallbackName: 'skill' });
      texts.push(text);
    } catch (error) {
      if (!isAutoSkillError(error)) throw error;
      failed += 1;
    }
  });
  return { loaded: texts.length, failed, texts, ms: performance.now() - start };
}

const first = parseAll();
const timings: number[] = [];
for (let round = 0; round < rounds; round += 1) timings.push(parseAll().ms);
timings.sort((a, b) => a - b);
const median = timings[Math.floor(timings.length / 2)] ?? first.ms;

const skills = first.texts.map((text) => parseSkillMd(text, { owner: 'bench' }));
const renderStart = performance.now();
for (const skill of skills) renderSkillMd(skill);
const renderMs = performance.now() - renderStart;

const round2 = (value: number): number => Math.round(value * 100) / 100;
process.stdout.write(
  `${JSON.stringify({
    corpus,
    files: files.length,
    loaded: first.loaded,
    failed: first.failed,
    total_bytes: raw.reduce((sum, bytes) => sum + bytes.byteLength, 0),
    read_ms: round2(readMs),
    first_decode_parse_ms: round2(first.ms),
    decode_parse_ms_median: round2(median),
    parse_us_per_file: round2((median * 1000) / files.length),
    render_ms: round2(renderMs),
    render_us_per_skill: round2((renderMs * 1000) / skills.length),
    rss_mb: Math.round(process.memoryUsage().rss / 1048576),
  })}\n`,
);
