/**
 * @module Test support for the maintainer's tests: candidates built by hand, stored skills, and a
 * search over a fixed list of hits. Imported only by tests.
 */
import type { Skill } from '../skill/schema.js';
import type { StoredSkill } from '../store/types.js';
import type { Candidate } from './candidate.js';
import type { SimilarSkillHit, SimilarSkillSearch } from './maintain.js';

export interface CandidateSketch {
  name?: string;
  description?: string;
  goal?: string;
  /** Durable rules (stated by the user). */
  rules?: string[];
  /** Requirements of the task at hand (forced extraction). */
  tasks?: string[];
  steps?: string[];
  triggers?: string[];
  tags?: string[];
  language?: 'zh' | 'en';
  forced?: boolean;
}

/** A candidate as the extraction would return it, with evidence for every constraint. */
export function sketchCandidate(sketch: CandidateSketch): Candidate {
  const rules = sketch.rules ?? [];
  const tasks = sketch.tasks ?? [];
  const steps = sketch.steps ?? [];
  const constraints = [...rules, ...tasks];
  const prompt = [
    '# Goal',
    sketch.goal ?? 'Do the task the way this user wants.',
    ...(constraints.length > 0
      ? ['', '# Constraints & Style', ...constraints.map((text) => `- ${text}`)]
      : []),
    ...(steps.length > 0 ? ['', '# Workflow', ...steps.map((text, index) => `${index + 1}. ${text}`)] : []),
  ].join('\n');
  return {
    name: sketch.name ?? 'sketched-skill',
    description: sketch.description ?? 'A sketched skill.',
    prompt,
    triggers: sketch.triggers ?? [],
    tags: sketch.tags ?? [],
    confidence: 0.8,
    language: sketch.language ?? 'en',
    origin: 'offline',
    forced: sketch.forced ?? false,
    evidence: [
      ...rules.map((text) => ({
        constraint: text,
        source: 'user' as const,
        durability: 'explicit' as const,
        quote: text,
        support: 1,
      })),
      ...steps.map((text) => ({
        constraint: text,
        source: 'user' as const,
        durability: 'explicit' as const,
        quote: text,
        support: 1,
      })),
      ...tasks.map((text) => ({
        constraint: text,
        source: 'user' as const,
        durability: 'task' as const,
        quote: text,
        support: 1,
      })),
    ],
  };
}

/** A stored skill with sensible defaults. */
export function storedSkill(fields: Partial<Skill> & Pick<Skill, 'name' | 'instructions'>): StoredSkill {
  return {
    id: fields.id ?? `skill-${fields.name}`,
    owner: fields.owner ?? 'u1',
    name: fields.name,
    description: fields.description ?? '',
    instructions: fields.instructions,
    version: fields.version ?? '0.1.0',
    tags: fields.tags ?? [],
    triggers: fields.triggers ?? [],
    examples: [],
    status: 'active',
    resources: [],
    extraFrontMatter: {},
    metadata: fields.metadata ?? {},
    createdAt: null,
    updatedAt: null,
    revision: 1,
    location: `Users/${fields.owner ?? 'u1'}/${fields.name}`,
    readOnly: (fields.owner ?? 'u1').startsWith('library:'),
  };
}

/** A search that answers every query with the same hits (scope and user rules applied). */
export function fixedSearch(hits: readonly SimilarSkillHit[]): SimilarSkillSearch & { queries: string[] } {
  const queries: string[] = [];
  return {
    queries,
    async search(query, options) {
      queries.push(query);
      return hits
        .filter(({ skill }) => {
          const library = skill.owner.startsWith('library:');
          if (options.scope === 'user') return !library && skill.owner === options.userId;
          if (options.scope === 'library') return library;
          return library || skill.owner === options.userId;
        })
        .filter((hit) => hit.score >= (options.minScore ?? 0))
        .slice(0, options.limit ?? 5);
    },
  };
}
