/**
 * @module Turns the HTTP client's typed failures into messages that name the provider, the status and
 * what to do, and decides when a rejected optional request field may be dropped and the call repeated
 * (servers that do not know `thinking_mode`, `stream_options`, `response_format`, …).
 */
import { AutoSkillError, errorMessage, isAutoSkillError } from '../shared/errors.js';

export interface ExplainOptions {
  /** Canonical provider name. */
  provider: string;
  modelId: string;
  /** What fixes a rejected key, e.g. "set OPENAI_API_KEY (or apiKey in the LLM config)". */
  keyHint: string;
  /** What fixes an unreachable server, e.g. "check baseUrl / AUTOSKILL_GENERIC_LLM_URL". */
  endpointHint?: string;
  /** Extra advice for a 404 (Ollama: pull the model). */
  notFoundHint?: string;
}

function statusOf(error: AutoSkillError): number | undefined {
  const status = error.details['statusCode'];
  return typeof status === 'number' ? status : undefined;
}

function attemptsOf(error: AutoSkillError): string {
  const attempts = error.details['attempts'];
  return typeof attempts === 'number' ? `${attempts} attempt${attempts === 1 ? '' : 's'}` : 'retries';
}

function adviceFor(error: AutoSkillError, options: ExplainOptions): string {
  const status = statusOf(error);
  const reason = error.details['reason'];
  if (reason === 'stream-idle') return 'The stream went silent: raise timeoutMs or try again.';
  if (reason === 'stream-broken' || reason === 'stream-incomplete') {
    return 'The connection broke off mid-reply; try again.';
  }
  if (error.code === 'UPSTREAM_TIMEOUT') {
    return `No reply in time after ${attemptsOf(error)}: raise timeoutMs or check the network.`;
  }
  if (error.code === 'INVALID_RESPONSE') {
    return `The ${options.provider} reply was not in the expected format; check that baseUrl points at the ${options.provider} API or one compatible with it.`;
  }
  if (status === undefined) {
    return `Could not reach the server after ${attemptsOf(error)}: ${options.endpointHint ?? 'check baseUrl and the network'}.`;
  }
  if (status === 401 || status === 403) return `The API key was rejected: ${options.keyHint}.`;
  if (status === 404) {
    return options.notFoundHint ?? `Check the model name "${options.modelId}" and the base URL.`;
  }
  if (status === 429) {
    return `Rate limited after ${attemptsOf(error)}: wait, send fewer requests, or raise maxRetries.`;
  }
  if (status >= 500) return `The provider failed after ${attemptsOf(error)}; try again later.`;
  return `The provider rejected the request for model "${options.modelId}"; see its message above.`;
}

/**
 * Returns an AutoSkillError with the same code, retryability and details plus `hint`, whose message
 * ends with advice. Caller aborts and non-AutoSkill errors pass through unchanged (the latter wrapped).
 */
export function explainUpstreamError(error: unknown, options: ExplainOptions): AutoSkillError {
  if (!isAutoSkillError(error)) {
    return new AutoSkillError('UPSTREAM_ERROR', `${options.provider} call failed: ${errorMessage(error)}`, {
      cause: error,
      details: { provider: options.provider },
    });
  }
  if (error.code === 'ABORTED' || error.details['hint'] !== undefined) return error;
  if (!['UPSTREAM_ERROR', 'UPSTREAM_TIMEOUT', 'INVALID_RESPONSE'].includes(error.code)) return error;
  const hint = adviceFor(error, options);
  const named = error.message.includes(options.provider)
    ? error.message
    : `${options.provider}: ${error.message}`;
  return new AutoSkillError(error.code, `${named.replace(/[.\s]+$/, '')}. ${hint}`, {
    cause: error,
    isRetryable: error.isRetryable,
    details: { ...error.details, provider: options.provider, model: options.modelId, hint },
  });
}

/**
 * The optional body field a 4xx rejection names, when it names one of `candidates` that the body
 * carries: the call can be repeated without it. Auth, not-found and rate-limit statuses never qualify.
 */
export function rejectedOptionalField(
  error: unknown,
  body: Readonly<Record<string, unknown>>,
  candidates: readonly string[],
): string | undefined {
  if (!isAutoSkillError(error, 'UPSTREAM_ERROR')) return undefined;
  const status = statusOf(error);
  if (status === undefined || status < 400 || status >= 500 || [401, 403, 404, 429].includes(status)) {
    return undefined;
  }
  const text = `${String(error.details['responseBody'] ?? '')} ${error.message}`;
  return candidates.find(
    (field) => field in body && new RegExp(`(^|[^A-Za-z0-9_])${field}([^A-Za-z0-9_]|$)`).test(text),
  );
}
