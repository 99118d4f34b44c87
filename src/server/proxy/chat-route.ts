/**
 * @module `POST /v1/chat/completions`: validate minimally, resolve the user, ask the skill-context
 * provider (bounded in time, never fatal), forward the client's body plus the one skill message, and
 * relay the upstream's answer — status, body, usage, finish reasons, errors — with the `autoskill` field
 * and `X-AutoSkill-*` headers added. The turn observer hears about every turn after its answer is
 * complete; it is never awaited on the response path.
 */
import type { Context, Hono } from 'hono';
import {
  type ChatMessage,
  type CompletedTurn,
  emptyRetrievalInfo,
  type PreparedSkillContext,
  type SkillContextProvider,
  type SkillScope,
  type TurnObserver,
  type TurnReceipt,
} from '../../service/turn-types.js';
import { errorMessage, isAutoSkillError } from '../../shared/errors.js';
import { parseJsonValue } from '../../shared/json.js';
import { resolveRequestUser } from '../auth/resolve-user.js';
import type { ServerEnv } from '../context.js';
import { openAIErrorBody } from '../errors.js';
import { readJsonObject } from '../http/read-body.js';
import { autoskillField, SKILLS_HEADER, skillsHeaderValue } from './autoskill-field.js';
import {
  insertSkillMessage,
  latestUserText,
  narrowScope,
  parseChatRequest,
  takeScope,
} from './chat-request.js';
import { relayEventStream, type StreamOutcome } from './stream-relay.js';
import { passThroughHeaders } from './upstreams/response-headers.js';
import type { ChatUpstream } from './upstreams/types.js';

export const SCOPE_HEADER = 'x-autoskill-scope';

export interface ChatRouteOptions {
  upstream: ChatUpstream;
  skillContext: SkillContextProvider;
  turnObserver: TurnObserver;
  /** The server's scope; a request may narrow it. */
  defaultScope: SkillScope;
  includeAutoskillField: boolean;
  includeAutoskillHeaders: boolean;
  /** Longest wait for the skill context before answering without skills. */
  skillContextTimeoutMs: number;
  maxBodyBytes: number;
  now: () => number;
}

type Json = Record<string, unknown>;

/** The part of a turn that depends on how the upstream answered. */
type TurnOutcome = Pick<
  CompletedTurn,
  'status' | 'assistantText' | 'finishReason' | 'toolCalls' | 'error' | 'usage'
>;

function asRecord(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function contentText(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return null;
  return content
    .map((part) => {
      const record = asRecord(part);
      return typeof record?.['text'] === 'string' ? record['text'] : '';
    })
    .join('');
}

/** First-choice facts of a `chat.completion` body, for the turn observer. */
function summarizeCompletion(
  body: Json,
): Pick<CompletedTurn, 'assistantText' | 'finishReason' | 'toolCalls' | 'usage'> {
  const choices = Array.isArray(body['choices']) ? body['choices'] : [];
  const first = asRecord(choices.find((choice) => (asRecord(choice)?.['index'] ?? 0) === 0) ?? choices[0]);
  const message = asRecord(first?.['message']);
  const toolCalls = (Array.isArray(message?.['tool_calls']) ? (message['tool_calls'] as unknown[]) : [])
    .map(asRecord)
    .filter((call): call is Json => call !== undefined)
    .map((call) => {
      const fn = asRecord(call['function']);
      return {
        ...(typeof call['id'] === 'string' ? { id: call['id'] } : {}),
        name: typeof fn?.['name'] === 'string' ? fn['name'] : '',
        arguments: typeof fn?.['arguments'] === 'string' ? fn['arguments'] : '',
      };
    });
  const usage = asRecord(body['usage']);
  return {
    assistantText: contentText(message?.['content']),
    finishReason: typeof first?.['finish_reason'] === 'string' ? first['finish_reason'] : null,
    toolCalls,
    ...(usage
      ? {
          usage: {
            ...(typeof usage['prompt_tokens'] === 'number' ? { promptTokens: usage['prompt_tokens'] } : {}),
            ...(typeof usage['completion_tokens'] === 'number'
              ? { completionTokens: usage['completion_tokens'] }
              : {}),
            ...(typeof usage['total_tokens'] === 'number' ? { totalTokens: usage['total_tokens'] } : {}),
          },
        }
      : {}),
  };
}

/** An upstream error body goes out as is when it is OpenAI-shaped; otherwise it is wrapped in that shape. */
function errorBodyText(text: string, status: number): { text: string; message: string } {
  try {
    const value = asRecord(parseJsonValue(text));
    const error = asRecord(value?.['error']);
    if (error) {
      return { text, message: typeof error['message'] === 'string' ? error['message'] : `status ${status}` };
    }
  } catch {
    // not JSON
  }
  const message = text.trim().slice(0, 2000) || `The upstream answered with status ${status}`;
  return { text: JSON.stringify(openAIErrorBody({ message, status, code: 'upstream_error' })), message };
}

async function prepareSkillContext(
  options: ChatRouteOptions,
  input: {
    userId: string;
    messages: ChatMessage[];
    scope: SkillScope;
    requestId: string;
    signal: AbortSignal;
  },
  c: Context<ServerEnv>,
): Promise<PreparedSkillContext> {
  const deadline = new AbortController();
  const onAbort = () => deadline.abort(input.signal.reason);
  input.signal.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const fallback = (error: string): PreparedSkillContext => ({
    systemMessage: null,
    injected: [],
    retrieval: emptyRetrievalInfo({
      query: latestUserText(input.messages),
      scope: input.scope,
      now: options.now(),
      error,
    }),
    error,
  });
  try {
    const timeout = new Promise<PreparedSkillContext>((resolve) => {
      timer = setTimeout(() => {
        // Settle first, so the provider's reaction to the abort cannot win the race.
        resolve(fallback(`skill retrieval took longer than ${options.skillContextTimeoutMs} ms`));
        deadline.abort();
      }, options.skillContextTimeoutMs);
    });
    const prepared = options.skillContext.prepare({
      userId: input.userId,
      messages: input.messages,
      scope: input.scope,
      requestId: input.requestId,
      abortSignal: deadline.signal,
    });
    const context = await Promise.race([prepared, timeout]);
    if (context.error)
      c.get('logger').warn({ error: context.error }, 'skill retrieval failed; answering without skills');
    return context;
  } catch (error) {
    c.get('logger').warn({ err: error }, 'skill context provider threw; answering without skills');
    return fallback(errorMessage(error));
  } finally {
    clearTimeout(timer);
    input.signal.removeEventListener('abort', onAbort);
  }
}

export function registerChatRoute(app: Hono<ServerEnv>, options: ChatRouteOptions): void {
  app.post('/v1/chat/completions', async (c) => {
    const startedAt = options.now();
    const requestId = c.get('requestId');
    const logger = c.get('logger');
    const { value: rawBody } = await readJsonObject(c, { maxBytes: options.maxBodyBytes });
    const request = parseChatRequest(rawBody);
    const userId = resolveRequestUser(c, { bodyUser: rawBody['user'] });
    const { requested, body } = takeScope(rawBody, c.req.header(SCOPE_HEADER));
    const scope = narrowScope(options.defaultScope, requested);
    const stream = body['stream'] === true;

    const upstreamAbort = new AbortController();
    const clientSignal = c.req.raw.signal;
    const onClientGone = () => upstreamAbort.abort(clientSignal.reason);
    if (clientSignal.aborted) onClientGone();
    else clientSignal.addEventListener('abort', onClientGone, { once: true });

    const context = await prepareSkillContext(
      options,
      { userId, messages: request.messages, scope, requestId, signal: upstreamAbort.signal },
      c,
    );
    const forwardBody = insertSkillMessage(body, request.messages, context.systemMessage);

    let reported = false;
    const report = (turn: TurnOutcome): TurnReceipt | undefined => {
      if (reported) return undefined;
      reported = true;
      clientSignal.removeEventListener('abort', onClientGone);
      const completed: CompletedTurn = {
        requestId,
        userId,
        scope,
        model: request.model,
        stream,
        messages: request.messages,
        injected: context.injected,
        retrieval: context.retrieval,
        startedAt,
        endedAt: options.now(),
        ...turn,
      };
      logger.info(
        {
          user: userId,
          status: completed.status,
          skills: context.injected.length,
          ms: completed.endedAt - startedAt,
        },
        'chat turn',
      );
      try {
        return options.turnObserver.onTurnComplete(completed);
      } catch (error) {
        logger.error({ err: error }, 'turn observer failed');
        return undefined;
      }
    };

    let upstreamResponse: Response;
    try {
      upstreamResponse = await options.upstream.forward(forwardBody, {
        stream,
        abortSignal: upstreamAbort.signal,
        injected: context.injected,
        requestId,
      });
    } catch (error) {
      const aborted = upstreamAbort.signal.aborted;
      report({
        status: aborted ? 'aborted' : 'failed',
        assistantText: null,
        finishReason: null,
        toolCalls: [],
        error: {
          message: errorMessage(error),
          ...(isAutoSkillError(error) && typeof error.details['statusCode'] === 'number'
            ? { statusCode: error.details['statusCode'] }
            : {}),
        },
      });
      throw error;
    }

    const headers: Record<string, string> = passThroughHeaders(upstreamResponse.headers);
    if (options.includeAutoskillHeaders) headers[SKILLS_HEADER] = skillsHeaderValue(context.injected);
    const contentType = upstreamResponse.headers.get('content-type') ?? '';

    if (upstreamResponse.ok && contentType.includes('text/event-stream') && upstreamResponse.body) {
      const relayed = relayEventStream({
        source: upstreamResponse.body,
        abortController: upstreamAbort,
        ...(options.includeAutoskillField
          ? {
              decorateFirstEvent: (event: Json) => ({
                ...event,
                autoskill: autoskillField({ requestId, context, withExtraction: false }),
              }),
            }
          : {}),
        onEnd: (outcome: StreamOutcome) => {
          const { summary } = outcome;
          report({
            status: outcome.status,
            assistantText: outcome.status === 'completed' ? summary.text : null,
            finishReason: summary.finishReason,
            toolCalls: summary.toolCalls,
            ...(summary.usage ? { usage: summary.usage } : {}),
            ...(outcome.status === 'failed' ? { error: { message: outcome.message } } : {}),
          });
        },
      });
      return new Response(relayed, {
        status: upstreamResponse.status,
        headers: {
          ...headers,
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache',
          'x-accel-buffering': 'no',
        },
      });
    }

    let text: string;
    try {
      text = await upstreamResponse.text();
    } catch (error) {
      report({
        status: upstreamAbort.signal.aborted ? 'aborted' : 'failed',
        assistantText: null,
        finishReason: null,
        toolCalls: [],
        error: { message: errorMessage(error) },
      });
      throw error;
    }
    const responseHeaders = { ...headers, 'content-type': contentType || 'application/json' };
    if (!upstreamResponse.ok) {
      const errorBody = errorBodyText(text, upstreamResponse.status);
      report({
        status: 'failed',
        assistantText: null,
        finishReason: null,
        toolCalls: [],
        error: { statusCode: upstreamResponse.status, message: errorBody.message },
      });
      return new Response(errorBody.text, {
        status: upstreamResponse.status,
        headers: { ...responseHeaders, 'content-type': 'application/json' },
      });
    }
    let completion: Json | undefined;
    try {
      completion = asRecord(parseJsonValue(text));
    } catch {
      completion = undefined;
    }
    if (!completion) {
      report({
        status: 'failed',
        assistantText: null,
        finishReason: null,
        toolCalls: [],
        error: { statusCode: upstreamResponse.status, message: 'The upstream answer is not a JSON object' },
      });
      return new Response(text, { status: upstreamResponse.status, headers: responseHeaders });
    }
    const receipt = report({ status: 'completed', ...summarizeCompletion(completion) });
    if (!options.includeAutoskillField) {
      return new Response(text, { status: upstreamResponse.status, headers: responseHeaders });
    }
    const decorated = {
      ...completion,
      autoskill: autoskillField({ requestId, context, receipt, withExtraction: true }),
    };
    return new Response(JSON.stringify(decorated), {
      status: upstreamResponse.status,
      headers: { ...responseHeaders, 'content-type': 'application/json' },
    });
  });
}
