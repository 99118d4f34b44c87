/**
 * @module The HTTP layer every connector and the proxy build on: one client, one SSE decoder, BigModel auth.
 */
export {
  type BigModelAuth,
  type BigModelAuthMode,
  type BigModelAuthOptions,
  type BigModelAuthVariant,
  createBigModelAuth,
  signBigModelJwt,
  splitBigModelApiKey,
} from './bigmodel-auth.js';
export {
  type FetchFunction,
  type HttpRequestOptions,
  type JsonRequestOptions,
  type JsonResponse,
  type RawRequestOptions,
  type RetryEvent,
  requestJson,
  requestRaw,
  type SleepFunction,
} from './http-client.js';
export { clipText, REDACTED, redactSecrets, redactUrl, secretsFromHeaders } from './redact.js';
export {
  type BackoffOptions,
  computeRetryDelay,
  isRetryableStatus,
  parseRetryAfter,
} from './retry-policy.js';
export {
  createSseParserStream,
  decodeServerSentEvents,
  type JsonEventPart,
  type ParseJsonEventStreamOptions,
  parseJsonEventStream,
  type ServerSentEvent,
} from './sse.js';
