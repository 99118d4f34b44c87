/**
 * Behaviour every HTTP connector shares, driven against the fake model server on 127.0.0.1: the shared
 * contract, non-stream and streamed replies, 401 (not retried), 429 then success (Retry-After honoured),
 * 500 exhausted, timeouts, a stream that breaks midway, a malformed body, and cancellation.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AutoSkillError, isAutoSkillError } from '../shared/errors.js';
import {
  type FakeModelServer,
  type FakeReply,
  type FakeRoute,
  type RecordedRequest,
  startFakeModelServer,
} from '../testing/index.js';
import { runLLMConnectorContract } from '../testing/llm-connector-contract.js';
import { createLLMConnector } from './builtin.js';
import type { LLMConfigInput } from './config.js';
import { collectLLMStream } from './stream.js';
import type { LLMConnector, LLMStreamPart } from './types.js';

interface StreamTiming {
  breakAfterEvents?: number;
  chunkDelayMs?: number;
}

/** Ollama's native `/api/chat` reply for `text`: one JSON object, or NDJSON lines ending with `done`. */
function ollamaTextReply(request: RecordedRequest, text: string, timing: StreamTiming): FakeReply {
  const words = text.match(/\s*\S+/g) ?? [text];
  const stream = (request.body as { stream?: boolean } | undefined)?.stream === true;
  const final = {
    model: 'llama3.2',
    message: { role: 'assistant', content: '' },
    done: true,
    done_reason: 'stop',
    prompt_eval_count: 7,
    eval_count: words.length,
  };
  if (!stream) return { type: 'json', body: { ...final, message: { role: 'assistant', content: text } } };
  const lines = words.map(
    (word) =>
      `${JSON.stringify({ model: 'llama3.2', message: { role: 'assistant', content: word }, done: false })}\n`,
  );
  return {
    type: 'sse',
    pieces: [...lines, `${JSON.stringify(final)}\n`],
    headers: { 'content-type': 'application/x-ndjson' },
    ...timing,
  };
}

interface ConnectorCase {
  provider: string;
  route: FakeRoute;
  /** The env variable that holds the key, named in 401 messages. */
  keyVariable?: string;
  env: Record<string, string>;
  baseUrl: (server: FakeModelServer) => string;
}

const CASES: ConnectorCase[] = [
  {
    provider: 'openai',
    route: 'chat',
    keyVariable: 'OPENAI_API_KEY',
    env: { OPENAI_API_KEY: 'sk-test-openai' },
    baseUrl: (server) => server.baseUrl,
  },
  {
    provider: 'generic',
    route: 'chat',
    keyVariable: 'AUTOSKILL_GENERIC_API_KEY',
    env: { AUTOSKILL_GENERIC_LLM_MODEL: 'local-model', AUTOSKILL_GENERIC_API_KEY: 'generic-key' },
    baseUrl: (server) => server.baseUrl,
  },
  {
    provider: 'qwen',
    route: 'chat',
    keyVariable: 'DASHSCOPE_API_KEY',
    env: { DASHSCOPE_API_KEY: 'sk-dashscope' },
    baseUrl: (server) => `${server.url}/compatible-mode/v1`,
  },
  {
    provider: 'zhipu',
    route: 'chat',
    keyVariable: 'ZHIPUAI_API_KEY',
    env: { ZHIPUAI_API_KEY: 'abc123.secretpart' },
    baseUrl: (server) => `${server.url}/api/paas/v4`,
  },
  {
    provider: 'internlm',
    route: 'chat',
    keyVariable: 'INTERNLM_API_KEY',
    env: { INTERNLM_API_KEY: 'eyJ0eXBlIjoiSl-test' },
    baseUrl: (server) => `${server.url}/api/v1`,
  },
  {
    provider: 'anthropic',
    route: 'messages',
    keyVariable: 'ANTHROPIC_API_KEY',
    env: { ANTHROPIC_API_KEY: 'sk-ant-test' },
    baseUrl: (server) => server.url,
  },
  { provider: 'ollama', route: 'other', env: {}, baseUrl: (server) => server.url },
];

const MESSAGES = [
  { role: 'system' as const, content: 'Answer briefly.' },
  { role: 'user' as const, content: 'Say hello' },
];

async function readParts(stream: ReadableStream<LLMStreamPart>): Promise<LLMStreamPart[]> {
  const parts: LLMStreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

describe.each(CASES)('$provider connector', (testCase) => {
  let server: FakeModelServer;
  const create = (overrides: LLMConfigInput = {}): Promise<LLMConnector> =>
    createLLMConnector(
      { provider: testCase.provider, baseUrl: testCase.baseUrl(server), maxRetries: 2, ...overrides },
      { env: testCase.env },
    );
  /**
   * Scripts a text reply in the wire format of the provider's route. Ollama's format depends on the
   * request's `stream` flag, so it is a responder (used once the route's queue is empty).
   */
  const scriptText = (text: string, options: StreamTiming = {}) => {
    if (testCase.route === 'other')
      server.setResponder('other', (request) => ollamaTextReply(request, text, options));
    else server.enqueue(testCase.route, { type: 'text', text, ...options });
  };
  const scriptError = (status: number, headers: Record<string, string> = {}) =>
    server.enqueue(testCase.route, {
      type: 'error',
      status,
      headers,
      ...(testCase.route === 'other' ? { body: { error: `fake status ${status}` } } : {}),
    });

  beforeAll(async () => {
    server = await startFakeModelServer();
  });
  afterAll(() => server.close());
  beforeEach(() => server.reset());

  runLLMConnectorContract({
    create: () => create(),
    scriptText: (text) => scriptText(text),
  });

  it('sends the auth header only the provider expects', async () => {
    scriptText('ok');
    await (await create()).doGenerate({ messages: MESSAGES });
    const headers = server.lastRequest()?.headers ?? {};
    if (testCase.provider === 'anthropic') {
      expect(headers['x-api-key']).toBe('sk-ant-test');
      expect(headers['anthropic-version']).toBe('2023-06-01');
      expect(headers.authorization).toBeUndefined();
    } else if (testCase.provider === 'ollama') {
      expect(headers.authorization).toBeUndefined();
    } else {
      expect(headers.authorization).toMatch(/^Bearer \S+$/);
    }
    expect(headers['content-type']).toBe('application/json');
  });

  it('assembles a streamed reply and ends with one finish part carrying usage', async () => {
    scriptText('Hello there, 你好！');
    const parts = await readParts(await (await create()).doStream({ messages: MESSAGES }));
    const deltas = parts.filter((part) => part.type === 'text-delta');
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.map((part) => part.delta).join('')).toBe('Hello there, 你好！');
    expect(parts.filter((part) => part.type === 'finish')).toHaveLength(1);
    const finish = parts.at(-1);
    expect(finish).toMatchObject({ type: 'finish', finishReason: 'stop' });
    expect((finish as { usage?: { totalTokens: number } }).usage?.totalTokens).toBeGreaterThan(0);
  });

  it('fails on 401 without retrying, naming the provider, the status and what to set', async () => {
    // GLM tries its other credential forms after a 401; everyone else sends exactly one request.
    const expected = testCase.provider === 'zhipu' ? 3 : 1;
    for (let index = 0; index < expected; index += 1) scriptError(401);
    scriptText('must not be reached');
    const error = (await (
      await create()
    )
      .doGenerate({ messages: MESSAGES })
      .catch((caught) => caught)) as AutoSkillError;
    expect(isAutoSkillError(error, 'UPSTREAM_ERROR')).toBe(true);
    expect(error.details.statusCode).toBe(401);
    expect(error.isRetryable).toBe(false);
    expect(error.message).toContain(
      testCase.provider === 'qwen' ? 'dashscope' : testCase.provider === 'zhipu' ? 'glm' : testCase.provider,
    );
    expect(error.message).toContain('401');
    if (testCase.keyVariable) expect(error.message).toContain(testCase.keyVariable);
    expect(server.requests).toHaveLength(expected);
  });

  it('retries a 429 after the wait Retry-After asks for, then succeeds', async () => {
    // The standard header counts whole seconds; one connector pays that second, the others use the
    // millisecond variant OpenAI also sends, so the suite stays fast.
    const [header, waitMs] =
      testCase.provider === 'openai' ? [{ 'retry-after': '1' }, 1_000] : [{ 'retry-after-ms': '200' }, 200];
    scriptError(429, header);
    scriptText('after the wait');
    const started = performance.now();
    const result = await (await create()).doGenerate({ messages: MESSAGES });
    expect(result.text).toBe('after the wait');
    expect(performance.now() - started).toBeGreaterThanOrEqual(waitMs - 20);
    expect(server.requests).toHaveLength(2);
  });

  it('gives up on 500 after maxRetries and says so', async () => {
    for (let index = 0; index < 3; index += 1) scriptError(500, { 'retry-after-ms': '1' });
    const error = (await (
      await create()
    )
      .doGenerate({ messages: MESSAGES })
      .catch((caught) => caught)) as AutoSkillError;
    expect(isAutoSkillError(error, 'UPSTREAM_ERROR')).toBe(true);
    expect(error.details.statusCode).toBe(500);
    expect(error.details.attempts).toBe(3);
    expect(error.message).toMatch(/3 attempts/);
    expect(server.requests).toHaveLength(3);
  });

  it('times out a request that never answers', async () => {
    server.enqueue(testCase.route, { type: 'hang' });
    const connector = await create({ timeoutMs: 150, maxRetries: 0 });
    const error = (await connector
      .doGenerate({ messages: MESSAGES })
      .catch((caught) => caught)) as AutoSkillError;
    expect(isAutoSkillError(error, 'UPSTREAM_TIMEOUT')).toBe(true);
    expect(error.message).toMatch(/timeoutMs/);
  });

  it('times out a stream that goes silent after its headers', async () => {
    // A long gap between two events stands in for a stream that stops sending.
    scriptText('one two three four', { chunkDelayMs: 1_000 });
    const connector = await create({ timeoutMs: 200, maxRetries: 0 });
    const parts = await readParts(await connector.doStream({ messages: MESSAGES }));
    const last = parts.at(-1) as { type: string; error: AutoSkillError };
    expect(last.type).toBe('error');
    expect(last.error.code).toBe('UPSTREAM_TIMEOUT');
  });

  it('reports a stream that breaks midway as one error part, after the text so far', async () => {
    scriptText('alpha beta gamma delta epsilon', { breakAfterEvents: 3 });
    const parts = await readParts(await (await create()).doStream({ messages: MESSAGES }));
    expect(parts.some((part) => part.type === 'finish')).toBe(false);
    const last = parts.at(-1) as { type: string; error: AutoSkillError };
    expect(last.type).toBe('error');
    expect(last.error.code).toBe('UPSTREAM_ERROR');
    expect(last.error.isRetryable).toBe(true);
    expect(parts.filter((part) => part.type === 'error')).toHaveLength(1);
  });

  it('rejects a malformed JSON body with INVALID_RESPONSE', async () => {
    server.enqueue(testCase.route, { type: 'raw', body: '{"choices": [ not json' });
    const error = await (await create()).doGenerate({ messages: MESSAGES }).catch((caught) => caught);
    expect(isAutoSkillError(error, 'INVALID_RESPONSE')).toBe(true);
    expect(server.requests).toHaveLength(1);
  });

  it('rejects a 200 body of the wrong shape with INVALID_RESPONSE', async () => {
    server.enqueue(testCase.route, {
      type: 'json',
      body: testCase.route === 'messages' ? { content: 'nope' } : { choices: 'nope', message: 7 },
    });
    const error = await (await create()).doGenerate({ messages: MESSAGES }).catch((caught) => caught);
    expect(isAutoSkillError(error, 'INVALID_RESPONSE')).toBe(true);
  });

  it('stops reading when the consumer cancels the stream', async () => {
    scriptText('one two three four five six seven eight', { chunkDelayMs: 20 });
    const stream = await (await create()).doStream({ messages: MESSAGES });
    const reader = stream.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    await reader.cancel();
  });

  it('passes the caller abort signal to the request', async () => {
    server.enqueue(testCase.route, { type: 'hang' });
    const controller = new AbortController();
    const pending = (await create()).doGenerate({ messages: MESSAGES, abortSignal: controller.signal });
    await server.waitForRequests(1);
    controller.abort();
    const error = await pending.catch((caught) => caught);
    expect(isAutoSkillError(error, 'ABORTED')).toBe(true);
  });

  it('ends a stream the caller aborts midway with an ABORTED error part', async () => {
    scriptText('one two three four five six seven eight', { chunkDelayMs: 30 });
    const controller = new AbortController();
    const stream = await (await create()).doStream({ messages: MESSAGES, abortSignal: controller.signal });
    const parts: LLMStreamPart[] = [];
    for await (const part of stream) {
      parts.push(part);
      if (parts.length === 1) controller.abort();
    }
    expect(parts.at(-1)).toMatchObject({ type: 'error', error: { code: 'ABORTED' } });
    expect(parts.some((part) => part.type === 'finish')).toBe(false);
  });

  it('generates the same text it streams', async () => {
    scriptText('same words both ways');
    scriptText('same words both ways');
    const connector = await create();
    const generated = await connector.doGenerate({ messages: MESSAGES });
    const streamed = await collectLLMStream(await connector.doStream({ messages: MESSAGES }));
    expect(streamed.text).toBe(generated.text);
    expect(streamed.finishReason).toBe(generated.finishReason);
  });
});
