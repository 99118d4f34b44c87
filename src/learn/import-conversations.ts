/**
 * @module Imports conversations in the OpenAI shapes from a `.json` / `.jsonl` file (or parsed data) and
 * learns from each one (one ingest per conversation, so at most one skill change each).
 *
 * Discovery (core.md §9.2, the original's rules):
 * - an array that looks like messages (non-empty, all objects, at least one with `role`, `content` or
 *   `text`) is one conversation; any other array is searched item by item;
 * - in an object, each of `messages`, `conversation`, `dialogue`, `history`, `chat_history` that looks
 *   like messages is a conversation; each of `body`, `request`, `input`, `payload` holding a messages-like
 *   `messages` is one; each of `data`, `items`, `records`, `conversations`, `dialogues`, `samples` is
 *   searched; when none of these applied, every array or object value is searched;
 * - a record's `response.choices[0].message.content` (or `response.output_text`) is appended as the
 *   assistant's reply unless the conversation already ends with one.
 *
 * Messages: role lower-cased (`system`, `user`, `assistant`, `tool`; anything else counts as the user's),
 * content from a string, text parts, an object's `text`/`content`, or — unlike the original, which
 * dropped them — a message that has only a `text` field. Empty messages are dropped.
 *
 * A `.jsonl` line that is not JSON is reported as an error with its line number (import continues unless
 * `continueOnError` is false); an unreadable or invalid `.json` file fails the import. A missing hint is
 * absent — never the text "None" (the original's offline import sent that).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AutoSkillError, errorMessage, isAutoSkillError } from '../shared/errors.js';
import { parseJsonValue } from '../shared/json.js';
import type { StoredSkill } from '../store/types.js';
import type { ConversationMessage } from './conversation.js';
import type { IngestOptions, IngestResult } from './ingest.js';
import { ingest } from './ingest.js';

export type ImportedRole = 'system' | 'user' | 'assistant' | 'tool';

export interface ImportedMessage extends ConversationMessage {
  role: ImportedRole;
  content: string;
}

const MESSAGE_LIST_KEYS = ['messages', 'conversation', 'dialogue', 'history', 'chat_history'] as const;
const REQUEST_KEYS = ['body', 'request', 'input', 'payload'] as const;
const CONTAINER_KEYS = ['data', 'items', 'records', 'conversations', 'dialogues', 'samples'] as const;
const ROLES = new Set<ImportedRole>(['system', 'user', 'assistant', 'tool']);
const MAX_DEPTH = 64;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function looksLikeMessages(value: unknown): value is Array<Record<string, unknown>> {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every(isRecord) &&
    value.some((item) => 'role' in item || 'content' in item || 'text' in item)
  );
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    return value
      .map((part) =>
        typeof part === 'string' ? part : isRecord(part) ? textOf(part['text'] ?? part['content']) : '',
      )
      .filter((part) => part.length > 0)
      .join('\n');
  }
  if (isRecord(value)) return textOf(value['text'] ?? value['content']);
  return '';
}

/** One message in the OpenAI shapes, normalised; `undefined` when it has no text. */
export function normaliseMessage(message: Record<string, unknown>): ImportedMessage | undefined {
  const rawRole = typeof message['role'] === 'string' ? message['role'].trim().toLowerCase() : 'user';
  const role: ImportedRole = ROLES.has(rawRole as ImportedRole) ? (rawRole as ImportedRole) : 'user';
  const content = textOf(message['content'] ?? message['text']).trim();
  return content.length > 0 ? { role, content } : undefined;
}

function responseReply(record: Record<string, unknown>): string {
  const response = record['response'];
  if (!isRecord(response)) return '';
  const choices = response['choices'];
  if (Array.isArray(choices) && isRecord(choices[0]) && isRecord(choices[0]['message'])) {
    const text = textOf(choices[0]['message']['content']).trim();
    if (text) return text;
  }
  return typeof response['output_text'] === 'string' ? response['output_text'].trim() : '';
}

function conversationFrom(
  list: Array<Record<string, unknown>>,
  record?: Record<string, unknown>,
): ImportedMessage[] {
  const messages = list.map(normaliseMessage).filter((message): message is ImportedMessage => !!message);
  const reply = record ? responseReply(record) : '';
  const last = messages[messages.length - 1];
  if (reply && !(last?.role === 'assistant' && last.content.length > 0)) {
    messages.push({ role: 'assistant', content: reply });
  }
  return messages;
}

function discover(value: unknown, found: ImportedMessage[][], depth: number): void {
  if (depth > MAX_DEPTH) return;
  if (looksLikeMessages(value)) {
    found.push(conversationFrom(value));
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) discover(item, found, depth + 1);
    return;
  }
  if (!isRecord(value)) return;
  let applied = false;
  for (const key of MESSAGE_LIST_KEYS) {
    const list = value[key];
    if (looksLikeMessages(list)) {
      found.push(conversationFrom(list, value));
      applied = true;
    }
  }
  for (const key of REQUEST_KEYS) {
    const inner = value[key];
    if (isRecord(inner) && looksLikeMessages(inner['messages'])) {
      found.push(conversationFrom(inner['messages'], value));
      applied = true;
    }
  }
  for (const key of CONTAINER_KEYS) {
    const inner = value[key];
    if (Array.isArray(inner) || isRecord(inner)) {
      discover(inner, found, depth + 1);
      applied = true;
    }
  }
  if (applied) return;
  for (const inner of Object.values(value)) {
    if (Array.isArray(inner) || isRecord(inner)) discover(inner, found, depth + 1);
  }
}

/** Every conversation in a parsed document (see the module comment); empty ones are left out. */
export function discoverConversations(data: unknown): ImportedMessage[][] {
  const found: ImportedMessage[][] = [];
  discover(data, found, 0);
  return found.filter((conversation) => conversation.length > 0);
}

export interface ConversationFile {
  /** One value for `.json`; one per good line for `.jsonl`. */
  values: unknown[];
  /** `.jsonl` lines that are not JSON. */
  badLines: Array<{ line: number; error: string }>;
  sourceFile: string;
}

/** Reads a `.json` or `.jsonl` conversation file (`NOT_FOUND` when missing, `INVALID_INPUT` when a `.json` is not JSON). */
export function readConversationFile(file: string): ConversationFile {
  const sourceFile = resolve(file);
  let text: string;
  try {
    text = readFileSync(sourceFile, 'utf8').replace(/^\uFEFF/, '');
  } catch (cause) {
    throw new AutoSkillError('NOT_FOUND', `Conversation file ${file} cannot be read: check the path.`, {
      cause,
      details: { file },
    });
  }
  if (!sourceFile.toLowerCase().endsWith('.jsonl')) {
    return { values: [parseJsonValue(text, { source: file })], badLines: [], sourceFile };
  }
  const values: unknown[] = [];
  const badLines: ConversationFile['badLines'] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim().length === 0) return;
    try {
      values.push(parseJsonValue(line, { source: `${file}:${index + 1}` }));
    } catch (error) {
      badLines.push({ line: index + 1, error: errorMessage(error) });
    }
  });
  return { values, badLines, sourceFile };
}

/** Learns from one conversation; the SDK passes its own `ingest`. */
export type IngestConversation = (
  messages: ImportedMessage[],
  context: { index: number; metadata: Record<string, unknown>; hint?: string },
) => Promise<Pick<IngestResult, 'outcome' | 'skill'>>;

export interface ImportStep {
  index: number;
  outcome: IngestResult['outcome'] | 'failed';
  skillId?: string;
}

export interface ImportConversationsOptions {
  /** A `.json` or `.jsonl` file. */
  file?: string;
  /** Or the content, already parsed. */
  data?: unknown;
  /** Keep the last N messages of each conversation (0 = all). @default 0 */
  maxMessagesPerConversation?: number;
  /** Record a failing conversation (or bad line) and go on; `false` stops at the first. @default true */
  continueOnError?: boolean;
  /** Passed to every ingest (the `/extract_now` hint). */
  hint?: string;
  /** Added to every skill's metadata, with `channel: "openai_import"`, `source_file` and `import_index`. */
  metadata?: Record<string, unknown>;
  /** After each conversation: how many are done, of how many, and what the last one did. */
  onProgress?: (done: number, total: number, step: ImportStep) => void;
  abortSignal?: AbortSignal;
}

export interface ImportConversationsResult {
  totalConversations: number;
  processed: number;
  failed: number;
  /** Distinct skills created or merged. */
  upsertedCount: number;
  /** Those skills, in their latest state. */
  skills: StoredSkill[];
  /** Failed conversations (`index`) and bad `.jsonl` lines (`line`). */
  errors: Array<{ index: number; line?: number; error: string; code?: string }>;
  outcomes: Record<IngestResult['outcome'], number>;
  sourceFile: string | null;
}

/** Imports conversations and learns from each through `ingestConversation` (see the module comment). */
export async function importConversations(
  options: ImportConversationsOptions,
  ingestConversation: IngestConversation,
): Promise<ImportConversationsResult> {
  const continueOnError = options.continueOnError ?? true;
  const max = options.maxMessagesPerConversation ?? 0;
  if (!Number.isInteger(max) || max < 0) {
    throw new AutoSkillError('INVALID_INPUT', 'maxMessagesPerConversation must be a whole number ≥ 0', {
      details: { maxMessagesPerConversation: max },
    });
  }
  const errors: ImportConversationsResult['errors'] = [];
  let values: unknown[];
  let sourceFile: string | null = null;
  if (options.file !== undefined) {
    const file = readConversationFile(options.file);
    sourceFile = file.sourceFile;
    values = file.values;
    for (const bad of file.badLines) {
      if (!continueOnError) {
        throw new AutoSkillError('INVALID_INPUT', `${options.file}:${bad.line}: not JSON (${bad.error})`, {
          details: { file: options.file, line: bad.line },
        });
      }
      errors.push({
        index: -1,
        line: bad.line,
        error: `line ${bad.line} is not JSON: ${bad.error}`,
        code: 'INVALID_INPUT',
      });
    }
  } else if (options.data !== undefined) {
    values = [options.data];
  } else {
    throw new AutoSkillError('INVALID_INPUT', 'Give a conversation file or data to import.');
  }
  const conversations = values.flatMap((value) => discoverConversations(value));
  const outcomes: ImportConversationsResult['outcomes'] = { created: 0, merged: 0, discarded: 0, nothing: 0 };
  const skillIds: string[] = [];
  const latest = new Map<string, StoredSkill>();
  let processed = 0;
  let failed = 0;
  const hint = options.hint?.trim() ? options.hint.trim() : undefined;
  for (const [index, conversation] of conversations.entries()) {
    if (options.abortSignal?.aborted) {
      throw new AutoSkillError('ABORTED', 'The conversation import was aborted.', {
        details: { done: index, total: conversations.length },
      });
    }
    const messages = max > 0 ? conversation.slice(-max) : conversation;
    const metadata = {
      ...(options.metadata ?? {}),
      channel: options.metadata?.['channel'] ?? 'openai_import',
      source_file: sourceFile,
      import_index: index,
    };
    let step: ImportStep;
    try {
      const result = await ingestConversation(messages, { index, metadata, ...(hint ? { hint } : {}) });
      processed += 1;
      outcomes[result.outcome] += 1;
      if (result.skill) {
        if (!latest.has(result.skill.id)) skillIds.push(result.skill.id);
        latest.set(result.skill.id, result.skill);
      }
      step = { index, outcome: result.outcome, ...(result.skill ? { skillId: result.skill.id } : {}) };
    } catch (error) {
      if (isAutoSkillError(error, 'ABORTED')) throw error;
      failed += 1;
      errors.push({
        index,
        error: errorMessage(error),
        ...(isAutoSkillError(error) ? { code: error.code } : {}),
      });
      if (!continueOnError) throw error;
      step = { index, outcome: 'failed' };
    }
    options.onProgress?.(index + 1, conversations.length, step);
  }
  return {
    totalConversations: conversations.length,
    processed,
    failed,
    upsertedCount: skillIds.length,
    skills: skillIds.map((id) => latest.get(id) as StoredSkill),
    errors,
    outcomes,
    sourceFile,
  };
}

/** Conversation import straight over the ingest pipeline (what the SDK does with its own settings). */
export function importOpenAIConversations(
  options: ImportConversationsOptions & {
    ingest: Omit<IngestOptions, 'messages' | 'events' | 'hint' | 'metadata' | 'forced' | 'reference'>;
  },
): Promise<ImportConversationsResult> {
  return importConversations(options, (messages, context) =>
    ingest({
      ...options.ingest,
      messages,
      metadata: context.metadata,
      ...(context.hint ? { hint: context.hint } : {}),
      ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
    }),
  );
}
