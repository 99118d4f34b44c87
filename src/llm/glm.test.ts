import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isAutoSkillError } from '../shared/errors.js';
import { type FakeModelServer, startFakeModelServer } from '../testing/index.js';
import { createLLMConnector } from './builtin.js';
import { collectLLMStream } from './stream.js';

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8');
const KEY = 'a1b2c3d4.s3cr3tS3cr3t';

function decodeJwt(authorization: string | undefined) {
  const token = (authorization ?? '').replace(/^Bearer /, '');
  const [header, payload, signature] = token.split('.');
  const decode = (part: string | undefined) =>
    JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8'));
  const expected = createHmac('sha256', 's3cr3tS3cr3t').update(`${header}.${payload}`).digest('base64url');
  return { header: decode(header), payload: decode(payload), signatureValid: signature === expected };
}

describe('glm connector', () => {
  let server: FakeModelServer;
  const create = (config = {}) =>
    createLLMConnector(
      { provider: 'bigmodel', baseUrl: `${server.url}/api/paas/v4`, maxRetries: 0, ...config },
      { env: { ZHIPUAI_API_KEY: KEY } },
    );
  beforeAll(async () => {
    server = await startFakeModelServer();
  });
  afterAll(() => server.close());
  beforeEach(() => server.reset());

  it('signs a BigModel JWT from the id.secret key and posts to /api/paas/v4/chat/completions', async () => {
    server.enqueue('chat', { type: 'raw', body: fixture('glm-chat-response.json') });
    const connector = await create();
    expect(connector).toMatchObject({ provider: 'glm', modelId: 'glm-4.7' });
    await connector.doGenerate({ messages: [{ role: 'user', content: '请介绍一下人工智能的发展历程。' }] });
    const request = server.lastRequest();
    expect(request?.path).toBe('/api/paas/v4/chat/completions');
    const jwt = decodeJwt(request?.headers.authorization);
    expect(jwt.header).toEqual({ alg: 'HS256', sign_type: 'SIGN' });
    expect(jwt.payload.api_key).toBe('a1b2c3d4');
    expect(jwt.payload.exp - jwt.payload.timestamp).toBe(3_600_000);
    expect(jwt.signatureValid).toBe(true);
    expect(request?.headers.authorization).not.toContain('s3cr3t');
  });

  it('matches the documented request body', async () => {
    server.enqueue('chat', 'ok');
    await (await create({ thinkingMode: true })).doGenerate({
      messages: [
        { role: 'system', content: '你是一个有用的AI助手。' },
        { role: 'user', content: '请介绍一下人工智能的发展历程。' },
      ],
      temperature: 1,
      maxTokens: 65536,
    });
    expect(server.lastRequest()?.body).toEqual(JSON.parse(fixture('glm-chat-request.json')));
  });

  it('returns prose verbatim, never a JSON fragment found inside it (original bug)', async () => {
    server.enqueue('chat', { type: 'raw', body: fixture('glm-chat-response.json') });
    const result = await (await create()).doGenerate({ messages: [{ role: 'user', content: 'x' }] });
    expect(result.text).toBe('人工智能起源于 1956 年的达特茅斯会议。[1] 之后经历了几次起落。');
    expect(result.reasoning).toBe('用户想了解人工智能的发展历程。');
    expect(result.usage).toEqual({ promptTokens: 24, completionTokens: 40, totalTokens: 64 });
  });

  it('streams the documented thinking reply with usage from the last chunk', async () => {
    server.enqueue('chat', { type: 'sse', pieces: fixture('glm-thinking-stream.sse').split(/(?<=\n\n)/) });
    const result = await collectLLMStream(
      await (await create({ thinkingMode: true })).doStream({
        messages: [{ role: 'user', content: 'Say hi in Portuguese' }],
      }),
    );
    expect(server.lastRequest()?.body).toMatchObject({ thinking: { type: 'enabled' } });
    expect(result).toEqual({
      text: '\nOlá!',
      reasoning: '\nThe person is asking me to say hi.',
      finishReason: 'stop',
      usage: { promptTokens: 16, completionTokens: 21, totalTokens: 37 },
    });
  });

  it('sends thinking disabled when thinkingMode is false, and nothing when unset', async () => {
    server.enqueue('chat', 'a', 'b');
    await (await create({ thinkingMode: false })).doGenerate({ messages: [{ role: 'user', content: 'x' }] });
    expect(server.lastRequest()?.body).toMatchObject({ thinking: { type: 'disabled' } });
    await (await create()).doGenerate({ messages: [{ role: 'user', content: 'x' }] });
    expect(server.lastRequest()?.body).not.toHaveProperty('thinking');
  });

  it('after a 401 tries the JWT in seconds, then the raw key, and keeps what worked', async () => {
    const unauthorized = { type: 'raw' as const, status: 401, body: fixture('glm-error-401.json') };
    server.enqueue('chat', unauthorized, unauthorized, 'raw key accepted', 'again');
    const connector = await create();
    expect((await connector.doGenerate({ messages: [{ role: 'user', content: 'x' }] })).text).toBe(
      'raw key accepted',
    );
    const [first, second, third] = server.requests.map((request) => request.headers.authorization);
    expect(decodeJwt(first).payload.exp - decodeJwt(first).payload.timestamp).toBe(3_600_000);
    expect(decodeJwt(second).payload.exp - decodeJwt(second).payload.timestamp).toBe(3_600);
    expect(third).toBe(`Bearer ${KEY}`);
    await connector.doGenerate({ messages: [{ role: 'user', content: 'x' }] });
    expect(server.lastRequest()?.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('explains the documented 401 once every credential form failed', async () => {
    const unauthorized = { type: 'raw' as const, status: 401, body: fixture('glm-error-401.json') };
    server.enqueue('chat', unauthorized, unauthorized, unauthorized);
    const error = await (await create())
      .doGenerate({ messages: [{ role: 'user', content: 'x' }] })
      .catch((e) => e);
    expect(isAutoSkillError(error, 'UPSTREAM_ERROR')).toBe(true);
    expect(error.message).toContain('Authorization Token非法');
    expect(error.message).toContain('ZHIPUAI_API_KEY');
    expect(error.message).not.toContain('s3cr3t');
  });

  it('refuses a key that is not id.secret with a clear config error', async () => {
    const error = await createLLMConnector(
      { provider: 'glm' },
      { env: { BIGMODEL_API_KEY: 'not-a-bigmodel-key' } },
    ).catch((e) => e);
    expect(isAutoSkillError(error, 'INVALID_CONFIG')).toBe(true);
    expect(error.message).toContain('<id>.<secret>');
    expect(error.message).not.toContain('not-a-bigmodel-key');
  });
});
