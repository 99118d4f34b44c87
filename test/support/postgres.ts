/**
 * PostgreSQL for the tests. `AUTOSKILL_TEST_PG_URL` names a server to use (CI starts one with
 * `test/support/postgres-cluster.sh`); otherwise a test file starts its own throwaway cluster from the
 * Debian packages (under a second) and stops it after its tests. Without either the PostgreSQL tests
 * are skipped with a message — unless `AUTOSKILL_REQUIRE_PG=1` (CI), where they fail instead.
 *
 * Each store under test gets its own schema (`freshSchema`), dropped by the cleanup, so tests and test
 * files share one server without seeing each other.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { REPO_ROOT } from './fixtures.js';

const CLUSTER_SCRIPT = join(REPO_ROOT, 'test', 'support', 'postgres-cluster.sh');

export interface PostgresAvailability {
  mode: 'url' | 'cluster' | 'none';
  /** Why PostgreSQL tests cannot run (mode `none`). */
  reason: string;
}

/** Whether PostgreSQL tests can run here (decided without starting anything). */
export function postgresAvailability(): PostgresAvailability {
  if (process.env.AUTOSKILL_TEST_PG_URL) return { mode: 'url', reason: '' };
  if (findInitdb()) return { mode: 'cluster', reason: '' };
  return {
    mode: 'none',
    reason:
      "PostgreSQL tests skipped: set AUTOSKILL_TEST_PG_URL or install Debian's postgresql package (apt-get install postgresql)",
  };
}

function findInitdb(): boolean {
  try {
    return readdirSync('/usr/lib/postgresql').some((version) =>
      existsSync(join('/usr/lib/postgresql', version, 'bin', 'initdb')),
    );
  } catch {
    return false;
  }
}

/** True when the tests must run (CI): a missing server is then a failure, not a skip. */
export function postgresRequired(): boolean {
  return process.env.AUTOSKILL_REQUIRE_PG === '1';
}

/** `describe` for PostgreSQL suites: skipped (with the reason printed) when no server can be had. */
export function postgresSkipReason(): string | null {
  const availability = postgresAvailability();
  if (availability.mode !== 'none') return null;
  if (postgresRequired()) {
    throw new Error(`AUTOSKILL_REQUIRE_PG=1 but no PostgreSQL is available: ${availability.reason}`);
  }
  console.warn(availability.reason);
  return availability.reason;
}

export interface PostgresServer {
  url: string;
  /** A new, empty schema name on this server; `dropSchema` removes it. */
  freshSchema(prefix?: string): string;
  dropSchema(schema: string): Promise<void>;
  /** Stops a cluster this process started (no-op for an external server). */
  stop(): Promise<void>;
}

let started: Promise<PostgresServer> | undefined;

/** The server of this test file: the external one, or a cluster started on first use. */
export function postgresServer(): Promise<PostgresServer> {
  started ??= startServer();
  return started;
}

async function startServer(): Promise<PostgresServer> {
  const external = process.env.AUTOSKILL_TEST_PG_URL;
  let url: string;
  let stop: () => Promise<void> = async () => undefined;
  if (external) {
    url = external;
  } else {
    const parent = mkdtempSync(join(tmpdir(), 'autoskill-pg-'));
    chmodSync(parent, 0o755);
    const dir = join(parent, 'cluster');
    const port = await freePort();
    url = execFileSync('bash', [CLUSTER_SCRIPT, 'start', dir, String(port)], { encoding: 'utf8' }).trim();
    let stopped = false;
    const stopNow = () => {
      if (stopped) return;
      stopped = true;
      spawnSync('bash', [CLUSTER_SCRIPT, 'stop', dir], { stdio: 'ignore' });
      rmSync(parent, { recursive: true, force: true });
    };
    // A test run that ends without afterAll (a crash, a timeout) must not leave the server running.
    process.once('exit', stopNow);
    stop = async () => stopNow();
  }
  let counter = 0;
  return {
    url,
    freshSchema(prefix = 't') {
      counter += 1;
      return `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter}`.toLowerCase();
    },
    async dropSchema(schema) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
    stop,
  };
}

/** A port nobody listens on now, on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
