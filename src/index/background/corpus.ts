/**
 * @module The background corpus: a fixed set of short, generic, skill-like documents (English and
 * Chinese, across writing, code, data, operations, science, cooking, travel, law, education, design,
 * health, finance and more) that the product ships, so the calibrated score means the same thing in a
 * store of one skill as in a store of fifty thousand.
 *
 * It plays two parts in a search, and is never a hit:
 * - the **null sample** for vector evidence: a query's cosine with these documents is what "unrelated
 *   skill" looks like for that query (the store itself cannot say: with one skill, its "unrelated
 *   sample" is the relevant skill);
 * - **phantom documents** in keyword IDF: document frequencies are store + background, so a word's
 *   weight is sensible with N = 1 (a word every skill uses, such as "always" or "用户", stays cheap,
 *   and a rare one stays dear, however few skills the store holds).
 *
 * The documents were written for this project; each block of `documents-en.ts` / `documents-zh.ts` is
 * `name | description` followed by its instruction lines.
 */
import { createHash } from 'node:crypto';
import { ENGLISH_BACKGROUND } from './documents-en.js';
import { CHINESE_BACKGROUND } from './documents-zh.js';

/** One background document, shaped like a skill with the fields retrieval reads. */
export interface BackgroundDocument {
  /** `background:<lang>:<n>`; never a skill id (skill ids are UUIDs or paths). */
  id: string;
  name: string;
  description: string;
  instructions: string;
  triggers: string[];
  tags: string[];
}

export interface BackgroundCorpus {
  documents: readonly BackgroundDocument[];
  /** SHA-1 over every document: identifies this corpus in caches of its vectors. */
  digest: string;
}

/** Parses blocks of `name | description` + instruction lines, separated by blank lines. */
export function parseBackgroundDocuments(text: string, idPrefix: string): BackgroundDocument[] {
  const documents: BackgroundDocument[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const lines = block
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length > 0);
    const head = lines[0];
    if (head === undefined) continue;
    const separator = head.indexOf('|');
    const name = (separator < 0 ? head : head.slice(0, separator)).trim();
    const description = separator < 0 ? '' : head.slice(separator + 1).trim();
    documents.push({
      id: `${idPrefix}${documents.length + 1}`,
      name,
      description,
      instructions: lines
        .slice(1)
        .map((line) => `- ${line}`)
        .join('\n'),
      triggers: [],
      tags: [],
    });
  }
  return documents;
}

/** Builds a corpus (with its digest) from documents. */
export function createBackgroundCorpus(documents: readonly BackgroundDocument[]): BackgroundCorpus {
  const hash = createHash('sha1');
  for (const document of documents) {
    hash.update(`${document.id}\u0000${document.name}\u0000${document.description}\u0000`);
    hash.update(
      `${document.instructions}\u0000${document.triggers.join('\n')}\u0000${document.tags.join('\n')}\n`,
    );
  }
  return { documents, digest: hash.digest('hex') };
}

let shipped: BackgroundCorpus | undefined;

/** The background the product ships (parsed once). */
export function defaultBackgroundCorpus(): BackgroundCorpus {
  shipped ??= createBackgroundCorpus([
    ...parseBackgroundDocuments(ENGLISH_BACKGROUND, 'background:en:'),
    ...parseBackgroundDocuments(CHINESE_BACKGROUND, 'background:zh:'),
  ]);
  return shipped;
}
