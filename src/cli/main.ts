#!/usr/bin/env node
/**
 * @module The `autoskill` binary: builds the command tree and maps errors to exit codes.
 */
import { runCli } from './program.js';

process.exitCode = await runCli(process.argv.slice(2));
