/**
 * @module Serving a hono app on Node's HTTP server (@hono/node-server): listen on a host and port
 * (127.0.0.1 by default; port 0 picks a free one) and close gracefully — stop accepting, let open
 * requests finish, then destroy what is left after a grace period.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { AutoSkillError } from '../../shared/errors.js';
import type { ServerEnv } from '../context.js';

export interface StartServerOptions {
  app: Hono<ServerEnv>;
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 9000 (0 picks a free port) */
  port?: number;
}

export interface RunningServer {
  /** `http://host:port` (IPv6 hosts in brackets). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly server: Server;
  /** Stops listening; open connections get `graceMs` to finish, then are destroyed. @default graceMs 5000 */
  close(options?: { graceMs?: number }): Promise<void>;
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const server = await new Promise<Server>((resolve, reject) => {
    const created = serve({ fetch: options.app.fetch, hostname: host, port: options.port ?? 9000 }) as Server;
    created.once('error', (cause) =>
      reject(
        new AutoSkillError(
          'INVALID_CONFIG',
          `Cannot listen on ${host}:${options.port ?? 9000}: ${cause.message}`,
          {
            cause,
          },
        ),
      ),
    );
    created.once('listening', () => resolve(created));
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${address.port}`,
    host: address.address,
    port: address.port,
    server,
    close({ graceMs = 5000 } = {}) {
      closing ??= new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
