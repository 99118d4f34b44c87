/**
 * @module Scores maintenance over labelled cases shaped like `../shared/fixtures/maintenance-dev.jsonl`:
 * an existing skill (inline, or a corpus file at `existing_path`; `existing_owner: "library"` makes it
 * a read-only library skill) and a new conversation labelled `merge`, `add` or `discard`.
 *
 * For each case the existing skill is stored as the case user's own skill (or as a library), a
 * **forced** extraction runs on `new_messages` through the real `ingest` pipeline, and the outcome is
 * scored: the existing skill updated → `merge`, a new skill created → `add`, nothing changed →
 * `discard`. Every case has its own user in one shared world (a memory store whose libraries are a
 * background corpus, and one search index kept in step with it), so the calibrated scores mean what
 * they mean in a real store. `leaks` counts planted or forbidden values (and credential shapes) found
 * in any skill the case user ends with.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { createHashingV2Embeddings } from '../embeddings/hashing-v2.js';
import type { EmbeddingConnector } from '../embeddings/types.js';
import { SkillSearchIndex } from '../index/search.js';
import { MemoryVectorIndex } from '../index/vector/memory.js';
import { createOfflineLLMConnector } from '../llm/offline.js';
import type { LLMConnector } from '../llm/types.js';
import { AutoSkillError } from '../shared/errors.js';
import { parseJson } from '../shared/json.js';
import { isLibraryOwner, libraryOwner, type Skill, SkillSchema } from '../skill/schema.js';
import { MemorySkillStore } from '../store/memory-skill-store.js';
import type { StoreChange, StoredSkill } from '../store/types.js';
import { ConversationMessageSchema } from './conversation.js';
import { type IngestResult, ingest } from './ingest.js';
import type { SimilarSkillHit, SimilarSkillSearch } from './maintain.js';
import { carriesCredential } from './maintain-evidence.js';
import { createUserLock } from './maintain-lock.js';
import { scriptedLearningResponse } from './maintain-scripted-responder.js';
import { PLANTED } from './over-extracting-responder.js';
import { containsCredential } from './redact-secrets.js';

export const MAINTENANCE_LABELS = ['merge', 'add', 'discard'] as const;
export type MaintenanceLabel = (typeof MAINTENANCE_LABELS)[number];

export const MaintenanceCaseSchema = z.looseObject({
  id: z.string(),
  lang: z.string().optional(),
  clause: z.string().optional(),
  existing: z
    .looseObject({
      name: z.string().min(1),
      description: z.string().default(''),
      prompt: z.string(),
      triggers: z.array(z.string()).default([]),
      tags: z.array(z.string()).default([]),
    })
    .optional(),
  existing_path: z.string().optional(),
  existing_owner: z.enum(['user', 'library']).default('user'),
  new_messages: z.array(ConversationMessageSchema),
  expected: z.enum(MAINTENANCE_LABELS),
  why: z.string().optional(),
  /** Strings that must never appear in a stored skill. */
  forbidden: z.array(z.string()).optional(),
});
export type MaintenanceCase = z.infer<typeof MaintenanceCaseSchema>;

/** Reads a JSONL file of cases; blank lines are skipped, a bad line names its number. */
export function loadMaintenanceCases(path: string): MaintenanceCase[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((line, index) => ({ line: line.trim(), number: index + 1 }))
    .filter(({ line }) => line.length > 0)
    .map(({ line, number }) => parseJson(line, MaintenanceCaseSchema, { source: `${path}:${number}` }));
}

/** A store, its search index kept in step, and a search that hides other cases' library skills. */
export interface MaintenanceWorld {
  store: MemorySkillStore;
  index: SkillSearchIndex;
  /** Search for one case: library skills of other cases are invisible. */
  searchFor(caseLibrary: string | undefined): SimilarSkillSearch;
  close(): void;
}

export interface CreateMaintenanceWorldOptions {
  /**
   * Background skills (e.g. the SkillBank corpus), indexed under another user's name: invisible to the
   * case users (the labels assume only the existing skill is relevant) but part of the index's keyword
   * statistics and vector null sample, as in a real store.
   */
  background?: readonly Skill[];
  /** @default the offline `hashing` / `ngram-v2` embedder */
  embeddings?: EmbeddingConnector;
}

const CASE_LIBRARY_PREFIX = 'library:case-';
/** Owner of the background skills: a user no case is. */
export const BACKGROUND_OWNER = 'maintenance-background';

export async function createMaintenanceWorld(
  options: CreateMaintenanceWorldOptions & { caseLibraries?: readonly Skill[] },
): Promise<MaintenanceWorld> {
  const libraries = [...(options.caseLibraries ?? [])];
  const store = new MemorySkillStore({ libraries });
  const index = new SkillSearchIndex({
    embeddings: options.embeddings ?? createHashingV2Embeddings(),
    vectors: new MemoryVectorIndex(),
  });
  const background = (options.background ?? []).map((skill) => ({ ...skill, owner: BACKGROUND_OWNER }));
  index.upsertKeywordsOnly([...background, ...libraries]);
  await index.syncVectors();
  let applying: Promise<unknown> = Promise.resolve();
  const unsubscribe = store.subscribe((change: StoreChange) => {
    applying = applying.then(async () => {
      const skill = change.type === 'delete' ? null : await store.get(change.id);
      if (skill) await index.upsert([skill]);
      else await index.remove([change.id]);
    });
  });
  return {
    store,
    index,
    searchFor(caseLibrary) {
      return {
        indexedSkills: () => index.size,
        async search(query, searchOptions): Promise<SimilarSkillHit[]> {
          await applying;
          const limit = searchOptions.limit ?? 5;
          const hits = await index.search(query, { ...searchOptions, limit: limit + 4 });
          const results: SimilarSkillHit[] = [];
          for (const hit of hits) {
            if (hit.owner.startsWith(CASE_LIBRARY_PREFIX) && hit.owner !== caseLibrary) continue;
            const skill = await store.get(hit.id);
            if (skill) results.push({ skill, score: hit.score });
            if (results.length >= limit) break;
          }
          return results;
        },
      };
    },
    close: unsubscribe,
  };
}

export type MaintenanceMode = 'offline' | 'scripted';

export interface MaintenanceCaseResult {
  id: string;
  expected: MaintenanceLabel;
  got: MaintenanceLabel;
  outcome: IngestResult['outcome'];
  reason: string;
  candidate?: string;
  leaks: string[];
  /** The existing skill changed although the outcome was not a merge into it. */
  existingChanged: boolean;
  considered?: Array<{ name: string; identity: number; verdict: string; by: string }>;
}

export interface MaintenanceScore {
  mode: MaintenanceMode;
  cases: number;
  accuracy: number;
  /** confusion[expected][got] */
  confusion: Record<MaintenanceLabel, Record<MaintenanceLabel, number>>;
  leaks: number;
  mistakes: MaintenanceCaseResult[];
  results: MaintenanceCaseResult[];
}

export interface EvaluateMaintenanceOptions {
  cases: readonly MaintenanceCase[];
  mode: MaintenanceMode;
  /** Reads `existing_path` cases (a SKILL.md path relative to the corpus). */
  resolveExistingPath?: (path: string) => Skill;
  /** Background skills for the shared world (see {@link CreateMaintenanceWorldOptions}). @default none */
  background?: readonly Skill[];
  /** A world to reuse (its background stays); built from `background` when absent. */
  world?: MaintenanceWorld;
  /** The model for `scripted` mode. @default the offline connector with the scripted learning responder */
  llm?: LLMConnector;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function caseSkill(
  testCase: MaintenanceCase,
  resolve: EvaluateMaintenanceOptions['resolveExistingPath'],
): Skill {
  if (testCase.existing) {
    return SkillSchema.parse({
      id: `existing-${testCase.id}`,
      owner: 'placeholder',
      name: testCase.existing.name,
      description: testCase.existing.description,
      instructions: testCase.existing.prompt,
      triggers: testCase.existing.triggers,
      tags: testCase.existing.tags,
    });
  }
  if (testCase.existing_path && resolve) return resolve(testCase.existing_path);
  throw new AutoSkillError(
    'INVALID_INPUT',
    `case ${testCase.id}: no existing skill (inline or existing_path with a resolver)`,
    { details: { caseId: testCase.id } },
  );
}

interface PreparedCase {
  testCase: MaintenanceCase;
  skill: Skill;
  library: string | undefined;
  userId: string;
}

function prepareCases(
  cases: readonly MaintenanceCase[],
  resolve: EvaluateMaintenanceOptions['resolveExistingPath'],
): PreparedCase[] {
  return cases.map((testCase, position) => ({
    testCase,
    skill: caseSkill(testCase, resolve),
    library:
      testCase.existing_owner === 'library'
        ? libraryOwner(`case-${testCase.id.replace(/[^A-Za-z0-9-]+/g, '-')}`)
        : undefined,
    userId: `maintenance-case-${position}`,
  }));
}

function caseLibrariesOf(prepared: readonly PreparedCase[]): Skill[] {
  return prepared
    .filter((entry) => entry.library)
    .map((entry) => ({ ...entry.skill, id: `library-${entry.skill.id}`, owner: entry.library as string }));
}

/** The library skills of `existing_owner: "library"` cases, for a world shared by several evaluations. */
export function maintenanceCaseLibraries(
  cases: readonly MaintenanceCase[],
  resolve?: EvaluateMaintenanceOptions['resolveExistingPath'],
): Skill[] {
  return caseLibrariesOf(prepareCases(cases, resolve));
}

function label(result: IngestResult, existingId: string): MaintenanceLabel {
  if (result.outcome === 'merged') return result.skill?.id === existingId ? 'merge' : 'add';
  if (result.outcome === 'created') return 'add';
  return 'discard';
}

function leaksIn(skills: readonly StoredSkill[], forbidden: readonly string[]): string[] {
  const leaks: string[] = [];
  for (const skill of skills) {
    const text = [skill.name, skill.description, skill.instructions, ...skill.triggers, ...skill.tags].join(
      '\n',
    );
    for (const value of [PLANTED.nameEnglish, PLANTED.nameChinese, PLANTED.apiKey, ...forbidden]) {
      if (text.includes(value)) leaks.push(value);
    }
    if (containsCredential(text)) leaks.push('<credential-shaped token>');
    for (const line of skill.instructions.split('\n'))
      if (carriesCredential(line)) leaks.push('<credential with value>');
  }
  return leaks;
}

/** Runs one mode over the cases (see the module comment). */
export async function evaluateMaintenance(options: EvaluateMaintenanceOptions): Promise<MaintenanceScore> {
  const llm =
    options.mode === 'scripted'
      ? (options.llm ?? createOfflineLLMConnector({ respond: scriptedLearningResponse }))
      : undefined;
  const prepared = prepareCases(options.cases, options.resolveExistingPath);
  const caseLibraries = caseLibrariesOf(prepared);
  const world =
    options.world ??
    (await createMaintenanceWorld({
      ...(options.background ? { background: options.background } : {}),
      caseLibraries,
    }));
  const results: MaintenanceCaseResult[] = [];
  try {
    for (const entry of prepared) {
      const { testCase, userId } = entry;
      let existing: StoredSkill | null;
      if (entry.library) {
        existing = await world.store.get(`library-${entry.skill.id}`);
        if (!existing || !isLibraryOwner(existing.owner)) {
          throw new AutoSkillError(
            'INVALID_INPUT',
            `case ${testCase.id}: library skills must be given to the world (caseLibraries)`,
            { details: { caseId: testCase.id } },
          );
        }
      } else {
        const { id: _id, owner: _owner, resources: _resources, ...fields } = entry.skill;
        existing = await world.store.create(
          { ...fields, owner: userId },
          { actor: 'bench', reason: 'existing' },
        );
      }
      const before = JSON.stringify(await world.store.get(existing.id));
      const result = await ingest({
        store: world.store,
        search: world.searchFor(entry.library),
        userId,
        messages: testCase.new_messages,
        forced: true,
        ...(llm ? { llm, offline: false } : { offline: true }),
        lock: createUserLock(),
        actor: 'bench',
      });
      const got = label(result, existing.id);
      const after = JSON.stringify(await world.store.get(existing.id));
      const owned = await world.store.list({ userId, scope: 'user', limit: 1000 });
      const leaks = leaksIn(owned.items, testCase.forbidden ?? []);
      results.push({
        id: testCase.id,
        expected: testCase.expected,
        got,
        outcome: result.outcome,
        reason: result.reason,
        ...(result.candidate ? { candidate: result.candidate.name } : {}),
        leaks,
        existingChanged: got !== 'merge' && before !== after,
        ...(result.decision
          ? {
              considered: result.decision.considered.slice(0, 3).map((skill) => ({
                name: skill.name,
                identity: skill.identity.score,
                verdict: skill.verdict,
                by: skill.verdictBy,
              })),
            }
          : {}),
      });
      for (const skill of owned.items)
        await world.store.delete(skill.id, { actor: 'bench', reason: 'cleanup' });
    }
  } finally {
    if (!options.world) world.close();
  }
  const confusion = Object.fromEntries(
    MAINTENANCE_LABELS.map((expected) => [
      expected,
      Object.fromEntries(
        MAINTENANCE_LABELS.map((got) => [
          got,
          results.filter((result) => result.expected === expected && result.got === got).length,
        ]),
      ),
    ]),
  ) as MaintenanceScore['confusion'];
  const correct = results.filter(
    (result) => result.expected === result.got && !result.existingChanged,
  ).length;
  return {
    mode: options.mode,
    cases: results.length,
    accuracy: round(results.length === 0 ? 1 : correct / results.length),
    confusion,
    leaks: results.reduce((sum, result) => sum + result.leaks.length, 0),
    mistakes: results.filter(
      (result) => result.expected !== result.got || result.leaks.length > 0 || result.existingChanged,
    ),
    results,
  };
}
