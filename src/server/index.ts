/**
 * @module The server entry point: the app factory, its route-module hook, listening, auth building
 * blocks (key store, JWT, rate limits, user resolution) and the upstream adapters.
 */
export {
  AUTOSKILL_REQUEST_HEADERS,
  type CorsSettings,
  type CreateServerAppOptions,
  createServerApp,
  packageVersion,
  type ServerLimits,
  type ServerRouteContext,
  type ServerRouteModule,
} from './app.js';
export {
  API_KEY_PREFIX,
  type ApiKeyRecord,
  type ApiKeyStore,
  buildApiKeyRecord,
  type CreateApiKeyInput,
  type CreatedApiKey,
  createMemoryApiKeyStore,
  generateApiKey,
  hashApiKey,
  type MemoryApiKeyStoreOptions,
} from './auth/api-key-store.js';
export {
  type Authenticator,
  type AuthOptions,
  createAuthenticator,
  isAuthEnabled,
  presentedCredential,
} from './auth/authenticate.js';
export { createJwtVerifier, type JwtOptions, type JwtVerifier, looksLikeJwt } from './auth/jwt.js';
export { createRateLimiter, type RateLimiter, type RateLimitOptions } from './auth/rate-limit.js';
export { mayActFor, requestedUser, resolveRequestUser, USER_HEADER } from './auth/resolve-user.js';
export type { Principal, ServerEnv, ServerVariables } from './context.js';
export {
  describeError,
  handleNotFound,
  handleServerError,
  type OpenAIErrorBody,
  openAIErrorBody,
} from './errors.js';
export { type RunningServer, type StartServerOptions, startServer } from './http/listen.js';
export { readBodyBytes, readJsonObject } from './http/read-body.js';
export {
  createServerLogger,
  createSilentLogger,
  REDACTED_LOG_PATHS,
  type ServerLoggerOptions,
} from './logger.js';
export { REQUEST_ID_HEADER, retrievalInfoToWire, SKILLS_HEADER } from './proxy/autoskill-field.js';
export { insertSkillMessage, parseScope } from './proxy/chat-request.js';
export { SCOPE_HEADER } from './proxy/chat-route.js';
export { normalizeServedModels, type ServedModel, type ServedModelInput } from './proxy/models-route.js';
export { type AnthropicUpstreamOptions, createAnthropicUpstream } from './proxy/upstreams/anthropic.js';
export {
  CHAT_UPSTREAM_PROVIDERS,
  type ChatUpstreamConfig,
  type CreateChatUpstreamOptions,
  createChatUpstream,
} from './proxy/upstreams/create.js';
export {
  createOfflineUpstream,
  type OfflineUpstreamOptions,
  offlineReplyText,
} from './proxy/upstreams/offline.js';
export {
  createOpenAICompatibleUpstream,
  type OpenAICompatibleUpstreamOptions,
} from './proxy/upstreams/openai-compatible.js';
export type { ChatUpstream, ForwardOptions } from './proxy/upstreams/types.js';
