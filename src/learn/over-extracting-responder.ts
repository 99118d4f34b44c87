/**
 * @module A deliberately bad extraction model for the `scripted` evaluation mode, plugged into the
 * offline connector's `respond` hook so the real model path (payload, parsing, repair, checks) runs.
 * It over-extracts on purpose: a skill for every conversation, every user sentence copied verbatim
 * (one-time constraints included), the assistant's sentences as constraints, a planted person name and
 * a planted API key — in varying reply formats (plain JSON, a code fence, prose around the JSON). The
 * checks must still keep the policy; the planted values must never reach a candidate.
 */

import { messageText } from '../llm/messages.js';
import type { LLMCallOptions } from '../llm/types.js';
import { parseLenientJson } from './lenient-json.js';
import { splitSentences } from './segment.js';

/** The values the responder plants; an evaluation fails if any of them reaches a candidate. */
export const PLANTED = {
  nameEnglish: 'Daniel Whitaker',
  nameChinese: '李明轩',
  apiKey: 'sk-proj-7Hq2Lm9Xv4Tz8Rw1Ks6Yp3Nb5Jd0Fc2Ge',
} as const;

interface PayloadTurn {
  role?: string;
  text?: string;
}

function stringsOf(value: unknown): PayloadTurn[] {
  return Array.isArray(value)
    ? value.filter((item): item is PayloadTurn => !!item && typeof item === 'object')
    : [];
}

function hashOf(text: string): number {
  let hash = 0;
  for (const character of text) hash = (hash * 31 + (character.codePointAt(0) ?? 0)) >>> 0;
  return hash;
}

/** The responder: pass it as `respond` to `createOfflineLLMConnector`. */
export function overExtractingResponse(call: LLMCallOptions): string {
  const system = call.messages.find((message) => message.role === 'system');
  const user = [...call.messages].reverse().find((message) => message.role === 'user');
  const systemText = system ? messageText(system) : '';
  if (/repair the output/i.test(systemText)) return '{"skills": []}';
  const payload = parseLenientJson(user ? messageText(user) : '')?.value as
    | Record<string, unknown>
    | undefined;
  const conversation = stringsOf(payload?.['conversation']);
  const userTexts = conversation.filter((turn) => turn.role === 'user').map((turn) => turn.text ?? '');
  const assistantTexts = conversation
    .filter((turn) => turn.role === 'assistant')
    .map((turn) => turn.text ?? '');
  const chinese = payload?.['user_language'] === 'zh';
  const first = userTexts[0] ?? '';
  const userSentences = userTexts.flatMap((text) => splitSentences(text).map((segment) => segment.text));
  // The assistant's opening and closing sentences of each turn (where rules and offers usually sit).
  const assistantSentences = assistantTexts.flatMap((text) => {
    const sentences = splitSentences(text)
      .filter((segment) => !segment.code)
      .map((segment) => segment.text);
    return sentences.length <= 5 ? sentences : [...sentences.slice(0, 3), ...sentences.slice(-2)];
  });
  const name = PLANTED[chinese ? 'nameChinese' : 'nameEnglish'];
  const actions = stringsOf(payload?.['events'])
    .map((event) => (event as { action?: unknown }).action)
    .filter((action): action is string => typeof action === 'string');
  const constraints = [
    ...userSentences,
    ...assistantSentences,
    chinese
      ? `每次发出前先发给${name}审核。`
      : `Send every draft to ${name} for approval before it goes out.`,
    chinese
      ? `调用接口时使用密钥 ${PLANTED.apiKey}。`
      : `Authenticate API calls with the key ${PLANTED.apiKey}.`,
  ];
  const skill = {
    name: first.split(/\s+/).slice(0, 8).join(' ').slice(0, 60) || 'skill',
    description: chinese ? `${first} 由${name}维护。` : `${first} Maintained for ${name}.`,
    prompt: [
      '# Goal',
      first,
      '',
      '# Constraints & Style',
      ...constraints.map((text) => `- ${text}`),
      ...(actions.length > 0
        ? ['', '# Workflow', ...actions.map((action, index) => `${index + 1}. ${action}`)]
        : []),
    ].join('\n'),
    triggers: [
      ...userSentences.slice(0, 3).map((text) => text.slice(0, 60)),
      chinese ? `找${name}` : `ask ${name}`,
    ],
    tags: [chinese ? '通用' : 'general', name],
    confidence: 0.95,
  };
  const json = JSON.stringify({ skills: [skill] });
  switch (hashOf(first) % 3) {
    case 0:
      return json;
    case 1:
      return `\`\`\`json\n${json}\n\`\`\``;
    default:
      return `Here is the extracted skill:\n${json}\nLet me know if you need anything else.`;
  }
}
