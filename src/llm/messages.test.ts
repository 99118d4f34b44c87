import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fitMessagesToBudget, keepHeadAndTail, messageText, TRUNCATION_MARKER } from './messages.js';
import type { LLMMessage } from './types.js';

const length = (text: string) => Array.from(text).length;

describe('messageText', () => {
  it('joins text parts', () => {
    expect(
      messageText({
        role: 'user',
        content: [
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' },
        ],
      }),
    ).toBe('ab');
  });
});

describe('keepHeadAndTail', () => {
  it('keeps head and tail around the marker within the limit', () => {
    const text = 'a'.repeat(100) + 'z'.repeat(100);
    const kept = keepHeadAndTail(text, 60);
    expect(length(kept)).toBe(60);
    expect(kept.startsWith('aaa')).toBe(true);
    expect(kept.endsWith('zzz')).toBe(true);
    expect(kept).toContain(TRUNCATION_MARKER);
  });

  it('counts every script, not only CJK and ASCII words', () => {
    for (const sample of ['안녕하세요 세계 ', 'Привет мир ', 'こんにちは ', '中文abc ']) {
      const kept = keepHeadAndTail(sample.repeat(50), 40);
      expect(length(kept)).toBe(40);
    }
  });

  it('never splits a surrogate pair', () => {
    const kept = keepHeadAndTail('𠀀'.repeat(100), 50);
    expect(kept).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });
});

describe('fitMessagesToBudget', () => {
  it('returns short conversations unchanged', () => {
    const messages: LLMMessage[] = [{ role: 'user', content: 'hi' }];
    expect(fitMessagesToBudget(messages, 1_000)).toEqual(messages);
  });

  it('keeps the user turn when the system prompt alone is over budget', () => {
    const fitted = fitMessagesToBudget(
      [
        { role: 'system', content: 's'.repeat(5_000) },
        { role: 'user', content: 'please summarise' },
      ],
      1_000,
    );
    expect(fitted[1]).toEqual({ role: 'user', content: 'please summarise' });
    expect(length(messageText(fitted[0] as LLMMessage))).toBeLessThanOrEqual(
      1_000 - 'please summarise'.length,
    );
  });

  it('always fits the budget and never drops a message', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'grapheme', maxLength: 400 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 50, max: 1_500 }),
        (texts, budget) => {
          const messages: LLMMessage[] = texts.map((content) => ({ role: 'user', content }));
          const fitted = fitMessagesToBudget(messages, budget);
          expect(fitted).toHaveLength(messages.length);
          const total = fitted.reduce((sum, message) => sum + length(messageText(message)), 0);
          expect(total).toBeLessThanOrEqual(budget);
        },
      ),
    );
  });
});
