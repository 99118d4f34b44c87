import { describe, expect, it } from 'vitest';
import { clipText, redactSecrets, redactUrl, secretsFromHeaders, secretsFromUrl } from './redact.js';

describe('redactUrl', () => {
  it('removes user info and secret query values, keeps the rest', () => {
    expect(redactUrl('https://u:p@api.example.com/v1/x?api_key=abc&model=m&token=t')).toBe(
      'https://api.example.com/v1/x?api_key=%5BREDACTED%5D&model=m&token=%5BREDACTED%5D',
    );
    expect(redactUrl('not a url')).toBe('not a url');
  });
});

describe('secrets', () => {
  it('collects credential header values and bearer tokens', () => {
    expect(
      secretsFromHeaders({
        Authorization: 'Bearer sk-1234',
        'x-api-key': 'ak-9999',
        accept: 'application/json',
      }),
    ).toEqual(['Bearer sk-1234', 'sk-1234', 'ak-9999']);
  });

  it('collects URL passwords and secret query values', () => {
    expect(secretsFromUrl('http://a:pw%21x@h/?key=k%2B1&q=1')).toEqual(['pw%21x', 'pw!x', 'k+1', 'k%2B1']);
  });

  it('scrubs every occurrence, longest first, ignoring very short values', () => {
    expect(redactSecrets('key sk-1234 in Bearer sk-1234; ab', ['sk-1234', 'Bearer sk-1234', 'ab'])).toBe(
      'key [REDACTED] in [REDACTED]; ab',
    );
  });
});

describe('clipText', () => {
  it('keeps short text and marks what it cut', () => {
    expect(clipText('short', 10)).toBe('short');
    expect(clipText('0123456789abc', 10)).toBe('0123456789…[3 more characters]');
  });
});
