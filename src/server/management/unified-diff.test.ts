import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../test/support/fixtures.js';
import { diffLines, unifiedDiff } from './unified-diff.js';

const temp = makeTempDir('autoskill-diff-');
afterAll(() => temp.cleanup());

function rebuild(operations: ReturnType<typeof diffLines>, kinds: Array<'equal' | 'delete' | 'insert'>) {
  return operations.filter((operation) => kinds.includes(operation.kind)).map((operation) => operation.line);
}

const lines = fc.array(fc.constantFrom('a', 'b', 'c', '## Prompt', '- 不要编造数字', ''), { maxLength: 30 });
const text = (items: string[]) => (items.length === 0 ? '' : `${items.join('\n')}\n`);

describe('diffLines', () => {
  it('is an edit script from the first text to the second', () => {
    fc.assert(
      fc.property(lines, lines, (a, b) => {
        const operations = diffLines(text(a), text(b));
        expect(rebuild(operations, ['equal', 'delete'])).toEqual(a);
        expect(rebuild(operations, ['equal', 'insert'])).toEqual(b);
      }),
      { numRuns: 300 },
    );
  });

  it('is minimal: as few changed lines as GNU diff finds', () => {
    const a = ['x', 'a', 'b', 'c', 'a', 'b', 'b', 'a'];
    const b = ['c', 'b', 'a', 'b', 'a', 'c'];
    const changed = diffLines(text(a), text(b)).filter((operation) => operation.kind !== 'equal').length;
    expect(changed).toBe(6);
  });

  it('falls back to replacing the middle when the texts differ too much, still correctly', () => {
    const a = Array.from({ length: 50 }, (_, index) => `old ${index}`);
    const b = Array.from({ length: 50 }, (_, index) => `new ${index}`);
    const operations = diffLines(text(['same', ...a, 'end']), text(['same', ...b, 'end']), 10);
    expect(rebuild(operations, ['equal', 'delete'])).toEqual(['same', ...a, 'end']);
    expect(rebuild(operations, ['equal', 'insert'])).toEqual(['same', ...b, 'end']);
  });
});

describe('unifiedDiff', () => {
  it('is empty for equal texts and applies with patch(1) otherwise', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n')).toBe('');
    fc.assert(
      fc.property(lines, lines, (a, b) => {
        const from = text(a);
        const to = text(b);
        const patchText = unifiedDiff(from, to);
        if (from === to) return;
        const file = join(temp.dir, 'SKILL.md');
        writeFileSync(file, from);
        writeFileSync(join(temp.dir, 'change.diff'), patchText);
        execFileSync('patch', ['-s', '-u', file, join(temp.dir, 'change.diff')]);
        expect(readFileSync(file, 'utf8')).toBe(to);
      }),
      { numRuns: 60 },
    );
  });

  it('prints hunks like diff -u', () => {
    const from = 'one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\n';
    const to = 'one\ntwo\nthree\nfour\nFIVE\nsix\nseven\neight\nnine\nten\neleven\n';
    const file = (name: string, content: string) => {
      const path = join(temp.dir, name);
      writeFileSync(path, content);
      return path;
    };
    let expected = '';
    try {
      execFileSync('diff', ['-u', file('a', from), file('b', to)], { encoding: 'utf8' });
    } catch (error) {
      expected = (error as { stdout: string }).stdout;
    }
    const body = (patch: string) => patch.split('\n').slice(2).join('\n');
    expect(body(unifiedDiff(from, to))).toBe(body(expected));
  });
});
