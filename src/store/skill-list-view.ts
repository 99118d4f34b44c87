/**
 * @module Listing skills without re-sorting and copying the whole store on every call: the selection a
 * listing covers (scope, user, archived or not) is kept in listing order and reused for as long as the
 * store's skills are the same objects, the optional text filter (`ListOptions.query`) runs over
 * lower-cased text remembered per skill, and only the returned page is copied.
 *
 * Why identity: every store here replaces a skill's object when the skill changes (a write, another
 * process's write taken in, a rescan), so "the same objects as last time" is a check that needs no hook
 * into any write path and cannot go stale; it costs one pass over the skills (≈ 0.2 ms for 5,188), against
 * 30–70 ms for ordering them all (bench/README.md, `bench/management.ts`). A store that rebuilds its
 * objects on every read still lists correctly, only without the reuse.
 */
import { AutoSkillError } from '../shared/errors.js';
import { validateUserId } from './safe-paths.js';
import type { ListOptions, ListResult, StoredSkill } from './types.js';

/** Lower-cased name per skill object (the sort key; objects are replaced, never edited, on change). */
const sortNames = new WeakMap<StoredSkill, string>();
/** Lower-cased filter text per skill object. */
const filterTexts = new WeakMap<StoredSkill, string>();
/** Joins the filtered fields; a query containing it is matched field by field instead. */
const FIELD_BREAK = '\u0000';

function sortName(skill: StoredSkill): string {
  let name = sortNames.get(skill);
  if (name === undefined) {
    name = skill.name.toLowerCase();
    sortNames.set(skill, name);
  }
  return name;
}

/** The fields `query` searches: name, description, id, tags and triggers. */
function filterFields(skill: StoredSkill): string[] {
  return [skill.name, skill.description, skill.id, ...skill.tags, ...skill.triggers];
}

/** Whether `skill` matches the lower-cased, trimmed `needle` (a substring of one of its fields). */
export function matchesListQuery(skill: StoredSkill, needle: string): boolean {
  if (needle.includes(FIELD_BREAK)) {
    return filterFields(skill).some((field) => field.toLowerCase().includes(needle));
  }
  let text = filterTexts.get(skill);
  if (text === undefined) {
    text = filterFields(skill)
      .map((field) => field.toLowerCase())
      .join(FIELD_BREAK);
    filterTexts.set(skill, text);
  }
  return text.includes(needle);
}

/** Ordering of listings: the user's own skills first, then libraries; by lower-cased name, then id. */
export function compareStored(a: StoredSkill, b: StoredSkill): number {
  if (a.readOnly !== b.readOnly) return a.readOnly ? 1 : -1;
  const left = sortName(a);
  const right = sortName(b);
  if (left !== right) return left < right ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

interface Selection {
  scope: 'user' | 'library' | 'all';
  userId: string | undefined;
  includeArchived: boolean;
  limit: number;
  offset: number;
  needle: string;
}

function selectionOf(options: ListOptions): Selection {
  const scope = options.scope ?? (options.userId !== undefined ? 'user' : 'library');
  if (scope !== 'library' && options.userId === undefined) {
    throw new AutoSkillError('INVALID_INPUT', `Listing scope "${scope}" needs a userId`);
  }
  return {
    scope,
    userId: options.userId === undefined ? undefined : validateUserId(options.userId),
    includeArchived: options.includeArchived ?? false,
    limit: Math.max(0, Math.min(options.limit ?? 100, 100_000)),
    offset: Math.max(0, options.offset ?? 0),
    needle: options.query?.trim().toLowerCase() ?? '',
  };
}

function inSelection(skill: StoredSkill, selection: Selection): boolean {
  if (
    skill.readOnly
      ? selection.scope === 'user'
      : selection.scope === 'library' || skill.owner !== selection.userId
  ) {
    return false;
  }
  return selection.includeArchived || skill.status !== 'archived';
}

function page(
  ordered: readonly StoredSkill[],
  selection: Selection,
  prepare: (skill: StoredSkill) => StoredSkill,
): ListResult {
  const matching =
    selection.needle === '' ? ordered : ordered.filter((skill) => matchesListQuery(skill, selection.needle));
  return {
    items: matching
      .slice(selection.offset, selection.offset + selection.limit)
      .map((skill) => structuredClone(prepare(skill))),
    total: matching.length,
  };
}

const identity = (skill: StoredSkill) => skill;

/** Filters, orders and pages `skills` for `list` (no state kept; see `SkillListView` for repeated calls). */
export function selectForList(
  skills: Iterable<StoredSkill>,
  options: ListOptions,
  prepare: (skill: StoredSkill) => StoredSkill = identity,
): ListResult {
  const selection = selectionOf(options);
  const picked: StoredSkill[] = [];
  for (const skill of skills) if (inSelection(skill, selection)) picked.push(skill);
  picked.sort(compareStored);
  return page(picked, selection, prepare);
}

interface OrderedSelection {
  members: Set<StoredSkill>;
  ordered: StoredSkill[];
}

export interface SkillListViewOptions {
  /** Selections (scope × user × archived) kept in order. @default 64 */
  maxSelections?: number;
}

/**
 * `selectForList` for one store, keeping each selection's order while the store's skill objects stay the
 * same (see the module comment). One instance per store.
 */
export class SkillListView {
  private readonly selections = new Map<string, OrderedSelection>();
  private readonly maxSelections: number;

  constructor(options: SkillListViewOptions = {}) {
    this.maxSelections = options.maxSelections ?? 64;
  }

  select(
    skills: Iterable<StoredSkill>,
    options: ListOptions,
    prepare: (skill: StoredSkill) => StoredSkill = identity,
  ): ListResult {
    const selection = selectionOf(options);
    const key = `${selection.scope}\u0000${selection.userId ?? ''}\u0000${selection.includeArchived}`;
    const known = this.selections.get(key);
    const picked: StoredSkill[] = [];
    let same = known !== undefined;
    for (const skill of skills) {
      if (!inSelection(skill, selection)) continue;
      picked.push(skill);
      if (same && !known?.members.has(skill)) same = false;
    }
    if (known && same && picked.length === known.members.size) {
      // Most recently used last.
      this.selections.delete(key);
      this.selections.set(key, known);
      return page(known.ordered, selection, prepare);
    }
    picked.sort(compareStored);
    this.selections.delete(key);
    this.selections.set(key, { members: new Set(picked), ordered: picked });
    while (this.selections.size > this.maxSelections) {
      this.selections.delete(this.selections.keys().next().value as string);
    }
    return page(picked, selection, prepare);
  }

  /** Forgets every kept order (e.g. after the store swapped all its objects anyway). */
  clear(): void {
    this.selections.clear();
  }
}
