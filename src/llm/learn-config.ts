/**
 * @module The learning model (extraction, judging, merging, rewriting) may differ from the chat model:
 * `--learn-llm-provider` / `--learn-llm-model` default to the chat ones. This pure function derives the
 * learning connector's config from the chat config.
 */
import type { LLMConfigInput } from './config.js';

export interface ResolveLearnLLMConfigOptions {
  /** The chat model's config. */
  chat: LLMConfigInput;
  /** `--learn-llm-provider`; empty or absent means "same as chat". */
  learnProvider?: string;
  /** `--learn-llm-model`; empty or absent means the chat model (same provider) or the provider's default. */
  learnModel?: string;
  /**
   * Canonical name of a provider or alias (the registry's `resolveName`), so that `qwen` and
   * `dashscope` count as the same provider. @default lower-cased, trimmed name
   */
  canonicalName?: (name: string) => string | undefined;
}

/** Settings that belong to the endpoint and key of one provider; they never carry over to another. */
const PROVIDER_BOUND_KEYS = ['factory', 'model', 'baseUrl', 'apiKey', 'extraBody', 'thinkingMode'] as const;

/**
 * Same provider → the chat config with the learning model swapped in. Another provider → a fresh
 * config for it that keeps only the generic settings (timeouts, retries, token and input limits,
 * temperature); its key and URL come from its own environment variables.
 */
export function resolveLearnLLMConfig({
  chat,
  learnProvider,
  learnModel,
  canonicalName = (name) => name.trim().toLowerCase(),
}: ResolveLearnLLMConfigOptions): LLMConfigInput {
  const provider = learnProvider?.trim() || undefined;
  const model = learnModel?.trim() || undefined;
  const chatProvider = chat.provider ?? 'offline';
  const sameProvider =
    provider === undefined ||
    (canonicalName(provider) ?? provider.toLowerCase()) === (canonicalName(chatProvider) ?? chatProvider);
  if (sameProvider) return model === undefined ? { ...chat } : { ...chat, model };
  const learn: LLMConfigInput = { ...chat, provider };
  for (const key of PROVIDER_BOUND_KEYS) delete learn[key];
  if (model !== undefined) learn.model = model;
  return learn;
}
