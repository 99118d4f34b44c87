import { describe, expect, it } from 'vitest';
import { isAutoSkillError } from '../shared/errors.js';
import { readEnv, readEnvUrl, requireApiKey, resolveLLMConfig } from './config.js';

describe('resolveLLMConfig', () => {
  it('fills defaults', () => {
    expect(resolveLLMConfig()).toEqual({
      provider: 'offline',
      timeoutMs: 60_000,
      maxRetries: 2,
      maxInputChars: 200_000,
    });
  });

  it.each([
    [{ baseUrl: 'ftp://host' }, 'baseUrl'],
    [{ temperature: 3 }, 'temperature'],
    [{ maxRetries: 11 }, 'maxRetries'],
    [{ unknownField: 1 }, 'unknownField'],
    [{ provider: '' }, 'provider'],
  ])('rejects %j with INVALID_CONFIG naming %s', (input, field) => {
    let caught: unknown;
    try {
      resolveLLMConfig(input as never);
    } catch (error) {
      caught = error;
    }
    expect(isAutoSkillError(caught, 'INVALID_CONFIG')).toBe(true);
    expect((caught as Error).message).toContain(field);
  });
});

describe('environment helpers', () => {
  it('treats empty and blank variables as unset', () => {
    expect(readEnv({ A: '', B: '  ', C: ' value ' }, 'A', 'B', 'C')).toBe('value');
    expect(readEnv({}, 'A')).toBeUndefined();
  });

  it('prefers the configured key, then the variables in order, and names them when none is set', () => {
    const config = resolveLLMConfig({ provider: 'x' });
    expect(requireApiKey({ provider: 'x', config, env: { B: 'b', A: 'a' }, envNames: ['A', 'B'] })).toBe('a');
    expect(
      requireApiKey({ provider: 'x', config: { ...config, apiKey: 'k' }, env: { A: 'a' }, envNames: ['A'] }),
    ).toBe('k');
    let caught: unknown;
    try {
      requireApiKey({ provider: 'x', config, env: {}, envNames: ['A', 'B'] });
    } catch (error) {
      caught = error;
    }
    expect(isAutoSkillError(caught, 'MISSING_API_KEY')).toBe(true);
    expect((caught as Error).message).toBe(
      'The x LLM provider needs an API key: set A or B, or pass apiKey in the LLM config.',
    );
  });

  it('checks URL variables', () => {
    expect(readEnvUrl({ U: 'http://127.0.0.1:1/v1' }, 'U')).toBe('http://127.0.0.1:1/v1');
    expect(() => readEnvUrl({ U: 'localhost:8000' }, 'U')).toThrow(/U must be an http\(s\) URL/);
  });
});
