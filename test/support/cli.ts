/**
 * @module Runs the CLI for tests: in-process (`cli`: `runCli` with stdout and stderr captured, and
 * `process.exitCode` cleared before and after so one test's exit code never leaks into the next), or as a
 * server in a child process (`startCliServer`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { vi } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { REPO_ROOT } from './fixtures.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** `autoskill <args…>` in this process; what it wrote to stdout and stderr, and its exit code. */
export async function cli(...args: string[]): Promise<CliRun> {
  let out = '';
  let err = '';
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err += String(chunk);
    return true;
  });
  try {
    process.exitCode = undefined;
    const code = await runCli(args);
    return { code, out, err };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
    process.exitCode = undefined;
  }
}

export interface CliServer {
  child: ChildProcess;
  url: string;
  /** stdout so far. */
  stdout: () => string;
  /** stdout and stderr so far. */
  output: () => string;
}

/**
 * Runs the CLI from source (`src/cli/main.ts` through tsx) in a child process with a bare environment
 * (`PATH`, `HOME` = `cwd`, plus `env`); resolves with the URL once it has printed it and its "Press Ctrl+C"
 * line, and rejects when it exits first or prints nothing in `timeoutMs`. The child is added to `children`
 * so the test file can kill what is left.
 */
export function startCliServer(options: {
  args: readonly string[];
  cwd: string;
  children: ChildProcess[];
  env?: Record<string, string>;
  /** @default 30000 */
  timeoutMs?: number;
}): Promise<CliServer> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const tsx = pathToFileURL(join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  const child = spawn(
    process.execPath,
    ['--import', tsx, join(REPO_ROOT, 'src/cli/main.ts'), ...options.args],
    {
      cwd: options.cwd,
      env: { PATH: process.env['PATH'] ?? '', HOME: options.cwd, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  options.children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no URL after ${timeoutMs / 1000} s:\n${stdout}\n${stderr}`)),
      timeoutMs,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /^AutoSkill[^:]*: (http:\/\/\S+)$/m.exec(stdout);
      if (match?.[1] && stdout.includes('Press Ctrl+C to stop.')) {
        clearTimeout(timer);
        resolve({ child, url: match[1], stdout: () => stdout, output: () => `${stdout}\n${stderr}` });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}:\n${stdout}\n${stderr}`));
    });
  });
}
