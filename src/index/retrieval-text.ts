/**
 * @module The text a skill is embedded from, and its document hash (the flat index's `doc_hash`).
 *
 * The layout is the original's retrieval document (core.md §6.1), so vectors of the original's
 * `hashing` model computed here equal the rows the original wrote. Instructions may be cut to a
 * maximum length: the vector should say what a skill is about, and a 200 kB prompt would drown its
 * name and description (measured in docs/retrieval.md).
 */
import { createHash } from 'node:crypto';
import type { Skill } from '../skill/schema.js';

/** The skill fields retrieval reads. */
export type RetrievalFields = Pick<Skill, 'name' | 'description' | 'instructions' | 'triggers' | 'tags'> & {
  resources?: readonly string[];
};

export interface RetrievalTextOptions {
  /** Keep at most this many characters of the instructions. @default Infinity (the original's text) */
  maxInstructionChars?: number;
}

const MAX_RESOURCES = 32;

export function retrievalText(skill: RetrievalFields, options: RetrievalTextOptions = {}): string {
  const limit = options.maxInstructionChars ?? Number.POSITIVE_INFINITY;
  const instructions =
    skill.instructions.length > limit ? skill.instructions.slice(0, limit) : skill.instructions;
  // Lists are joined into one line each, so an empty list leaves an empty line (as the original does:
  // its doc_hash values match this text byte for byte).
  const lines = [
    `Name: ${skill.name}`,
    `Description: ${skill.description}`,
    `Instructions: ${instructions}`,
    'Triggers:',
    skill.triggers.join('\n'),
    `Tags: ${skill.tags.join(' ')}`,
    'Resources:',
    (skill.resources ?? []).slice(0, MAX_RESOURCES).join('\n'),
  ];
  return `${lines.join('\n')}\n`;
}

/** SHA-1 hex of the text (the original's doc_hash manifest value). */
export function documentHash(text: string): string {
  return createHash('sha1').update(text, 'utf8').digest('hex');
}
