import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createBigModelAuth, signBigModelJwt, splitBigModelApiKey } from './bigmodel-auth.js';

const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

describe('signBigModelJwt', () => {
  const nowMs = 1_700_000_000_123;

  it('signs an HS256 token with the id, millisecond times and the secret', () => {
    const token = signBigModelJwt({ apiKey: 'my-id.my-secret', nowMs });
    const [header, payload, signature] = token.split('.') as [string, string, string];
    expect(decode(header)).toEqual({ alg: 'HS256', sign_type: 'SIGN' });
    expect(Buffer.from(header, 'base64url').toString()).toBe('{"alg":"HS256","sign_type":"SIGN"}');
    expect(decode(payload)).toEqual({ api_key: 'my-id', exp: nowMs + 3_600_000, timestamp: nowMs });
    expect(token).not.toContain('=');
    const expected = createHmac('sha256', 'my-secret').update(`${header}.${payload}`).digest('base64url');
    expect(signature).toBe(expected);
  });

  it('uses seconds when asked', () => {
    const token = signBigModelJwt({ apiKey: 'id.secret', nowMs, timeUnit: 's', ttlSeconds: 60 });
    expect(decode(token.split('.')[1] as string)).toEqual({
      api_key: 'id',
      exp: 1_700_000_060,
      timestamp: 1_700_000_000,
    });
  });

  it('rejects keys without the id.secret shape without echoing them', () => {
    expect(() => splitBigModelApiKey('plainkey')).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG' }),
    );
    expect(() => splitBigModelApiKey('plainkey')).not.toThrow(/plainkey/);
    expect(splitBigModelApiKey('a.b.c')).toEqual({ id: 'a', secret: 'b.c' });
  });
});

describe('createBigModelAuth', () => {
  it('lists variants per mode', () => {
    expect(createBigModelAuth({ apiKey: 'id.secret' }).variants).toEqual(['jwt-ms', 'jwt-s', 'api-key']);
    expect(createBigModelAuth({ apiKey: 'rawkey' }).variants).toEqual(['api-key']);
    expect(createBigModelAuth({ apiKey: 'id.secret', mode: 'jwt' }).variants).toEqual(['jwt-ms', 'jwt-s']);
    expect(createBigModelAuth({ apiKey: 'id.secret', mode: 'api_key' }).variants).toEqual(['api-key']);
    expect(() => createBigModelAuth({ apiKey: 'rawkey', mode: 'jwt' })).toThrow(/<id>.<secret>/);
  });

  it('caches a token until 10 s before it expires', () => {
    let now = 1_000_000;
    const auth = createBigModelAuth({ apiKey: 'id.secret', ttlSeconds: 60, now: () => now });
    const first = auth.authorization('jwt-ms');
    expect(first).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    now += 49_000;
    expect(auth.authorization('jwt-ms')).toBe(first);
    now += 2000;
    expect(auth.authorization('jwt-ms')).not.toBe(first);
    expect(auth.authorization('api-key')).toBe('Bearer id.secret');
  });
});
