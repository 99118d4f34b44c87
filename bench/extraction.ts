/**
 * Extraction benchmark (issue 4, extraction half): precision, recall, accuracy and constraints_covered
 * of the candidate extractor over a labelled JSONL file, in `offline` mode (rule-based) and `scripted`
 * mode (the model path driven by a model that over-extracts on purpose), plus the extractor's own
 * policy, hold-out and robustness cases, a bare cue-word baseline for scale, and offline extraction
 * latency.
 *
 *   npm run bench:extraction -- [--extraction <file.jsonl>] [--modes offline,scripted] [--no-own-cases]
 *     [--rounds 20]
 *
 * Prints one JSON object.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { extractCandidate } from '../src/learn/extract.js';
import {
  type ExtractionCase,
  type ExtractionMode,
  type ExtractionScore,
  evaluateExtraction,
  loadExtractionCases,
} from '../src/learn/extract-eval.js';

const REPO = resolve(import.meta.dirname, '..');

const { values: args } = parseArgs({
  options: {
    extraction: {
      type: 'string',
      default: resolve(REPO, '..', 'shared', 'fixtures', 'extraction-dev.jsonl'),
    },
    modes: { type: 'string', default: 'offline,scripted' },
    'no-own-cases': { type: 'boolean', default: false },
    rounds: { type: 'string', default: '20' },
  },
});

const modes = (args.modes ?? '').split(',').map((mode) => mode.trim()) as ExtractionMode[];

function summary(score: ExtractionScore) {
  const { mistakes, ...rest } = score;
  return { ...rest, mistakes: mistakes.map((mistake) => mistake.id) };
}

async function scoreFile(file: string) {
  const cases = loadExtractionCases(file);
  const result: Record<string, unknown> = { file, cases: cases.length };
  for (const mode of modes) result[mode] = summary(await evaluateExtraction({ cases, mode }));
  return { cases, result };
}

/**
 * The "bare list of cue words" the issue mentions: extract when a user turn contains a durability cue,
 * unless it also says "this time only". Shown for scale only.
 */
function cueListBaseline(cases: readonly ExtractionCase[]) {
  const cues =
    /\b(?:always|never|from now on|going forward|every time|whenever|in future)\b|以后|每次|今后|总是|一律/i;
  const exclusions = /\bthis time only\b|\bonly this time\b|仅此一次|这次/i;
  let truePositive = 0;
  let falsePositive = 0;
  let falseNegative = 0;
  for (const testCase of cases) {
    const text = testCase.messages
      .filter((message) => message.role === 'user')
      .map((message) => (typeof message.content === 'string' ? message.content : ''))
      .join('\n');
    const predicted = cues.test(text) && !exclusions.test(text);
    if (predicted && testCase.should_extract) truePositive += 1;
    else if (predicted) falsePositive += 1;
    else if (testCase.should_extract) falseNegative += 1;
  }
  const round = (value: number) => Math.round(value * 1000) / 1000;
  return {
    precision: round(truePositive / Math.max(1, truePositive + falsePositive)),
    recall: round(truePositive / Math.max(1, truePositive + falseNegative)),
  };
}

async function offlineLatency(cases: readonly ExtractionCase[], rounds: number) {
  const timings: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    for (const testCase of cases) {
      const started = performance.now();
      await extractCandidate({ messages: testCase.messages, forced: testCase.forced ?? false });
      timings.push(performance.now() - started);
    }
  }
  timings.sort((left, right) => left - right);
  const at = (share: number) =>
    Math.round((timings[Math.floor(share * (timings.length - 1))] ?? 0) * 1000) / 1000;
  return { calls: timings.length, p50_ms: at(0.5), p99_ms: at(0.99) };
}

const main = await scoreFile(resolve(args.extraction ?? ''));
const output: Record<string, unknown> = {
  ...main.result,
  baseline_cue_list: cueListBaseline(main.cases),
  offline_latency: await offlineLatency(main.cases, Number(args.rounds)),
};
if (!args['no-own-cases']) {
  const own: Record<string, unknown> = {};
  // The policy and hold-out cases of the extractor's authors, then the independent robustness set
  // (written before any rule was tuned on it) and the fresh set written after the tuning.
  for (const name of [
    'extraction-policy',
    'extraction-holdout',
    'extraction-robustness',
    'extraction-robustness-fresh',
  ]) {
    const { cases, result } = await scoreFile(resolve(REPO, 'src', 'learn', '__fixtures__', `${name}.jsonl`));
    own[name] = { ...result, baseline_cue_list: cueListBaseline(cases) };
  }
  output['own_cases'] = own;
}
console.log(JSON.stringify(output, null, 2));
