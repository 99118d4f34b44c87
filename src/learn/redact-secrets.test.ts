import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { containsCredential, redactSecrets, redactValue } from './redact-secrets.js';

const SECRETS: Array<[string, string]> = [
  ['openai key', 'sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z'],
  ['anthropic key', 'sk-ant-api03-AbCdEf0123456789_abcdefGHIJ-xyz'],
  ['github token', 'ghp_0123456789abcdefghijABCDEFGHIJ012345'],
  ['aws access key', 'AKIAIOSFODNN7EXAMPLE'],
  ['google key', 'AIzaSyA1234567890abcdefghijklmnopqrstuv'],
  ['slack token', 'xoxb-1234567890-abcdefghij'],
  ['stripe key', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'],
  ['zhipu key', '0123456789abcdef0123456789abcdef.AbCdEf0123456789'],
  ['jwt', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c'],
];

describe('redactSecrets', () => {
  it.each(SECRETS)('removes a %s', (_kind, secret) => {
    const result = redactSecrets(`use ${secret} for the calls`);
    expect(result.text).not.toContain(secret);
    expect(result.findings.length).toBeGreaterThan(0);
  });

  it('removes bearer tokens, key=value passwords, URL credentials and private keys', () => {
    const text = [
      'Authorization: Bearer abcdefghijklmnop1234',
      'password=hunter2hunter2',
      'api_key: "Zx9-abc-123"',
      'postgres://admin:s3cr3tPass@db.internal:5432/app',
      'https://api.example.com/v1?token=abc123def456&x=1',
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----',
      'The staging password changed, it is now Xk#92-lime-Otter.',
      '数据库密码是Qw12345678，别告诉别人',
    ].join('\n');
    const result = redactSecrets(text).text;
    for (const secret of [
      'abcdefghijklmnop1234',
      'hunter2hunter2',
      'Zx9-abc-123',
      's3cr3tPass',
      'abc123def456',
      'MIIEow',
      'Xk#92-lime-Otter',
      'Qw12345678',
    ]) {
      expect(result).not.toContain(secret);
    }
    expect(result).toContain('Bearer <TOKEN>');
    expect(result).toContain('db.internal');
  });

  it('removes e-mails, phone numbers and card numbers', () => {
    const text = 'Mail dana.kim@example.com, call +1 415 555 2671 or 13812345678, card 4111 1111 1111 1111.';
    const result = redactSecrets(text).text;
    expect(result).toBe('Mail <EMAIL>, call <PHONE> or <PHONE>, card <CARD_NUMBER>.');
  });

  it('leaves years, versions, colours, ids, hashes, dates and quantities alone', () => {
    const text =
      'In 2024 we shipped v2.3.1 and 10,000 boxes; colours #1F4E79 and #F28E2B; id 3f2b9c1e-7a4d-4c2e-9b1a-5d6e7f8a9b0c; commit 9fceb02d0ae598e95dc970b74767f19372d61af8; on 2024-05-10 at 10:30; 2024年3月; order PO-4471; 120 words; the password policy is required.';
    expect(redactSecrets(text).text).toBe(text);
  });

  it('never lets a planted key through, wherever it is placed (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 40 }),
        fc.string({ maxLength: 40 }),
        fc.stringMatching(/^[A-Za-z0-9]{24,40}$/),
        (before, after, body) => {
          fc.pre(/\d/.test(body));
          const key = `sk-proj-${body}`;
          const result = redactSecrets(`${before} ${key} ${after}`).text;
          expect(result).not.toContain(key);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('containsCredential', () => {
  it('is true for credentials and placeholders, false for contact data alone', () => {
    expect(containsCredential('token=abcdef123456')).toBe(true);
    expect(containsCredential('use <API_KEY> here')).toBe(true);
    expect(containsCredential('mail me at a@b.co')).toBe(false);
  });
});

describe('redactValue', () => {
  it('redacts strings at any depth and leaves keys and other values alone', () => {
    const value = { sk: 'sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z', list: [{ mail: 'a@b.co' }], n: 5 };
    expect(redactValue(value)).toEqual({ sk: '<API_KEY>', list: [{ mail: '<EMAIL>' }], n: 5 });
  });
});
