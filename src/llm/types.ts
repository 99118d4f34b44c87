/**
 * @module The LLM connector contract used by AutoSkill's own model calls (extraction, judging, merging,
 * rewriting, the offline chat responder). The proxy forwards client requests verbatim and never goes
 * through a connector.
 *
 * Error semantics, the same for every connector:
 * - `doGenerate` resolves with the whole reply or rejects with an `AutoSkillError`.
 * - `doStream` rejects (after the HTTP client's retries) when the call fails before the first byte of the
 *   reply: bad key, 4xx/5xx, timeout while connecting. Once the stream is handed out, a failure (the
 *   connection breaks, the provider sends an error event, the idle timeout fires, the caller aborts) arrives
 *   as one in-band `error` part (code `UPSTREAM_ERROR`, `UPSTREAM_TIMEOUT`, `INVALID_RESPONSE` or
 *   `ABORTED`) and the stream then closes; it never errors the `ReadableStream` itself. A stream that
 *   ends normally always ends with exactly one `finish` part. Cancelling the reader aborts the request.
 */
import type { AutoSkillError } from '../shared/errors.js';

export type LLMRole = 'system' | 'user' | 'assistant';

/** A text part. The union is where images or files would go later. */
export interface LLMTextPart {
  type: 'text';
  text: string;
}

export type LLMContentPart = LLMTextPart;

export interface LLMMessage {
  role: LLMRole;
  content: string | readonly LLMContentPart[];
}

export interface LLMCallOptions {
  /** System, user and assistant turns in order. System messages may appear anywhere; most providers want them first. */
  messages: readonly LLMMessage[];
  /** Sampling temperature. @default the connector's configured temperature, else the provider's default */
  temperature?: number;
  /** Upper bound on generated tokens. @default the connector's configured maxTokens */
  maxTokens?: number;
  /**
   * `json` asks for a single JSON object where the provider has a JSON mode (OpenAI-compatible
   * `response_format`, Ollama `format`); elsewhere it is a no-op and the prompt must ask for JSON.
   * @default 'text'
   */
  responseFormat?: 'json' | 'text';
  abortSignal?: AbortSignal;
  /** Per-call timeout for the whole request; a stream's idle gap is bounded by it too. @default config timeoutMs */
  timeoutMs?: number;
}

/** Why generation stopped; provider values are mapped onto this list. */
export type LLMFinishReason = 'stop' | 'length' | 'content-filter' | 'tool-calls' | 'error' | 'other';

export interface LLMUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export interface LLMGenerateResult {
  /** The answer text (never the reasoning). */
  text: string;
  /** Thinking text when the provider returns it separately (`reasoning_content`, Anthropic thinking blocks). */
  reasoning?: string;
  finishReason: LLMFinishReason;
  usage?: LLMUsage;
  /** The provider's parsed response body, for debugging. */
  raw?: unknown;
}

/**
 * One piece of a streamed reply. `finish` uses the name the ai SDK also keeps for its final part (an
 * exception to the `<noun>-<verb>` rule: it is the one part without a noun).
 */
export type LLMStreamPart =
  | { type: 'text-delta'; delta: string }
  | { type: 'reasoning-delta'; delta: string }
  | { type: 'finish'; finishReason: LLMFinishReason; usage?: LLMUsage }
  | { type: 'error'; error: AutoSkillError };

export interface LLMConnector {
  readonly specificationVersion: 'v1';
  /** Canonical provider name after alias resolution, e.g. `dashscope` for `qwen`. */
  readonly provider: string;
  readonly modelId: string;
  doGenerate(options: LLMCallOptions): Promise<LLMGenerateResult>;
  doStream(options: LLMCallOptions): Promise<ReadableStream<LLMStreamPart>>;
}
