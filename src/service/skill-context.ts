/**
 * @module The `SkillContextProvider` behind the proxy (and later the web UI and terminal chat): the
 * engine's `prepareTurnContext` with the configured `top_k`, `min_score` and rewrite mode, in the request's
 * scope narrowed by the configured one (a request may narrow, never widen). It never throws: a failure
 * means no skills, an `error` in the retrieval record, and a warning in the log; the chat goes on.
 */
import type { RewriteMode } from '../config/schema.js';
import { errorMessage } from '../shared/errors.js';
import type { ServiceEngine } from './engine.js';
import { contentText } from './extraction-window.js';
import type { ServiceLogger } from './job-queue.js';
import {
  type ChatMessage,
  emptyRetrievalInfo,
  type PreparedSkillContext,
  type SkillContextProvider,
  type SkillScope,
} from './turn-types.js';

export interface RetrievalSettings {
  /** The configured scope; requests may only narrow it. */
  scope: SkillScope;
  topK: number;
  minScore: number;
  rewriteMode: RewriteMode;
}

/** `all` narrows to whatever the request asks; a narrower configured scope always wins. */
export function narrowScope(configured: SkillScope, requested: SkillScope | undefined): SkillScope {
  if (requested === undefined || configured !== 'all') return configured;
  return requested;
}

function latestUserText(messages: readonly ChatMessage[]): string {
  for (let index = messages.length - 1; index >= 0; index -= 1) {
    const message = messages[index];
    if (message?.role === 'user') return contentText(message.content);
  }
  return '';
}

export function createSkillContextProvider(options: {
  engine: ServiceEngine;
  settings: RetrievalSettings;
  logger?: ServiceLogger;
  /** @default Date.now */
  now?: () => number;
}): SkillContextProvider {
  const { engine, settings } = options;
  const now = options.now ?? Date.now;
  return {
    async prepare(input) {
      const scope = narrowScope(settings.scope, input.scope);
      try {
        return await engine.prepareTurnContext({
          userId: input.userId,
          messages: input.messages,
          scope,
          topK: settings.topK,
          minScore: settings.minScore,
          rewriteMode: settings.rewriteMode,
          ...(input.abortSignal ? { abortSignal: input.abortSignal } : {}),
        });
      } catch (error) {
        const message = errorMessage(error);
        options.logger?.warn(
          { err: error, userId: input.userId, requestId: input.requestId },
          'skill retrieval failed; answering without skills',
        );
        const failed: PreparedSkillContext = {
          systemMessage: null,
          injected: [],
          retrieval: emptyRetrievalInfo({
            query: latestUserText(input.messages),
            scope,
            now: now(),
            error: message,
          }),
          error: message,
        };
        return failed;
      }
    },
  };
}
