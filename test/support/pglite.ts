/**
 * PGlite (PostgreSQL compiled to WebAssembly) with the pgvector extension, served on 127.0.0.1 through
 * pglite-socket so the product talks to it with the ordinary `pg` client, as to a real server. Debian
 * bookworm does not package pgvector, so the pgvector SQL path is tested here. PGlite is one session:
 * the socket server multiplexes clients and runs one transaction at a time.
 */
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface PgliteServer {
  url: string;
  stop(): Promise<void>;
}

export async function startPglite(): Promise<PgliteServer> {
  const db = await PGlite.create({ extensions: { vector } });
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 32 });
  await server.start();
  const address = (server as unknown as { server?: { address(): { port: number } } }).server?.address();
  if (!address) throw new Error('pglite-socket did not report its port');
  return {
    url: `postgres://postgres@127.0.0.1:${address.port}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
