/**
 * @module `autoskill proxy`: the OpenAI-compatible proxy with the management API and extraction jobs,
 * without the web UI (the seeds' `openai_proxy.py`). Same flags as `serve`.
 */
import type { Command } from 'commander';
import { addServerFlags, runServerCommand, type ServerFlags } from './serve.js';

export function register(program: Command): void {
  addServerFlags(
    program
      .command('proxy')
      .description('Run the OpenAI-compatible proxy and the management API (point a client at <url>/v1)'),
  ).action(async (flags: ServerFlags) => {
    await runServerCommand('proxy', flags);
  });
}
