/**
 * @module The `ServiceEngine` over the `AutoSkill` SDK (what `autoskill serve` / `proxy`, and later the
 * web UI and terminal chat, run on), and opening the SDK from a resolved product configuration — the same
 * way in the server's thread and in the extraction worker.
 */
import type { ResolvedConfig } from '../config/schema.js';
import { resolveLLMProviderName } from '../llm/builtin.js';
import { resolveLearnLLMConfig } from '../llm/learn-config.js';
import { AutoSkill } from '../sdk.js';
import { isAutoSkillError } from '../shared/errors.js';
import type { LibraryDir } from '../store/fs/scan.js';
import type { ServiceEngine } from './engine.js';
import type { ServiceLogger } from './job-queue.js';

export interface OpenSdkOptions {
  config: ResolvedConfig;
  /** API keys and provider URLs. */
  env: Readonly<Record<string, string | undefined>>;
  /** Base of relative paths. @default process.cwd() */
  cwd?: string;
  logger?: Pick<ServiceLogger, 'warn'> & { debug?: ServiceLogger['info'] };
}

/**
 * Opens the SDK with exactly the resolved settings: models, embeddings and store are passed as explicit
 * options, so the environment (already part of the resolution) cannot override a flag a second time.
 */
export function openAutoSkillFromConfig(options: OpenSdkOptions): Promise<AutoSkill> {
  const { config, logger } = options;
  const learnLlm =
    config.learnLlm.provider || config.learnLlm.model
      ? resolveLearnLLMConfig({
          chat: config.llm,
          ...(config.learnLlm.provider ? { learnProvider: config.learnLlm.provider } : {}),
          ...(config.learnLlm.model ? { learnModel: config.learnLlm.model } : {}),
          canonicalName: resolveLLMProviderName,
        })
      : undefined;
  return AutoSkill.open({
    config,
    env: options.env,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    llm: config.llm,
    ...(learnLlm ? { learnLlm } : {}),
    embeddings: config.embeddings,
    store:
      config.store.provider === 'postgres'
        ? { provider: 'postgres', url: config.store.url ?? '' }
        : {
            provider: 'filesystem',
            dir: config.store.dir,
            libraryDirs: config.store.libraryDirs.map((item): string | LibraryDir =>
              typeof item === 'string' ? item : item.name ? { name: item.name, path: item.path } : item.path,
            ),
            durability: config.store.durability,
          },
    userId: config.userId,
    ...(logger
      ? {
          logger: {
            info: (details: Record<string, unknown>, message: string) => logger.debug?.(details, message),
            warn: (details: Record<string, unknown>, message: string) => logger.warn(details, message),
          },
        }
      : {}),
  });
}

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
