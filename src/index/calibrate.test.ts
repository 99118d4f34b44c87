import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { calibrate, DEFAULT_CALIBRATION } from './calibrate.js';

describe('calibrate', () => {
  it('is K alone without vector evidence', () => {
    expect(calibrate({ coverage: 0.6, summaryCoverage: 0.2 })).toEqual({
      score: 0.4,
      keyword: 0.4,
      vector: null,
    });
  });

  it('needs both kinds of evidence: either one alone stays low', () => {
    const chanceVector = { cosine: 0.05, nullMean: 0.05, nullSd: 0.02 };
    const strongVector = { cosine: 0.3, nullMean: 0.05, nullSd: 0.02 };
    expect(calibrate({ coverage: 0.9, summaryCoverage: 0.9, ...chanceVector }).score).toBeLessThan(0.3);
    expect(calibrate({ coverage: 0, summaryCoverage: 0, ...strongVector }).score).toBeLessThan(0.4);
    expect(calibrate({ coverage: 0.6, summaryCoverage: 0.5, ...strongVector }).score).toBeGreaterThan(0.7);
  });

  it('puts V at 0.5 when the cosine is zCenter standard deviations above the null mean', () => {
    const result = calibrate({
      coverage: 1,
      summaryCoverage: 1,
      cosine: 0.1 + 3 * 0.02,
      nullMean: 0.1,
      nullSd: 0.02,
    });
    expect(result.vector).toBeCloseTo(0.5, 9);
  });

  it('stays in [0, 1] and grows with each kind of evidence', () => {
    const unit = fc.double({ min: 0, max: 1, noNaN: true });
    fc.assert(
      fc.property(
        unit,
        unit,
        fc.double({ min: -1, max: 1, noNaN: true }),
        unit,
        (coverage, summary, cosine, extra) => {
          const input = { coverage, summaryCoverage: summary, cosine, nullMean: 0.05, nullSd: 0.03 };
          const base = calibrate(input, DEFAULT_CALIBRATION).score;
          expect(base).toBeGreaterThanOrEqual(0);
          expect(base).toBeLessThanOrEqual(1);
          const moreKeyword = calibrate({ ...input, coverage: Math.min(1, coverage + extra) }).score;
          const moreVector = calibrate({ ...input, cosine: Math.min(1, cosine + extra) }).score;
          expect(moreKeyword).toBeGreaterThanOrEqual(base - 1e-12);
          expect(moreVector).toBeGreaterThanOrEqual(base - 1e-12);
        },
      ),
    );
  });
});
