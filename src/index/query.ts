/**
 * @module Query analysis: the distinct terms BM25 scores, grouped into the meaningful units that
 * coverage is measured on (see `tokenizeUnits`), each unit weighted by how informative it is.
 */
import type { Bm25Index, QueryTerm } from './bm25.js';
import { tokenizeUnits } from './tokenize.js';

export interface QueryUnit {
  /** Indexes into `AnalyzedQuery.terms`. */
  terms: number[];
  /** Mean IDF of the unit's terms: a rare word counts more than a common one. */
  weight: number;
}

export interface AnalyzedQuery {
  text: string;
  terms: QueryTerm[];
  units: QueryUnit[];
  /** Sum of unit weights (the denominator of coverage). */
  totalWeight: number;
}

export function analyzeQuery(text: string, keywords: Bm25Index): AnalyzedQuery {
  const terms = keywords.analyze(text);
  const termIndex = new Map(terms.map((term, index) => [term.term, index]));
  const units: QueryUnit[] = [];
  const seen = new Set<string>();
  for (const tokens of tokenizeUnits(text)) {
    const key = tokens.join('\u0000');
    if (seen.has(key)) continue;
    seen.add(key);
    const indexes = tokens.map((token) => termIndex.get(token)).filter((index) => index !== undefined);
    if (indexes.length === 0) continue;
    const weight = indexes.reduce((sum, index) => sum + (terms[index] as QueryTerm).idf, 0) / indexes.length;
    units.push({ terms: indexes, weight });
  }
  return { text, terms, units, totalWeight: units.reduce((sum, unit) => sum + unit.weight, 0) };
}

/**
 * Share of the query's unit weight a document covers, given its term mask (`words` 32-bit words
 * starting at `offset`); a unit of several bigrams counts by the fraction of them present.
 */
export function unitCoverage(query: AnalyzedQuery, mask: Uint32Array, offset: number): number {
  if (query.totalWeight <= 0) return 0;
  let covered = 0;
  for (const unit of query.units) {
    let present = 0;
    for (const index of unit.terms) {
      if (((mask[offset + (index >> 5)] as number) & (1 << (index & 31))) !== 0) present += 1;
    }
    covered += (unit.weight * present) / unit.terms.length;
  }
  return covered / query.totalWeight;
}
