/**
 * @module The `dashscope` connector (alias `qwen`): Alibaba Cloud Model Studio's OpenAI-compatible mode.
 * Only `DASHSCOPE_API_KEY` is read (the original fell back to `OPENAI_API_KEY` and would have sent an
 * OpenAI key to Aliyun). `thinkingMode` maps to `enable_thinking`.
 * @see https://help.aliyun.com/zh/model-studio/compatibility-of-openai-with-dashscope
 */
import { type LLMConfig, readEnvUrl, requireApiKey } from './config.js';
import { chatCompletionsUrl, createOpenAICompatibleConnector } from './openai-compatible.js';
import type { LLMFactoryContext } from './registry.js';
import type { LLMConnector } from './types.js';

export const DASHSCOPE_DEFAULT_MODEL = 'qwen-plus';
/** Beijing region; keys are bound to a region (Singapore: `https://dashscope-intl.aliyuncs.com/compatible-mode/v1`). */
export const DASHSCOPE_DEFAULT_BASE_URL = 'https://dashscope.aliyuncs.com/compatible-mode/v1';

export function createDashScopeLLMConnector(
  config: LLMConfig,
  { env, fetch }: LLMFactoryContext,
): LLMConnector {
  const apiKey = requireApiKey({ provider: 'dashscope', config, env, envNames: ['DASHSCOPE_API_KEY'] });
  const baseUrl = config.baseUrl ?? readEnvUrl(env, 'DASHSCOPE_BASE_URL') ?? DASHSCOPE_DEFAULT_BASE_URL;
  return createOpenAICompatibleConnector({
    provider: 'dashscope',
    modelId: config.model ?? DASHSCOPE_DEFAULT_MODEL,
    url: chatCompletionsUrl(baseUrl),
    config,
    fetch,
    headers: () => ({ authorization: `Bearer ${apiKey}` }),
    secrets: [apiKey],
    keyHint: 'set DASHSCOPE_API_KEY (or apiKey in the LLM config) to a key of the region baseUrl points at',
    endpointHint: 'check DASHSCOPE_BASE_URL / baseUrl and the network',
    providerFields: config.thinkingMode === undefined ? {} : { enable_thinking: config.thinkingMode },
  });
}
