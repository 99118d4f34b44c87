/**
 * @module The skill candidate an extraction proposes (at most one per conversation): the seeds' JSON
 * fields (`name`, `description`, `prompt`, `triggers`, `tags`, `confidence`, optional `resources`) plus
 * provenance — the evidence each constraint rests on. Also the lenient schema for what a model returns,
 * which accepts the shapes models really produce (`instructions` for `prompt`, a string for a list, a
 * confidence as text) and nothing that lacks a name or a prompt.
 */
import { z } from 'zod';

export const CANDIDATE_LIMITS = {
  name: 80,
  description: 400,
  prompt: 8000,
  triggers: 5,
  triggerLength: 80,
  tags: 6,
  tagLength: 32,
  resources: 16,
  resourceLength: 20_000,
} as const;

const RESOURCE_BUCKETS = ['scripts', 'references', 'assets'] as const;
const SAFE_RESOURCE_PATH = /^(?:scripts|references|assets)\/(?!.*(?:^|\/)\.\.?(?:\/|$))[^\0\\:]+$/;

export const ResourceFileSchema = z.object({
  /** Relative path under `scripts/`, `references/` or `assets/`. */
  path: z.string().regex(SAFE_RESOURCE_PATH),
  content: z.string().max(CANDIDATE_LIMITS.resourceLength),
});
export type ResourceFile = z.infer<typeof ResourceFileSchema>;

export const EvidenceSchema = z.object({
  /** The constraint as it appears in the candidate. */
  constraint: z.string(),
  /** Who supports it: the user, the user confirming the assistant, a behaviour event, or the hint. */
  source: z.enum(['user', 'confirmed', 'event', 'hint']),
  /** How it became durable (`task`: forced extraction of the task at hand). */
  durability: z.enum(['explicit', 'inherited', 'confirmed', 'task']),
  /** The supporting sentence, redacted and de-identified. */
  quote: z.string(),
  /** Share of the constraint's content units found in the quote. */
  support: z.number().min(0).max(1),
});
export type Evidence = z.infer<typeof EvidenceSchema>;

export const CandidateSchema = z.object({
  name: z.string().trim().min(1).max(CANDIDATE_LIMITS.name),
  description: z.string().trim().min(1).max(CANDIDATE_LIMITS.description),
  /** Markdown with `# Goal`, `# Constraints & Style` and optionally `# Workflow`. */
  prompt: z.string().trim().min(1).max(CANDIDATE_LIMITS.prompt),
  triggers: z.array(z.string().min(1).max(CANDIDATE_LIMITS.triggerLength)).max(CANDIDATE_LIMITS.triggers),
  tags: z.array(z.string().min(1).max(CANDIDATE_LIMITS.tagLength)).max(CANDIDATE_LIMITS.tags),
  confidence: z.number().min(0).max(1),
  resources: z.array(ResourceFileSchema).max(CANDIDATE_LIMITS.resources).optional(),
  /** The user's language; the skill is written in it. */
  language: z.enum(['zh', 'en']),
  /** Which extractor proposed it. */
  origin: z.enum(['offline', 'llm']),
  /** Produced on demand (`/extract_now`), describing the capability even without an explicit rule. */
  forced: z.boolean(),
  evidence: z.array(EvidenceSchema),
});
export type Candidate = z.infer<typeof CandidateSchema>;

/** The seeds' wire form: `{"skills": [{name, description, prompt, triggers, tags, confidence, resources?}]}`. */
export function toSkillsJson(candidates: readonly Candidate[]): { skills: Array<Record<string, unknown>> } {
  return {
    skills: candidates.map((candidate) => {
      const skill: Record<string, unknown> = {
        name: candidate.name,
        description: candidate.description,
        prompt: candidate.prompt,
        triggers: candidate.triggers,
        tags: candidate.tags,
        confidence: candidate.confidence,
      };
      if (candidate.resources && candidate.resources.length > 0) {
        const buckets: Record<string, Array<{ path: string; content: string }>> = {};
        for (const file of candidate.resources) {
          const bucket = file.path.split('/')[0] as string;
          buckets[bucket] = [...(buckets[bucket] ?? []), { path: file.path, content: file.content }];
        }
        skill['resources'] = buckets;
      }
      return skill;
    }),
  };
}

// ---- what a model returns -------------------------------------------------------------------------

const stringList = z.preprocess(
  (value) => (typeof value === 'string' ? value.split(/[\n,;，、；]/) : value),
  z.array(z.unknown()).transform((items) =>
    items
      .filter((item): item is string => typeof item === 'string')
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  ),
);

const confidenceValue = z.preprocess(
  (value) => (typeof value === 'string' && value.trim() !== '' ? Number(value) : value),
  z.number().finite(),
);

function normalisePath(path: string, bucket?: string): string | undefined {
  const cleaned = path.trim().replace(/\\/g, '/').replace(/^\.\//, '').replace(/^\/+/, '');
  const withBucket = bucket && !cleaned.includes('/') ? `${bucket}/${cleaned}` : cleaned;
  return SAFE_RESOURCE_PATH.test(withBucket) ? withBucket : undefined;
}

function entryContent(entry: Record<string, unknown>): string | undefined {
  for (const key of ['content', 'text', 'body', 'template', 'snippet']) {
    const value = entry[key];
    if (typeof value === 'string') return value;
  }
  return undefined;
}

/** Reads `resources` buckets and a `files` map into safe resource files; anything else is dropped. */
export function readResourceFiles(skill: Record<string, unknown>): ResourceFile[] {
  const files = new Map<string, string>();
  const add = (path: string | undefined, content: string | undefined) => {
    if (!path || content === undefined) return;
    const clipped = content.slice(0, CANDIDATE_LIMITS.resourceLength);
    if ((files.get(path)?.length ?? -1) < clipped.length) files.set(path, clipped);
  };
  const readEntries = (value: unknown, bucket?: string) => {
    const entries = Array.isArray(value) ? value : value && typeof value === 'object' ? [value] : [];
    for (const entry of entries) {
      if (!entry || typeof entry !== 'object') continue;
      const record = entry as Record<string, unknown>;
      const path = ['path', 'file', 'file_path', 'name']
        .map((key) => record[key])
        .find((item) => typeof item === 'string');
      add(typeof path === 'string' ? normalisePath(path, bucket) : undefined, entryContent(record));
    }
  };
  const resources = skill['resources'];
  if (resources && typeof resources === 'object' && !Array.isArray(resources)) {
    for (const bucket of RESOURCE_BUCKETS)
      readEntries((resources as Record<string, unknown>)[bucket], bucket);
  } else readEntries(resources);
  const fileMap = skill['files'];
  if (fileMap && typeof fileMap === 'object' && !Array.isArray(fileMap)) {
    for (const [path, content] of Object.entries(fileMap as Record<string, unknown>)) {
      if (typeof content === 'string') add(normalisePath(path), content);
    }
  }
  return [...files.entries()]
    .slice(0, CANDIDATE_LIMITS.resources)
    .map(([path, content]) => ({ path, content }));
}

/** A model reply object with `instructions` and no `prompt` gets `prompt` from it (other values pass). */
export function acceptInstructionsAsPrompt(value: unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  return record['prompt'] === undefined && typeof record['instructions'] === 'string'
    ? { ...record, prompt: record['instructions'] }
    : record;
}

/** One skill as a model returns it; `instructions` is accepted for `prompt`. */
export const ModelSkillSchema = z.preprocess(
  acceptInstructionsAsPrompt,
  z.looseObject({
    name: z.string().trim().min(1),
    description: z.string().trim().default(''),
    prompt: z.string().trim().min(1),
    triggers: stringList.default([]),
    tags: stringList.default([]),
    confidence: confidenceValue.optional(),
  }),
);
export type ModelSkill = z.infer<typeof ModelSkillSchema>;

/** The reply envelope: `{"skills": [...]}` or a bare list. */
export const ModelReplySchema = z.union([
  z.looseObject({ skills: z.array(z.unknown()) }),
  z.array(z.unknown()).transform((skills) => ({ skills })),
]);
