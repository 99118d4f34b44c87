import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Bm25Index, countPhantomDocuments, type KeywordDocument } from './bm25.js';

const docs: KeywordDocument[] = [
  {
    id: 'release',
    fields: { name: 'Release process', description: 'Regression, canary, monitor, full rollout' },
  },
  {
    id: 'report',
    fields: { name: '周报写作', description: '先列本周完成，再列风险', tags: 'weekly report' },
  },
  {
    id: 'quant',
    fields: { name: '大模型量化科普', instructions: '用大白话讲解模型量化：16位压到4位为什么还能用' },
  },
  {
    id: 'docx',
    fields: {
      name: 'docx',
      description: 'Create Word documents with headers, footers and a table of contents',
    },
  },
];

function ranked(index: Bm25Index, query: string): string[] {
  const matches = index.match(index.analyze(query));
  return Array.from({ length: matches.count }, (_, position) => position)
    .sort((left, right) => (matches.scores[right] as number) - (matches.scores[left] as number))
    .map((position) => index.idOf(matches.slots[position] as number) as string);
}

function scoresById(index: Bm25Index, query: string): Record<string, number> {
  const matches = index.match(index.analyze(query));
  const out: Record<string, number> = {};
  for (let position = 0; position < matches.count; position += 1) {
    out[index.idOf(matches.slots[position] as number) as string] = matches.scores[position] as number;
  }
  return out;
}

describe('Bm25Index', () => {
  it('ranks by field-weighted BM25 in Chinese and English', () => {
    const index = new Bm25Index();
    for (const doc of docs) index.upsert(doc);
    expect(ranked(index, 'canary rollout for the release')[0]).toBe('release');
    expect(ranked(index, '帮我写周报，列一下风险')[0]).toBe('report');
    expect(ranked(index, '模型量化为什么还能用')[0]).toBe('quant');
    expect(ranked(index, 'Word file with a table of contents')[0]).toBe('docx');
  });

  it('a name match outweighs the same word deep in the instructions', () => {
    const index = new Bm25Index();
    index.upsert({ id: 'named', fields: { name: 'kubernetes helper' } });
    index.upsert({
      id: 'mentioned',
      fields: { instructions: 'kubernetes helper tips and a long list of other words here' },
    });
    expect(ranked(index, 'kubernetes')).toEqual(['named', 'mentioned']);
  });

  it('restricts candidates with accept() while statistics stay global', () => {
    const index = new Bm25Index();
    for (const doc of docs) index.upsert(doc);
    const all = scoresById(index, 'release report');
    const only = index.match(index.analyze('release report'), {
      accept: (slot) => index.idOf(slot) === 'report',
    });
    expect(only.count).toBe(1);
    expect(only.scores[0]).toBeCloseTo(all['report'] as number, 12);
  });

  it('reports which query terms each document contains, in any field and in the summary fields', () => {
    const index = new Bm25Index();
    index.upsert({ id: 'a', fields: { name: 'alpha', instructions: 'beta' } });
    const terms = index.analyze('alpha beta gamma');
    const matches = index.match(terms, { masks: true });
    expect(matches.anyMask?.[0]).toBe(0b011);
    expect(matches.summaryMask?.[0]).toBe(0b001);
  });

  it('incremental upserts and removals equal a rebuild (statistics and scores)', () => {
    const words = ['release', 'canary', 'report', '周报', '风险', 'model', '量化', 'docx', 'table', 'word'];
    const docArbitrary = fc.record({
      id: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
      name: fc.array(fc.constantFrom(...words), { maxLength: 4 }).map((parts) => parts.join(' ')),
      instructions: fc.array(fc.constantFrom(...words), { maxLength: 12 }).map((parts) => parts.join('')),
    });
    const operation = fc.oneof(
      docArbitrary.map((doc) => ({ kind: 'upsert' as const, doc })),
      fc.constantFrom('a', 'b', 'c', 'd', 'e').map((id) => ({ kind: 'remove' as const, id })),
    );
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 30 }), (operations) => {
        const incremental = new Bm25Index();
        const state = new Map<string, KeywordDocument>();
        for (const op of operations) {
          if (op.kind === 'upsert') {
            const doc = { id: op.doc.id, fields: { name: op.doc.name, instructions: op.doc.instructions } };
            incremental.upsert(doc);
            state.set(doc.id, doc);
          } else {
            expect(incremental.remove(op.id)).toBe(state.delete(op.id));
          }
        }
        const rebuilt = new Bm25Index();
        for (const doc of [...state.values()].sort((left, right) => left.id.localeCompare(right.id)))
          rebuilt.upsert(doc);
        expect(incremental.statistics()).toEqual(rebuilt.statistics());
        for (const query of ['release canary', '周报风险', 'model 量化 table']) {
          const left = scoresById(incremental, query);
          const right = scoresById(rebuilt, query);
          expect(Object.keys(left).sort()).toEqual(Object.keys(right).sort());
          for (const id of Object.keys(left)) expect(left[id]).toBeCloseTo(right[id] as number, 9);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('a document with no tokens is counted once, however often it is upserted', () => {
    const index = new Bm25Index();
    index.upsert({ id: 'empty', fields: {} });
    index.upsert({ id: 'empty', fields: { name: '' } });
    expect(index.size).toBe(1);
    expect(index.remove('empty')).toBe(true);
    expect(index.size).toBe(0);
  });

  it('phantom documents count in IDF exactly as stored ones would, but are never matched or counted', () => {
    const phantomDocs: KeywordDocument[] = [
      { id: 'p1', fields: { name: 'Release notes', description: 'Write release notes for users' } },
      { id: 'p2', fields: { name: 'Email', instructions: 'Write short emails' } },
      { id: 'p3', fields: { name: '周报', description: '先写结论' } },
    ];
    const phantoms = countPhantomDocuments(phantomDocs);
    expect(phantoms.documents).toBe(3);
    expect(phantoms.documentFrequency.get('write')).toBe(2);
    const withPhantoms = new Bm25Index({ phantoms });
    const stored = new Bm25Index();
    for (const doc of docs) {
      withPhantoms.upsert(doc);
      stored.upsert(doc);
    }
    for (const doc of phantomDocs) stored.upsert(doc);
    const query = 'write release notes 周报';
    expect(withPhantoms.analyze(query).map((term) => term.idf)).toEqual(
      stored.analyze(query).map((term) => term.idf),
    );
    expect(withPhantoms.analyze(query).find((term) => term.term === 'write')?.df).toBe(0);
    expect(withPhantoms.size).toBe(docs.length);
    expect(ranked(withPhantoms, query)).toEqual(['release', 'report']);
    withPhantoms.setPhantoms(undefined);
    const plain = new Bm25Index();
    for (const doc of docs) plain.upsert(doc);
    expect(withPhantoms.analyze(query)).toEqual(plain.analyze(query));
  });
});
