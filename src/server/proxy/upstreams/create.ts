/**
 * @module Builds the proxy's upstream from the seeds' provider names and environment variables:
 * `openai`, `generic`, `dashscope`/`qwen`, `glm`, `internlm` and `ollama` are OpenAI-compatible URLs
 * (the body is forwarded as is), `anthropic` is translated, and `offline` (also `mock`, `none`, or no
 * provider) answers locally. Keys and URLs follow the LLM connectors' table (src/llm/README.md).
 */
import type { FetchFunction } from '../../../http/http-client.js';
import { ANTHROPIC_DEFAULT_MODEL } from '../../../llm/anthropic.js';
import { type LLMEnv, readEnv, readEnvUrl } from '../../../llm/config.js';
import { DASHSCOPE_DEFAULT_BASE_URL, DASHSCOPE_DEFAULT_MODEL } from '../../../llm/dashscope.js';
import { GLM_DEFAULT_BASE_URL, GLM_DEFAULT_MODEL } from '../../../llm/glm.js';
import { INTERNLM_DEFAULT_BASE_URL, INTERNLM_DEFAULT_MODEL } from '../../../llm/internlm.js';
import { OLLAMA_DEFAULT_BASE_URL, OLLAMA_DEFAULT_MODEL, ollamaBaseUrl } from '../../../llm/ollama.js';
import { OPENAI_DEFAULT_BASE_URL, OPENAI_DEFAULT_MODEL } from '../../../llm/openai.js';
import { AutoSkillError } from '../../../shared/errors.js';
import { createAnthropicUpstream } from './anthropic.js';
import { createOfflineUpstream } from './offline.js';
import { createOpenAICompatibleUpstream } from './openai-compatible.js';
import type { ChatUpstream } from './types.js';

export interface ChatUpstreamConfig {
  /** A provider name or alias. @default 'offline' */
  provider?: string;
  /** The configured model (listed by `/v1/models`; Anthropic's default when a request names none). */
  model?: string;
  baseUrl?: string;
  apiKey?: string;
  /** Wait for the upstream's response headers. @default 600000 */
  timeoutMs?: number;
  /** @default 0 */
  maxRetries?: number;
}

export interface CreateChatUpstreamOptions {
  /** Environment variables as data. @default {} */
  env?: LLMEnv;
  fetch?: FetchFunction;
  now?: () => number;
}

const ALIASES: Record<string, string> = {
  offline: 'offline',
  mock: 'offline',
  none: 'offline',
  openai: 'openai',
  generic: 'generic',
  universal: 'generic',
  custom: 'generic',
  'openai-compatible': 'generic',
  openai_compatible: 'generic',
  dashscope: 'dashscope',
  qwen: 'dashscope',
  glm: 'glm',
  bigmodel: 'glm',
  zhipu: 'glm',
  internlm: 'internlm',
  intern: 'internlm',
  'intern-s1': 'internlm',
  'intern-s1-pro': 'internlm',
  ollama: 'ollama',
  anthropic: 'anthropic',
};

/** Provider names (and aliases) the proxy can forward to. */
export const CHAT_UPSTREAM_PROVIDERS = Object.keys(ALIASES);

function needKey(provider: string, key: string | undefined, envNames: string[]): string {
  if (key) return key;
  throw new AutoSkillError(
    'MISSING_API_KEY',
    `The ${provider} upstream needs an API key: set ${envNames.join(' or ')}, or pass apiKey.`,
    { details: { provider, envNames } },
  );
}

export function createChatUpstream(
  config: ChatUpstreamConfig = {},
  options: CreateChatUpstreamOptions = {},
): ChatUpstream {
  const env = options.env ?? {};
  const requested = (config.provider ?? 'offline').trim().toLowerCase();
  const provider = ALIASES[requested];
  if (!provider) {
    throw new AutoSkillError('NO_SUCH_PROVIDER', `Unknown chat provider "${config.provider}"`, {
      details: { provider: config.provider, availableProviders: CHAT_UPSTREAM_PROVIDERS },
    });
  }
  const shared = {
    ...(config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {}),
    ...(config.maxRetries !== undefined ? { maxRetries: config.maxRetries } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.now ? { now: options.now } : {}),
  };
  const compatible = (settings: {
    baseUrl: string;
    apiKey: string | undefined;
    model: string | undefined;
    bigModelAuth?: boolean;
  }): ChatUpstream =>
    createOpenAICompatibleUpstream({
      ...shared,
      provider,
      baseUrl: settings.baseUrl,
      ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
      ...(settings.model ? { defaultModel: settings.model } : {}),
      ...(settings.bigModelAuth ? { bigModelAuth: true } : {}),
    });
  switch (provider) {
    case 'offline':
      return createOfflineUpstream({
        ...(config.model ? { model: config.model } : {}),
        ...(options.now ? { now: options.now } : {}),
      });
    case 'openai':
      return compatible({
        baseUrl: config.baseUrl ?? readEnvUrl(env, 'OPENAI_BASE_URL') ?? OPENAI_DEFAULT_BASE_URL,
        apiKey: needKey('openai', config.apiKey ?? readEnv(env, 'OPENAI_API_KEY'), ['OPENAI_API_KEY']),
        model: config.model ?? OPENAI_DEFAULT_MODEL,
      });
    case 'generic': {
      const baseUrl = config.baseUrl ?? readEnvUrl(env, 'AUTOSKILL_GENERIC_LLM_URL');
      if (!baseUrl) {
        throw new AutoSkillError(
          'INVALID_CONFIG',
          'The generic upstream needs a URL: set AUTOSKILL_GENERIC_LLM_URL or pass baseUrl.',
          { details: { provider, envNames: ['AUTOSKILL_GENERIC_LLM_URL'] } },
        );
      }
      return compatible({
        baseUrl,
        apiKey: config.apiKey ?? readEnv(env, 'AUTOSKILL_GENERIC_API_KEY'),
        model: config.model ?? readEnv(env, 'AUTOSKILL_GENERIC_LLM_MODEL'),
      });
    }
    case 'dashscope':
      return compatible({
        baseUrl: config.baseUrl ?? readEnvUrl(env, 'DASHSCOPE_BASE_URL') ?? DASHSCOPE_DEFAULT_BASE_URL,
        apiKey: needKey('dashscope', config.apiKey ?? readEnv(env, 'DASHSCOPE_API_KEY'), [
          'DASHSCOPE_API_KEY',
        ]),
        model: config.model ?? DASHSCOPE_DEFAULT_MODEL,
      });
    case 'glm': {
      const names = ['ZHIPUAI_API_KEY', 'BIGMODEL_API_KEY'];
      return compatible({
        baseUrl: config.baseUrl ?? readEnvUrl(env, 'BIGMODEL_BASE_URL') ?? GLM_DEFAULT_BASE_URL,
        apiKey: needKey('glm', config.apiKey ?? readEnv(env, ...names), names),
        model: config.model ?? GLM_DEFAULT_MODEL,
        bigModelAuth: true,
      });
    }
    case 'internlm': {
      const names = ['INTERNLM_API_KEY', 'INTERN_API_KEY', 'INTERNLM_TOKEN'];
      return compatible({
        baseUrl: config.baseUrl ?? readEnvUrl(env, 'INTERNLM_BASE_URL') ?? INTERNLM_DEFAULT_BASE_URL,
        apiKey: needKey('internlm', config.apiKey ?? readEnv(env, ...names), names),
        model: config.model ?? INTERNLM_DEFAULT_MODEL,
      });
    }
    case 'ollama': {
      const host = readEnv(env, 'OLLAMA_HOST');
      const root = config.baseUrl ?? (host ? ollamaBaseUrl(host) : OLLAMA_DEFAULT_BASE_URL);
      return compatible({
        baseUrl: /\/v1\/?$/.test(root) ? root : `${root.replace(/\/+$/, '')}/v1`,
        apiKey: config.apiKey,
        model: config.model ?? OLLAMA_DEFAULT_MODEL,
      });
    }
    default:
      return createAnthropicUpstream({
        ...shared,
        apiKey: needKey('anthropic', config.apiKey ?? readEnv(env, 'ANTHROPIC_API_KEY'), [
          'ANTHROPIC_API_KEY',
        ]),
        defaultModel: config.model ?? ANTHROPIC_DEFAULT_MODEL,
        ...(config.baseUrl || readEnvUrl(env, 'ANTHROPIC_BASE_URL')
          ? { baseUrl: config.baseUrl ?? readEnvUrl(env, 'ANTHROPIC_BASE_URL') }
          : {}),
      });
  }
}
