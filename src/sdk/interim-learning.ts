/**
 * @module Stand-in for the learning pipeline's conversation import (`src/learn/import-conversations.ts`,
 * being written by the learning engineer) until it lands: reads `.json` / `.jsonl` and ingests every
 * `messages` list it finds. The SDK switches to the real function as soon as it is committed.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ConversationMessage } from '../learn/conversation.js';
import { AutoSkillError, errorMessage } from '../shared/errors.js';
import { parseJsonValue } from '../shared/json.js';
import type { StoredSkill } from '../store/types.js';

export interface ImportConversationsInput {
  /** `.json` (one document) or `.jsonl` (one JSON value per line). */
  file?: string;
  data?: unknown;
  maxMessagesPerConversation?: number;
  continueOnError?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface ImportConversationsResult {
  totalConversations: number;
  processed: number;
  failed: number;
  upsertedCount: number;
  skills: StoredSkill[];
  errors: Array<{ index: number; error: string }>;
  sourceFile: string | null;
}

function looksLikeMessages(value: unknown): value is ConversationMessage[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((item) => item !== null && typeof item === 'object' && !Array.isArray(item)) &&
    value.some((item) => typeof (item as { role?: unknown }).role === 'string')
  );
}

function findConversations(value: unknown, found: ConversationMessage[][]): void {
  if (looksLikeMessages(value)) {
    found.push(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) findConversations(item, found);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const record = value as Record<string, unknown>;
  if (looksLikeMessages(record['messages'])) {
    found.push(record['messages']);
    return;
  }
  for (const inner of Object.values(record)) findConversations(inner, found);
}

export async function interimImportConversations(
  input: ImportConversationsInput,
  ingest: (messages: ConversationMessage[]) => Promise<{ skill?: StoredSkill }>,
): Promise<ImportConversationsResult> {
  let data = input.data;
  const sourceFile = input.file ? resolve(input.file) : null;
  if (sourceFile) {
    let text: string;
    try {
      text = readFileSync(sourceFile, 'utf8');
    } catch (cause) {
      throw new AutoSkillError('NOT_FOUND', `Conversation file ${input.file} cannot be read`, {
        cause,
        details: { file: input.file },
      });
    }
    data = sourceFile.toLowerCase().endsWith('.jsonl')
      ? text
          .split(/\r?\n/)
          .filter((line) => line.trim().length > 0)
          .flatMap((line) => {
            try {
              return [parseJsonValue(line)];
            } catch {
              return [];
            }
          })
      : parseJsonValue(text, { source: input.file ?? 'conversations' });
  }
  const conversations: ConversationMessage[][] = [];
  findConversations(data, conversations);
  const result: ImportConversationsResult = {
    totalConversations: conversations.length,
    processed: 0,
    failed: 0,
    upsertedCount: 0,
    skills: [],
    errors: [],
    sourceFile,
  };
  const skills = new Map<string, StoredSkill>();
  const max = input.maxMessagesPerConversation ?? 0;
  for (const [index, conversation] of conversations.entries()) {
    try {
      const outcome = await ingest(max > 0 ? conversation.slice(-max) : conversation);
      result.processed += 1;
      if (outcome.skill) skills.set(outcome.skill.id, outcome.skill);
    } catch (error) {
      result.failed += 1;
      result.errors.push({ index, error: errorMessage(error) });
      if (input.continueOnError === false) throw error;
    }
    input.onProgress?.(index + 1, conversations.length);
  }
  result.skills = [...skills.values()];
  result.upsertedCount = skills.size;
  return result;
}
