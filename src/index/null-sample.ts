/**
 * @module The statistics behind calibrated scores: phantom keyword documents of the background corpus,
 * the id order of the bottom-k null sample, and the pooled mean and spread of unrelated cosines.
 */
import type { BackgroundCorpus } from './background/corpus.js';
import { countPhantomDocuments, type PhantomDocuments } from './bm25.js';

/** Phantom statistics per background corpus (the index always uses the default tokenizer). */
const phantomCache = new WeakMap<BackgroundCorpus, PhantomDocuments>();

export function backgroundPhantoms(corpus: BackgroundCorpus): PhantomDocuments {
  let phantoms = phantomCache.get(corpus);
  if (!phantoms) {
    phantoms = countPhantomDocuments(
      corpus.documents.map((document) => ({
        id: document.id,
        fields: {
          name: document.name,
          description: document.description,
          instructions: document.instructions,
          triggers: document.triggers.join('\n'),
          tags: document.tags.join('\n'),
        },
      })),
    );
    phantomCache.set(corpus, phantoms);
  }
  return phantoms;
}

/** FNV-1a of an id: orders the bottom-k null sample. */
export function idHash(id: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < id.length; index += 1)
    hash = Math.imul(hash ^ id.charCodeAt(index), 0x01000193);
  return hash >>> 0;
}

/** Mean and sample standard deviation of the non-NaN values of several samples pooled (one pass). */
export function meanAndSd(samples: readonly Float64Array[]): { mean: number; sd: number } {
  let count = 0;
  let sum = 0;
  let squares = 0;
  for (const sample of samples) {
    for (let index = 0; index < sample.length; index += 1) {
      const value = sample[index] as number;
      if (Number.isNaN(value)) continue;
      count += 1;
      sum += value;
      squares += value * value;
    }
  }
  if (count < 2) return { mean: 0, sd: 1 };
  const mean = sum / count;
  return { mean, sd: Math.sqrt(Math.max(0, (squares - count * mean * mean) / (count - 1))) };
}
