/**
 * @module The embedding connector configuration: one strict zod schema (the source of the input and the
 * resolved type), the environment as plain data, and the helpers connectors share to read keys, URLs and
 * models from it with errors that name what to set.
 */
import { z } from 'zod';
import { type Env, readEnv, requireApiKey as requireApiKeyFromEnv } from '../shared/env.js';
import { AutoSkillError } from '../shared/errors.js';
import { validate } from '../shared/json.js';

export const EmbeddingConfigSchema = z
  .object({
    /** A registered provider name or alias (`hashing`, `openai`, `qwen`, `none`, …). @default 'hashing' */
    provider: z.string().trim().min(1).default('hashing'),
    /**
     * A `"module:export"` factory string loaded with `import()`; it wins over `provider`. Relative module
     * paths resolve against the caller's cwd.
     */
    factory: z.string().trim().min(3).optional(),
    /** Model id; for `hashing` it picks the algorithm. @default the provider's default model */
    model: z.string().trim().min(1).optional(),
    /** Base URL of the API, e.g. `https://api.openai.com/v1`. @default the provider's endpoint */
    baseUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** API key. @default read from the provider's environment variable(s) */
    apiKey: z.string().min(1).optional(),
    /**
     * Vector length. Sent to providers that accept it, checked on every response (`DIMENSION_MISMATCH`),
     * and part of the index signature. @default the model's native length (256 for `hashing`)
     */
    dimensions: z.number().int().positive().max(65_536).optional(),
    /** Per attempt, in milliseconds. @default 60000 */
    timeoutMs: z.number().int().positive().default(60_000),
    /** Retries after the first attempt on 408/409/429/5xx, timeouts and network errors. @default 2 */
    maxRetries: z.number().int().min(0).max(10).default(2),
    /** Texts per request, capped at the provider's limit. @default the provider's limit */
    batchSize: z.number().int().positive().optional(),
    /** Longest text sent, in characters; longer ones keep their head and tail. @default the provider's */
    maxInputChars: z.number().int().positive().optional(),
    /** Provider-specific fields merged into every request body (`model` and `input` stay ours). */
    extraBody: z.record(z.string(), z.unknown()).optional(),
    /** BigModel (GLM) authorisation: signed JWT, the raw key, or JWT falling back to the raw key. @default 'auto' */
    authMode: z.enum(['auto', 'jwt', 'api_key']).default('auto'),
  })
  .strict();

/** What a caller may pass: every field optional. */
export type EmbeddingConfigInput = z.input<typeof EmbeddingConfigSchema>;
/** After validation and defaults. */
export type EmbeddingConfig = z.output<typeof EmbeddingConfigSchema>;

/** Environment variables as plain data; nothing under `src/embeddings` reads `process.env`. */
export type EmbeddingEnv = Env;
export { readEnv };

export function resolveEmbeddingConfig(input: EmbeddingConfigInput = {}): EmbeddingConfig {
  const config = validate(input, EmbeddingConfigSchema, {
    source: 'embedding config',
    code: 'INVALID_CONFIG',
  });
  const bodyDimensions = config.extraBody?.['dimensions'];
  if (bodyDimensions !== undefined) {
    if (typeof bodyDimensions !== 'number' || !Number.isInteger(bodyDimensions) || bodyDimensions <= 0) {
      throw new AutoSkillError('INVALID_CONFIG', 'extraBody.dimensions must be a positive integer', {
        details: { source: 'embedding config' },
      });
    }
    if (config.dimensions !== undefined && config.dimensions !== bodyDimensions) {
      throw new AutoSkillError(
        'INVALID_CONFIG',
        `dimensions (${config.dimensions}) and extraBody.dimensions (${bodyDimensions}) disagree; set one`,
        { details: { source: 'embedding config' } },
      );
    }
    config.dimensions = bodyDimensions;
  }
  return config;
}

export interface RequireApiKeyOptions {
  provider: string;
  config: EmbeddingConfig;
  env: EmbeddingEnv;
  /** Variables tried in order and all named in the error. */
  envNames: readonly string[];
}

/** The configured key, else the first variable set, else `MISSING_API_KEY` saying what to set. */
export function requireApiKey({ provider, config, env, envNames }: RequireApiKeyOptions): string {
  return requireApiKeyFromEnv({ kind: 'embedding', provider, configured: config.apiKey, env, envNames });
}

/** A required setting that may come from config or env, else `INVALID_CONFIG` naming both. */
export function requireSetting(options: {
  provider: string;
  value: string | undefined;
  option: string;
  envName: string;
  example: string;
}): string {
  if (options.value) return options.value;
  throw new AutoSkillError(
    'INVALID_CONFIG',
    `The ${options.provider} embedding provider needs ${options.option}: set ${options.envName} or pass ${options.option} in the embedding config (e.g. ${options.example}).`,
    { details: { provider: options.provider, option: options.option, envName: options.envName } },
  );
}
