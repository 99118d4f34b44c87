/**
 * What rendering one turn's skill context costs (`renderSkillContext`, the default 1,500-token budget):
 * every skill of the corpus rendered alone, as the proxy renders its top-1 hit, first cold (nothing
 * remembered), then a working set of skills (`--working-set`, the skills a store's users keep hitting)
 * rendered again (`warm_ms`: counts and cuts are remembered per text).
 *
 *   npx tsx bench/render-context.ts [--corpus <dir>] [--limit 5188] [--budget 1500] [--working-set 300]
 *
 * Prints one JSON object: `cold_ms` / `warm_ms` (p50, p99, mean per render), how many renders cut the
 * skill's prompt (`truncated`), renders that threw (`failed`), and the tokenizer load time.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { renderSkillContext } from '../src/retrieve/render.js';
import { loadTokenCounter } from '../src/retrieve/tokens.js';
import type { Skill } from '../src/skill/schema.js';
import { parseSkillMd } from '../src/store/skill-codec.js';

const REPO = resolve(import.meta.dirname, '..');
const { values: args } = parseArgs({
  options: {
    corpus: { type: 'string', default: resolve(REPO, '..', 'shared', 'fixtures', 'skillbank') },
    limit: { type: 'string', default: '5188' },
    budget: { type: 'string', default: '1500' },
    'working-set': { type: 'string', default: '300' },
  },
});

function skillFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.') || name === 'vectors') continue;
    const path = join(dir, name);
    if (name === 'SKILL.md') out.push(path);
    else if (statSync(path).isDirectory()) skillFiles(path, out);
  }
  return out;
}

function summary(values: number[]) {
  const sorted = [...values].sort((left, right) => left - right);
  const at = (share: number) =>
    Number((sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)] ?? 0).toFixed(3));
  const mean = values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
  return { p50: at(0.5), p99: at(0.99), mean: Number(mean.toFixed(3)), n: values.length };
}

const skills: Skill[] = [];
for (const file of skillFiles(args.corpus as string).slice(0, Number(args.limit))) {
  try {
    skills.push(parseSkillMd(readFileSync(file, 'utf8'), { owner: 'library:bench', source: file }));
  } catch {
    // files the store refuses are not rendered either
  }
}
const maxTokens = Number(args.budget);
let started = performance.now();
await loadTokenCounter();
const tokenizerLoadMs = performance.now() - started;

async function pass(list: typeof skills): Promise<{ times: number[]; truncated: number; failed: number }> {
  const times: number[] = [];
  let truncated = 0;
  let failed = 0;
  for (const skill of list) {
    const query = skill.description;
    started = performance.now();
    try {
      const rendered = await renderSkillContext({ skills: [skill], maxTokens, query });
      if (rendered.skills[0]?.mode === 'truncated') truncated += 1;
    } catch {
      failed += 1;
    }
    times.push(performance.now() - started);
  }
  return { times, truncated, failed };
}

const cold = await pass(skills);
const workingSet = skills.filter(
  (_, index) => index % Math.ceil(skills.length / Number(args['working-set'])) === 0,
);
await pass(workingSet);
const warm = await pass(workingSet);
process.stdout.write(
  `${JSON.stringify(
    {
      benchmark: 'render-context',
      skills: skills.length,
      budget_tokens: maxTokens,
      load_average_1m: Number((loadavg()[0] ?? 0).toFixed(2)),
      tokenizer_load_ms: Math.round(tokenizerLoadMs),
      truncated: cold.truncated,
      failed: cold.failed,
      working_set: workingSet.length,
      cold_ms: summary(cold.times),
      warm_ms: summary(warm.times),
      rss_mb: Math.round(process.memoryUsage().rss / 1024 / 1024),
    },
    null,
    2,
  )}\n`,
);
