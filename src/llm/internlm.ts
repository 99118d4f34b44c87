/**
 * @module The `internlm` connector (aliases `intern`, `intern-s1`, `intern-s1-pro`): the Intern chat API
 * (LMDeploy, OpenAI-compatible). Thinking mode is on by default (`thinking_mode: true`); a server that
 * rejects the flag gets the call again without it, and the connector stops sending it. Reasoning comes
 * back as `reasoning_content` and is surfaced as `reasoning-delta` parts.
 * @see https://internlm.intern-ai.org.cn/api/document
 */
import { type LLMConfig, readEnvUrl, requireApiKey } from './config.js';
import { chatCompletionsUrl, createOpenAICompatibleConnector } from './openai-compatible.js';
import type { LLMFactoryContext } from './registry.js';
import type { LLMConnector } from './types.js';

export const INTERNLM_DEFAULT_MODEL = 'intern-s1-pro';
export const INTERNLM_DEFAULT_BASE_URL = 'https://chat.intern-ai.org.cn/api/v1';
const KEY_VARIABLES = ['INTERNLM_API_KEY', 'INTERN_API_KEY', 'INTERNLM_TOKEN'];

export function createInternLMLLMConnector(
  config: LLMConfig,
  { env, fetch }: LLMFactoryContext,
): LLMConnector {
  const apiKey = requireApiKey({ provider: 'internlm', config, env, envNames: KEY_VARIABLES });
  const baseUrl = config.baseUrl ?? readEnvUrl(env, 'INTERNLM_BASE_URL') ?? INTERNLM_DEFAULT_BASE_URL;
  return createOpenAICompatibleConnector({
    provider: 'internlm',
    modelId: config.model ?? INTERNLM_DEFAULT_MODEL,
    url: chatCompletionsUrl(baseUrl),
    config,
    fetch,
    headers: () => ({ authorization: `Bearer ${apiKey}` }),
    secrets: [apiKey],
    keyHint: 'set INTERNLM_API_KEY (or apiKey in the LLM config) to a valid token',
    endpointHint: 'check INTERNLM_BASE_URL / baseUrl and the network',
    providerFields: { thinking_mode: config.thinkingMode ?? true },
  });
}
