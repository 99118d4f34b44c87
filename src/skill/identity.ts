/**
 * @module The identity key of a skill (core.md §8.2): a normalised description (or the name when the
 * description is blank) and its short SHA-1, used to find exact duplicates before any ranking.
 */
import { createHash } from 'node:crypto';
import type { Skill } from './schema.js';

export const IDENTITY_MAX_LENGTH = 1024;
const HASH_LENGTH = 20;

export interface IdentityKey {
  /** NFKC, lower-case, non-word runs as single spaces, at most 1,024 code points. */
  norm: string;
  /** First 20 hex digits of the SHA-1 of `norm`. */
  hash: string;
}

/** Normalises text the way the identity key does (same as the original's `identity_desc_norm`). */
export function normaliseIdentityText(text: string): string {
  const words = text
    .normalize('NFKC')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}_]+/gu, ' ')
    .split(/\s+/u)
    .filter((word) => word !== '')
    .join(' ');
  const points = Array.from(words);
  return points.length <= IDENTITY_MAX_LENGTH ? words : points.slice(0, IDENTITY_MAX_LENGTH).join('');
}

export function identityKey(skill: Pick<Skill, 'name' | 'description'>): IdentityKey {
  const text = skill.description.trim() === '' ? skill.name : skill.description;
  const norm = normaliseIdentityText(text);
  return { norm, hash: createHash('sha1').update(norm, 'utf8').digest('hex').slice(0, HASH_LENGTH) };
}
