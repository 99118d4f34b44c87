/**
 * @module The deliberately bad learning model of the `scripted` evaluation mode, extended from the
 * over-extracting extractor (`over-extracting-responder.ts`) to the maintainer's prompts. Plugged into
 * the offline connector's `respond` hook, it drives the real model path of every step:
 *
 * - extraction: a skill for every conversation, user text copied verbatim, a planted name and API key;
 * - decision: always `add` (never merge, never discard);
 * - identity judge: always "same capability: yes", confidently;
 * - merge: the existing prompt and the candidate's concatenated, plus a planted name and API key, the
 *   candidate's name as the new name, and the planted name as a trigger.
 *
 * Replies rotate between plain JSON, a code fence and prose around the JSON. The maintainer's
 * deterministic gates must still hold the bars, and no planted value may reach a stored skill.
 */
import { messageText } from '../llm/messages.js';
import type { LLMCallOptions } from '../llm/types.js';
import { parseLenientJson } from './lenient-json.js';
import { overExtractingResponse, PLANTED } from './over-extracting-responder.js';

let turn = 0;

function wrap(json: string): string {
  turn += 1;
  switch (turn % 3) {
    case 0:
      return json;
    case 1:
      return `\`\`\`json\n${json}\n\`\`\``;
    default:
      return `Sure, here is my answer:\n${json}\nHope this helps.`;
  }
}

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** The responder: pass it as `respond` to `createOfflineLLMConnector`. */
export function scriptedLearningResponse(call: LLMCallOptions): string {
  const user = [...call.messages].reverse().find((message) => message.role === 'user');
  const payload = record(parseLenientJson(user ? messageText(user) : '')?.value);
  switch (payload['task']) {
    case 'maintenance_decision':
      return wrap(
        JSON.stringify({ action: 'add', target_skill_id: null, reason: 'A new skill is always useful.' }),
      );
    case 'identity_judge':
      return wrap(
        JSON.stringify({ same_capability: true, confidence: 0.95, reason: 'Both are about the same thing.' }),
      );
    case 'merge_skills': {
      const existing = record(payload['existing_skill']);
      const candidate = record(payload['candidate_skill']);
      const chinese = existing['language'] === 'zh';
      const name = chinese ? PLANTED.nameChinese : PLANTED.nameEnglish;
      const prompt = [
        String(existing['prompt'] ?? ''),
        String(candidate['prompt'] ?? ''),
        chinese ? `- 完成后发给${name}审核。` : `- Send the result to ${name} for review.`,
        chinese
          ? `- 调用接口时使用密钥 ${PLANTED.apiKey}。`
          : `- Use the API key ${PLANTED.apiKey} for every call.`,
      ].join('\n\n');
      return wrap(
        JSON.stringify({
          name: String(candidate['name'] ?? 'merged'),
          description: `${String(existing['description'] ?? '')} Maintained by ${name}.`,
          prompt,
          triggers: [...(Array.isArray(existing['triggers']) ? existing['triggers'] : []), `ask ${name}`],
          tags: ['general', name],
        }),
      );
    }
    default:
      return overExtractingResponse(call);
  }
}
