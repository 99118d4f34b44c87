/**
 * @module `autoskill serve`: one process with the OpenAI-compatible proxy, the management API, the
 * extraction jobs and the web UI (when built). `autoskill proxy` (proxy.ts) is the same without the UI.
 * Flags keep the seeds' names; every value goes through `src/config/` (flags > environment > config file
 * > defaults), so no flag has a default here. SIGINT/SIGTERM shut down gracefully (a second one exits).
 */
import { type Command, Option } from 'commander';
import pino from 'pino';
import { loadConfigFile, type ResolvedConfig, resolveConfig } from '../../config/index.js';
import { redactUrl } from '../../http/index.js';
import { createServerLogger, createSilentLogger } from '../../server/logger.js';
import { printError, printLine } from '../output.js';
import { addModelAndStoreFlags, collect } from '../shared-flags.js';
import { endpointList, type ServerMode, startAutoSkillServer } from './server-runtime.js';

/** The flags `serve` and `proxy` share (the seeds' names). */
export function addServerFlags(command: Command): Command {
  return addModelAndStoreFlags(
    command
      .option(
        '--host <host>',
        'address to listen on (AUTOSKILL_HOST or AUTOSKILL_PROXY_HOST; default 127.0.0.1)',
      )
      .option(
        '--port <port>',
        'port (AUTOSKILL_PORT or AUTOSKILL_PROXY_PORT; default 9000 for serve and proxy, 8000 for web)',
      ),
  )
    .option('--user-id <id>', 'user of requests that name none (default u1)')
    .option('--skill-scope <scope>', 'default scope of requests: user, common (library) or all (default all)')
    .option('--rewrite-mode <mode>', 'query rewriting: never, auto (default) or always')
    .option('--extract-mode <mode>', 'background extraction: auto (default), always or never')
    .option('--extract-turn-limit <n>', 'in auto mode, extract every N user turns (default 1)')
    .option('--extract-enabled <bool>', 'the seeds’ switch: 0 means --extract-mode never')
    .option('--ingest-window <n>', 'messages handed to the extractor (default 6)')
    .option('--max-bg-extract-jobs <n>', 'extraction jobs running at once (default 2)')
    .option(
      '--extract-event-details <bool>',
      'put the skill written and its SKILL.md into completed job events (AUTOSKILL_PROXY_EXTRACT_EVENT_DETAILS; default 1)',
    )
    .option(
      '--extract-event-max-md-chars <n>',
      'cut SKILL.md in job events to n characters, 0 = whole (AUTOSKILL_PROXY_EXTRACT_EVENT_MAX_MD_CHARS; default 0)',
    )
    .option(
      '--history-turns <n>',
      'accepted for compatibility with the seeds; ignored: the proxy forwards the client’s messages as sent',
    )
    .option('--min-score <score>', 'calibrated score a skill needs to be injected (default 0.4)')
    .option('--top-k <n>', 'skills injected at most (default 1)')
    .option('--served-model <id>', 'model listed by GET /v1/models (repeatable)', collect)
    .option('--served-models-json <json>', 'JSON list of served models (AUTOSKILL_PROXY_MODELS)')
    .option(
      '--proxy-api-key <key>',
      'shared application key (AUTOSKILL_PROXY_API_KEY); auth is off without one',
    )
    .option('--jwt-secret <secret>', 'verify HS256 JWT bearer tokens with this secret')
    .option('--jwks-url <url>', 'verify JWT bearer tokens with this JWKS')
    .option('--jwks-file <file>', 'verify JWT bearer tokens with this JWKS file')
    .option('--jwt-user-claim <claim>', 'JWT claim naming the user (default sub)')
    .option(
      '--cors-origin <origin>',
      'allow this browser origin (repeatable; CORS is off by default)',
      collect,
    )
    .option('--rate-limit <n>', 'requests per minute per key (0 = unlimited)')
    .option('--body-limit <bytes>', 'largest chat request body')
    .option('--no-autoskill-field', 'leave the `autoskill` field out of chat answers')
    .option('--allow-no-auth', 'listen on a non-loopback host without authentication (trusted networks only)')
    .option(
      '--no-extraction-worker',
      'run extraction jobs in the server thread (less memory; chat slows down while jobs run)',
    )
    .addOption(
      new Option('--log-level <level>', 'request log level (logs go to stderr)')
        .choices(['trace', 'debug', 'info', 'warn', 'error', 'silent'])
        .default('info'),
    );
}

export interface ServerFlags extends Record<string, unknown> {
  config?: string;
  allowNoAuth?: boolean;
  logLevel?: string;
  webDir?: string;
  web?: boolean;
  extractionWorker?: boolean;
}

/** Resolves the configuration of a server command (flags > env > file > defaults). */
export function serverConfig(flags: ServerFlags, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  const file = loadConfigFile(flags.config ? { path: flags.config } : {});
  return resolveConfig({ flags, env, file });
}

function describeAuth(config: ResolvedConfig, authEnabled: boolean): string {
  if (!authEnabled) return 'off (anyone who can reach this address acts as any user)';
  const kinds = [
    config.server.proxyApiKey ? 'shared key' : null,
    config.auth.jwtSecret || config.auth.jwksUrl || config.auth.jwksFile ? 'JWT' : null,
  ].filter(Boolean);
  return `on (${[...kinds, 'per-user keys when created'].join(', ')})`;
}

/** Starts the server, prints where it listens, and resolves once it has shut down after a signal. */
export async function runServerCommand(
  mode: ServerMode,
  flags: ServerFlags,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const config = serverConfig(flags, env);
  const level = flags.logLevel ?? 'info';
  const logger =
    level === 'silent'
      ? createSilentLogger()
      : createServerLogger({ level, destination: pino.destination({ fd: 2, sync: true }) });
  const running = await startAutoSkillServer({
    config,
    env,
    mode,
    allowNoAuth: flags.allowNoAuth === true,
    extractionWorker: flags.extractionWorker !== false,
    ...(flags.web === false ? { webDir: null } : flags.webDir ? { webDir: flags.webDir } : {}),
    logger,
    maintenanceInBackground: ['1', 'true', 'yes', 'on'].includes(
      (env['AUTOSKILL_STARTUP_MAINTENANCE_ASYNC'] ?? '').toLowerCase(),
    ),
  });
  // Signal handlers go in before the ready lines are printed: whoever waits for them (a supervisor, a
  // test) may send SIGTERM at once, and before a handler exists that signal would kill the process outright.
  const stopped = new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        printError(`${signal} again: exiting without waiting`);
        process.exit(1);
      }
      stopping = true;
      printError(`${signal}: shutting down (finishing open requests and extraction jobs)…`);
      running.close().then(
        () => {
          printError('stopped');
          resolve();
        },
        (error: unknown) => {
          printError(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
          resolve();
        },
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  const title = mode === 'serve' ? 'AutoSkill' : 'AutoSkill OpenAI Proxy';
  printLine(`${title}: ${running.url}`);
  printLine(`  OpenAI base URL: ${running.url}/v1`);
  if (running.webDir) printLine(`  Web UI:          ${running.url}/`);
  else if (mode === 'serve') printLine('  Web UI:          not built (npm run build builds web/dist)');
  printLine(
    `  store:           ${config.store.provider === 'postgres' ? `PostgreSQL ${redactUrl(config.store.url ?? '')}` : config.store.dir}   user: ${config.userId}   scope: ${config.retrieval.scope}`,
  );
  printLine(
    `  models:          chat ${config.llm.provider}${config.llm.model ? ` ${config.llm.model}` : ''}, embeddings ${config.embeddings.provider}`,
  );
  printLine(
    `  extraction:      ${config.extraction.mode}, every ${config.extraction.turnLimit} turn(s), window ${config.extraction.window}, ${config.extraction.maxConcurrentJobs} at once`,
  );
  printLine(`  auth:            ${describeAuth(config, running.authEnabled)}`);
  if (running.recovery.requeued.length + running.recovery.failed.length > 0) {
    printLine(
      `  recovered jobs:  ${running.recovery.requeued.length} re-queued, ${running.recovery.failed.length} failed`,
    );
  }
  printLine('Endpoints:');
  for (const line of endpointList(mode, running.webDir)) printLine(`  ${line}`);
  printLine('Press Ctrl+C to stop.');

  await stopped;
}

export function register(program: Command): void {
  addServerFlags(
    program
      .command('serve')
      .description('Run the web UI, the OpenAI-compatible proxy and the management API in one process'),
  )
    .option('--web-dir <dir>', 'serve the web UI from this folder (default: the built web/dist)')
    .option('--no-web', 'do not serve the web UI')
    .action(async (flags: ServerFlags) => {
      await runServerCommand('serve', flags);
    });
}
