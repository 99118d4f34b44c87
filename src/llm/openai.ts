/**
 * @module The `openai` connector: OpenAI's Chat Completions API with `OPENAI_API_KEY`.
 * @see https://platform.openai.com/docs/api-reference/chat/create
 */
import { type LLMConfig, readEnvUrl, requireApiKey } from './config.js';
import { chatCompletionsUrl, createOpenAICompatibleConnector } from './openai-compatible.js';
import type { LLMFactoryContext } from './registry.js';
import type { LLMConnector } from './types.js';

export const OPENAI_DEFAULT_MODEL = 'gpt-4o-mini';
export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

export function createOpenAILLMConnector(config: LLMConfig, { env, fetch }: LLMFactoryContext): LLMConnector {
  const apiKey = requireApiKey({ provider: 'openai', config, env, envNames: ['OPENAI_API_KEY'] });
  const baseUrl = config.baseUrl ?? readEnvUrl(env, 'OPENAI_BASE_URL') ?? OPENAI_DEFAULT_BASE_URL;
  return createOpenAICompatibleConnector({
    provider: 'openai',
    modelId: config.model ?? OPENAI_DEFAULT_MODEL,
    url: chatCompletionsUrl(baseUrl),
    config,
    fetch,
    headers: () => ({ authorization: `Bearer ${apiKey}` }),
    secrets: [apiKey],
    keyHint: 'set OPENAI_API_KEY (or apiKey in the LLM config) to a valid key',
    endpointHint: 'check OPENAI_BASE_URL / baseUrl and the network',
    // Newer OpenAI models reject `max_tokens`; the connector switches back if a server wants the old name.
    maxTokensField: 'max_completion_tokens',
  });
}
