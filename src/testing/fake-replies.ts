/**
 * @module What a test can script the fake model server to do for one request: answer with text or a tool
 * call (rendered in the wire format of the route: OpenAI chat, Anthropic Messages, streaming or not), send
 * any JSON, an error status, raw bytes or raw SSE pieces, embeddings, or misbehave (hang, break the
 * connection, break a stream midway, wait before answering or between stream events).
 */

/** Which protocol endpoint a request hit. */
export type FakeRoute =
  /** `POST …/chat/completions` (OpenAI, DashScope compatible mode, GLM `/api/paas/v4`, Ollama `/v1`). */
  | 'chat'
  /** `POST …/embeddings` (OpenAI-compatible). */
  | 'embeddings'
  /** `GET …/models`. */
  | 'models'
  /** `POST /v1/messages` (Anthropic). */
  | 'messages'
  /** `POST /api/embed` (Ollama native). */
  | 'ollama-embed'
  /** Anything else (answered 404 unless scripted). */
  | 'other';

export interface FakeUsage {
  inputTokens?: number;
  outputTokens?: number;
}

export interface FakeToolCall {
  /** @default a generated `call_…` / `toolu_…` id */
  id?: string;
  name: string;
  /** An object is serialised to JSON; a string is sent as is (so malformed arguments can be tested). */
  arguments: string | Record<string, unknown>;
}

interface Timing {
  /** Wait before sending the response headers. @default 0 (or the server's `defaultDelayMs`) */
  delayMs?: number;
}

interface StreamTiming extends Timing {
  /** Wait between stream events. @default 0 */
  chunkDelayMs?: number;
  /** Destroy the connection after writing this many SSE events (no terminator is sent). */
  breakAfterEvents?: number;
}

export interface FakeTextReply extends StreamTiming {
  type: 'text';
  text: string;
  /** How to split the text into stream deltas. @default word-sized pieces */
  chunks?: readonly string[];
  /** OpenAI `finish_reason` (Anthropic `stop_reason` is mapped from it). @default 'stop' */
  finishReason?: string;
  usage?: FakeUsage;
  /** Overrides the `model` field of the response. @default the request's model */
  model?: string;
}

export interface FakeToolCallReply extends StreamTiming {
  type: 'tool-call';
  toolCalls: readonly FakeToolCall[];
  /** Text sent before the tool calls (Anthropic text block / OpenAI content). */
  text?: string;
  usage?: FakeUsage;
}

export interface FakeJsonReply extends Timing {
  type: 'json';
  body: unknown;
  /** @default 200 */
  status?: number;
  headers?: Record<string, string>;
}

export interface FakeErrorReply extends Timing {
  type: 'error';
  status: number;
  /** Message inside the route's error shape. @default derived from the status */
  message?: string;
  /** Replaces the route's error shape entirely (a string is sent as is). */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FakeRawReply extends Timing {
  type: 'raw';
  body: string;
  /** @default 200 */
  status?: number;
  /** @default { 'content-type': 'application/json' } */
  headers?: Record<string, string>;
}

export interface FakeSseReply extends StreamTiming {
  type: 'sse';
  /** Written verbatim, one `write` per piece (so lines may be split anywhere). */
  pieces: readonly string[];
  /** @default 200 */
  status?: number;
  headers?: Record<string, string>;
}

export interface FakeEmbeddingsReply extends Timing {
  type: 'embeddings';
  /** Exact vectors to return; otherwise deterministic vectors per input text. */
  vectors?: readonly (readonly number[])[];
  /** Vector length for generated vectors. @default the request's `dimensions`, else the server default */
  dimensions?: number;
  /** Return this many vectors regardless of the input count (to test count checks). */
  count?: number;
}

export interface FakeHangReply {
  /** Never answers; the connection stays open until the client gives up or the server closes. */
  type: 'hang';
}

export interface FakeBreakReply extends Timing {
  /** Destroys the connection without sending a response. */
  type: 'break';
}

export type FakeReplyObject =
  | FakeTextReply
  | FakeToolCallReply
  | FakeJsonReply
  | FakeErrorReply
  | FakeRawReply
  | FakeSseReply
  | FakeEmbeddingsReply
  | FakeHangReply
  | FakeBreakReply;

/** A reply; a bare string is shorthand for `{ type: 'text', text }`. */
export type FakeReply = string | FakeReplyObject;

export function normalizeReply(reply: FakeReply): FakeReplyObject {
  return typeof reply === 'string' ? { type: 'text', text: reply } : reply;
}

/** Splits text into word-sized stream deltas that concatenate back to the text. */
export function splitIntoChunks(text: string): string[] {
  const pieces = text.match(/\s*\S+|\s+$/g);
  return pieces && pieces.length > 0 ? pieces : [text];
}

/** A rough token count (4 characters per token, at least 1 for non-empty text) for fake usage numbers. */
export function roughTokenCount(text: string): number {
  return text.length === 0 ? 0 : Math.max(1, Math.ceil(text.length / 4));
}
