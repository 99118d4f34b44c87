/**
 * @module `autoskill web`: the web UI with what it needs — chat sessions, the management API (skills,
 * versions, diff, import), extraction jobs and their events — on port 8000, the seeds' `web_ui.py` entry
 * point with its flags (`--host` / `AUTOSKILL_WEB_HOST`, `--port` / `AUTOSKILL_WEB_PORT`, the model, store,
 * user, scope, rewrite and extraction flags; `--gating-mode` is accepted and ignored, as it was). It is the
 * same process as `autoskill serve` (the OpenAI-compatible routes come along; nothing else listens), so a
 * browser and an app can share one store either way.
 */
import type { Command } from 'commander';
import { addServerFlags, runServerCommand, type ServerFlags } from './serve.js';

/** The seeds' web UI port. */
export const WEB_DEFAULT_PORT = 8000;

export function webFlags(flags: ServerFlags, env: NodeJS.ProcessEnv = process.env): ServerFlags {
  const { gatingMode: _ignored, ...rest } = flags;
  const host = rest['host'] ?? (env['AUTOSKILL_WEB_HOST']?.trim() || undefined);
  return {
    ...rest,
    port: rest['port'] ?? (env['AUTOSKILL_WEB_PORT']?.trim() || String(WEB_DEFAULT_PORT)),
    ...(host !== undefined ? { host } : {}),
  };
}

/** The seeds' proxy variables (`AUTOSKILL_PROXY_HOST` / `_PORT`) configure `serve` and `proxy`, not the web UI. */
export function webEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const { AUTOSKILL_PROXY_HOST: _host, AUTOSKILL_PROXY_PORT: _port, ...rest } = env;
  return rest;
}

export function register(program: Command): void {
  addServerFlags(
    program
      .command('web')
      .description(
        'Run the web UI (chat sessions, skills, versions and diff, import) with its API on port 8000 (AUTOSKILL_WEB_PORT)',
      ),
  )
    .option('--web-dir <dir>', 'serve the web UI from this folder (default: the built web/dist)')
    .option('--gating-mode <mode>', 'accepted for compatibility with the seeds; ignored')
    .action(async (flags: ServerFlags) => {
      await runServerCommand('serve', webFlags(flags), webEnv());
    });
}
