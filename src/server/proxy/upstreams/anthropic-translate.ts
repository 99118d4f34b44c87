/**
 * @module OpenAI chat completions ⇄ Anthropic Messages, for the proxy's Anthropic upstream. Requests:
 * system/developer messages → top-level `system`; text and image parts (data URLs → base64 sources, http
 * URLs → url sources); assistant tool calls → `tool_use`, tool messages → `tool_result`; `max_tokens`
 * (default when absent), `stop` → `stop_sequences`, temperature (clamped to Anthropic's 0–1), top_p,
 * tools and tool_choice, `user` → `metadata.user_id`. Fields Anthropic has no equivalent for
 * (`response_format`, `seed`, `logprobs`, …) are dropped; `n` > 1 is refused. Responses: a `message`
 * becomes a `chat.completion` with mapped finish reason and usage; errors keep their status and become
 * OpenAI-shaped.
 */
import { z } from 'zod';
import { AutoSkillError } from '../../../shared/errors.js';
import { parseJsonValue } from '../../../shared/json.js';
import { makeUsage, type OpenAIUsage } from '../openai-chunks.js';

type Json = Record<string, unknown>;

const MessageSchema = z.looseObject({
  role: z.string(),
  content: z.unknown().optional(),
  tool_calls: z
    .array(
      z.looseObject({
        id: z.string().nullish(),
        function: z.looseObject({ name: z.string(), arguments: z.string().nullish() }).nullish(),
      }),
    )
    .nullish(),
  tool_call_id: z.string().nullish(),
});
type OpenAIMessage = z.infer<typeof MessageSchema>;

const ToolSchema = z.looseObject({
  type: z.string().nullish(),
  function: z.looseObject({
    name: z.string(),
    description: z.string().nullish(),
    parameters: z.record(z.string(), z.unknown()).nullish(),
  }),
});

function badRequest(message: string, param?: string): AutoSkillError {
  return new AutoSkillError('INVALID_INPUT', message, {
    details: { wireCode: 'unsupported_for_upstream', ...(param ? { param } : {}) },
  });
}

/** `data:image/png;base64,…` → a base64 source; `https://…` → a url source. */
export function imageSource(url: string): Json {
  const data = /^data:([^;,]+)((?:;[^;,]*)*?)(;base64)?,(.*)$/s.exec(url);
  if (data) {
    const mediaType = data[1] ?? 'application/octet-stream';
    const payload = data[4] ?? '';
    const base64 = data[3] ? payload : Buffer.from(decodeURIComponent(payload), 'utf8').toString('base64');
    return { type: 'base64', media_type: mediaType, data: base64 };
  }
  if (/^https?:\/\//i.test(url)) return { type: 'url', url };
  throw badRequest('An image must be a data: URL or an http(s) URL', 'messages');
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => {
      const record = part as Json;
      return record && record['type'] === 'text' && typeof record['text'] === 'string' ? record['text'] : '';
    })
    .join('');
}

function contentBlocks(content: unknown): Json[] {
  if (content === undefined || content === null) return [];
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw badRequest('Message content must be a string or an array of parts');
  return content.map((part): Json => {
    const record = (part ?? {}) as Json;
    if (record['type'] === 'text') return { type: 'text', text: String(record['text'] ?? '') };
    if (record['type'] === 'image_url') {
      const image = record['image_url'];
      const url = typeof image === 'string' ? image : (image as Json | undefined)?.['url'];
      if (typeof url !== 'string') throw badRequest('An image_url part needs a url', 'messages');
      return { type: 'image', source: imageSource(url) };
    }
    throw badRequest(
      `Content parts of type "${String(record['type'])}" cannot be sent to the Anthropic upstream`,
      'messages',
    );
  });
}

function parseArguments(text: string | null | undefined): unknown {
  if (!text) return {};
  try {
    return parseJsonValue(text);
  } catch {
    return { _raw: text };
  }
}

function toAnthropicMessage(message: OpenAIMessage): Json | undefined {
  if (message.role === 'tool' || message.role === 'function') {
    return {
      role: 'user',
      content: [
        {
          type: 'tool_result',
          tool_use_id: message.tool_call_id ?? '',
          content: textOf(message.content),
        },
      ],
    };
  }
  if (message.role === 'assistant') {
    const blocks = contentBlocks(message.content).filter((block) => block['type'] === 'text');
    for (const call of message.tool_calls ?? []) {
      if (!call.function) continue;
      blocks.push({
        type: 'tool_use',
        id: call.id ?? '',
        name: call.function.name,
        input: parseArguments(call.function.arguments),
      });
    }
    return blocks.length > 0 ? { role: 'assistant', content: blocks } : undefined;
  }
  const blocks = contentBlocks(message.content);
  return blocks.length > 0 ? { role: 'user', content: blocks } : undefined;
}

function mergeConsecutive(messages: Json[]): Json[] {
  const merged: Json[] = [];
  for (const message of messages) {
    const last = merged[merged.length - 1];
    if (last && last['role'] === message['role']) {
      last['content'] = [...(last['content'] as Json[]), ...(message['content'] as Json[])];
    } else {
      merged.push({ role: message['role'], content: [...(message['content'] as Json[])] });
    }
  }
  // A lone text block goes as a plain string, as most Anthropic examples send it.
  for (const message of merged) {
    const blocks = message['content'] as Json[];
    const only = blocks[0];
    if (blocks.length === 1 && only && only['type'] === 'text') message['content'] = only['text'];
  }
  return merged;
}

function toolChoice(value: unknown, parallel: unknown): Json | undefined {
  let choice: Json | undefined;
  if (value === 'auto') choice = { type: 'auto' };
  else if (value === 'none') choice = { type: 'none' };
  else if (value === 'required') choice = { type: 'any' };
  else if (typeof value === 'object' && value !== null) {
    const name = ((value as Json)['function'] as Json | undefined)?.['name'];
    if (typeof name === 'string') choice = { type: 'tool', name };
  }
  if (parallel === false) choice = { ...(choice ?? { type: 'auto' }), disable_parallel_tool_use: true };
  return choice;
}

export interface AnthropicRequestOptions {
  /** Used when the request sets neither `max_completion_tokens` nor `max_tokens`. */
  defaultMaxTokens: number;
  /** Used when the request names no model. */
  defaultModel?: string;
  stream: boolean;
}

/** Translates an OpenAI chat-completions body into an Anthropic Messages body. */
export function toAnthropicRequest(body: Json, options: AnthropicRequestOptions): Json {
  const parsed = z.array(MessageSchema).safeParse(body['messages']);
  if (!parsed.success) throw badRequest('messages must be an array of messages with a role', 'messages');
  const n = body['n'];
  if (typeof n === 'number' && n > 1)
    throw badRequest('The Anthropic upstream cannot return n > 1 choices', 'n');
  const system: string[] = [];
  const converted: Json[] = [];
  for (const message of parsed.data) {
    if (message.role === 'system' || message.role === 'developer') {
      const text = textOf(message.content);
      if (text) system.push(text);
      continue;
    }
    const translated = toAnthropicMessage(message);
    if (translated) converted.push(translated);
  }
  const request: Json = {
    model: typeof body['model'] === 'string' ? body['model'] : options.defaultModel,
    max_tokens:
      firstPositiveInteger(body['max_completion_tokens'], body['max_tokens']) ?? options.defaultMaxTokens,
    messages: mergeConsecutive(converted),
  };
  if (system.length === 1) request['system'] = system[0];
  else if (system.length > 1) request['system'] = system.map((text) => ({ type: 'text', text }));
  const stop = body['stop'];
  if (typeof stop === 'string') request['stop_sequences'] = [stop];
  else if (Array.isArray(stop) && stop.length > 0) request['stop_sequences'] = stop.map(String);
  if (typeof body['temperature'] === 'number')
    request['temperature'] = Math.min(1, Math.max(0, body['temperature']));
  if (typeof body['top_p'] === 'number') request['top_p'] = body['top_p'];
  if (Array.isArray(body['tools']) && body['tools'].length > 0) {
    const tools = z.array(ToolSchema).safeParse(body['tools']);
    if (!tools.success) throw badRequest('tools must be function tools with a name', 'tools');
    request['tools'] = tools.data.map((tool) => ({
      name: tool.function.name,
      ...(tool.function.description ? { description: tool.function.description } : {}),
      input_schema: tool.function.parameters ?? { type: 'object', properties: {} },
    }));
  }
  const choice = toolChoice(body['tool_choice'], body['parallel_tool_calls']);
  if (choice && request['tools']) request['tool_choice'] = choice;
  if (typeof body['user'] === 'string' && body['user']) request['metadata'] = { user_id: body['user'] };
  if (options.stream) request['stream'] = true;
  return request;
}

function firstPositiveInteger(...values: unknown[]): number | undefined {
  for (const value of values) {
    if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  }
  return undefined;
}

const STOP_REASONS: Record<string, string> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

export function mapStopReason(reason: string | null | undefined): string {
  return (reason && STOP_REASONS[reason]) ?? 'stop';
}

export const AnthropicUsageSchema = z.looseObject({
  input_tokens: z.number().nullish(),
  output_tokens: z.number().nullish(),
  cache_creation_input_tokens: z.number().nullish(),
  cache_read_input_tokens: z.number().nullish(),
});

/** Anthropic counts cached prompt tokens separately; OpenAI's `prompt_tokens` includes them. */
export function promptTokens(usage: z.infer<typeof AnthropicUsageSchema> | null | undefined): number {
  if (!usage) return 0;
  return (
    (usage.input_tokens ?? 0) +
    (usage.cache_creation_input_tokens ?? 0) +
    (usage.cache_read_input_tokens ?? 0)
  );
}

export const AnthropicMessageSchema = z.looseObject({
  id: z.string().nullish(),
  model: z.string().nullish(),
  content: z
    .array(
      z.looseObject({
        type: z.string(),
        text: z.string().nullish(),
        id: z.string().nullish(),
        name: z.string().nullish(),
        input: z.unknown().optional(),
      }),
    )
    .nullish(),
  stop_reason: z.string().nullish(),
  usage: AnthropicUsageSchema.nullish(),
});

/** An Anthropic `message` as an OpenAI `chat.completion`. */
export function fromAnthropicMessage(
  message: z.infer<typeof AnthropicMessageSchema>,
  options: { created: number; model: string },
): Json {
  const blocks = message.content ?? [];
  const text = blocks
    .filter((block) => block.type === 'text')
    .map((block) => block.text ?? '')
    .join('');
  const toolCalls = blocks
    .filter((block) => block.type === 'tool_use')
    .map((block) => ({
      id: block.id ?? '',
      type: 'function',
      function: { name: block.name ?? '', arguments: JSON.stringify(block.input ?? {}) },
    }));
  const usage: OpenAIUsage = makeUsage(promptTokens(message.usage), message.usage?.output_tokens ?? 0);
  return {
    id: message.id ?? 'msg_unknown',
    object: 'chat.completion',
    created: options.created,
    model: message.model ?? options.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: text === '' && toolCalls.length > 0 ? null : text,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: mapStopReason(message.stop_reason),
      },
    ],
    usage,
  };
}

const AnthropicErrorSchema = z.looseObject({
  error: z.looseObject({ type: z.string().nullish(), message: z.string().nullish() }).nullish(),
});

/** Anthropic's `{type:'error', error:{type, message}}` (or any text) as an OpenAI error body. */
export function fromAnthropicError(text: string, status: number): Json {
  let type: string | undefined;
  let message: string | undefined;
  try {
    const parsed = AnthropicErrorSchema.safeParse(parseJsonValue(text));
    if (parsed.success) {
      type = parsed.data.error?.type ?? undefined;
      message = parsed.data.error?.message ?? undefined;
    }
  } catch {
    // not JSON: the text itself is the message
  }
  const fallbackType = status >= 500 ? 'server_error' : 'invalid_request_error';
  return {
    error: {
      message: message ?? (text.trim().slice(0, 2000) || `Anthropic upstream answered ${status}`),
      type: type ?? fallbackType,
      param: null,
      code: type ?? 'upstream_error',
    },
  };
}
