/**
 * @module The calibrated final score of a search hit: what `minScore` is compared with.
 *
 * Two kinds of evidence, each mapped to [0, 1] without looking at the other candidates of the same
 * search (so a score never depends on how many skills the store holds or on who else matched):
 *
 * - keyword evidence K: how much of the query the skill covers. Coverage counts the query's
 *   meaningful units (words; Chinese dictionary words as their bigrams), each weighted by its IDF, and
 *   is measured twice: anywhere in the skill, and in its summary (name, description, triggers, tags —
 *   what the skill says it is for). K = (1 − s)·coverage + s·summaryCoverage. A skill that covers the
 *   query only through incidental words deep in a long prompt gets less than one whose summary does.
 * - vector evidence V: how unusual the query–skill cosine is for this query. The null distribution is
 *   the query's cosine with a fixed sample of skills (almost all unrelated to any one query), so
 *   z = (cosine − mean) / sd is comparable across queries, languages and embedders;
 *   V = σ((z − z0) / width), i.e. 0.5 at z0 standard deviations above chance.
 *
 * Final score = K^(1 − α) · V^α (a weighted geometric mean): both kinds of evidence must agree, so a
 * skill that shares a few words by accident (high K, V at chance) or only the style of a text (V, no K)
 * stays low. A skill with no keyword evidence at all (found by an exhaustive vector search) counts K at a
 * small floor, so it ranks but a strong vector match alone stays under the default 0.4. Without vectors
 * (embeddings `none` or a failed embed) the score is K alone.
 *
 * The constants are set from these principles and checked on labelled queries (docs/retrieval.md);
 * they are not fitted to individual queries.
 */

export interface CalibrationParameters {
  /** Weight of summary coverage inside K. @default 0.5 */
  summaryShare: number;
  /** z at which V is 0.5. @default 3 */
  zCenter: number;
  /** Width of the logistic on z. @default 1 */
  zWidth: number;
  /** Weight of V in the geometric mean. @default 0.5 */
  vectorShare: number;
  /** K used for a skill with no keyword evidence at all (vector-only candidates). @default 0.05 */
  keywordFloor: number;
}

export const DEFAULT_CALIBRATION: Readonly<CalibrationParameters> = {
  summaryShare: 0.5,
  zCenter: 3,
  zWidth: 1,
  vectorShare: 0.5,
  keywordFloor: 0.05,
};

export interface EvidenceInput {
  /** IDF-weighted share of the query's units found anywhere in the skill, in [0, 1]. */
  coverage: number;
  /** Same, counting only name, description, triggers and tags. */
  summaryCoverage: number;
  /** Query–skill cosine, when vectors are available. */
  cosine?: number | undefined;
  /** Mean and standard deviation of the query's cosine with the null sample. */
  nullMean?: number | undefined;
  nullSd?: number | undefined;
}

export interface CalibratedScore {
  score: number;
  keyword: number;
  /** `null` when there was no vector evidence. */
  vector: number | null;
}

function logistic(value: number): number {
  return 1 / (1 + Math.exp(-value));
}

export function keywordEvidence(input: EvidenceInput, parameters: CalibrationParameters): number {
  const share = parameters.summaryShare;
  return Math.min(1, Math.max(0, (1 - share) * input.coverage + share * input.summaryCoverage));
}

export function vectorEvidence(input: EvidenceInput, parameters: CalibrationParameters): number | null {
  if (input.cosine === undefined || input.nullMean === undefined || input.nullSd === undefined) return null;
  const sd = Math.max(input.nullSd, 1e-6);
  const z = (input.cosine - input.nullMean) / sd;
  return logistic((z - parameters.zCenter) / parameters.zWidth);
}

export function calibrate(
  input: EvidenceInput,
  parameters: CalibrationParameters = DEFAULT_CALIBRATION,
): CalibratedScore {
  const keyword = keywordEvidence(input, parameters);
  const vector = vectorEvidence(input, parameters);
  if (vector === null) return { score: keyword, keyword, vector: null };
  const alpha = parameters.vectorShare;
  // A skill found by the vector alone (no query word in it) still ranks, but cannot pass a usual
  // threshold on that evidence alone: its keyword side counts as the floor.
  const supported = Math.max(keyword, parameters.keywordFloor);
  const score = vector > 0 ? supported ** (1 - alpha) * vector ** alpha : 0;
  return { score, keyword, vector };
}
