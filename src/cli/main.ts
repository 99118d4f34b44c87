#!/usr/bin/env node
/**
 * @module The `autoskill` binary: builds the command tree and maps errors to exit codes.
 */
import { runCli } from './program.js';

// `autoskill skills list | head`: the reader has gone, so the rest of the output has nowhere to go.
// That is the normal end of a pipe, not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await runCli(process.argv.slice(2));
