/**
 * @module The environment as plain data: nothing below the entry points reads `process.env`; they pass
 * an `Env` object down, and these helpers read it the same way everywhere (an empty variable is unset).
 */
import { AutoSkillError } from './errors.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** The first non-empty value among `names` (an empty variable counts as unset, as in the seeds). */
export function readEnv(env: Env, ...names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return value;
  }
  return undefined;
}

export interface RequireApiKeyOptions {
  /** `LLM` or `embedding`: which config the key belongs to, for the message. */
  kind: string;
  provider: string;
  /** The key given in the config, if any. */
  configured: string | undefined;
  env: Env;
  /** Variables tried in order; all are named in the error. */
  envNames: readonly string[];
}

/** The configured key, else the first variable that is set, else `MISSING_API_KEY` saying what to set. */
export function requireApiKey({ kind, provider, configured, env, envNames }: RequireApiKeyOptions): string {
  const key = configured ?? readEnv(env, ...envNames);
  if (key) return key;
  throw new AutoSkillError(
    'MISSING_API_KEY',
    `The ${provider} ${kind} provider needs an API key: set ${envNames.join(' or ')}, or pass apiKey in the ${kind} config.`,
    { details: { provider, envNames: [...envNames] } },
  );
}
