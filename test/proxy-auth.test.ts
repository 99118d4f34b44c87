/**
 * Identity and security of the proxy: the auth matrix (no key, wrong key, shared application key naming
 * users, per-user keys pinned to their user, admin keys, JWT HS256 / RS256 via JWKS URL / ES256 via JWKS
 * file), protection of every path but the allow-list, rate limits, body limits, CORS, user-id validation
 * and secret redaction in logs.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CreateServerAppOptions, createServerApp } from '../src/server/app.js';
import { createMemoryApiKeyStore } from '../src/server/auth/api-key-store.js';
import { createServerLogger } from '../src/server/logger.js';
import { createOfflineUpstream } from '../src/server/proxy/upstreams/offline.js';
import { createRecordingTurnObserver } from '../src/service/turn-types.js';
import { makeTempDir } from './support/fixtures.js';

type Json = Record<string, unknown>;

const SHARED_KEY = 'shared-application-key-0123456789';
const ADMIN_KEY = 'admin-key-0123456789abcdef';
const ALICE_KEY = 'alice-key-0123456789abcdef';
const HS_SECRET = 'a-long-hs256-secret-for-tests-0123456789';
const NOW = 1_750_000_000_000;

function chatBody(extra: Json = {}): string {
  return JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...extra });
}

function build(options: CreateServerAppOptions = {}) {
  const observer = createRecordingTurnObserver();
  const app = createServerApp({
    upstream: createOfflineUpstream(),
    turnObserver: observer,
    now: () => NOW,
    ...options,
  });
  const chat = (headers: Record<string, string> = {}, body = chatBody()) =>
    app.request('/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
  return { app, observer, chat };
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

async function errorOf(response: Response): Promise<Json> {
  return ((await response.json()) as { error: Json }).error;
}

describe('auth off (the default on 127.0.0.1)', () => {
  it('serves everyone and lets the request name its user', async () => {
    const { chat, observer } = build();
    expect((await chat()).status).toBe(200);
    expect((await chat({ 'x-autoskill-user': 'alice' })).status).toBe(200);
    expect((await chat({}, chatBody({ user: '张三' }))).status).toBe(200);
    expect((await chat({ 'x-autoskill-user': encodeURIComponent('李四') })).status).toBe(200);
    expect(observer.turns.map((turn) => turn.userId)).toEqual(['u1', 'alice', '张三', '李四']);
  });

  it('refuses user ids that could escape the store with 400', async () => {
    const { chat } = build();
    for (const user of ['../etc', '/abs', '.hidden', 'a/b', 'x'.repeat(65)]) {
      const response = await chat({}, chatBody({ user }));
      expect(response.status).toBe(400);
      expect(await errorOf(response)).toMatchObject({ code: 'invalid_user_id' });
    }
    expect((await chat({}, chatBody({ user: 42 }))).status).toBe(400);
  });

  it('answers 404 JSON for unknown paths with every method', async () => {
    const { app } = build();
    for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH']) {
      const response = await app.request('/v1/nope', { method });
      expect(response.status).toBe(404);
      expect(await errorOf(response)).toMatchObject({ code: 'not_found', type: 'invalid_request_error' });
    }
  });
});

describe('shared application key', () => {
  const { chat, app, observer } = build({ auth: { sharedKey: SHARED_KEY }, rateLimit: false });

  it('refuses a missing or wrong key with 401 invalid_api_key', async () => {
    const missing = await chat();
    expect(missing.status).toBe(401);
    expect(await errorOf(missing)).toEqual({
      message: expect.stringContaining('Missing API key'),
      type: 'invalid_request_error',
      param: null,
      code: 'invalid_api_key',
    });
    expect((await chat(bearer('wrong'))).status).toBe(401);
    expect((await chat(bearer(`${SHARED_KEY}x`))).status).toBe(401);
    expect((await chat({ authorization: SHARED_KEY })).status).toBe(401);
  });

  it('lets the key holder name the end user (body, header) and defaults to u1', async () => {
    observer.clear();
    expect((await chat(bearer(SHARED_KEY))).status).toBe(200);
    expect((await chat({ ...bearer(SHARED_KEY), 'x-autoskill-user': 'bob' })).status).toBe(200);
    expect((await chat(bearer(SHARED_KEY), chatBody({ user: 'carol' }))).status).toBe(200);
    expect((await chat({ 'x-api-key': SHARED_KEY, 'x-autoskill-user': 'dave' })).status).toBe(200);
    expect(observer.turns.map((turn) => turn.userId)).toEqual(['u1', 'bob', 'carol', 'dave']);
  });

  it('protects every path except /health, including unknown and future ones', async () => {
    const health = await app.request('/health');
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, version: expect.any(String) });
    for (const path of [
      '/v1/models',
      '/v1/nope',
      '/something-new',
      '/openapi.json',
      '/HEALTH',
      '/health/',
      '//health',
    ]) {
      expect((await app.request(path)).status, path).toBe(401);
    }
    expect((await app.request('/v1/models', { headers: bearer(SHARED_KEY) })).status).toBe(200);
  });

  it('tags every response with a request id, errors included', async () => {
    for (const response of [await chat(), await app.request('/health'), await chat(bearer(SHARED_KEY))]) {
      expect(response.headers.get('x-autoskill-request-id')).toMatch(/^[0-9a-f]{32}$/);
    }
    expect((await app.request('/health', { method: 'HEAD' })).status).toBe(200);
  });

  it('protects routes added later by route modules by default', async () => {
    const { app: extended } = build({
      auth: { sharedKey: SHARED_KEY },
      routes: [(hono) => hono.get('/v1/autoskill/capabilities', (c) => c.json({ ok: true }))],
    });
    expect((await extended.request('/v1/autoskill/capabilities')).status).toBe(401);
    expect(
      (await extended.request('/v1/autoskill/capabilities', { headers: bearer(SHARED_KEY) })).status,
    ).toBe(200);
  });
});

describe('per-user and admin keys', () => {
  const keys = createMemoryApiKeyStore({
    seed: [
      { userId: 'alice', key: ALICE_KEY, label: 'alice laptop' },
      { admin: true, key: 'store-admin-key-0123456789', label: 'ops' },
    ],
  });
  const { chat, observer } = build({ auth: { apiKeys: keys, adminKeys: [ADMIN_KEY] }, rateLimit: false });

  it('pins a per-user key to its user and refuses another user with 403', async () => {
    observer.clear();
    expect((await chat(bearer(ALICE_KEY))).status).toBe(200);
    expect((await chat({ ...bearer(ALICE_KEY), 'x-autoskill-user': 'alice' })).status).toBe(200);
    const other = await chat({ ...bearer(ALICE_KEY), 'x-autoskill-user': 'bob' });
    expect(other.status).toBe(403);
    expect(await errorOf(other)).toMatchObject({ code: 'forbidden' });
    expect((await chat(bearer(ALICE_KEY), chatBody({ user: 'bob' }))).status).toBe(403);
    expect(observer.turns.map((turn) => turn.userId)).toEqual(['alice', 'alice']);
  });

  it('lets admin keys (config or store) act for any user', async () => {
    observer.clear();
    expect((await chat({ ...bearer(ADMIN_KEY), 'x-autoskill-user': 'bob' })).status).toBe(200);
    expect((await chat(bearer('store-admin-key-0123456789'), chatBody({ user: 'carol' }))).status).toBe(200);
    expect(observer.turns.map((turn) => turn.userId)).toEqual(['bob', 'carol']);
  });

  it('creates, lists and revokes keys; a revoked key is refused', async () => {
    const created = await keys.create({ userId: 'erin', label: 'ci' });
    expect(created.key).toMatch(/^ask_[\w-]{43}$/);
    expect(created.record).toMatchObject({ userId: 'erin', admin: false, label: 'ci', revokedAt: null });
    expect(JSON.stringify(await keys.list())).not.toContain(created.key);
    expect((await chat(bearer(created.key))).status).toBe(200);
    expect(await keys.revoke(created.record.id)).toBe(true);
    expect(await keys.revoke(created.record.id)).toBe(false);
    expect((await chat(bearer(created.key))).status).toBe(401);
    expect(
      (await keys.list({ includeRevoked: true })).some((record) => record.id === created.record.id),
    ).toBe(true);
    await expect(keys.create({ userId: '../x' })).rejects.toMatchObject({ code: 'INVALID_USER_ID' });
    await expect(keys.create({})).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});

describe('JWT', () => {
  let jwksServer: Server;
  let jwksUrl: string;
  let jwksFetches = 0;
  let rsaPrivate: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  let ecPrivate: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  let jwksFile: string;
  const temp = makeTempDir('autoskill-jwks-');

  beforeAll(async () => {
    const rsa = await generateKeyPair('RS256', { extractable: true });
    rsaPrivate = rsa.privateKey;
    const rsaJwk: JWK = { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' };
    const ec = await generateKeyPair('ES256', { extractable: true });
    ecPrivate = ec.privateKey;
    const ecJwk: JWK = { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' };
    jwksServer = createServer((_request, response) => {
      jwksFetches += 1;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: [rsaJwk] }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;
    jwksFile = join(temp.dir, 'jwks.json');
    writeFileSync(jwksFile, JSON.stringify({ keys: [ecJwk] }));
  });
  afterAll(async () => {
    await new Promise((resolve) => jwksServer.close(resolve));
    temp.cleanup();
  });

  const nowSeconds = Math.floor(NOW / 1000);
  const hsToken = (claims: Json, secret = HS_SECRET) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));

  it('accepts a valid HS256 token and pins the user from the claim', async () => {
    const { chat, observer } = build({ auth: { jwt: { secret: HS_SECRET } }, rateLimit: false });
    const token = await hsToken({ sub: 'zoe', exp: nowSeconds + 60 });
    expect((await chat(bearer(token))).status).toBe(200);
    expect(observer.turns[0]?.userId).toBe('zoe');
    expect((await chat({ ...bearer(token), 'x-autoskill-user': 'mallory' })).status).toBe(403);
  });

  it('uses a configurable claim and checks issuer and audience', async () => {
    const { chat, observer } = build({
      auth: { jwt: { secret: HS_SECRET, userClaim: 'uid', issuer: 'https://idp', audience: 'autoskill' } },
      rateLimit: false,
    });
    const good = await hsToken({ uid: 'yan', iss: 'https://idp', aud: 'autoskill', exp: nowSeconds + 60 });
    expect((await chat(bearer(good))).status).toBe(200);
    expect(observer.turns[0]?.userId).toBe('yan');
    const wrongAudience = await hsToken({
      uid: 'yan',
      iss: 'https://idp',
      aud: 'other',
      exp: nowSeconds + 60,
    });
    expect((await chat(bearer(wrongAudience))).status).toBe(401);
    const noClaim = await hsToken({ sub: 'yan', iss: 'https://idp', aud: 'autoskill' });
    expect((await chat(bearer(noClaim))).status).toBe(401);
  });

  it('refuses expired, not-yet-valid, wrongly signed, unsigned and algorithm-confused tokens', async () => {
    const { chat } = build({ auth: { jwt: { secret: HS_SECRET, jwksUrl } }, rateLimit: false });
    const expired = await hsToken({ sub: 'zoe', exp: nowSeconds - 120 });
    const expiredResponse = await chat(bearer(expired));
    expect(expiredResponse.status).toBe(401);
    expect((await errorOf(expiredResponse))['message']).toMatch(/expired/);
    const withinSkew = await hsToken({ sub: 'zoe', exp: nowSeconds - 10 });
    expect((await chat(bearer(withinSkew))).status).toBe(200);
    const future = await hsToken({ sub: 'zoe', nbf: nowSeconds + 600 });
    expect((await chat(bearer(future))).status).toBe(401);
    const wrongSecret = await hsToken({ sub: 'zoe' }, 'another-secret-that-is-long-enough-123');
    expect((await chat(bearer(wrongSecret))).status).toBe(401);
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ sub: 'zoe' })).toString('base64url');
    expect((await chat(bearer(`${header}.${payload}.`))).status).toBe(401);
    const badUser = await hsToken({ sub: '../../etc' });
    expect((await chat(bearer(badUser))).status).toBe(400);
  });

  it('verifies RS256 tokens against a JWKS URL and caches the key set', async () => {
    const { chat, observer } = build({ auth: { jwt: { jwksUrl } }, rateLimit: false });
    const token = await new SignJWT({ sub: 'rhea' })
      .setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' })
      .setExpirationTime(nowSeconds + 60)
      .sign(rsaPrivate);
    const before = jwksFetches;
    expect((await chat(bearer(token))).status).toBe(200);
    expect((await chat(bearer(token))).status).toBe(200);
    expect(jwksFetches - before).toBe(1);
    expect(observer.turns.map((turn) => turn.userId)).toEqual(['rhea', 'rhea']);
    const hmac = await hsToken({ sub: 'rhea' });
    expect((await chat(bearer(hmac))).status).toBe(401);
    const otherKey = await generateKeyPair('RS256');
    const forged = await new SignJWT({ sub: 'rhea' })
      .setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' })
      .sign(otherKey.privateKey);
    expect((await chat(bearer(forged))).status).toBe(401);
  });

  it('answers 503 when the JWKS URL cannot be fetched', async () => {
    const { chat } = build({
      auth: { jwt: { jwksUrl: 'http://127.0.0.1:9/jwks.json', jwksTimeoutMs: 1000 } },
      rateLimit: false,
    });
    const token = await new SignJWT({ sub: 'rhea' })
      .setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' })
      .sign(rsaPrivate);
    const response = await chat(bearer(token));
    expect(response.status).toBe(503);
    expect(await errorOf(response)).toMatchObject({ type: 'server_error' });
  });

  it('verifies ES256 tokens against a JWKS file', async () => {
    const { chat, observer } = build({ auth: { jwt: { jwksFile } }, rateLimit: false });
    const token = await new SignJWT({ sub: 'esme' })
      .setProtectedHeader({ alg: 'ES256', kid: 'ec-1' })
      .sign(ecPrivate);
    expect((await chat(bearer(token))).status).toBe(200);
    expect(observer.turns[0]?.userId).toBe('esme');
  });
});

describe('limits, CORS and logging', () => {
  it('rate-limits per credential with 429 and Retry-After', async () => {
    let now = NOW;
    const keys = createMemoryApiKeyStore({ seed: [{ userId: 'bob', key: 'bob-key-0123456789abcdef' }] });
    const { chat, app } = build({
      auth: { sharedKey: SHARED_KEY, apiKeys: keys },
      rateLimit: { requestsPerSecond: 1, burst: 2 },
      now: () => now,
    });
    expect((await chat(bearer(SHARED_KEY))).status).toBe(200);
    expect((await chat(bearer(SHARED_KEY))).status).toBe(200);
    const limited = await chat(bearer(SHARED_KEY));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(await errorOf(limited)).toMatchObject({ code: 'rate_limit_exceeded', type: 'rate_limit_error' });
    expect((await chat(bearer('bob-key-0123456789abcdef'))).status).toBe(200);
    expect((await app.request('/health')).status).toBe(200);
    now += 1000;
    expect((await chat(bearer(SHARED_KEY))).status).toBe(200);
  });

  it('refuses oversized bodies with 413, by Content-Length and while streaming', async () => {
    const { chat, app } = build({ limits: { chatBodyBytes: 1000, defaultBodyBytes: 200 } });
    const big = chatBody({ padding: 'x'.repeat(2000) });
    const declared = await chat({}, big);
    expect(declared.status).toBe(413);
    expect(await errorOf(declared)).toMatchObject({ code: 'payload_too_large' });
    const streamed = await app.request('/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(big));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect((await chat({}, chatBody({ padding: 'x'.repeat(500) }))).status).toBe(200);
    const embeddings = await app.request('/v1/embeddings', {
      method: 'POST',
      body: JSON.stringify({ input: 'y'.repeat(500) }),
    });
    expect(embeddings.status).toBe(413);
  });

  it('sends no CORS headers by default', async () => {
    const { app } = build();
    const preflight = await app.request('/v1/chat/completions', {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const get = await app.request('/v1/models', { headers: { origin: 'https://evil.example' } });
    expect(get.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows configured origins, answers preflights before auth and exposes the AutoSkill headers', async () => {
    const { app } = build({ cors: { origins: ['https://app.example'] }, auth: { sharedKey: SHARED_KEY } });
    const preflight = await app.request('/v1/chat/completions', {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const allowed = await app.request('/v1/models', {
      headers: { origin: 'https://app.example', ...bearer(SHARED_KEY) },
    });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(allowed.headers.get('access-control-expose-headers')).toContain('x-autoskill-skills');
    const other = await app.request('/v1/models', {
      headers: { origin: 'https://evil.example', ...bearer(SHARED_KEY) },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('never writes keys or tokens to the log', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    });
    const logger = createServerLogger({ level: 'debug', destination });
    const { chat } = build({ auth: { sharedKey: SHARED_KEY }, logger, rateLimit: false });
    await chat(bearer(SHARED_KEY));
    await chat(bearer('wrong-key-that-must-not-be-logged'));
    logger.info({ headers: { authorization: `Bearer ${SHARED_KEY}` }, apiKey: SHARED_KEY }, 'probe');
    const output = lines.join('');
    expect(output).toContain('"request"');
    expect(output).toContain('[REDACTED]');
    expect(output).not.toContain(SHARED_KEY);
    expect(output).not.toContain('wrong-key-that-must-not-be-logged');
  });
});
