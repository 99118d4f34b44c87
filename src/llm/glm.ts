/**
 * @module The `glm` connector (aliases `bigmodel`, `zhipu`): Zhipu BigModel's chat completions
 * (OpenAI-compatible wire format). A key `<id>.<secret>` is sent as a short-lived HS256 JWT; after an
 * auth failure the connector tries the JWT with second timestamps, then the raw key. The reply text is
 * the model's text: unlike the original, a prose answer is never replaced by a JSON fragment found in it.
 * `thinkingMode` maps to `thinking: {type: 'enabled' | 'disabled'}`.
 * @see https://docs.bigmodel.cn/api-reference/模型-api/对话补全
 */
import { createBigModelAuth } from '../http/index.js';
import { AutoSkillError } from '../shared/errors.js';
import { type LLMConfig, readEnvUrl, requireApiKey } from './config.js';
import { chatCompletionsUrl, createOpenAICompatibleConnector } from './openai-compatible.js';
import type { LLMFactoryContext } from './registry.js';
import type { LLMConnector } from './types.js';

export const GLM_DEFAULT_MODEL = 'glm-4.7';
export const GLM_DEFAULT_BASE_URL = 'https://open.bigmodel.cn/api/paas/v4';
const KEY_VARIABLES = ['ZHIPUAI_API_KEY', 'BIGMODEL_API_KEY'];

export function createGLMLLMConnector(config: LLMConfig, { env, fetch }: LLMFactoryContext): LLMConnector {
  const apiKey = requireApiKey({ provider: 'glm', config, env, envNames: KEY_VARIABLES });
  if (!/^[^.\s]+\.[^.\s]+$/.test(apiKey)) {
    throw new AutoSkillError(
      'INVALID_CONFIG',
      'The glm LLM provider needs a BigModel API key of the form "<id>.<secret>" (as shown on open.bigmodel.cn): check ZHIPUAI_API_KEY / BIGMODEL_API_KEY or apiKey in the LLM config.',
      { details: { provider: 'glm', envNames: KEY_VARIABLES } },
    );
  }
  const auth = createBigModelAuth({ apiKey, mode: 'auto' });
  let variant = 0;
  const baseUrl = config.baseUrl ?? readEnvUrl(env, 'BIGMODEL_BASE_URL') ?? GLM_DEFAULT_BASE_URL;
  return createOpenAICompatibleConnector({
    provider: 'glm',
    modelId: config.model ?? GLM_DEFAULT_MODEL,
    url: chatCompletionsUrl(baseUrl),
    config,
    fetch,
    headers: () => ({ authorization: auth.authorization(auth.variants[variant] ?? 'api-key') }),
    secrets: [apiKey, apiKey.slice(apiKey.indexOf('.') + 1)],
    keyHint:
      'set ZHIPUAI_API_KEY or BIGMODEL_API_KEY (or apiKey in the LLM config) to a valid "<id>.<secret>" key',
    endpointHint: 'check BIGMODEL_BASE_URL / baseUrl and the network',
    providerFields:
      config.thinkingMode === undefined
        ? {}
        : { thinking: { type: config.thinkingMode ? 'enabled' : 'disabled' } },
    nextCredentials: () => {
      if (variant + 1 >= auth.variants.length) return false;
      variant += 1;
      return true;
    },
  });
}
