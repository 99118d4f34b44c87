/**
 * @module Stand-ins for the learning pipeline's `ingest` and conversation import (`src/learn/ingest.ts`,
 * `src/learn/import-conversations.ts`, being written by the learning engineer) until those land. Ingest
 * extracts one candidate and creates it as a new skill (no merge, no discard); import reads `.json` /
 * `.jsonl` and ingests every `messages` list it finds. The SDK switches to the real functions as soon as
 * they are committed; the result shapes are theirs.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Candidate } from '../learn/candidate.js';
import type { ConversationEvent, ConversationMessage } from '../learn/conversation.js';
import { type ExtractionLogger, type ExtractionResult, extractCandidate } from '../learn/extract.js';
import type { ExtractionReferenceInput } from '../learn/extraction-reference.js';
import type { LLMConnector } from '../llm/types.js';
import { AutoSkillError, errorMessage } from '../shared/errors.js';
import { parseJsonValue } from '../shared/json.js';
import type { SkillStore, StoredSkill } from '../store/types.js';

export interface IngestInput {
  store: SkillStore;
  llm: LLMConnector;
  learnLlm: LLMConnector;
  offline: boolean;
  userId: string;
  messages: readonly ConversationMessage[];
  events?: readonly ConversationEvent[];
  hint?: string;
  metadata?: Record<string, unknown>;
  forced?: boolean;
  reference?: ExtractionReferenceInput | null;
  logger?: ExtractionLogger;
  abortSignal?: AbortSignal;
}

export interface IngestOutcome {
  outcome: 'created' | 'merged' | 'discarded' | 'nothing';
  skill?: StoredSkill;
  reason: string;
  candidate?: Candidate;
  extraction?: ExtractionResult;
}

export async function interimIngest(input: IngestInput): Promise<IngestOutcome> {
  const extraction = await extractCandidate({
    messages: input.messages,
    ...(input.events ? { events: input.events } : {}),
    ...(input.hint ? { hint: input.hint } : {}),
    forced: input.forced ?? false,
    reference: input.reference ?? null,
    llm: input.learnLlm,
    offline: input.offline,
    ...(input.abortSignal ? { abortSignal: input.abortSignal } : {}),
    ...(input.logger ? { logger: input.logger } : {}),
  });
  const candidate = extraction.candidate;
  if (!candidate) return { outcome: 'nothing', reason: extraction.reason, extraction };
  const skill = await input.store.create(
    {
      owner: input.userId,
      name: candidate.name,
      description: candidate.description,
      instructions: candidate.prompt,
      triggers: candidate.triggers,
      tags: candidate.tags,
      metadata: { ...input.metadata, confidence: candidate.confidence, origin: candidate.origin },
    },
    { actor: 'ingest', reason: 'new skill from a conversation' },
  );
  return { outcome: 'created', skill, reason: extraction.reason, candidate, extraction };
}

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
  ingest: (messages: ConversationMessage[]) => Promise<IngestOutcome>,
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
