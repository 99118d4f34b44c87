/**
 * @module One replica's handle on the PostgreSQL database: a connection pool, the schema every table
 * lives in, transactions, and one listening connection for LISTEN/NOTIFY shared by the skill store,
 * the job store and the vector cache of this process. Opening it runs the product's migrations.
 */
import pg from 'pg';
import { AutoSkillError, errorMessage } from '../../shared/errors.js';
import { runMigrations } from './migrations.js';

/** What a query needs: a pool or one client inside a transaction. */
export type Queryable = Pick<pg.PoolClient, 'query'>;

export interface PostgresDatabaseOptions {
  /** Connection string `postgres://user:pass@host:port/db`. Required unless `pool` is given. */
  url?: string;
  /** A pool the caller owns (never ended by `close`). */
  pool?: pg.Pool;
  /**
   * Schema of every table (several AutoSkill deployments, or tests, can share one database).
   * Letters, digits and `_` only. @default 'autoskill'
   */
  schema?: string;
  /** Connections in the pool. @default 10 */
  maxConnections?: number;
  /** Run the migrations at open. @default true */
  migrate?: boolean;
  /** Told about failures in the background (a dropped listening connection). @default ignore */
  onError?: (error: unknown, context: string) => void;
}

export type NotificationHandler = (payload: string) => void;

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,50}$/;

/** Double-quotes an identifier for SQL. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The connection string with its password masked, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}

/**
 * Takes the product's own `schema` parameter out of a connection string (`postgres://…/db?schema=t1`):
 * the driver would send it to the server as a setting, which the server refuses.
 */
export function splitSchemaFromUrl(url: string): { url: string; schema?: string } {
  const match = /([?&])schema=([^&#]*)&?/.exec(url);
  if (!match) return { url };
  const rest =
    `${url.slice(0, match.index)}${match[1] === '?' ? '?' : '&'}${url.slice(match.index + match[0].length)}`
      .replace(/[?&]$/, '')
      .replace('?&', '?');
  return { url: rest, schema: decodeURIComponent(match[2] ?? '') };
}

/** Whether `value` names a PostgreSQL store (`postgres://` or `postgresql://`). */
export function isPostgresUrl(value: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(value.trim());
}

/**
 * A connection pool with the product's schema, transactions and notifications. Several stores of one
 * process share one instance; each store opened from a URL owns (and closes) its own.
 */
export class PostgresDatabase {
  readonly pool: pg.Pool;
  readonly schema: string;
  private readonly ownsPool: boolean;
  private readonly options: PostgresDatabaseOptions;
  private listener: pg.Client | undefined;
  private listening: Promise<void> | undefined;
  private readonly channels = new Map<string, Set<NotificationHandler>>();
  private readonly reconnectHandlers = new Set<() => void>();
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(options: PostgresDatabaseOptions, pool: pg.Pool, ownsPool: boolean, schema: string) {
    this.options = options;
    this.pool = pool;
    this.ownsPool = ownsPool;
    this.schema = schema;
  }

  /** Connects, checks the server answers, and (by default) migrates the schema. */
  static async open(given: PostgresDatabaseOptions): Promise<PostgresDatabase> {
    const fromUrl = given.url ? splitSchemaFromUrl(given.url) : undefined;
    const options: PostgresDatabaseOptions = fromUrl ? { ...given, url: fromUrl.url } : given;
    const schema = options.schema ?? fromUrl?.schema ?? 'autoskill';
    if (!SCHEMA_NAME.test(schema)) {
      throw new AutoSkillError('INVALID_CONFIG', `Invalid PostgreSQL schema name ${JSON.stringify(schema)}`, {
        details: { schema },
      });
    }
    let pool = options.pool;
    const ownsPool = pool === undefined;
    if (!pool) {
      if (!options.url) {
        throw new AutoSkillError('INVALID_CONFIG', 'The PostgreSQL store needs a url (postgres://…)');
      }
      pool = new pg.Pool({
        connectionString: options.url,
        max: options.maxConnections ?? 10,
        application_name: 'autoskill',
      });
      // An idle client that loses its connection must not crash the process; the next query reconnects.
      pool.on('error', (error) => options.onError?.(error, 'idle PostgreSQL connection'));
    }
    const database = new PostgresDatabase(options, pool, ownsPool, schema);
    try {
      await pool.query('SELECT 1');
      if (options.migrate ?? true) await runMigrations(database);
    } catch (error) {
      if (ownsPool) await pool.end().catch(() => undefined);
      throw connectionError(error, options.url);
    }
    return database;
  }

  /** `"<schema>".<table>` */
  table(name: string): string {
    return `${quoteIdent(this.schema)}.${quoteIdent(name)}`;
  }

  /** Notification channel of this schema (`autoskill:<schema>:<topic>`). */
  channel(topic: string): string {
    return `autoskill:${this.schema}:${topic}`;
  }

  query<Row extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<Row>> {
    return this.pool.query<Row>(text, values);
  }

  /** Runs `work` in one transaction (committed when it resolves, rolled back when it throws). */
  async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * Calls `handler` with the payload of every notification on `channel` (from any replica, this one
   * included). Returns the function that stops listening.
   */
  async listen(channel: string, handler: NotificationHandler): Promise<() => void> {
    let handlers = this.channels.get(channel);
    const first = handlers === undefined;
    if (!handlers) {
      handlers = new Set();
      this.channels.set(channel, handlers);
    }
    handlers.add(handler);
    const client = await this.listenerClient();
    if (first && client) await client.query(`LISTEN ${quoteIdent(channel)}`);
    return () => {
      handlers.delete(handler);
    };
  }

  /** Whether the listening connection is up (notifications are being received). */
  isListening(): boolean {
    return this.listener !== undefined && !this.closed;
  }

  /** Called after the listening connection was lost and re-established (notifications may be missed). */
  onReconnect(handler: () => void): () => void {
    this.reconnectHandlers.add(handler);
    return () => this.reconnectHandlers.delete(handler);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    await this.listening?.catch(() => undefined);
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    if (this.ownsPool) await this.pool.end();
  }

  private async listenerClient(): Promise<pg.Client | undefined> {
    if (this.closed) return undefined;
    if (!this.listening) this.listening = this.connectListener();
    await this.listening;
    return this.listener;
  }

  private async connectListener(): Promise<void> {
    const client = new pg.Client(this.connectionConfig('autoskill-listen'));
    client.on('notification', (message) => {
      const handlers = this.channels.get(message.channel);
      if (!handlers) return;
      for (const handler of [...handlers]) {
        try {
          handler(message.payload ?? '');
        } catch (error) {
          this.options.onError?.(error, `handling a notification on ${message.channel}`);
        }
      }
    });
    client.on('error', (error) => {
      this.options.onError?.(error, 'listening connection');
      this.dropListener(client);
    });
    client.on('end', () => this.dropListener(client));
    await client.connect();
    for (const channel of this.channels.keys()) await client.query(`LISTEN ${quoteIdent(channel)}`);
    this.listener = client;
  }

  /** Forgets a broken listening connection and reconnects after a pause. */
  private dropListener(client: pg.Client): void {
    if (this.listener !== client || this.closed) return;
    this.listener = undefined;
    this.listening = undefined;
    void client.end().catch(() => undefined);
    const retry = () => {
      this.reconnectTimer = undefined;
      if (this.closed) return;
      this.listenerClient().then(
        () => {
          for (const handler of [...this.reconnectHandlers]) handler();
        },
        (error: unknown) => {
          this.options.onError?.(error, 'reconnecting the listening connection');
          this.listening = undefined;
          this.reconnectTimer = setTimeout(retry, 1000);
          this.reconnectTimer.unref();
        },
      );
    };
    this.reconnectTimer = setTimeout(retry, 200);
    this.reconnectTimer.unref();
  }

  /** How the pool connects, for a connection of its own (listening, the per-user ingest locks). */
  connectionConfig(applicationName: string): pg.ClientConfig {
    const options = (this.pool as pg.Pool & { options?: pg.PoolConfig }).options ?? {};
    return { ...options, application_name: applicationName } as pg.ClientConfig;
  }
}

/** A connection failure as an AutoSkillError that names the server (never the password). */
export function connectionError(error: unknown, url: string | undefined): unknown {
  if (error instanceof AutoSkillError) return error;
  const code = (error as { code?: string }).code;
  const where = url ? ` at ${redactUrl(url)}` : '';
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === '28P01' || code === '3D000') {
    return new AutoSkillError(
      'UPSTREAM_ERROR',
      `Cannot connect to PostgreSQL${where}: ${errorMessage(error)}. Check the store url and that the server runs.`,
      { cause: error, details: { pgCode: code ?? null }, isRetryable: code === 'ECONNREFUSED' },
    );
  }
  return error;
}
