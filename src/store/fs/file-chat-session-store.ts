/**
 * @module Chat sessions on disk, under the store's state folder:
 *
 *     .autoskill/sessions/<user>/<session>.json          the whole record (turns with their details)
 *     .autoskill/sessions/<user>/<session>.summary.json  what the session list shows (a cache)
 *
 * One file per session (the original rewrote one file holding every session and its unbounded trace on
 * each change — serving.md §11.2 item 23), replaced atomically (temp file + rename), bounded in size by
 * the caller (`fitSessionRecord`). The record file is the truth: the list is driven by record files, and a
 * missing or damaged summary is rebuilt from its record. Write errors are thrown, never swallowed. User
 * ids are checked with the store's folder-name rules and session ids are plain `[A-Za-z0-9_-]`, so no
 * path can leave the folder. Two processes writing the same session at the same moment: the last write
 * wins (the engine serialises writes within a process).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AutoSkillError, errorMessage } from '../../shared/errors.js';
import { parseJson } from '../../shared/json.js';
import {
  type ChatSessionRecord,
  ChatSessionRecordSchema,
  type ChatSessionStore,
  type ChatSessionSummary,
  ChatSessionSummarySchema,
  isValidSessionId,
  type ListChatSessionsOptions,
  sessionNotFound,
  summarizeSession,
} from '../chat-session-store.js';
import { validateUserId } from '../safe-paths.js';
import { type Durability, writeFileAtomic } from './atomic-write.js';

/** Folder of the sessions inside the store's state folder (`.autoskill/`). */
export const SESSIONS_DIR = 'sessions';

const RECORD_SUFFIX = '.json';
const SUMMARY_SUFFIX = '.summary.json';

export interface FileChatSessionStoreOptions {
  /** The store's state folder, e.g. `<SkillBank>/.autoskill` (created when missing). */
  stateDir: string;
  /** @default 'rename' */
  durability?: Durability;
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === 'ENOENT';
}

export class FileChatSessionStore implements ChatSessionStore {
  readonly root: string;
  private readonly durability: Durability;

  constructor(options: FileChatSessionStoreOptions) {
    this.root = join(options.stateDir, SESSIONS_DIR);
    this.durability = options.durability ?? 'rename';
  }

  async open(): Promise<void> {
    mkdirSync(this.root, { recursive: true });
  }

  async close(): Promise<void> {}

  private userDir(userId: string): string {
    return join(this.root, validateUserId(userId));
  }

  private recordPath(userId: string, sessionId: string): string | null {
    if (!isValidSessionId(sessionId)) return null;
    return join(this.userDir(userId), `${sessionId}${RECORD_SUFFIX}`);
  }

  private readRecord(path: string): ChatSessionRecord | null {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if (isMissing(error)) return null;
      throw new AutoSkillError('INTERNAL', `Could not read chat session ${path}: ${errorMessage(error)}`, {
        cause: error,
        details: { path },
      });
    }
    return parseJson(text, ChatSessionRecordSchema, { source: path, code: 'STORE_CORRUPT' });
  }

  private write(path: string, value: unknown): void {
    try {
      writeFileAtomic(path, `${JSON.stringify(value)}\n`, this.durability);
    } catch (error) {
      throw new AutoSkillError('INTERNAL', `Could not write chat session ${path}: ${errorMessage(error)}`, {
        cause: error,
        details: { path },
      });
    }
  }

  private writeRecord(record: ChatSessionRecord): void {
    const checked = ChatSessionRecordSchema.parse(record);
    const dir = this.userDir(checked.userId);
    mkdirSync(dir, { recursive: true });
    this.write(join(dir, `${checked.id}${RECORD_SUFFIX}`), checked);
    this.write(join(dir, `${checked.id}${SUMMARY_SUFFIX}`), summarizeSession(checked));
  }

  private sessionIds(userId: string): string[] {
    let names: string[];
    try {
      names = readdirSync(this.userDir(userId));
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
    return names
      .filter(
        (name) => name.endsWith(RECORD_SUFFIX) && !name.endsWith(SUMMARY_SUFFIX) && !name.startsWith('.'),
      )
      .map((name) => name.slice(0, -RECORD_SUFFIX.length))
      .filter(isValidSessionId);
  }

  async create(record: ChatSessionRecord): Promise<void> {
    const path = this.recordPath(record.userId, record.id);
    if (!path) throw sessionNotFound(record.id);
    if (this.readRecord(path)) {
      throw new AutoSkillError('CONFLICT', `Session ${record.id} already exists`, {
        details: { sessionId: record.id },
      });
    }
    this.writeRecord(record);
  }

  async get(userId: string, sessionId: string): Promise<ChatSessionRecord | null> {
    const path = this.recordPath(userId, sessionId);
    if (!path) return null;
    const record = this.readRecord(path);
    // A record filed under another user's folder is not this user's (hand-copied files).
    return record && record.userId === userId && record.id === sessionId ? record : null;
  }

  private summary(userId: string, sessionId: string): ChatSessionSummary | null {
    const dir = this.userDir(userId);
    try {
      const text = readFileSync(join(dir, `${sessionId}${SUMMARY_SUFFIX}`), 'utf8');
      const summary = parseJson(text, ChatSessionSummarySchema, { code: 'STORE_CORRUPT' });
      if (summary.id === sessionId && summary.userId === userId) return summary;
    } catch {
      // Missing or damaged: rebuilt from the record below.
    }
    try {
      const record = this.readRecord(join(dir, `${sessionId}${RECORD_SUFFIX}`));
      return record && record.userId === userId ? summarizeSession(record) : null;
    } catch {
      // A damaged record is left out of the list; `get` reports it.
      return null;
    }
  }

  async list(userId: string, options: ListChatSessionsOptions = {}): Promise<ChatSessionSummary[]> {
    const summaries: ChatSessionSummary[] = [];
    for (const id of this.sessionIds(userId)) {
      const summary = this.summary(userId, id);
      if (summary) summaries.push(summary);
    }
    return summaries
      .sort((left, right) => right.updatedAt - left.updatedAt || right.createdAt - left.createdAt)
      .slice(0, options.limit ?? 100);
  }

  async count(userId: string): Promise<number> {
    return this.sessionIds(userId).length;
  }

  async save(record: ChatSessionRecord): Promise<void> {
    const path = this.recordPath(record.userId, record.id);
    if (!path || !this.readRecordExists(path)) throw sessionNotFound(record.id);
    this.writeRecord(record);
  }

  private readRecordExists(path: string): boolean {
    try {
      return statSync(path).isFile();
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  async delete(userId: string, sessionId: string): Promise<boolean> {
    const path = this.recordPath(userId, sessionId);
    if (!path) return false;
    const existed = this.readRecordExists(path);
    try {
      rmSync(path, { force: true });
      rmSync(join(this.userDir(userId), `${sessionId}${SUMMARY_SUFFIX}`), { force: true });
    } catch (error) {
      throw new AutoSkillError('INTERNAL', `Could not delete chat session ${path}: ${errorMessage(error)}`, {
        cause: error,
        details: { path },
      });
    }
    return existed;
  }
}
