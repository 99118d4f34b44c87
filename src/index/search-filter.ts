/**
 * @module Who sees what in skill search: the scope rules (a user's own skills plus the libraries, never
 * another user's) and the filters (ids, tags, owners, libraries, status) as one predicate over an
 * indexed record.
 */
import { isLibraryOwner } from '../skill/schema.js';
import type { IndexedSkill, SearchOptions, SearchScope } from './search-types.js';

/** A skill as the index holds it: lower-cased tags and whether a library owns it, computed once. */
export interface IndexedRecord {
  skill: IndexedSkill;
  tags: Set<string>;
  library: boolean;
}

export function normaliseScope(scope: SearchOptions['scope']): SearchScope {
  if (scope === 'common' || scope === 'shared' || scope === 'library') return 'library';
  if (scope === 'user') return 'user';
  return 'all';
}

/** The scope and filter check of `options`, built once per search. */
export function recordFilter(options: SearchOptions): (record: IndexedRecord) => boolean {
  const scope = normaliseScope(options.scope);
  const userId = options.userId;
  const filters = options.filters ?? {};
  const ids = filters.ids ? new Set(filters.ids) : undefined;
  const tags = filters.tags ? filters.tags.map((tag) => tag.trim().toLowerCase()) : undefined;
  const owners = filters.owners ? new Set(filters.owners) : undefined;
  const libraries = filters.libraries
    ? new Set(filters.libraries.map((name) => (isLibraryOwner(name) ? name : `library:${name}`)))
    : undefined;
  const status = filters.status ?? 'active';
  return (record: IndexedRecord): boolean => {
    const skill = record.skill;
    if (record.library) {
      if (scope === 'user') return false;
    } else if (scope === 'library' || userId === undefined || skill.owner !== userId) {
      return false;
    }
    if (status !== 'any' && (skill.status ?? 'active') !== status) return false;
    if (ids && !ids.has(skill.id)) return false;
    if (owners && !owners.has(skill.owner)) return false;
    if (libraries && !libraries.has(skill.owner)) return false;
    if (tags && !tags.some((tag) => record.tags.has(tag))) return false;
    return true;
  };
}
