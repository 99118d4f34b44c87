import { describe, expect, it } from 'vitest';
import { countPhantomDocuments } from '../bm25.js';
import {
  createBackgroundCorpus,
  defaultBackgroundCorpus,
  parseBackgroundDocuments,
  parseBackgroundEntries,
  renderBackgroundEntry,
} from './corpus.js';

describe('background corpus', () => {
  it('parses blocks of "name | description" and rule lines', () => {
    expect(
      parseBackgroundEntries(
        '\nsql-style | Formats SQL.\nUppercase keywords.\nOne clause per line.\n\n周报 | 写周报。\n先写结论。\n',
      ),
    ).toEqual([
      {
        name: 'sql-style',
        description: 'Formats SQL.',
        rules: ['Uppercase keywords.', 'One clause per line.'],
      },
      { name: '周报', description: '写周报。', rules: ['先写结论。'] },
    ]);
  });

  it('renders entries as the product stores learned skills, in the words of a model or the offline extractor', () => {
    const entry = {
      name: 'sql-style',
      description: 'Formats SQL. Use for queries.',
      rules: ['Uppercase keywords.', 'One clause per line.'],
    };
    const render = (position: number) => renderBackgroundEntry(entry, { id: 'x', language: 'en', position });
    expect(render(0)).toEqual({
      id: 'x',
      name: 'sql-style',
      description: 'Formats SQL. Use for queries.',
      instructions:
        '# Goal\nFormats SQL.\n\n# Constraints & Style\n- Uppercase keywords.\n- One clause per line.',
      triggers: ['sql style'],
      tags: ['sql', 'style'],
    });
    expect(render(1).description).toBe(
      "Applies this user's standing rules for sql style: Uppercase keywords; One clause per line. Use when the user asks for sql style.",
    );
    expect(render(3).instructions).toBe(
      "# Goal\nCarry out sql style by following this user's fixed procedure.\n\n# Workflow\n1. Uppercase keywords.\n2. One clause per line.",
    );
    expect(render(7).description).toBe(
      'Handles sql style for this user. Use when a similar request comes up.',
    );
    const chinese = renderBackgroundEntry(
      { name: '周报', description: '写周报。', rules: ['先写结论。', '再列数据。'] },
      { id: 'y', language: 'zh', position: 1 },
    );
    expect(chinese.description).toBe('按用户固定的要求处理周报：先写结论；再列数据。在用户需要周报时使用。');
    expect(chinese.instructions).toBe(
      '# Goal\n按用户的长期要求完成周报相关的任务。\n\n# Constraints & Style\n- 先写结论。\n- 再列数据。',
    );
    expect(parseBackgroundDocuments('a | one\nx', 'p:', 'zh')[0]?.id).toBe('p:1');
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
      expect(document.instructions).toMatch(/^# Goal\n.+\n\n# (?:Constraints & Style|Workflow)\n/);
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
