import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitThinkTags, ThinkTagSplitter } from './think-tags.js';

function splitInChunks(text: string, cuts: number[]) {
  const splitter = new ThinkTagSplitter();
  const pieces = [];
  let start = 0;
  for (const cut of [...cuts.filter((at) => at > 0 && at < text.length)].sort((a, b) => a - b)) {
    pieces.push(...splitter.push(text.slice(start, cut)));
    start = cut;
  }
  pieces.push(...splitter.push(text.slice(start)), ...splitter.flush());
  return {
    text: pieces
      .filter((piece) => piece.kind === 'text')
      .map((piece) => piece.text)
      .join(''),
    reasoning: pieces
      .filter((piece) => piece.kind === 'reasoning')
      .map((piece) => piece.text)
      .join(''),
  };
}

describe('splitThinkTags', () => {
  it.each([
    ['<think>plan it</think>\n\n{"skills": []}', { text: '{"skills": []}', reasoning: 'plan it' }],
    ['  \n<think>想一想</think>答案', { text: '答案', reasoning: '想一想' }],
    ['no tags here', { text: 'no tags here', reasoning: '' }],
    [
      'answer first <think>not reasoning</think>',
      { text: 'answer first <think>not reasoning</think>', reasoning: '' },
    ],
    ['<think>unterminated', { text: '', reasoning: 'unterminated' }],
    ['<thin', { text: '<thin', reasoning: '' }],
    ['', { text: '', reasoning: '' }],
  ])('%j', (input, expected) => {
    expect(splitThinkTags(input)).toEqual(expected);
  });

  it('gives the same result however the stream is chunked', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          '<think>a </think> b',
          ' <think>推理</think>\n结论 </think>',
          'plain <think>',
          '<think></think>x',
        ),
        fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 6 }),
        (text, cuts) => {
          expect(splitInChunks(text, cuts)).toEqual(splitThinkTags(text));
        },
      ),
    );
  });
});
