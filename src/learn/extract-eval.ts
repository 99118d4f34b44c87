/**
 * @module Scores extraction over a labelled JSONL file (the shape of
 * `../shared/fixtures/extraction-dev.jsonl`): precision, recall and accuracy of "a candidate was
 * produced" against `should_extract`, `constraints_covered` (share of all `expected_constraints` of
 * positive cases that the extracted skill's text carries), and leaks (planted or forbidden values that
 * reached a candidate). Modes: `offline` (rule-based extractor) and `scripted` (the real model path
 * driven by the over-extracting responder through the offline connector). The learning benchmark
 * calls {@link evaluateExtraction}.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { createOfflineLLMConnector } from '../llm/offline.js';
import type { LLMConnector } from '../llm/types.js';
import { parseJson } from '../shared/json.js';
import type { Candidate } from './candidate.js';
import { ConversationMessageSchema } from './conversation.js';
import { extractCandidate } from './extract.js';
import { overExtractingResponse, PLANTED } from './over-extracting-responder.js';
import { containsCredential } from './redact-secrets.js';
import { characterUnits, contentUnits, coverage } from './text-units.js';

export const ExtractionCaseSchema = z.looseObject({
  id: z.string(),
  lang: z.string().optional(),
  messages: z.array(ConversationMessageSchema),
  events: z.array(z.record(z.string(), z.unknown())).optional(),
  hint: z.string().optional(),
  forced: z.boolean().optional(),
  should_extract: z.boolean(),
  why: z.string().optional(),
  expected_constraints: z.array(z.string()).default([]),
  /** Strings that must never appear in a candidate (planted personal data, secrets). */
  forbidden: z.array(z.string()).optional(),
});
export type ExtractionCase = z.infer<typeof ExtractionCaseSchema>;

/** Reads a JSONL file of cases; blank lines are skipped, a bad line names its number. */
export function loadExtractionCases(path: string): ExtractionCase[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((line, index) => ({ line: line.trim(), number: index + 1 }))
    .filter(({ line }) => line.length > 0)
    .map(({ line, number }) => parseJson(line, ExtractionCaseSchema, { source: `${path}:${number}` }));
}

export type ExtractionMode = 'offline' | 'scripted';

/**
 * An expected constraint is carried by a skill text when at least 60 % of its content units (English
 * stems, Chinese bigrams) appear in it, or at least 75 % of its single content characters and words
 * (which tolerates Chinese paraphrase and word order: "不写讨论过程" / "讨论过程不要写").
 */
export const CONSTRAINT_COVERAGE_THRESHOLDS = { units: 0.6, characters: 0.75 } as const;

/** Whether the skill text carries an expected constraint (see the thresholds above). */
export function constraintCovered(expected: string, skillText: string): boolean {
  const units = contentUnits(expected);
  if (units.length === 0) return true;
  if (coverage(units, new Set(contentUnits(skillText))) >= CONSTRAINT_COVERAGE_THRESHOLDS.units) return true;
  return (
    coverage(characterUnits(expected), new Set(characterUnits(skillText))) >=
    CONSTRAINT_COVERAGE_THRESHOLDS.characters
  );
}

function skillText(candidate: Candidate): string {
  return [
    candidate.name,
    candidate.description,
    candidate.prompt,
    ...candidate.triggers,
    ...candidate.tags,
  ].join('\n');
}

export interface CaseResult {
  id: string;
  expected: boolean;
  extracted: boolean;
  covered: number;
  expectedConstraints: number;
  leaks: string[];
  reason: string;
  name?: string;
}

export interface ExtractionScore {
  mode: ExtractionMode;
  cases: number;
  precision: number;
  recall: number;
  accuracy: number;
  constraints_covered: number;
  true_positive: number;
  false_positive: number;
  true_negative: number;
  false_negative: number;
  /** Planted or forbidden values found in any candidate (must be 0). */
  leaks: number;
  mistakes: CaseResult[];
}

export interface EvaluateExtractionOptions {
  cases: readonly ExtractionCase[];
  mode: ExtractionMode;
  /** The model for `scripted` mode. @default the offline connector with the over-extracting responder */
  llm?: LLMConnector;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export async function evaluateCase(
  testCase: ExtractionCase,
  mode: ExtractionMode,
  llm?: LLMConnector,
): Promise<CaseResult> {
  const result = await extractCandidate({
    messages: testCase.messages,
    ...(testCase.events ? { events: testCase.events } : {}),
    ...(testCase.hint ? { hint: testCase.hint } : {}),
    forced: testCase.forced ?? false,
    ...(mode === 'scripted'
      ? { llm: llm ?? createOfflineLLMConnector({ respond: overExtractingResponse }), offline: false }
      : { offline: true }),
  });
  const candidate = result.candidate;
  const text = candidate ? skillText(candidate) : '';
  const serialised = candidate ? JSON.stringify(candidate) : '';
  const forbidden = [PLANTED.nameEnglish, PLANTED.nameChinese, PLANTED.apiKey, ...(testCase.forbidden ?? [])];
  const leaks = forbidden.filter((value) => serialised.includes(value));
  if (candidate && containsCredential(serialised)) leaks.push('<credential-shaped token>');
  const covered = candidate
    ? testCase.expected_constraints.filter((expected) => constraintCovered(expected, text)).length
    : 0;
  return {
    id: testCase.id,
    expected: testCase.should_extract,
    extracted: candidate !== undefined,
    covered,
    expectedConstraints: testCase.should_extract ? testCase.expected_constraints.length : 0,
    leaks,
    reason: result.reason,
    ...(candidate ? { name: candidate.name } : {}),
  };
}

/** Runs one mode over the cases and scores it (see the module comment). */
export async function evaluateExtraction(options: EvaluateExtractionOptions): Promise<ExtractionScore> {
  const results: CaseResult[] = [];
  for (const testCase of options.cases) results.push(await evaluateCase(testCase, options.mode, options.llm));
  const count = (predicate: (result: CaseResult) => boolean) => results.filter(predicate).length;
  const truePositive = count((result) => result.expected && result.extracted);
  const falsePositive = count((result) => !result.expected && result.extracted);
  const trueNegative = count((result) => !result.expected && !result.extracted);
  const falseNegative = count((result) => result.expected && !result.extracted);
  const expectedTotal = results.reduce((sum, result) => sum + result.expectedConstraints, 0);
  const coveredTotal = results.reduce((sum, result) => sum + (result.expected ? result.covered : 0), 0);
  return {
    mode: options.mode,
    cases: results.length,
    precision: round(truePositive + falsePositive === 0 ? 1 : truePositive / (truePositive + falsePositive)),
    recall: round(truePositive + falseNegative === 0 ? 1 : truePositive / (truePositive + falseNegative)),
    accuracy: round(results.length === 0 ? 1 : (truePositive + trueNegative) / results.length),
    constraints_covered: round(expectedTotal === 0 ? 1 : coveredTotal / expectedTotal),
    true_positive: truePositive,
    false_positive: falsePositive,
    true_negative: trueNegative,
    false_negative: falseNegative,
    leaks: results.reduce((sum, result) => sum + result.leaks.length, 0),
    mistakes: results.filter(
      (result) =>
        result.expected !== result.extracted ||
        result.leaks.length > 0 ||
        (result.expected && result.covered < result.expectedConstraints),
    ),
  };
}
