/**
 * @module The `generic` connector: any OpenAI-compatible server (vLLM, llama.cpp, LM Studio, LiteLLM, a
 * company gateway). There is no default host: the URL and model must be configured, and no
 * `Authorization` header is sent without a key.
 */
import { AutoSkillError } from '../shared/errors.js';
import { type LLMConfig, readEnv, readEnvUrl } from './config.js';
import { chatCompletionsUrl, createOpenAICompatibleConnector } from './openai-compatible.js';
import type { LLMFactoryContext } from './registry.js';
import type { LLMConnector } from './types.js';

export function createGenericLLMConnector(
  config: LLMConfig,
  { env, fetch }: LLMFactoryContext,
): LLMConnector {
  const baseUrl = config.baseUrl ?? readEnvUrl(env, 'AUTOSKILL_GENERIC_LLM_URL');
  if (baseUrl === undefined) {
    throw new AutoSkillError(
      'INVALID_CONFIG',
      'The generic LLM provider needs the URL of an OpenAI-compatible server: set AUTOSKILL_GENERIC_LLM_URL (or baseUrl in the LLM config), e.g. http://127.0.0.1:8000/v1.',
      { details: { provider: 'generic', envNames: ['AUTOSKILL_GENERIC_LLM_URL'] } },
    );
  }
  const modelId = config.model ?? readEnv(env, 'AUTOSKILL_GENERIC_LLM_MODEL');
  if (modelId === undefined) {
    throw new AutoSkillError(
      'INVALID_CONFIG',
      'The generic LLM provider needs a model name: set AUTOSKILL_GENERIC_LLM_MODEL (or model in the LLM config).',
      { details: { provider: 'generic', envNames: ['AUTOSKILL_GENERIC_LLM_MODEL'] } },
    );
  }
  const apiKey = config.apiKey ?? readEnv(env, 'AUTOSKILL_GENERIC_API_KEY');
  return createOpenAICompatibleConnector({
    provider: 'generic',
    modelId,
    url: chatCompletionsUrl(baseUrl),
    config,
    fetch,
    headers: () => ({ authorization: apiKey ? `Bearer ${apiKey}` : undefined }),
    secrets: apiKey ? [apiKey] : [],
    keyHint: apiKey
      ? 'check AUTOSKILL_GENERIC_API_KEY (or apiKey in the LLM config)'
      : 'the server wants a key: set AUTOSKILL_GENERIC_API_KEY (or apiKey in the LLM config)',
    endpointHint: `check AUTOSKILL_GENERIC_LLM_URL / baseUrl (${baseUrl}) and that the server is running`,
  });
}
