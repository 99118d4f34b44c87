/**
 * @module The maintainer's decision for one candidate and one user: find the similar skills (the
 * user's own and the libraries), weigh the evidence for each (`maintain-evidence.ts`), and decide
 * `add`, `merge` (into one of the user's skills) or `discard`, with a reason.
 *
 * Decision, from the policy:
 * 1. A **user** skill of the same capability exists → `merge` into the best one when the candidate
 *    brings a durable rule it does not carry (new, or changing one of its rules), else `discard`
 *    (already covered).
 * 2. Else a **library** skill of the same capability carries everything the candidate says →
 *    `discard` (covered by the library). Libraries are never modified: a candidate that adds durable
 *    rules to a library capability becomes the user's own skill (`add`).
 * 3. Else → `add`.
 *
 * With a model (and not `offline`) two calls join in, **bounded by the evidence**:
 * - the **identity judge** is asked only about skills in the unsure band (at most the best user and the
 *   best library skill); its verdict counts at confidence ≥ 0.55. Skills the evidence puts clearly in
 *   "same" or "different" are not asked: a model saying "same capability: yes" about a clearly
 *   different skill can never cause a merge, and one denying a clear match can never cause a duplicate.
 * - the **decision** model chooses only among what the evidence leaves open: which same-capability user
 *   skill to merge into when there are several, and whether a candidate without a durable rule (a
 *   forced extraction of one task) that matches nothing is worth adding. An `add` against a
 *   same-capability skill is overridden (→ merge or discard), a `merge` into a different-capability or
 *   library skill is overridden (→ add or discard), and a `discard` of a candidate with durable rules
 *   nothing carries is overridden (→ add). Model errors fall back to the evidence.
 */
import type { LLMConnector } from '../llm/types.js';
import { isLibraryOwner } from '../skill/schema.js';
import type { StoredSkill } from '../store/types.js';
import type { Candidate } from './candidate.js';
import { readPromptSections } from './candidate-checks.js';
import { type ConversationMessage, toTurns } from './conversation.js';
import type { ExtractionLogger } from './extract.js';
import {
  type CandidateConstraint,
  type ConstraintComparison,
  candidateConstraints,
  compareConstraints,
  conversationTopics,
  IDENTITY_BANDS,
  type IdentityEvidence,
  identityEvidence,
  preparedSkill,
  topicAgreement,
  topicHeadNamed,
} from './maintain-evidence.js';
import {
  askDecision,
  askIdentityJudge,
  JUDGE_MIN_CONFIDENCE,
  type JudgeReply,
  type MaintenanceAction,
} from './maintain-model.js';
import { splitSentences } from './segment.js';
import { clip } from './text-units.js';

/** One search hit with the stored skill attached (the shape of `SkillSearch.search` in `src/store/`). */
export interface SimilarSkillHit {
  skill: StoredSkill;
  /** Calibrated score in [0, 1]. */
  score: number;
}

/** What the maintainer needs of the store-side search: hybrid search in a user's scope plus libraries. */
export interface SimilarSkillSearch {
  search(
    query: string,
    options: {
      userId: string;
      scope?: 'user' | 'library' | 'all';
      limit?: number;
      minScore?: number;
      abortSignal?: AbortSignal;
    },
  ): Promise<readonly SimilarSkillHit[]>;
  /**
   * How many skills the index holds (every owner): the size of the sample its vector calibration
   * draws on. Without it ingest counts the skills the user sees, a lower bound.
   */
  indexedSkills?(): number | Promise<number>;
}

export interface DecideMaintenanceOptions {
  candidate: Candidate;
  userId: string;
  search: SimilarSkillSearch;
  /** The conversation the candidate came from: a second retrieval query and the topics it names. */
  messages?: readonly ConversationMessage[];
  hint?: string | undefined;
  /** Hits of {@link conversationQuery} the caller already has (ingest runs it for the extraction reference). */
  conversationHits?: readonly SimilarSkillHit[];
  /** The model for the decision and the identity judge; without it (or with `offline`) only evidence decides. */
  llm?: LLMConnector | undefined;
  /** @default true when `llm` is undefined */
  offline?: boolean | undefined;
  /**
   * The user sees too few skills for the retrieval score to be calibrated (`SMALL_STORE_SKILLS`): the
   * score's vector side compares each match with a sample of the store's skills, and a handful of skills
   * is no sample — even a perfect match then scores about 0.3. Topic agreement then stands in for it.
   * @default false
   */
  smallStore?: boolean | undefined;
  /** Hits taken from each query. @default 5 */
  limit?: number;
  abortSignal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  logger?: ExtractionLogger | undefined;
}

export interface ConsideredSkill {
  id: string;
  name: string;
  owner: string;
  scope: 'user' | 'library';
  identity: IdentityEvidence;
  /** Final call on the capability, and what made it. */
  verdict: 'same' | 'different';
  verdictBy: 'evidence' | 'judge' | 'midpoint';
  judge?: JudgeReply | { error: string };
  /** Durable candidate rules this skill does not carry (new or changing one of its rules). */
  newRules: number;
}

export interface MaintenanceDecision {
  action: MaintenanceAction;
  /** `merge`: the user skill to update; `discard`: the skill that already covers the candidate, if any. */
  target?: StoredSkill;
  reason: string;
  /** The candidate's constraints compared with the target (empty without one). */
  comparisons: ConstraintComparison[];
  constraints: CandidateConstraint[];
  considered: ConsideredSkill[];
  decidedBy: 'evidence' | 'model';
  modelCalls: number;
  notes: string[];
}

/** Fewer visible skills than this: the store is small (see `smallStore`). */
export const SMALL_STORE_SKILLS = 64;
/**
 * In a small store the retrieval evidence is at least this share of the topic agreement: a rule naming
 * the skill's whole deliverable counts as 0.5, "substantial" on the calibrated scale.
 */
const SMALL_STORE_TOPIC_SCALE = 0.5;
const USER_TURNS_IN_QUERY = 6;
const USER_TURN_CHARS = 600;
const MAX_CONSIDERED = 8;

/** The candidate's identity as a search query: name, description, goal and triggers (not its rules). */
export function candidateQuery(candidate: Candidate): string {
  const goal =
    readPromptSections(candidate.prompt)
      .filter((section) => section.kind === 'goal')
      .flatMap((section) => section.units)
      .join(' ') ?? '';
  return [candidate.name.replace(/[-_]+/g, ' '), candidate.description, goal, ...candidate.triggers]
    .filter((part) => part.trim().length > 0)
    .join('\n');
}

/** The conversation as the turn's retrieval would query it: the hint and the latest user turns. */
export function conversationQuery(messages: readonly ConversationMessage[], hint?: string): string {
  const users = toTurns(messages)
    .filter((turn) => turn.role === 'user')
    .slice(-USER_TURNS_IN_QUERY)
    .map((turn) => clip(turn.text, USER_TURN_CHARS));
  return [hint ?? '', ...users].filter((part) => part.trim().length > 0).join('\n');
}

function userRequests(messages: readonly ConversationMessage[]): string[] {
  return toTurns(messages)
    .filter((turn) => turn.role === 'user')
    .reverse()
    .map((turn) => splitSentences(turn.text)[0]?.text ?? turn.text);
}

function isUserSkill(skill: StoredSkill, userId: string): boolean {
  return skill.owner === userId && !skill.readOnly && !isLibraryOwner(skill.owner);
}

interface Evaluated {
  hit: StoredSkill;
  scope: 'user' | 'library';
  identity: IdentityEvidence;
  comparisons: ConstraintComparison[];
  newRules: number;
  verdict: 'same' | 'different' | 'unsure';
  verdictBy: ConsideredSkill['verdictBy'];
  judge?: JudgeReply | { error: string };
}

function skillPayload(skill: StoredSkill, promptChars: number): Record<string, unknown> {
  return {
    name: skill.name,
    description: skill.description,
    prompt: clip(skill.instructions, promptChars),
    triggers: skill.triggers.slice(0, 8),
  };
}

function candidatePayload(candidate: Candidate): Record<string, unknown> {
  return {
    name: candidate.name,
    description: candidate.description,
    prompt: candidate.prompt,
    triggers: candidate.triggers,
    tags: candidate.tags,
  };
}

function describe(skill: StoredSkill): string {
  return `"${skill.name}"`;
}

/** Decides what happens to one candidate (see the module comment). */
export async function decideMaintenance(options: DecideMaintenanceOptions): Promise<MaintenanceDecision> {
  const { candidate, userId, search } = options;
  const limit = options.limit ?? 5;
  const notes: string[] = [];
  let modelCalls = 0;
  const useModel = options.llm !== undefined && !(options.offline ?? options.llm === undefined);
  const signal = options.abortSignal ? { abortSignal: options.abortSignal } : {};

  // 1. Similar skills: for the candidate's identity and for the conversation.
  const scores = new Map<string, { skill: StoredSkill; score: number }>();
  const take = (hits: readonly SimilarSkillHit[]) => {
    for (const hit of hits) {
      if (!isUserSkill(hit.skill, userId) && !isLibraryOwner(hit.skill.owner) && !hit.skill.readOnly)
        continue;
      const known = scores.get(hit.skill.id);
      if (!known || hit.score > known.score) scores.set(hit.skill.id, { skill: hit.skill, score: hit.score });
    }
  };
  take(await search.search(candidateQuery(candidate), { userId, scope: 'all', limit, ...signal }));
  if (options.conversationHits) take(options.conversationHits);
  else if (options.messages && options.messages.length > 0) {
    const query = conversationQuery(options.messages, options.hint);
    if (query.length > 0) take(await search.search(query, { userId, scope: 'all', limit, ...signal }));
  }

  // 2. Evidence per skill.
  const constraints = candidateConstraints(candidate);
  const durable = constraints.filter((constraint) => constraint.durable);
  const topics = conversationTopics({
    ruleQuotes: candidate.evidence
      .filter((evidence) => evidence.durability !== 'task' && evidence.source !== 'event')
      .map((evidence) => evidence.quote),
    requests: options.messages ? userRequests(options.messages) : [],
    hint: options.hint,
    language: candidate.language,
  });
  const evaluated: Evaluated[] = [...scores.values()]
    .sort((left, right) => right.score - left.score)
    .slice(0, MAX_CONSIDERED)
    .map(({ skill, score }) => {
      const prepared = preparedSkill(skill);
      const comparisons = compareConstraints(constraints, prepared);
      const topic = topicAgreement(topics, prepared);
      const identity = identityEvidence({
        retrieval: options.smallStore ? Math.max(score, SMALL_STORE_TOPIC_SCALE * (topic ?? 0)) : score,
        topic,
        comparisons,
      });
      const newRules = comparisons.filter(
        (comparison) => comparison.constraint.durable && comparison.relation !== 'duplicate',
      ).length;
      // One task (no lasting rule) whose requested deliverable the skill does not say it makes is not a
      // use of that skill: a different deliverable, whatever a judge would say about the topic.
      const otherDeliverable =
        durable.length === 0 && identity.band === 'unsure' && (topicHeadNamed(topics, prepared) ?? 1) < 1;
      return {
        hit: skill,
        scope: isUserSkill(skill, userId) ? 'user' : 'library',
        identity,
        comparisons,
        newRules,
        verdict: otherDeliverable ? 'different' : identity.band,
        verdictBy: 'evidence',
      } satisfies Evaluated;
    })
    .sort((left, right) => right.identity.score - left.identity.score);

  // 3. Unsure skills: the identity judge (model) or the midpoint (offline).
  const unsure = evaluated.filter((entry) => entry.verdict === 'unsure');
  const judged = useModel
    ? [unsure.find((entry) => entry.scope === 'user'), unsure.find((entry) => entry.scope === 'library')]
    : [];
  for (const entry of judged) {
    if (!entry || !options.llm) continue;
    const reply = await askIdentityJudge({
      llm: options.llm,
      ...signal,
      timeoutMs: options.timeoutMs,
      payload: {
        task: 'identity_judge',
        existing_skill: skillPayload(entry.hit, 3000),
        candidate_skill: candidatePayload(candidate),
        evidence: { retrieval: entry.identity.retrieval, topic: entry.identity.topic },
      },
    });
    modelCalls += reply.calls;
    if (!reply.ok) {
      entry.judge = { error: reply.reason };
      notes.push(`identity judge failed for ${describe(entry.hit)}: ${reply.reason}`);
      continue;
    }
    entry.judge = reply.value;
    if (reply.value.confidence >= JUDGE_MIN_CONFIDENCE) {
      entry.verdict = reply.value.same ? 'same' : 'different';
      entry.verdictBy = 'judge';
    }
  }
  for (const entry of evaluated) {
    if (entry.verdict !== 'unsure') continue;
    entry.verdict = entry.identity.score >= IDENTITY_BANDS.midpoint ? 'same' : 'different';
    entry.verdictBy = 'midpoint';
  }

  const considered: ConsideredSkill[] = evaluated.map((entry) => ({
    id: entry.hit.id,
    name: entry.hit.name,
    owner: entry.hit.owner,
    scope: entry.scope,
    identity: entry.identity,
    verdict: entry.verdict === 'same' ? 'same' : 'different',
    verdictBy: entry.verdictBy,
    ...(entry.judge ? { judge: entry.judge } : {}),
    newRules: entry.newRules,
  }));

  // 4. The evidence's decision.
  const sameUser = evaluated.filter((entry) => entry.scope === 'user' && entry.verdict === 'same');
  const sameLibrary = evaluated.filter((entry) => entry.scope === 'library' && entry.verdict === 'same');
  const coveringLibrary = sameLibrary.find((entry) => entry.newRules === 0);
  let decision: { action: MaintenanceAction; entry?: Evaluated; reason: string };
  if (sameUser[0]) {
    const entry = sameUser[0];
    decision =
      entry.newRules > 0
        ? {
            action: 'merge',
            entry,
            reason: `same capability as your skill ${describe(entry.hit)}; ${entry.newRules} new or changed rule(s)`,
          }
        : {
            action: 'discard',
            entry,
            reason: `your skill ${describe(entry.hit)} already covers it; nothing new`,
          };
  } else if (coveringLibrary) {
    decision = {
      action: 'discard',
      entry: coveringLibrary,
      reason: `covered by the library skill ${describe(coveringLibrary.hit)}; nothing new`,
    };
  } else {
    const library = sameLibrary[0];
    decision = {
      action: 'add',
      reason: library
        ? `a library skill ${describe(library.hit)} has the same capability but cannot change; ${library.newRules} rule(s) of yours are new`
        : evaluated.length === 0
          ? 'no similar skill'
          : 'no existing skill has the same capability',
    };
  }

  // 5. The decision model, within what the evidence leaves open.
  let decidedBy: MaintenanceDecision['decidedBy'] = 'evidence';
  if (useModel && options.llm) {
    const reply = await askDecision({
      llm: options.llm,
      ...signal,
      timeoutMs: options.timeoutMs,
      payload: {
        task: 'maintenance_decision',
        candidate: {
          ...candidatePayload(candidate),
          new_rules: durable.map((constraint) => constraint.rule),
        },
        similar: evaluated.map((entry) => ({
          id: entry.hit.id,
          scope: entry.scope,
          ...skillPayload(entry.hit, 1500),
          evidence: {
            identity: entry.identity.score,
            band: entry.verdict,
            rules_not_in_skill: entry.newRules,
          },
        })),
      },
    });
    modelCalls += reply.calls;
    if (!reply.ok) notes.push(`decision model failed: ${reply.reason}; the evidence decides`);
    else {
      const { action, targetSkillId, reason } = reply.value;
      const modelReason = reason ? ` (model: ${clip(reason, 200)})` : '';
      if (decision.action === 'merge' && action === 'merge' && targetSkillId !== decision.entry?.hit.id) {
        const chosen = sameUser.find((entry) => entry.hit.id === targetSkillId && entry.newRules > 0);
        if (chosen) {
          decision = {
            action: 'merge',
            entry: chosen,
            reason: `same capability as your skill ${describe(chosen.hit)}; ${chosen.newRules} new or changed rule(s)${modelReason}`,
          };
          decidedBy = 'model';
        } else
          notes.push(
            `model merge target ${targetSkillId ?? 'null'} overridden: not a same-capability skill of the user with new rules`,
          );
      } else if (decision.action === 'add' && action === 'discard' && durable.length === 0) {
        decision = { action: 'discard', reason: `the model judged it not worth keeping${modelReason}` };
        decidedBy = 'model';
      } else if (action !== decision.action) {
        notes.push(`model answered ${action}; overridden by the evidence (${decision.reason})`);
      } else if (reason) {
        decision = { ...decision, reason: `${decision.reason}${modelReason}` };
      }
    }
  }

  const target = decision.entry?.hit;
  const result: MaintenanceDecision = {
    action: decision.action,
    ...(target ? { target } : {}),
    reason: decision.reason,
    comparisons: decision.entry?.comparisons ?? [],
    constraints,
    considered,
    decidedBy,
    modelCalls,
    notes,
  };
  options.logger?.info?.(
    {
      action: result.action,
      target: target?.id,
      decidedBy,
      considered: considered.map((entry) => ({
        id: entry.id,
        identity: entry.identity.score,
        verdict: entry.verdict,
      })),
    },
    `maintenance: ${result.action} — ${result.reason}`,
  );
  return result;
}
