/**
 * @module The skill model: zod schemas are the one source of the `Skill` types used by every layer.
 * SDK objects are camelCase; the wire (HTTP, CLI JSON) is snake_case and is produced by the entry points.
 */
import { z } from 'zod';

export const SKILL_STATUSES = ['active', 'archived'] as const;
export const SkillStatusSchema = z.enum(SKILL_STATUSES);
export type SkillStatus = z.infer<typeof SkillStatusSchema>;

/** Owner strings that start with this prefix name a read-only library, e.g. `library:anthropics-skill`. */
export const LIBRARY_OWNER_PREFIX = 'library:';

export const SkillExampleSchema = z.object({
  input: z.string().min(1),
  output: z.string().nullable().default(null),
  notes: z.string().nullable().default(null),
});
export type SkillExample = z.infer<typeof SkillExampleSchema>;

export const SkillSchema = z.object({
  /** uuid4 for skills we create; the original's uuid5 rule for id-less files; any string a file declares. */
  id: z.string().min(1),
  /** A user id, or `library:<name>` for read-only library skills. */
  owner: z.string().min(1),
  name: z.string().min(1),
  description: z.string(),
  /** The executable prompt, rendered under `## Prompt`. */
  instructions: z.string(),
  version: z.string().min(1).default('0.1.0'),
  tags: z.array(z.string()).default([]),
  triggers: z.array(z.string()).default([]),
  examples: z.array(SkillExampleSchema).default([]),
  status: SkillStatusSchema.default('active'),
  /** Relative paths of the skill folder's other files (scripts/, references/, assets/, …). */
  resources: z.array(z.string()).default([]),
  /**
   * Front-matter keys we do not model (license, allowed-tools, compatibility, metadata, …), in file
   * order, kept verbatim so that a render never drops them.
   */
  extraFrontMatter: z.record(z.string(), z.unknown()).default({}),
  /** Free-form state (confidence, identity key, provenance); persisted by the store, not in SKILL.md. */
  metadata: z.record(z.string(), z.unknown()).default({}),
  createdAt: z.string().nullable().default(null),
  updatedAt: z.string().nullable().default(null),
});
export type Skill = z.infer<typeof SkillSchema>;
export type SkillInput = z.input<typeof SkillSchema>;

export function isLibraryOwner(owner: string): boolean {
  return owner.trim().toLowerCase().startsWith(LIBRARY_OWNER_PREFIX);
}

export function libraryOwner(library: string): string {
  return `${LIBRARY_OWNER_PREFIX}${library}`;
}
