/**
 * @module A command turn of a chat session (`/help`, `/clear`, `/rewrite`, `/extract`, `/extract_every`,
 * `/scope`, `/search`, `/skills`, `/export`, `/extract_now`): runs the command on the record under the
 * session's lock and stores it as a turn of kind `command`. A failing command replies with its error.
 */
import { errorMessage } from '../shared/errors.js';
import {
  type ChatSessionRecord,
  type ChatTurnRecord,
  SESSION_EXTRACT_MODES,
  SESSION_REWRITE_MODES,
  summarizeSession,
} from '../store/chat-session-store.js';
import {
  helpText,
  parseModeArgument,
  parseScopeArgument,
  parseTurnLimitArgument,
  USAGE,
} from './chat-session-commands.js';
import { historyOf, lastReference, publicMessage } from './chat-session-records.js';
import { type Emit, type ScheduledJob, type SessionRuntime, storeTurn } from './chat-session-runtime.js';
import { buildWindow } from './extraction-window.js';
import { emptyRetrievalInfo, type RetrievalInfo } from './turn-types.js';

interface CommandResult {
  reply: string;
  retrieval?: RetrievalInfo;
  scheduled?: ScheduledJob;
}

export async function runCommandTurn(
  runtime: SessionRuntime,
  record: ChatSessionRecord,
  parsed: { name: string; argument: string; text: string },
  emit: Emit,
  abortSignal: AbortSignal | undefined,
): Promise<void> {
  const turnId = runtime.generateId('turn');
  const createdAt = runtime.now();
  emit({ type: 'turn', sessionId: record.id, turnId, kind: 'command', command: parsed.name });
  let result: CommandResult;
  try {
    result = await runCommand(runtime, record, parsed.name, parsed.argument, turnId, abortSignal);
  } catch (error) {
    runtime.options.logger?.warn({ err: error, command: parsed.name }, 'a chat command failed');
    result = { reply: `${parsed.name} failed: ${publicMessage(error)}` };
  }
  if (result.retrieval) emit({ type: 'retrieval', turnId, retrieval: result.retrieval });
  emit({ type: 'delta', turnId, content: result.reply });
  const turn: ChatTurnRecord = {
    id: turnId,
    kind: 'command',
    command: parsed.name,
    status: 'completed',
    userText: parsed.text,
    replyText: result.reply,
    retrieval: result.retrieval ?? null,
    injected: [],
    jobIds: result.scheduled ? [result.scheduled.job.jobId] : [],
    receipt: result.scheduled
      ? {
          jobId: result.scheduled.receipt.jobId,
          status: result.scheduled.receipt.status,
          reason: result.scheduled.receipt.reason,
        }
      : null,
    error: null,
    trimmed: false,
    createdAt,
    finishedAt: runtime.now(),
  };
  const saved = await storeTurn(runtime, record, turn, result.scheduled ?? null, emit);
  emit({ type: 'done', turn, session: summarizeSession(saved) });
}

async function runCommand(
  runtime: SessionRuntime,
  record: ChatSessionRecord,
  name: string,
  argument: string,
  turnId: string,
  abortSignal: AbortSignal | undefined,
): Promise<CommandResult> {
  const settings = record.settings;
  switch (name) {
    case '/help':
      return { reply: helpText() };
    case '/clear':
      record.turns = [];
      record.turnsSinceExtraction = 0;
      return { reply: 'Conversation cleared.' };
    case '/rewrite': {
      const mode = parseModeArgument(argument, SESSION_REWRITE_MODES);
      if (!mode) return { reply: USAGE['/rewrite'] ?? '' };
      record.settings = { ...settings, rewriteMode: mode };
      return { reply: `Rewrite mode: ${mode}` };
    }
    case '/extract': {
      const mode = parseModeArgument(argument, SESSION_EXTRACT_MODES);
      if (!mode) return { reply: USAGE['/extract'] ?? '' };
      record.settings = { ...settings, extractMode: mode };
      return { reply: `Extraction mode: ${mode}` };
    }
    case '/extract_every': {
      const limit = parseTurnLimitArgument(argument);
      if (limit === null) return { reply: USAGE['/extract_every'] ?? '' };
      record.settings = { ...settings, extractTurnLimit: limit };
      return { reply: `Extraction interval (turns): ${limit}` };
    }
    case '/scope': {
      const scope = parseScopeArgument(argument);
      if (!scope) return { reply: USAGE['/scope'] ?? '' };
      record.settings = { ...settings, scope };
      return { reply: `Skill scope: ${scope}` };
    }
    case '/search':
      return argument ? search(runtime, record, argument, abortSignal) : { reply: USAGE['/search'] ?? '' };
    case '/skills': {
      const skills = await runtime.options.listSkills(record.userId, 200);
      if (skills.length === 0) return { reply: '(no skills)' };
      return {
        reply: skills.map((skill) => `- ${skill.id} | v${skill.version} | ${skill.name}`).join('\n'),
      };
    }
    case '/export':
      return argument ? exportSkill(runtime, record.userId, argument) : { reply: USAGE['/export'] ?? '' };
    case '/extract_now':
      return extractNow(runtime, record, argument, turnId);
    default:
      return { reply: 'Unknown command. Use /help.' };
  }
}

async function search(
  runtime: SessionRuntime,
  record: ChatSessionRecord,
  query: string,
  abortSignal: AbortSignal | undefined,
): Promise<CommandResult> {
  const settings = record.settings;
  const prepared = await runtime.options.engine
    .prepareTurnContext({
      userId: record.userId,
      messages: [{ role: 'user', content: query }],
      scope: settings.scope,
      topK: Math.max(settings.topK, 5),
      minScore: settings.minScore,
      rewriteMode: 'never',
      ...(abortSignal ? { abortSignal } : {}),
    })
    .catch((error: unknown) => ({
      retrieval: emptyRetrievalInfo({
        query,
        scope: settings.scope,
        now: runtime.now(),
        error: errorMessage(error),
      }),
    }));
  const retrieval: RetrievalInfo = {
    ...prepared.retrieval,
    selectedForContextIds: [],
    contextInjected: false,
  };
  const lines = retrieval.hits.map(
    (hit) => `${hit.rank}. ${hit.score.toFixed(4)} · ${hit.name} (${hit.id}) · ${hit.source}`,
  );
  if (retrieval.error) lines.push(`(search error: ${retrieval.error})`);
  return {
    reply: [`Search: ${query}`, ...(lines.length > 0 ? lines : ['(no hits)'])].join('\n'),
    retrieval,
  };
}

async function exportSkill(runtime: SessionRuntime, userId: string, id: string): Promise<CommandResult> {
  const { engine } = runtime.options;
  const skill = await engine.getSkill(id);
  const visible =
    skill !== null && (skill.owner === userId || skill.readOnly || skill.owner.startsWith('library:'));
  const md = visible ? await engine.readSkillMd(id) : null;
  if (md === null) return { reply: '(not found)' };
  const max = runtime.exportMaxChars;
  return { reply: md.length > max ? `${md.slice(0, max)}\n\n...(truncated)...\n` : md };
}

function extractNow(
  runtime: SessionRuntime,
  record: ChatSessionRecord,
  argument: string,
  turnId: string,
): CommandResult {
  const messages = historyOf(record, runtime.historyTurns);
  const jobWindow = buildWindow({ messages, size: runtime.window });
  if (!jobWindow.some((message) => message.role === 'user')) {
    return { reply: '(no conversation context to extract from)' };
  }
  const hint = argument || null;
  const scheduled = runtime.schedule(record, {
    window: jobWindow,
    trigger: 'extract_now',
    turnId,
    hint,
    reference: lastReference(record, record.userId),
  });
  const duplicate = scheduled.receipt.duplicate ? ' (the same conversation already has a job)' : '';
  return {
    reply: `[extract_now] scheduled in background${hint ? ` (hint: ${hint})` : ''}${duplicate}`,
    scheduled,
  };
}
