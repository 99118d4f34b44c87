/**
 * @module Writing OpenAI chat-completion wire objects for upstreams that do not speak it natively (the
 * Anthropic translation and the offline responder): SSE framing, chunks, completions and usage.
 */

export const SSE_DONE = 'data: [DONE]\n\n';

/** One SSE `data:` event with a compact JSON payload. */
export function sseData(value: unknown): string {
  return `data: ${JSON.stringify(value)}\n\n`;
}

export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export function makeUsage(promptTokens: number, completionTokens: number): OpenAIUsage {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}

export interface ChunkContext {
  id: string;
  created: number;
  model: string;
}

/** A `chat.completion.chunk` with one choice (index 0). */
export function chunk(
  context: ChunkContext,
  delta: Record<string, unknown>,
  finishReason: string | null = null,
): Record<string, unknown> {
  return {
    id: context.id,
    object: 'chat.completion.chunk',
    created: context.created,
    model: context.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  };
}

/** The final usage chunk sent when the client asked for `stream_options.include_usage`. */
export function usageChunk(context: ChunkContext, usage: OpenAIUsage): Record<string, unknown> {
  return {
    id: context.id,
    object: 'chat.completion.chunk',
    created: context.created,
    model: context.model,
    choices: [],
    usage,
  };
}

/** Whether an OpenAI request asked for the trailing usage chunk. */
export function wantsStreamUsage(body: Record<string, unknown>): boolean {
  const options = body['stream_options'];
  return (
    typeof options === 'object' &&
    options !== null &&
    (options as Record<string, unknown>)['include_usage'] === true
  );
}

/** A response whose body is produced from a list of SSE strings. */
export function sseResponse(pieces: readonly string[], headers: Record<string, string> = {}): Response {
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const piece of pieces) controller.enqueue(encoder.encode(piece));
      controller.close();
    },
  });
  return new Response(stream, {
    status: 200,
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...headers },
  });
}

export function jsonResponse(value: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(value), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}
