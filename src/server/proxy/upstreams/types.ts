/**
 * @module The upstream contract of the proxy: `forward` sends one OpenAI chat-completions body (already
 * carrying the skill message) to a model and returns an OpenAI-shaped `Response` — a `chat.completion`
 * JSON, an SSE stream of `chat.completion.chunk`s, or an error body with the upstream's status. It throws
 * only when no response could be had at all (network failure, timeout, caller abort).
 */
import type { InjectedSkill } from '../../../service/turn-types.js';

export interface ForwardOptions {
  /** Whether the client asked for a stream (`stream: true`). */
  stream: boolean;
  /** Aborted when the client disconnects; cancels the upstream request and its body. */
  abortSignal?: AbortSignal;
  /** Extra request headers for the upstream. */
  headers?: Record<string, string>;
  /** The skills injected into this request (the offline upstream lists them; others ignore this). */
  injected?: readonly InjectedSkill[];
  requestId?: string;
}

export interface ChatUpstream {
  /** Names the upstream in logs and errors, e.g. `openai`, `dashscope`, `anthropic`, `offline`. */
  readonly provider: string;
  /** The configured model, listed by `GET /v1/models` when no served models are configured. */
  readonly defaultModel: string | undefined;
  forward(body: Record<string, unknown>, options: ForwardOptions): Promise<Response>;
}
