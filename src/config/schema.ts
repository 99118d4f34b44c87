/**
 * @module The product configuration: one zod schema for the config file and the resolved settings every
 * entry point (serve, proxy, web, chat, import…) shares. Flags and environment variables are mapped onto
 * the same shape (see `resolve.ts`), so precedence is one deep merge: flags > env > file > defaults.
 */
import { z } from 'zod';
import { EmbeddingConfigSchema } from '../embeddings/config.js';
import { LLMConfigSchema } from '../llm/config.js';

/** `common` and `shared` are the seeds' names for the libraries; anything else is refused. */
export const SkillScopeSchema = z.preprocess(
  (value) => {
    if (typeof value !== 'string') return value;
    const scope = value.trim().toLowerCase();
    return scope === 'common' || scope === 'shared' ? 'library' : scope;
  },
  z.enum(['user', 'library', 'all']),
);
export type SkillScope = z.infer<typeof SkillScopeSchema>;

const lower = (value: unknown) => (typeof value === 'string' ? value.trim().toLowerCase() : value);
export const RewriteModeSchema = z.preprocess(lower, z.enum(['never', 'auto', 'always']));
export type RewriteMode = z.infer<typeof RewriteModeSchema>;
export const ExtractModeSchema = z.preprocess(lower, z.enum(['auto', 'always', 'never']));
export type ExtractMode = z.infer<typeof ExtractModeSchema>;

const LibraryDirSchema = z.union([
  z.string().min(1),
  z.object({ name: z.string().min(1).optional(), path: z.string().min(1) }).strict(),
]);

export const StoreSettingsSchema = z
  .object({
    /** `filesystem` (SkillBank folder) or `postgres` (`url`). @default 'filesystem' */
    provider: z.enum(['filesystem', 'postgres']).default('filesystem'),
    /** SkillBank root of the filesystem store. @default 'SkillBank' */
    dir: z.string().min(1).default('SkillBank'),
    /** PostgreSQL connection string (`postgres://…`) for the `postgres` store. */
    url: z.string().min(1).optional(),
    /** Extra read-only libraries: paths (named by their basename) or `{name, path}`. @default [] */
    libraryDirs: z.array(LibraryDirSchema).default([]),
    /** `fsync` flushes every write to the device; `rename` relies on atomic renames only. @default 'rename' */
    durability: z.enum(['fsync', 'rename']).default('rename'),
  })
  .strict();

export const LearnLLMSettingsSchema = z
  .object({
    /** Provider for extraction, judging, merging and rewriting. @default the chat provider */
    provider: z.string().min(1).optional(),
    /** Model for learning. @default the chat model (or the provider's default when the provider differs) */
    model: z.string().min(1).optional(),
  })
  .strict();

export const RetrievalSettingsSchema = z
  .object({
    /** Default scope of a request; a request may narrow it. @default 'all' */
    scope: SkillScopeSchema.default('all'),
    /** Skills injected at most. @default 1 */
    topK: z.number().int().min(1).max(50).default(1),
    /** Calibrated final score a hit needs (see docs/retrieval.md). @default 0.4 */
    minScore: z.number().min(0).max(1).default(0.4),
    /** `auto` rewrites only when the latest message depends on earlier turns. @default 'auto' */
    rewriteMode: RewriteModeSchema.default('auto'),
    /** Earlier turns the rewriter reads. @default 6 */
    rewriteHistoryTurns: z.number().int().min(0).max(100).default(6),
    /** Upper bound on the rendered skill context, in tokens. @default 1500 */
    maxContextTokens: z.number().int().min(100).max(100_000).default(1500),
    /** `llm`: a model filters retrieved skills before injection. @default 'off' */
    selection: z.enum(['off', 'llm']).default('off'),
  })
  .strict();

export const ExtractionSettingsSchema = z
  .object({
    /** @default 'auto' */
    mode: ExtractModeSchema.default('auto'),
    /** In `auto` mode, extract every N user turns. @default 1 */
    turnLimit: z.number().int().min(1).max(1000).default(1),
    /** Messages handed to the extractor (the seeds' ingest window). @default 6 */
    window: z.number().int().min(2).max(200).default(6),
    /** Extraction jobs running at once across all users. @default 2 */
    maxConcurrentJobs: z.number().int().min(1).max(64).default(2),
    /** Retries of a job after a transient model error. @default 2 */
    maxRetries: z.number().int().min(0).max(10).default(2),
    /** Job records kept per user (oldest dropped first). @default 200 */
    retentionPerUser: z.number().int().min(1).max(100_000).default(200),
    /**
     * Put the skill written (its fields and SKILL.md) into `completed` job events, as the seeds'
     * `--extract-event-details`; without it events carry only the summaries in `upserted`. @default true
     */
    eventSkillDetails: z.boolean().default(true),
    /** Cut the SKILL.md in job events to this many characters (0 = whole). @default 0 */
    eventMaxMdChars: z.number().int().min(0).default(0),
  })
  .strict();

const ServedModelSchema = z.union([
  z.string().min(1),
  z
    .object({
      id: z.string().min(1),
      object: z.string().optional(),
      owned_by: z.string().optional(),
      created: z.number().optional(),
    })
    .loose(),
]);

export const ServerSettingsSchema = z
  .object({
    /** @default '127.0.0.1' */
    host: z.string().min(1).default('127.0.0.1'),
    /** @default the command's own port (serve and proxy 9000, web 8000) */
    port: z.number().int().min(0).max(65_535).optional(),
    /** One shared application key; auth is off when no key of any kind is configured. */
    proxyApiKey: z.string().min(1).optional(),
    /** Models listed by `GET /v1/models` (ids or objects). @default [] (the configured model) */
    servedModels: z.array(ServedModelSchema).default([]),
    /** Allowed browser origins for CORS. @default [] (CORS off) */
    corsOrigins: z.array(z.string().min(1)).default([]),
    /** Largest request body in bytes. @default 10485760 */
    bodyLimitBytes: z
      .number()
      .int()
      .min(1024)
      .default(10 * 1024 * 1024),
    /** Requests per minute per key (0 = unlimited). @default 0 */
    rateLimitPerMinute: z.number().int().min(0).default(0),
    /** Add the `autoskill` field to chat completion responses. @default true */
    includeAutoskillField: z.boolean().default(true),
  })
  .strict();

export const AuthSettingsSchema = z
  .object({
    /** HS256 secret for JWT bearer tokens. */
    jwtSecret: z.string().min(1).optional(),
    /** JWKS document (URL or file path) for RS256/ES256 tokens. */
    jwksUrl: z.string().min(1).optional(),
    jwksFile: z.string().min(1).optional(),
    /** Claim that names the user. @default 'sub' */
    jwtUserClaim: z.string().min(1).default('sub'),
    jwtIssuer: z.string().min(1).optional(),
    jwtAudience: z.string().min(1).optional(),
  })
  .strict();

export const StartupSettingsSchema = z
  .object({
    /** Write missing ids into user SKILL.md files at start. @default true */
    autoNormalizeIds: z.boolean().default(true),
    /** Folders imported at start (`AUTOSKILL_AUTO_IMPORT_DIRS`). @default [] */
    autoImportDirs: z.array(z.string().min(1)).default([]),
    /** @default 'common' */
    autoImportScope: z.enum(['common', 'user']).default('common'),
    /** Library name for common imports. @default the source folder's name */
    autoImportLibrary: z.string().min(1).optional(),
    /** @default false */
    autoImportOverwrite: z.boolean().default(false),
    /** @default true */
    autoImportIncludeFiles: z.boolean().default(true),
    /** @default 6 */
    autoImportMaxDepth: z.number().int().min(1).max(32).default(6),
  })
  .strict();

export const AutoSkillConfigSchema = z
  .object({
    /** Default user when a request names none. @default 'u1' */
    userId: z.string().min(1).default('u1'),
    store: StoreSettingsSchema.default(() => StoreSettingsSchema.parse({})),
    llm: LLMConfigSchema.default(() => LLMConfigSchema.parse({})),
    learnLlm: LearnLLMSettingsSchema.default({}),
    embeddings: EmbeddingConfigSchema.default(() => EmbeddingConfigSchema.parse({})),
    retrieval: RetrievalSettingsSchema.default(() => RetrievalSettingsSchema.parse({})),
    extraction: ExtractionSettingsSchema.default(() => ExtractionSettingsSchema.parse({})),
    server: ServerSettingsSchema.default(() => ServerSettingsSchema.parse({})),
    auth: AuthSettingsSchema.default(() => AuthSettingsSchema.parse({})),
    startup: StartupSettingsSchema.default(() => StartupSettingsSchema.parse({})),
  })
  .strict();

/** The config file and programmatic input: everything optional. */
export type AutoSkillConfig = z.input<typeof AutoSkillConfigSchema>;
/** After resolution: everything present. */
export type ResolvedConfig = z.output<typeof AutoSkillConfigSchema>;
