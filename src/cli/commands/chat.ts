/**
 * @module `autoskill chat`: the terminal chat (the seeds' `interactive_chat.py`) with its flags, on the
 * same session engine, job queue and chat upstream as the web UI and the proxy. It opens the SDK on the
 * store (startup maintenance included), runs extraction jobs in this process (their records go to the
 * store's `.autoskill/jobs/`, or with PostgreSQL to its jobs table, where `serve` and `web` see them too),
 * prints a banner (store, user, scope, modes, online/offline), then hands over to the terminal loop
 * (`chat-terminal.ts`). The conversation is kept in memory unless `--save` (a new session the web UI
 * lists) or `--session <id>` (continue one).
 */

import { join } from 'node:path';
import type { Command } from 'commander';
import { loadConfigFile, type ResolvedConfig, resolveConfig } from '../../config/index.js';
import { redactUrl } from '../../http/index.js';
import {
  createSessionService,
  defaultSessionStore,
  upstreamFromConfig,
} from '../../server/sessions/wiring.js';
import { createServiceRuntime, serviceSettingsFromConfig } from '../../service/runtime.js';
import { createSdkEngine, openAutoSkillFromConfig } from '../../service/sdk-engine.js';
import { AutoSkillError } from '../../shared/errors.js';
import type { ChatSessionStore } from '../../store/chat-session-store.js';
import { FileJobStore } from '../../store/fs/file-job-store.js';
import { FileSkillStore, STATE_DIR } from '../../store/fs/file-skill-store.js';
import type { JobStore } from '../../store/job-store.js';
import { MemoryChatSessionStore } from '../../store/memory-chat-session-store.js';
import { MemoryJobStore } from '../../store/memory-job-store.js';
import { PostgresJobStore } from '../../store/postgres/postgres-job-store.js';
import { PostgresSkillStore } from '../../store/postgres/postgres-skill-store.js';
import { runStartupMaintenance } from '../../store/startup-maintenance.js';
import { printError, printLine } from '../output.js';
import { addModelAndStoreFlags } from '../shared-flags.js';
import { runTerminalChat } from './chat-terminal.js';
import { postgresReplicaSettings, startupMaintenanceOptions } from './server-runtime.js';

export interface ChatFlags extends Record<string, unknown> {
  config?: string;
  storePath?: string;
  assistantTemperature?: string;
  historyTurns?: string;
  waitExtractions?: string;
  save?: boolean;
  session?: string;
}

function number(value: string | undefined, name: string, minimum: number): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < minimum) {
    throw new AutoSkillError(
      'INVALID_INPUT',
      `${name} must be a number ≥ ${minimum}, not ${JSON.stringify(value)}`,
    );
  }
  return parsed;
}

/** The configuration of a chat (flags > environment > config file > defaults; `--store-path` is `--store-dir`). */
export function chatConfig(flags: ChatFlags, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  const file = loadConfigFile(flags.config ? { path: flags.config } : {});
  const merged = {
    ...flags,
    ...(flags['storeDir'] === undefined && flags.storePath ? { storeDir: flags.storePath } : {}),
  };
  return resolveConfig({ flags: merged, env, file });
}

export async function runChatCommand(
  flags: ChatFlags,
  io: {
    input?: NodeJS.ReadableStream & { isTTY?: boolean };
    output?: NodeJS.WritableStream & { isTTY?: boolean };
    env?: NodeJS.ProcessEnv;
  } = {},
): Promise<void> {
  const env = io.env ?? process.env;
  const input = io.input ?? process.stdin;
  const output = io.output ?? process.stdout;
  const config = chatConfig(flags, env);
  const temperature = number(
    flags.assistantTemperature ?? env['AUTOSKILL_ASSISTANT_TEMPERATURE'],
    '--assistant-temperature',
    0,
  );
  const historyTurns = number(flags.historyTurns ?? env['AUTOSKILL_HISTORY_TURNS'], '--history-turns', 0);
  const waitSeconds = number(flags.waitExtractions, '--wait-extractions', 0) ?? 60;

  const sdk = await openAutoSkillFromConfig({ config, env });
  const closers: Array<() => Promise<unknown>> = [() => sdk.close()];
  try {
    const maintenance = await runStartupMaintenance(
      startupMaintenanceOptions({ config, store: sdk.store, env }),
    );
    for (const error of maintenance.errors) printError(`startup maintenance: ${error}`);
    await sdk.warmUp();

    // With PostgreSQL the jobs go to the database, as `serve` keeps them: its replicas and the web UI
    // see them, and this process heartbeats within the replicas' lease so none takes its jobs over.
    const replicas = sdk.store instanceof PostgresSkillStore ? postgresReplicaSettings(env) : undefined;
    const jobStore: JobStore =
      sdk.store instanceof PostgresSkillStore
        ? new PostgresJobStore({
            database: sdk.store.db,
            retentionPerUser: config.extraction.retentionPerUser,
            ...(replicas ? { leaseMs: replicas.leaseMs } : {}),
          })
        : sdk.store instanceof FileSkillStore
          ? new FileJobStore({
              stateDir: join(sdk.store.root, STATE_DIR),
              retentionPerUser: config.extraction.retentionPerUser,
              durability: config.store.durability,
            })
          : new MemoryJobStore({ retentionPerUser: config.extraction.retentionPerUser });
    await jobStore.open();
    closers.push(() => jobStore.close());
    const runtime = createServiceRuntime({
      engine: createSdkEngine(sdk),
      jobStore,
      settings: serviceSettingsFromConfig(config),
      ...(replicas ? { queue: { heartbeatMs: replicas.heartbeatMs, workerStaleMs: replicas.leaseMs } } : {}),
    });
    await runtime.start();
    closers.push(() => runtime.close({ drainTimeoutMs: 5_000 }));

    const upstream = upstreamFromConfig(sdk, env);
    const persistent = flags.save === true || flags.session !== undefined;
    const store: ChatSessionStore = persistent ? defaultSessionStore(sdk) : new MemoryChatSessionStore();
    await store.open();
    closers.push(() => store.close());
    const chat = createSessionService({
      sdk,
      runtime,
      upstream,
      store,
      channel: 'chat',
      exportMaxChars: Number.POSITIVE_INFINITY,
      ...(historyTurns !== undefined ? { historyTurns } : {}),
      ...(temperature !== undefined ? { temperature } : {}),
    });
    const userId = config.userId;
    const session = flags.session
      ? await chat.get(userId, flags.session)
      : await chat.create(userId, { title: 'Terminal chat' });

    const [own, libraries] = await Promise.all([
      sdk.list({ userId, scope: 'user', limit: 1 }),
      sdk.list({ scope: 'library', limit: 1 }),
    ]);
    const root =
      sdk.store instanceof FileSkillStore
        ? sdk.store.root
        : `PostgreSQL ${redactUrl(config.store.url ?? '')}`;
    const online = upstream.provider !== 'offline';
    printLine('AutoSkill terminal chat');
    printLine(`  store:      ${root} (${own.total} skill(s) of ${userId}, ${libraries.total} in libraries)`);
    printLine(`  user:       ${userId}`);
    printLine(
      `  scope:      ${session.settings.scope}   rewrite: ${session.settings.rewriteMode}   top k: ${session.settings.topK}   min score: ${session.settings.minScore}`,
    );
    printLine(
      `  extraction: ${session.settings.extractMode}, every ${session.settings.extractTurnLimit} turn(s), window ${config.extraction.window}`,
    );
    printLine(
      online
        ? `  model:      online: ${upstream.provider} ${upstream.defaultModel ?? config.llm.model ?? ''}`.trimEnd()
        : '  model:      offline (no chat model configured: replies show which skills would be injected)',
    );
    printLine(
      `  learning:   ${sdk.offline ? 'offline (rule-based extraction)' : `${sdk.learnLlm.provider} ${sdk.learnLlm.modelId ?? ''}`.trimEnd()}`,
    );
    if (persistent) printLine(`  session:    ${session.id} (kept in the store; the web UI lists it)`);
    printLine();
    printLine('Type a message, or /help for commands; /quit or Ctrl-D to leave.');

    await runTerminalChat({
      service: chat,
      userId,
      sessionId: session.id,
      input,
      output,
      interactive: Boolean(input.isTTY),
      waitForExtractionsMs: waitSeconds * 1000,
      env,
    });
  } finally {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  }
}

export function register(program: Command): void {
  addModelAndStoreFlags(
    program
      .command('chat')
      .description(
        'Chat in the terminal: skills retrieved per turn, streamed replies, background extraction, /commands',
      ),
    { storePathAlias: true },
  )
    .option('--user-id <id>', 'your user id (AUTOSKILL_USER_ID; default u1)')
    .option('--skill-scope <scope>', 'skills to retrieve: user, common (library) or all (default all)')
    .option('--rewrite-mode <mode>', 'query rewriting: never, auto (default) or always')
    .option('--rewrite-history-turns <n>', 'earlier turns the query rewriter reads (default 6)')
    .option(
      '--rewrite-history-chars <n>',
      'accepted for compatibility with the seeds; the rewriter counts turns',
    )
    .option('--rewrite-max-query-chars <n>', 'accepted for compatibility with the seeds; ignored')
    .option('--min-score <score>', 'calibrated score a skill needs to be injected (default 0.4)')
    .option('--top-k <n>', 'skills injected at most (default 1)')
    .option('--history-turns <n>', 'earlier turns sent to the model (AUTOSKILL_HISTORY_TURNS; default 50)')
    .option('--ingest-window <n>', 'messages handed to the extractor (default 6)')
    .option('--extract-turn-limit <n>', 'in auto mode, extract after every N turns (default 1)')
    .option('--extract-mode <mode>', 'background extraction: auto (default), always or never')
    .option('--max-bg-extract-jobs <n>', 'extraction jobs running at once (default 2)')
    .option('--gating-mode <mode>', 'accepted for compatibility with the seeds; ignored')
    .option('--assistant-temperature <t>', 'temperature of the chat model (AUTOSKILL_ASSISTANT_TEMPERATURE)')
    .option('--wait-extractions <seconds>', 'at the end, wait this long for running extractions (default 60)')
    .option('--save', 'keep this chat as a session in the store (the web UI lists it)')
    .option('--session <id>', 'continue a stored session of this user')
    .action(async (flags: ChatFlags) => {
      await runChatCommand(flags);
    });
}
