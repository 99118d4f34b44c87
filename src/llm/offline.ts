/**
 * @module The `offline` connector (alias `mock`): a deterministic stand-in that never touches the
 * network. Callers script it with `respond`; the default answers extraction-style prompts with an empty
 * skills list and anything else with a short "offline mode" note in the user's language.
 */
import { AutoSkillError } from '../shared/errors.js';
import { messageText } from './messages.js';
import type { LLMCallOptions, LLMConnector, LLMGenerateResult, LLMStreamPart } from './types.js';

export type OfflineResponder = (options: LLMCallOptions) => string | Promise<string>;

export interface OfflineLLMConnectorOptions {
  /** Produces the reply text for one call. @default {@link defaultOfflineResponse} */
  respond?: OfflineResponder;
  /** @default 'offline' */
  modelId?: string;
  /** Characters per `text-delta` when streaming. @default 16 */
  streamChunkSize?: number;
}

export const OFFLINE_EMPTY_SKILLS = '{"skills": []}';
const OFFLINE_NOTE_EN =
  'Offline mode: no chat model is configured, so this reply comes from the offline stand-in. Set an API key or an OpenAI-compatible URL to talk to a real model.';
const OFFLINE_NOTE_ZH =
  '离线模式：尚未配置对话模型，这条回复来自离线替身。设置 API 密钥或兼容 OpenAI 的地址即可使用真实模型。';
const CJK = /[\u3400-\u9fff\uf900-\ufaff]/u;

/**
 * The default reply: `{"skills": []}` when the prompt names a `"skills"` JSON key, `{}` for any other JSON
 * request, else a note (in Chinese when the last user turn is Chinese) that no model is configured.
 */
export function defaultOfflineResponse(options: LLMCallOptions): string {
  const all = options.messages.map(messageText).join('\n');
  if (/"skills"/i.test(all)) return OFFLINE_EMPTY_SKILLS;
  if (options.responseFormat === 'json') return '{}';
  const lastUser = [...options.messages].reverse().find((message) => message.role === 'user');
  return lastUser && CJK.test(messageText(lastUser)) ? OFFLINE_NOTE_ZH : OFFLINE_NOTE_EN;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new AutoSkillError('ABORTED', 'The offline LLM call was aborted.', {
      cause: signal.reason,
      details: { provider: 'offline' },
    });
  }
}

function chunk(text: string, size: number): string[] {
  const characters = [...text];
  const parts: string[] = [];
  for (let start = 0; start < characters.length; start += size) {
    parts.push(characters.slice(start, start + size).join(''));
  }
  return parts;
}

export function createOfflineLLMConnector(options: OfflineLLMConnectorOptions = {}): LLMConnector {
  const respond = options.respond ?? defaultOfflineResponse;
  const chunkSize = Math.max(1, options.streamChunkSize ?? 16);
  const usage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };

  const generate = async (call: LLMCallOptions): Promise<LLMGenerateResult> => {
    throwIfAborted(call.abortSignal);
    const text = await respond(call);
    throwIfAborted(call.abortSignal);
    return { text, finishReason: 'stop', usage: { ...usage } };
  };

  return {
    specificationVersion: 'v1',
    provider: 'offline',
    modelId: options.modelId ?? 'offline',
    doGenerate: generate,
    async doStream(call) {
      const { text } = await generate(call);
      const parts: LLMStreamPart[] = chunk(text, chunkSize).map((delta) => ({ type: 'text-delta', delta }));
      parts.push({ type: 'finish', finishReason: 'stop', usage: { ...usage } });
      return new ReadableStream<LLMStreamPart>({
        pull(controller) {
          const next = parts.shift();
          if (next) controller.enqueue(next);
          else controller.close();
        },
      });
    },
  };
}
