/**
 * @module The LLM provider layer: the connector contract, the registry with every built-in connector,
 * the config schema, the offline stand-in and the helpers other layers need. Import from here.
 */
export {
  createDefaultLLMConnectorRegistry,
  createLLMConnector,
  listLLMConnectors,
  registerLLMConnector,
  resolveLLMProviderName,
} from './builtin.js';
export {
  type LLMConfig,
  type LLMConfigInput,
  LLMConfigSchema,
  type LLMEnv,
  resolveLLMConfig,
} from './config.js';
export { type ResolveLearnLLMConfigOptions, resolveLearnLLMConfig } from './learn-config.js';
export { fitMessagesToBudget, messageText } from './messages.js';
export {
  createOfflineLLMConnector,
  defaultOfflineResponse,
  OFFLINE_EMPTY_SKILLS,
  type OfflineLLMConnectorOptions,
  type OfflineResponder,
} from './offline.js';
export {
  type CreateLLMConnectorOptions,
  createLLMConnectorRegistry,
  type LLMConnectorFactory,
  type LLMConnectorRegistry,
  type LLMFactoryContext,
  type RegisterLLMConnectorOptions,
} from './registry.js';
export { collectLLMStream } from './stream.js';
export { splitThinkTags } from './think-tags.js';
export type {
  LLMCallOptions,
  LLMConnector,
  LLMContentPart,
  LLMFinishReason,
  LLMGenerateResult,
  LLMMessage,
  LLMRole,
  LLMStreamPart,
  LLMTextPart,
  LLMUsage,
} from './types.js';
