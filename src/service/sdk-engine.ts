/**
 * @module The `ServiceEngine` over the `AutoSkill` SDK: what `autoskill serve` / `proxy` (and later the
 * web UI and terminal chat) run on.
 */
import type { AutoSkill } from '../sdk.js';
import { isAutoSkillError } from '../shared/errors.js';
import type { ServiceEngine } from './engine.js';

export function createSdkEngine(sdk: AutoSkill): ServiceEngine {
  return {
    prepareTurnContext: (request) =>
      sdk.prepareTurnContext({
        userId: request.userId,
        messages: request.messages,
        scope: request.scope,
        topK: request.topK,
        minScore: request.minScore,
        rewriteMode: request.rewriteMode,
        ...(request.abortSignal ? { abortSignal: request.abortSignal } : {}),
      }),
    async ingest(request) {
      const result = await sdk.ingest({
        userId: request.userId,
        messages: request.messages,
        ...(request.hint ? { hint: request.hint } : {}),
        forced: request.forced ?? false,
        reference: request.reference ?? null,
        ...(request.metadata ? { metadata: request.metadata } : {}),
        ...(request.abortSignal ? { abortSignal: request.abortSignal } : {}),
      });
      return {
        outcome: result.outcome,
        reason: result.reason,
        ...(result.skill ? { skill: result.skill } : {}),
      };
    },
    async extractCandidates(request) {
      const result = await sdk.extractCandidates({
        userId: request.userId,
        messages: request.messages,
        ...(request.hint ? { hint: request.hint } : {}),
        forced: request.forced ?? false,
        reference: request.reference ?? null,
        ...(request.abortSignal ? { abortSignal: request.abortSignal } : {}),
      });
      return { candidates: result.candidates, reason: result.reason };
    },
    getSkill: (id) => sdk.get(id),
    async readSkillMd(id) {
      try {
        return (await sdk.readFiles(id)).skillMd;
      } catch (error) {
        if (isAutoSkillError(error, 'SKILL_NOT_FOUND')) return null;
        throw error;
      }
    },
  };
}
