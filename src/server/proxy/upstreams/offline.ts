/**
 * @module The offline upstream, used when no model is configured: it answers every chat request in the
 * OpenAI shape (JSON or stream) with a message saying it is offline and listing the skills that were
 * injected, in Chinese when the user wrote Chinese. The request it receives already carries the skill
 * system message, so the whole pipeline (retrieval, injection, turn capture) runs end to end without a key.
 */

import type { InjectedSkill } from '../../../service/turn-types.js';
import { AutoSkillError } from '../../../shared/errors.js';
import {
  type ChunkContext,
  chunk,
  jsonResponse,
  makeUsage,
  SSE_DONE,
  sseData,
  sseResponse,
  usageChunk,
  wantsStreamUsage,
} from '../openai-chunks.js';
import type { ChatUpstream } from './types.js';

export interface OfflineUpstreamOptions {
  /** Reported as the model when a request names none. @default 'autoskill-offline' */
  model?: string;
  /** Epoch milliseconds. @default Date.now */
  now?: () => number;
  /** Ids of the completions. @default a counter */
  generateId?: () => string;
}

const HAN = /\p{Script=Han}/u;

function lastUserText(body: Record<string, unknown>): string {
  const messages = Array.isArray(body['messages']) ? (body['messages'] as unknown[]) : [];
  for (let index = messages.length - 1; index >= 0; index -= 1) {
    const message = messages[index] as Record<string, unknown> | undefined;
    if (message?.['role'] !== 'user') continue;
    const content = message['content'];
    if (typeof content === 'string') return content;
    if (Array.isArray(content)) {
      return content.map((part) => String((part as Record<string, unknown>)?.['text'] ?? '')).join(' ');
    }
  }
  return '';
}

/** The offline reply text for a request. */
export function offlineReplyText(options: { injected: readonly InjectedSkill[]; chinese: boolean }): string {
  const skills = options.injected.map((skill) => `- ${skill.name} (v${skill.version}, ${skill.id})`);
  if (options.chinese) {
    return [
      'AutoSkill 正在离线模式运行：没有配置模型，这条回复不是模型生成的。',
      skills.length > 0 ? `本次请求会注入以下技能：\n${skills.join('\n')}` : '没有技能与本次请求匹配。',
      '配置模型（例如设置 OPENAI_API_KEY 或 --llm-provider）后即可获得真实回答。',
    ].join('\n\n');
  }
  return [
    'AutoSkill is running offline: no model is configured, so this reply was not written by a model.',
    skills.length > 0
      ? `Skills injected into this request:\n${skills.join('\n')}`
      : 'No skill matched this request.',
    'Configure a model (for example set OPENAI_API_KEY or --llm-provider) to get real answers.',
  ].join('\n\n');
}

function roughTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export function createOfflineUpstream(options: OfflineUpstreamOptions = {}): ChatUpstream {
  const now = options.now ?? Date.now;
  let counter = 0;
  const generateId =
    options.generateId ??
    (() => {
      counter += 1;
      return `chatcmpl-offline-${counter}`;
    });
  const defaultModel = options.model ?? 'autoskill-offline';
  return {
    provider: 'offline',
    defaultModel,
    async forward(body, forwardOptions) {
      if (forwardOptions.abortSignal?.aborted) {
        throw new AutoSkillError('ABORTED', 'The request was aborted before the offline reply was written');
      }
      const text = offlineReplyText({
        injected: forwardOptions.injected ?? [],
        chinese: HAN.test(lastUserText(body)),
      });
      const context: ChunkContext = {
        id: generateId(),
        created: Math.floor(now() / 1000),
        model: typeof body['model'] === 'string' ? body['model'] : defaultModel,
      };
      const usage = makeUsage(roughTokens(JSON.stringify(body['messages'] ?? '')), roughTokens(text));
      if (!forwardOptions.stream) {
        return jsonResponse({
          id: context.id,
          object: 'chat.completion',
          created: context.created,
          model: context.model,
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: text },
              logprobs: null,
              finish_reason: 'stop',
            },
          ],
          usage,
        });
      }
      const pieces = [
        sseData(chunk(context, { role: 'assistant', content: '' })),
        ...text.split(/(?<=\n\n)/).map((part) => sseData(chunk(context, { content: part }))),
        sseData(chunk(context, {}, 'stop')),
      ];
      if (wantsStreamUsage(body)) pieces.push(sseData(usageChunk(context, usage)));
      pieces.push(SSE_DONE);
      return sseResponse(pieces);
    },
  };
}
