/**
 * @module Chat sessions of the web UI in PostgreSQL (`<schema>.chat_sessions`), so a session started
 * through one replica continues through another. Records are validated on the way in (as the other
 * stores do) and every read names the user, so nobody reaches another user's session by id.
 */
import { AutoSkillError } from '../../shared/errors.js';
import { validate } from '../../shared/json.js';
import {
  type ChatSessionRecord,
  ChatSessionRecordSchema,
  type ChatSessionStore,
  type ChatSessionSummary,
  isValidSessionId,
  type ListChatSessionsOptions,
  sessionNotFound,
  summarizeSession,
} from '../chat-session-store.js';
import { validateUserId } from '../safe-paths.js';
import { PostgresDatabase, type PostgresDatabaseOptions } from './database.js';
import { json } from './skill-rows.js';

export interface PostgresChatSessionStoreOptions extends PostgresDatabaseOptions {
  /** A database handle shared with the other stores of this process (not closed by `close`). */
  database?: PostgresDatabase;
}

export class PostgresChatSessionStore implements ChatSessionStore {
  private readonly options: PostgresChatSessionStoreOptions;
  private opening: Promise<PostgresDatabase> | undefined;

  constructor(options: PostgresChatSessionStoreOptions) {
    this.options = options;
  }

  async open(): Promise<void> {
    await this.database();
  }

  async close(): Promise<void> {
    const opening = this.opening;
    this.opening = undefined;
    if (!opening || this.options.database) return;
    await (await opening.catch(() => undefined))?.close();
  }

  async create(record: ChatSessionRecord): Promise<void> {
    const valid = this.checked(record);
    const db = await this.database();
    const inserted = await db.query(
      `INSERT INTO ${db.table('chat_sessions')} (user_id, id, created_at, updated_at, record)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
      [valid.userId, valid.id, valid.createdAt, valid.updatedAt, json(valid)],
    );
    if ((inserted.rowCount ?? 0) === 0) {
      throw new AutoSkillError('CONFLICT', `Session ${valid.id} already exists`, {
        details: { sessionId: valid.id },
      });
    }
  }

  async get(userId: string, sessionId: string): Promise<ChatSessionRecord | null> {
    const user = validateUserId(userId);
    if (!isValidSessionId(sessionId)) return null;
    const db = await this.database();
    const result = await db.query<{ record: ChatSessionRecord }>(
      `SELECT record FROM ${db.table('chat_sessions')} WHERE user_id = $1 AND id = $2`,
      [user, sessionId],
    );
    return result.rows[0]?.record ?? null;
  }

  async list(userId: string, options: ListChatSessionsOptions = {}): Promise<ChatSessionSummary[]> {
    const user = validateUserId(userId);
    const db = await this.database();
    const result = await db.query<{ record: ChatSessionRecord }>(
      `SELECT record FROM ${db.table('chat_sessions')} WHERE user_id = $1
       ORDER BY updated_at DESC, created_at DESC LIMIT $2`,
      [user, Math.max(0, options.limit ?? 100)],
    );
    return result.rows.map((row) => summarizeSession(row.record));
  }

  async count(userId: string): Promise<number> {
    const user = validateUserId(userId);
    const db = await this.database();
    const result = await db.query<{ count: string }>(
      `SELECT count(*) AS count FROM ${db.table('chat_sessions')} WHERE user_id = $1`,
      [user],
    );
    return Number(result.rows[0]?.count ?? 0);
  }

  async save(record: ChatSessionRecord): Promise<void> {
    const valid = this.checked(record);
    const db = await this.database();
    const updated = await db.query(
      `UPDATE ${db.table('chat_sessions')} SET updated_at = $3, record = $4 WHERE user_id = $1 AND id = $2`,
      [valid.userId, valid.id, valid.updatedAt, json(valid)],
    );
    if ((updated.rowCount ?? 0) === 0) throw sessionNotFound(valid.id);
  }

  async delete(userId: string, sessionId: string): Promise<boolean> {
    const user = validateUserId(userId);
    if (!isValidSessionId(sessionId)) return false;
    const db = await this.database();
    const removed = await db.query(
      `DELETE FROM ${db.table('chat_sessions')} WHERE user_id = $1 AND id = $2`,
      [user, sessionId],
    );
    return (removed.rowCount ?? 0) > 0;
  }

  private checked(record: ChatSessionRecord): ChatSessionRecord {
    const valid = validate(record, ChatSessionRecordSchema, {
      source: 'chat session',
      code: 'INVALID_INPUT',
    });
    if (!isValidSessionId(valid.id)) throw sessionNotFound(valid.id);
    validateUserId(valid.userId);
    return valid;
  }

  private database(): Promise<PostgresDatabase> {
    this.opening ??= this.options.database
      ? Promise.resolve(this.options.database)
      : PostgresDatabase.open(this.options);
    return this.opening;
  }
}
