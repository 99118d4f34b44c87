/**
 * @module Resolves the product configuration from, in order of precedence, command-line flags,
 * environment variables (the seeds' names), a config file, and the schema defaults. Each concern has its
 * own small resolver that maps flags or env onto the config shape; they are listed in `RESOLVERS` and
 * merged by one deep merge, then validated once.
 */
import type { Env } from '../shared/env.js';
import { AutoSkillError } from '../shared/errors.js';
import { validate } from '../shared/json.js';
import { type AutoSkillConfig, AutoSkillConfigSchema, type ResolvedConfig } from './schema.js';

export type { Env };

/** Flags as commander hands them over (camelCase names, strings or string arrays). */
export type CliFlags = Readonly<Record<string, unknown>>;

type Partial = Record<string, unknown>;

interface ResolverInput {
  flags: CliFlags;
  env: Env;
}

/** Where a value came from, for error messages that name what the user must fix. */
interface Source {
  value: string;
  origin: string;
}

function envValue(env: Env, ...names: string[]): Source | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return { value, origin: `environment variable ${name}` };
  }
  return undefined;
}

function flagValue(flags: CliFlags, name: string, flag: string): Source | undefined {
  const value = flags[name];
  if (value === undefined || value === null || value === '') return undefined;
  return { value: String(value), origin: `flag ${flag}` };
}

function pick(
  flags: CliFlags,
  env: Env,
  flag: [string, string] | null,
  ...envNames: string[]
): Source | undefined {
  return (flag ? flagValue(flags, flag[0], flag[1]) : undefined) ?? envValue(env, ...envNames);
}

function toNumber(source: Source | undefined): number | undefined {
  if (!source) return undefined;
  const number = Number(source.value);
  if (!Number.isFinite(number)) {
    throw new AutoSkillError('INVALID_CONFIG', `${source.origin} must be a number, got "${source.value}".`, {
      details: { origin: source.origin, value: source.value },
    });
  }
  return number;
}

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off']);

function toBoolean(source: Source | undefined): boolean | undefined {
  if (!source) return undefined;
  const word = source.value.toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  throw new AutoSkillError(
    'INVALID_CONFIG',
    `${source.origin} must be one of 1/true/yes/on or 0/false/no/off, got "${source.value}".`,
    {
      details: { origin: source.origin, value: source.value },
    },
  );
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

function flagList(flags: CliFlags, name: string): string[] {
  const value = flags[name];
  if (Array.isArray(value)) return value.map(String).filter((item) => item.length > 0);
  return typeof value === 'string' && value.length > 0 ? [value] : [];
}

function parseJsonSource(source: Source | undefined): unknown {
  if (!source) return undefined;
  try {
    return JSON.parse(source.value) as unknown;
  } catch (cause) {
    throw new AutoSkillError(
      'INVALID_CONFIG',
      `${source.origin} must be valid JSON: ${(cause as Error).message}`,
      {
        cause,
        details: { origin: source.origin },
      },
    );
  }
}

/** Drops undefined values and empty objects so a merge never overwrites a setting with "unset". */
function compact(value: Partial): Partial {
  const out: Partial = {};
  for (const [key, inner] of Object.entries(value)) {
    if (inner === undefined) continue;
    if (inner !== null && typeof inner === 'object' && !Array.isArray(inner)) {
      const nested = compact(inner as Partial);
      if (Object.keys(nested).length > 0) out[key] = nested;
    } else {
      out[key] = inner;
    }
  }
  return out;
}

/** Deep merge of plain objects; arrays and scalars of `override` replace those of `base`. */
export function deepMerge(base: Partial, override: Partial): Partial {
  const out: Partial = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    const bothObjects =
      value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      current !== null &&
      typeof current === 'object' &&
      !Array.isArray(current);
    out[key] = bothObjects ? deepMerge(current as Partial, value as Partial) : value;
  }
  return out;
}

export function resolveStoreOptions({ flags, env }: ResolverInput): Partial {
  const libraryDirs = [...flagList(flags, 'libraryDir')];
  const envLibraries = envValue(env, 'AUTOSKILL_LIBRARY_DIRS');
  if (envLibraries) libraryDirs.push(...splitList(envLibraries.value));
  // The store is named by the most specific source (flag > environment > file): a `--store-dir` flag beats
  // a URL from the environment or the file, `AUTOSKILL_STORE_DIR` beats the file's URL; at the same level
  // a URL wins.
  const dirFlag = flagValue(flags, 'storeDir', '--store-dir');
  const urlFlag = flagValue(flags, 'storeUrl', '--store-url');
  const dirEnv = envValue(env, 'AUTOSKILL_STORE_DIR', 'AUTOSKILL_STORE_PATH');
  const url = (urlFlag ?? (dirFlag ? undefined : envValue(env, 'AUTOSKILL_STORE_URL')))?.value;
  return {
    store: {
      provider: url ? 'postgres' : dirFlag || dirEnv ? 'filesystem' : undefined,
      dir: pick(flags, env, ['storeDir', '--store-dir'], 'AUTOSKILL_STORE_DIR', 'AUTOSKILL_STORE_PATH')
        ?.value,
      url,
      libraryDirs: libraryDirs.length > 0 ? libraryDirs : undefined,
      durability: pick(flags, env, ['durability', '--durability'], 'AUTOSKILL_STORE_DURABILITY')?.value,
    },
    userId: pick(flags, env, ['userId', '--user-id'], 'AUTOSKILL_USER_ID')?.value,
  };
}

/**
 * The seeds pick the chat provider from whichever key is set, in this order, when none is named;
 * with no key at all the product runs offline.
 */
const PROVIDER_BY_ENV: ReadonlyArray<[string[], string]> = [
  [['AUTOSKILL_GENERIC_LLM_URL'], 'generic'],
  [['DASHSCOPE_API_KEY'], 'dashscope'],
  [['ZHIPUAI_API_KEY', 'BIGMODEL_API_KEY'], 'glm'],
  [['INTERNLM_API_KEY', 'INTERN_API_KEY'], 'internlm'],
  [['OPENAI_API_KEY'], 'openai'],
  [['ANTHROPIC_API_KEY'], 'anthropic'],
];

export function autoPickLLMProvider(env: Env): string {
  for (const [names, provider] of PROVIDER_BY_ENV) {
    if (envValue(env, ...names)) return provider;
  }
  return 'offline';
}

export function resolveLLMOptions({ flags, env }: ResolverInput): Partial {
  return {
    llm: {
      provider: pick(flags, env, ['llmProvider', '--llm-provider'], 'AUTOSKILL_LLM_PROVIDER')?.value,
      model: pick(flags, env, ['llmModel', '--llm-model'], 'AUTOSKILL_LLM_MODEL')?.value,
      timeoutMs: (() => {
        const seconds = toNumber(envValue(env, 'AUTOSKILL_TIMEOUT_S'));
        return seconds === undefined ? undefined : Math.round(seconds * 1000);
      })(),
    },
    learnLlm: {
      provider: pick(flags, env, ['learnLlmProvider', '--learn-llm-provider'], 'AUTOSKILL_LEARN_LLM_PROVIDER')
        ?.value,
      model: pick(flags, env, ['learnLlmModel', '--learn-llm-model'], 'AUTOSKILL_LEARN_LLM_MODEL')?.value,
    },
  };
}

export function resolveEmbeddingOptions({ flags, env }: ResolverInput): Partial {
  return {
    embeddings: {
      provider: pick(
        flags,
        env,
        ['embeddingsProvider', '--embeddings-provider'],
        'AUTOSKILL_EMBEDDINGS_PROVIDER',
        'AUTOSKILL_EMBEDDING_PROVIDER',
      )?.value,
      model: pick(flags, env, ['embeddingsModel', '--embeddings-model'], 'AUTOSKILL_EMBEDDINGS_MODEL')?.value,
      dimensions: toNumber(
        pick(flags, env, ['embeddingsDims', '--embeddings-dims'], 'AUTOSKILL_EMBEDDINGS_DIMS'),
      ),
    },
  };
}

export function resolveRetrievalOptions({ flags, env }: ResolverInput): Partial {
  return {
    retrieval: {
      scope: pick(flags, env, ['skillScope', '--skill-scope'], 'AUTOSKILL_SKILL_SCOPE')?.value,
      topK: toNumber(pick(flags, env, ['topK', '--top-k'], 'AUTOSKILL_TOP_K')),
      minScore: toNumber(pick(flags, env, ['minScore', '--min-score'], 'AUTOSKILL_MIN_SCORE')),
      rewriteMode: pick(flags, env, ['rewriteMode', '--rewrite-mode'], 'AUTOSKILL_REWRITE_MODE')?.value,
      rewriteHistoryTurns: toNumber(
        pick(
          flags,
          env,
          ['rewriteHistoryTurns', '--rewrite-history-turns'],
          'AUTOSKILL_REWRITE_HISTORY_TURNS',
        ),
      ),
      selection: pick(flags, env, ['selection', '--selection'], 'AUTOSKILL_SELECTION')?.value,
    },
  };
}

export function resolveExtractionOptions({ flags, env }: ResolverInput): Partial {
  const enabled = toBoolean(
    pick(flags, env, ['extractEnabled', '--extract-enabled'], 'AUTOSKILL_EXTRACT_ENABLED'),
  );
  return {
    extraction: {
      // The seeds' --extract-enabled 0 predates --extract-mode; it means "never".
      mode:
        pick(flags, env, ['extractMode', '--extract-mode'], 'AUTOSKILL_EXTRACT_MODE')?.value ??
        (enabled === false ? 'never' : undefined),
      turnLimit: toNumber(
        pick(flags, env, ['extractTurnLimit', '--extract-turn-limit'], 'AUTOSKILL_EXTRACT_TURN_LIMIT'),
      ),
      window: toNumber(pick(flags, env, ['ingestWindow', '--ingest-window'], 'AUTOSKILL_INGEST_WINDOW')),
      maxConcurrentJobs: toNumber(
        pick(flags, env, ['maxBgExtractJobs', '--max-bg-extract-jobs'], 'AUTOSKILL_MAX_BG_EXTRACT_JOBS'),
      ),
      eventSkillDetails: toBoolean(
        pick(
          flags,
          env,
          ['extractEventDetails', '--extract-event-details'],
          'AUTOSKILL_PROXY_EXTRACT_EVENT_DETAILS',
        ),
      ),
      eventMaxMdChars: toNumber(
        pick(
          flags,
          env,
          ['extractEventMaxMdChars', '--extract-event-max-md-chars'],
          'AUTOSKILL_PROXY_EXTRACT_EVENT_MAX_MD_CHARS',
        ),
      ),
    },
  };
}

export function resolveServerOptions({ flags, env }: ResolverInput): Partial {
  const servedModels: unknown[] = flagList(flags, 'servedModel');
  const modelsJson = parseJsonSource(
    pick(flags, env, ['servedModelsJson', '--served-models-json'], 'AUTOSKILL_PROXY_MODELS'),
  );
  if (modelsJson !== undefined) {
    if (!Array.isArray(modelsJson)) {
      throw new AutoSkillError(
        'INVALID_CONFIG',
        '--served-models-json / AUTOSKILL_PROXY_MODELS must be a JSON list.',
        {
          details: { value: modelsJson },
        },
      );
    }
    servedModels.push(...modelsJson);
  }
  const corsOrigins = flagList(flags, 'corsOrigin');
  const envCors = envValue(env, 'AUTOSKILL_CORS_ORIGINS');
  if (envCors) corsOrigins.push(...splitList(envCors.value));
  const includeAutoskillField =
    flags['autoskillField'] === false ? false : toBoolean(envValue(env, 'AUTOSKILL_RESPONSE_FIELD'));
  return {
    server: {
      // AUTOSKILL_PROXY_HOST / _PORT are the seeds' proxy variables (`web` maps its own onto flags).
      host: pick(flags, env, ['host', '--host'], 'AUTOSKILL_HOST', 'AUTOSKILL_PROXY_HOST')?.value,
      port: toNumber(pick(flags, env, ['port', '--port'], 'AUTOSKILL_PORT', 'AUTOSKILL_PROXY_PORT')),
      proxyApiKey: pick(flags, env, ['proxyApiKey', '--proxy-api-key'], 'AUTOSKILL_PROXY_API_KEY')?.value,
      servedModels: servedModels.length > 0 ? servedModels : undefined,
      corsOrigins: corsOrigins.length > 0 ? corsOrigins : undefined,
      rateLimitPerMinute: toNumber(
        pick(flags, env, ['rateLimit', '--rate-limit'], 'AUTOSKILL_RATE_LIMIT_PER_MINUTE'),
      ),
      bodyLimitBytes: toNumber(pick(flags, env, ['bodyLimit', '--body-limit'], 'AUTOSKILL_BODY_LIMIT_BYTES')),
      includeAutoskillField,
    },
  };
}

export function resolveAuthOptions({ flags, env }: ResolverInput): Partial {
  return {
    auth: {
      jwtSecret: pick(flags, env, ['jwtSecret', '--jwt-secret'], 'AUTOSKILL_JWT_SECRET')?.value,
      jwksUrl: pick(flags, env, ['jwksUrl', '--jwks-url'], 'AUTOSKILL_JWKS_URL')?.value,
      jwksFile: pick(flags, env, ['jwksFile', '--jwks-file'], 'AUTOSKILL_JWKS_FILE')?.value,
      jwtUserClaim: pick(flags, env, ['jwtUserClaim', '--jwt-user-claim'], 'AUTOSKILL_JWT_USER_CLAIM')?.value,
      jwtIssuer: pick(flags, env, ['jwtIssuer', '--jwt-issuer'], 'AUTOSKILL_JWT_ISSUER')?.value,
      jwtAudience: pick(flags, env, ['jwtAudience', '--jwt-audience'], 'AUTOSKILL_JWT_AUDIENCE')?.value,
    },
  };
}

export function resolveStartupOptions({ env }: ResolverInput): Partial {
  const dirs = envValue(env, 'AUTOSKILL_AUTO_IMPORT_DIRS');
  return {
    startup: {
      autoNormalizeIds: toBoolean(envValue(env, 'AUTOSKILL_AUTO_NORMALIZE_IDS')),
      autoImportDirs: dirs ? [...new Set(splitList(dirs.value))] : undefined,
      autoImportScope: envValue(env, 'AUTOSKILL_AUTO_IMPORT_SCOPE')?.value.toLowerCase(),
      autoImportLibrary: envValue(env, 'AUTOSKILL_AUTO_IMPORT_LIBRARY')?.value,
      autoImportOverwrite: toBoolean(envValue(env, 'AUTOSKILL_AUTO_IMPORT_OVERWRITE')),
      autoImportIncludeFiles: toBoolean(envValue(env, 'AUTOSKILL_AUTO_IMPORT_INCLUDE_FILES')),
      autoImportMaxDepth: toNumber(envValue(env, 'AUTOSKILL_AUTO_IMPORT_MAX_DEPTH')),
    },
  };
}

/** Every resolver, in no particular order: each owns disjoint keys. A test checks they are all listed. */
export const RESOLVERS = [
  resolveStoreOptions,
  resolveLLMOptions,
  resolveEmbeddingOptions,
  resolveRetrievalOptions,
  resolveExtractionOptions,
  resolveServerOptions,
  resolveAuthOptions,
  resolveStartupOptions,
] as const;

/**
 * The embedding provider the seeds pair with a chat provider when none is named: the same vendor's
 * embeddings where it has them and its key is there, else the offline hashing embedder.
 */
export function defaultEmbeddingProvider(llmProvider: string, env: Env): string {
  switch (llmProvider) {
    case 'glm':
    case 'bigmodel':
    case 'zhipu':
      return 'glm';
    case 'dashscope':
    case 'qwen':
      return 'dashscope';
    case 'openai':
      return 'openai';
    case 'generic':
      return envValue(env, 'AUTOSKILL_GENERIC_EMBED_URL') ? 'generic' : 'hashing';
    case 'anthropic':
      return envValue(env, 'OPENAI_API_KEY') ? 'openai' : 'hashing';
    default:
      return 'hashing';
  }
}

export interface ResolveConfigOptions {
  flags?: CliFlags;
  env?: Env;
  /** The parsed config file (see `loadConfigFile`). */
  file?: AutoSkillConfig;
}

export function resolveConfig({
  flags = {},
  env = {},
  file = {},
}: ResolveConfigOptions = {}): ResolvedConfig {
  const fromEnvAndFlags = RESOLVERS.map((resolver) => compact(resolver({ flags, env })));
  // Env and flags are resolved together by each resolver (flag first); both override the file.
  const merged = fromEnvAndFlags.reduce<Partial>(
    (acc, part) => deepMerge(acc, part),
    compact(file as Partial),
  );
  const llm = (merged['llm'] ?? {}) as Partial;
  if (llm['provider'] === undefined && llm['factory'] === undefined) {
    merged['llm'] = { ...llm, provider: autoPickLLMProvider(env) };
  }
  const embeddings = (merged['embeddings'] ?? {}) as Partial;
  if (embeddings['provider'] === undefined && embeddings['factory'] === undefined) {
    const provider = String((merged['llm'] as Partial)['provider']).toLowerCase();
    merged['embeddings'] = { ...embeddings, provider: defaultEmbeddingProvider(provider, env) };
  }
  return validate(merged, AutoSkillConfigSchema, { source: 'configuration', code: 'INVALID_CONFIG' });
}
