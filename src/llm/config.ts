/**
 * @module The LLM connector configuration: one strict zod schema (the source of both the input and the
 * resolved type) and the small helpers connectors share to read keys and settings from an injected env.
 */
import { z } from 'zod';
import { type Env, readEnv, requireApiKey as requireApiKeyFromEnv } from '../shared/env.js';
import { AutoSkillError } from '../shared/errors.js';
import { validate } from '../shared/json.js';

export const LLMConfigSchema = z
  .object({
    /** A registered provider name or alias (`openai`, `qwen`, `mock`, …). @default 'offline' */
    provider: z.string().trim().min(1).default('offline'),
    /**
     * A `"module:export"` factory string, loaded with `import()`; it wins over `provider`, which then
     * only names the connector in messages. Relative module paths resolve against the caller's cwd.
     */
    factory: z.string().trim().min(3).optional(),
    /** Model id. @default the provider's default model */
    model: z.string().trim().min(1).optional(),
    /** Base URL of the API, e.g. `https://api.openai.com/v1`. @default the provider's public endpoint */
    baseUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** API key. @default read from the provider's environment variable */
    apiKey: z.string().min(1).optional(),
    /** Whole-request timeout per attempt, in milliseconds. @default 60000 */
    timeoutMs: z.number().int().positive().default(60_000),
    /** Retries after the first attempt on 408/409/429/5xx and network errors. @default 2 */
    maxRetries: z.number().int().min(0).max(10).default(2),
    /** Default upper bound on generated tokens; a call's `maxTokens` wins. */
    maxTokens: z.number().int().positive().optional(),
    /** Default sampling temperature; a call's `temperature` wins. */
    temperature: z.number().min(0).max(2).optional(),
    /** Provider-specific fields merged into every request body (the connector's own fields win). */
    extraBody: z.record(z.string(), z.unknown()).optional(),
    /**
     * Ask for visible reasoning where the provider has a switch (InternLM `thinking_mode`, GLM
     * `thinking`, DashScope `enable_thinking`, Ollama `think`). @default on for internlm, unset elsewhere
     */
    thinkingMode: z.boolean().optional(),
    /**
     * Input budget in characters (every script counts, one per code point). Longer inputs are shortened
     * message by message, longest first, keeping head and tail; no message is dropped. @default 200000
     */
    maxInputChars: z.number().int().min(1_000).default(200_000),
  })
  .strict();

/** What a caller may pass: every field optional. */
export type LLMConfigInput = z.input<typeof LLMConfigSchema>;
/** After validation and defaults. */
export type LLMConfig = z.output<typeof LLMConfigSchema>;

/** The environment as plain data; connectors never read `process.env` themselves. */
export type LLMEnv = Env;
export { readEnv };

export function resolveLLMConfig(input: LLMConfigInput = {}): LLMConfig {
  return validate(input, LLMConfigSchema, { source: 'LLM config', code: 'INVALID_CONFIG' });
}

export interface RequireApiKeyOptions {
  provider: string;
  config: LLMConfig;
  env: LLMEnv;
  /** Environment variables to try, in order; the first is named in the error. */
  envNames: readonly string[];
}

/** The configured key, else the first env variable that is set, else a MISSING_API_KEY error saying what to set. */
export function requireApiKey({ provider, config, env, envNames }: RequireApiKeyOptions): string {
  return requireApiKeyFromEnv({ kind: 'LLM', provider, configured: config.apiKey, env, envNames });
}

/** A base URL from the environment, checked like `baseUrl` in the config. */
export function readEnvUrl(env: LLMEnv, name: string): string | undefined {
  const value = readEnv(env, name);
  if (value === undefined) return undefined;
  if (!/^https?:\/\/[^/\s]+/i.test(value)) {
    throw new AutoSkillError(
      'INVALID_CONFIG',
      `${name} must be an http(s) URL, e.g. http://127.0.0.1:8000/v1.`,
      {
        details: { variable: name },
      },
    );
  }
  return value;
}
