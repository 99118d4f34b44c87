import { describe, expect, it } from 'vitest';
import { countPhantomDocuments } from '../bm25.js';
import { createBackgroundCorpus, defaultBackgroundCorpus, parseBackgroundDocuments } from './corpus.js';

describe('background corpus', () => {
  it('parses blocks of "name | description" and instruction lines', () => {
    const documents = parseBackgroundDocuments(
      '\nsql-style | Formats SQL.\nUppercase keywords.\nOne clause per line.\n\n周报 | 写周报。\n先写结论。\n',
      'test:',
    );
    expect(documents).toEqual([
      {
        id: 'test:1',
        name: 'sql-style',
        description: 'Formats SQL.',
        instructions: '- Uppercase keywords.\n- One clause per line.',
        triggers: [],
        tags: [],
      },
      {
        id: 'test:2',
        name: '周报',
        description: '写周报。',
        instructions: '- 先写结论。',
        triggers: [],
        tags: [],
      },
    ]);
  });

  it('ships a few hundred skill-like documents in English and Chinese with distinct ids', () => {
    const { documents, digest } = defaultBackgroundCorpus();
    const english = documents.filter((document) => document.id.startsWith('background:en:'));
    const chinese = documents.filter((document) => document.id.startsWith('background:zh:'));
    expect(english.length).toBeGreaterThanOrEqual(140);
    expect(chinese.length).toBeGreaterThanOrEqual(140);
    expect(english.length + chinese.length).toBe(documents.length);
    expect(new Set(documents.map((document) => document.id)).size).toBe(documents.length);
    expect(new Set(documents.map((document) => document.name)).size).toBe(documents.length);
    for (const document of documents) {
      expect(document.name.length).toBeGreaterThan(0);
      expect(document.description.length).toBeGreaterThan(0);
      expect(document.instructions).toMatch(/^- /);
    }
    for (const document of chinese) expect(document.description).toMatch(/\p{Script=Han}/u);
    expect(digest).toMatch(/^[0-9a-f]{40}$/);
    expect(defaultBackgroundCorpus()).toBe(defaultBackgroundCorpus());
  });

  it('has a digest that changes with any document', () => {
    const documents = parseBackgroundDocuments('a | one\nx\n\nb | two\ny', 't:');
    const same = createBackgroundCorpus(documents);
    expect(createBackgroundCorpus(documents).digest).toBe(same.digest);
    const edited = documents.map((document, index) =>
      index === 1 ? { ...document, instructions: '- z' } : document,
    );
    expect(createBackgroundCorpus(edited).digest).not.toBe(same.digest);
  });

  it('makes genre words common and domain words rare, in both languages', () => {
    const { documents } = defaultBackgroundCorpus();
    const phantoms = countPhantomDocuments(
      documents.map((document) => ({
        id: document.id,
        fields: {
          name: document.name,
          description: document.description,
          instructions: document.instructions,
        },
      })),
    );
    const df = (term: string): number => phantoms.documentFrequency.get(term) ?? 0;
    expect(phantoms.documents).toBe(documents.length);
    expect(df('write')).toBeGreaterThan(df('canary'));
    expect(df('用户')).toBeGreaterThan(df('周报'));
    expect(df('regression')).toBeLessThan(3);
  });
});
