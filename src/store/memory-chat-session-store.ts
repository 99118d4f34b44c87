/**
 * @module In-memory `ChatSessionStore` (tests, the terminal chat): records are validated and copied on
 * the way in and out, so callers can never change a stored session by mutating an object.
 */
import { AutoSkillError } from '../shared/errors.js';
import { validate } from '../shared/json.js';
import {
  type ChatSessionRecord,
  ChatSessionRecordSchema,
  type ChatSessionStore,
  type ChatSessionSummary,
  isValidSessionId,
  type ListChatSessionsOptions,
  sessionNotFound,
  summarizeSession,
} from './chat-session-store.js';
import { validateUserId } from './safe-paths.js';

export class MemoryChatSessionStore implements ChatSessionStore {
  private readonly users = new Map<string, Map<string, ChatSessionRecord>>();

  async open(): Promise<void> {}

  async close(): Promise<void> {}

  private sessionsOf(userId: string, create: boolean): Map<string, ChatSessionRecord> | undefined {
    const user = validateUserId(userId);
    let sessions = this.users.get(user);
    if (!sessions && create) {
      sessions = new Map();
      this.users.set(user, sessions);
    }
    return sessions;
  }

  private checked(record: ChatSessionRecord): ChatSessionRecord {
    const valid = validate(record, ChatSessionRecordSchema, {
      source: 'chat session',
      code: 'INVALID_INPUT',
    });
    if (!isValidSessionId(valid.id)) throw sessionNotFound(valid.id);
    return structuredClone(valid);
  }

  async create(record: ChatSessionRecord): Promise<void> {
    const copy = this.checked(record);
    const sessions = this.sessionsOf(copy.userId, true);
    if (sessions?.has(copy.id)) {
      throw new AutoSkillError('CONFLICT', `Session ${copy.id} already exists`, {
        details: { sessionId: copy.id },
      });
    }
    sessions?.set(copy.id, copy);
  }

  async get(userId: string, sessionId: string): Promise<ChatSessionRecord | null> {
    const record = this.sessionsOf(userId, false)?.get(sessionId);
    return record ? structuredClone(record) : null;
  }

  async list(userId: string, options: ListChatSessionsOptions = {}): Promise<ChatSessionSummary[]> {
    const sessions = [...(this.sessionsOf(userId, false)?.values() ?? [])];
    return sessions
      .map(summarizeSession)
      .sort((left, right) => right.updatedAt - left.updatedAt || right.createdAt - left.createdAt)
      .slice(0, options.limit ?? 100);
  }

  async count(userId: string): Promise<number> {
    return this.sessionsOf(userId, false)?.size ?? 0;
  }

  async save(record: ChatSessionRecord): Promise<void> {
    const copy = this.checked(record);
    const sessions = this.sessionsOf(copy.userId, false);
    if (!sessions?.has(copy.id)) throw sessionNotFound(copy.id);
    sessions.set(copy.id, copy);
  }

  async delete(userId: string, sessionId: string): Promise<boolean> {
    return this.sessionsOf(userId, false)?.delete(sessionId) ?? false;
  }
}
