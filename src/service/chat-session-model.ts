/**
 * @module How a chat session talks to the chat model: through the same upstream the proxy forwards to
 * (`ChatUpstream` in `src/server/proxy/upstreams/` satisfies `ChatModel` structurally — the service layer
 * cannot import the server's types). The reply is read as it streams: an OpenAI `chat.completion.chunk`
 * SSE stream (or a plain JSON completion from upstreams that ignore `stream`), yielding the text of the
 * first choice. Failures become `AutoSkillError`s: the upstream's status and message (`UPSTREAM_ERROR`),
 * an in-band error or a stream that breaks midway, or `ABORTED` when the caller left.
 */
import { z } from 'zod';
import { decodeServerSentEvents } from '../http/sse.js';
import { AutoSkillError, errorMessage, isAutoSkillError } from '../shared/errors.js';
import { parseJsonValue } from '../shared/json.js';
import type { InjectedSkill } from './turn-types.js';

/** The chat model as the proxy's upstreams expose it (one OpenAI chat body in, an OpenAI `Response` out). */
export interface ChatModel {
  /** `openai`, `anthropic`, `offline`… */
  readonly provider: string;
  /** The configured model; sent as `model` when the session names none. */
  readonly defaultModel: string | undefined;
  forward(
    body: Record<string, unknown>,
    options: {
      stream: boolean;
      abortSignal?: AbortSignal;
      /** The skills in the prompt (the offline upstream lists them in its reply). */
      injected?: readonly InjectedSkill[];
      requestId?: string;
    },
  ): Promise<Response>;
}

const ErrorBodySchema = z.looseObject({
  error: z.union([
    z.string(),
    z.looseObject({ message: z.string().nullish(), code: z.union([z.string(), z.number()]).nullish() }),
  ]),
});

const ChoiceSchema = z.looseObject({
  delta: z.looseObject({ content: z.string().nullish() }).nullish(),
  message: z.looseObject({ content: z.string().nullish() }).nullish(),
});
const CompletionSchema = z.looseObject({ choices: z.array(ChoiceSchema).nullish() });

function errorFromBody(body: unknown): { message: string; code: string | null } | null {
  const parsed = ErrorBodySchema.safeParse(body);
  if (!parsed.success) return null;
  const { error } = parsed.data;
  if (typeof error === 'string') return { message: error, code: null };
  return {
    message: error.message ?? 'The model failed',
    code: error.code === null || error.code === undefined ? null : String(error.code),
  };
}

function aborted(signal: AbortSignal | undefined, cause?: unknown): AutoSkillError | null {
  if (!signal?.aborted) return null;
  return new AutoSkillError('ABORTED', 'The client left before the reply was complete', {
    ...(cause === undefined ? {} : { cause }),
  });
}

async function failedResponse(response: Response, provider: string): Promise<AutoSkillError> {
  const text = await response.text().catch(() => '');
  let body: unknown = null;
  try {
    body = text ? parseJsonValue(text) : null;
  } catch {
    body = null;
  }
  const error = errorFromBody(body);
  const message = error?.message ?? (text.trim().slice(0, 500) || response.statusText || 'no message');
  return new AutoSkillError(
    'UPSTREAM_ERROR',
    `The chat model (${provider}) answered ${response.status}: ${message}`,
    {
      isRetryable: response.status === 429 || response.status >= 500,
      details: {
        provider,
        statusCode: response.status,
        ...(error?.code ? { upstreamCode: error.code } : {}),
      },
    },
  );
}

export interface StreamReplyOptions {
  model: ChatModel;
  /** The OpenAI chat body (`stream: true` is set here). */
  body: Record<string, unknown>;
  abortSignal?: AbortSignal;
  injected?: readonly InjectedSkill[];
  requestId?: string;
}

/** Yields the reply's text as it arrives; throws `UPSTREAM_ERROR`, `UPSTREAM_TIMEOUT` or `ABORTED`. */
export async function* streamReply(options: StreamReplyOptions): AsyncGenerator<string> {
  const { model, abortSignal } = options;
  let response: Response;
  try {
    response = await model.forward(
      { ...options.body, stream: true },
      {
        stream: true,
        ...(abortSignal ? { abortSignal } : {}),
        ...(options.injected ? { injected: options.injected } : {}),
        ...(options.requestId ? { requestId: options.requestId } : {}),
      },
    );
  } catch (error) {
    throw aborted(abortSignal, error) ?? asUpstreamError(error, model.provider);
  }
  if (!response.ok) throw await failedResponse(response, model.provider);
  const type = response.headers.get('content-type') ?? '';
  if (!type.includes('text/event-stream') || !response.body) {
    const text = await response.text();
    const body = parseJsonValue(text, { source: `${model.provider} answer`, code: 'INVALID_RESPONSE' });
    const error = errorFromBody(body);
    if (error) throw inBandError(error, model.provider);
    const content = CompletionSchema.safeParse(body).data?.choices?.[0]?.message?.content ?? '';
    if (content) yield content;
    return;
  }
  const reader = decodeServerSentEvents(response.body).getReader();
  try {
    for (;;) {
      let next: Awaited<ReturnType<typeof reader.read>>;
      try {
        next = await reader.read();
      } catch (error) {
        throw (
          aborted(abortSignal, error) ??
          new AutoSkillError('UPSTREAM_ERROR', `The chat model's stream broke: ${errorMessage(error)}`, {
            cause: error,
            isRetryable: true,
            details: { provider: model.provider, wireCode: 'upstream_stream_broken' },
          })
        );
      }
      const left = aborted(abortSignal);
      if (left) throw left;
      if (next.done) return;
      const data = next.value.data.trim();
      if (data === '[DONE]') return;
      if (!data) continue;
      let value: unknown;
      try {
        value = parseJsonValue(data);
      } catch {
        continue; // a stray non-JSON line (some gateways send comments as data)
      }
      const error = errorFromBody(value);
      if (error) throw inBandError(error, model.provider);
      const content = CompletionSchema.safeParse(value).data?.choices?.[0]?.delta?.content;
      if (content) yield content;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

function inBandError(error: { message: string; code: string | null }, provider: string): AutoSkillError {
  return new AutoSkillError('UPSTREAM_ERROR', `The chat model (${provider}) failed: ${error.message}`, {
    details: { provider, wireCode: error.code ?? 'upstream_error' },
  });
}

function asUpstreamError(error: unknown, provider: string): AutoSkillError {
  if (isAutoSkillError(error)) return error;
  return new AutoSkillError(
    'UPSTREAM_ERROR',
    `The chat model (${provider}) could not be reached: ${errorMessage(error)}`,
    {
      cause: error,
      isRetryable: true,
      details: { provider },
    },
  );
}
