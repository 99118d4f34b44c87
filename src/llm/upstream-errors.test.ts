import { describe, expect, it } from 'vitest';
import { AutoSkillError } from '../shared/errors.js';
import { explainUpstreamError, rejectedOptionalField } from './upstream-errors.js';

const options = { provider: 'openai', modelId: 'gpt-4o-mini', keyHint: 'set OPENAI_API_KEY' };
const upstream = (statusCode: number | undefined, message: string, extra: Record<string, unknown> = {}) =>
  new AutoSkillError('UPSTREAM_ERROR', message, {
    details: {
      provider: 'openai',
      ...(statusCode === undefined ? {} : { statusCode }),
      attempts: 3,
      ...extra,
    },
    isRetryable: statusCode === undefined || statusCode >= 500,
  });

describe('explainUpstreamError', () => {
  it.each([
    [401, 'The API key was rejected: set OPENAI_API_KEY.'],
    [403, 'The API key was rejected'],
    [404, 'Check the model name "gpt-4o-mini" and the base URL.'],
    [429, 'Rate limited after 3 attempts'],
    [503, 'The provider failed after 3 attempts; try again later.'],
    [400, 'The provider rejected the request for model "gpt-4o-mini"'],
    [undefined, 'Could not reach the server after 3 attempts'],
  ])('status %s → %s', (status, advice) => {
    const explained = explainUpstreamError(upstream(status, 'openai returned something.'), options);
    expect(explained.message).toContain('openai returned something. ');
    expect(explained.message).not.toContain('..');
    expect(explained.message).toContain(advice);
    expect(explained.details.hint).toBeTypeOf('string');
    expect(explained.isRetryable).toBe(status === undefined || status >= 500);
    expect(explained.cause).toBeInstanceOf(AutoSkillError);
  });

  it('explains timeouts and leaves aborts and already explained errors alone', () => {
    const timeout = new AutoSkillError('UPSTREAM_TIMEOUT', 'no answer', { details: { attempts: 1 } });
    expect(explainUpstreamError(timeout, options).message).toBe(
      'openai: no answer. No reply in time after 1 attempt: raise timeoutMs or check the network.',
    );
    const aborted = new AutoSkillError('ABORTED', 'stop');
    expect(explainUpstreamError(aborted, options)).toBe(aborted);
    const once = explainUpstreamError(upstream(500, 'x'), options);
    expect(explainUpstreamError(once, options)).toBe(once);
  });

  it('wraps a foreign error as UPSTREAM_ERROR naming the provider', () => {
    const explained = explainUpstreamError(new TypeError('boom'), options);
    expect(explained.code).toBe('UPSTREAM_ERROR');
    expect(explained.message).toBe('openai call failed: boom');
  });
});

describe('rejectedOptionalField', () => {
  const body = { model: 'm', temperature: 0, thinking_mode: true, stream_options: { include_usage: true } };
  const candidates = ['temperature', 'thinking_mode', 'stream_options', 'response_format'];

  it('names a field the 4xx body mentions as a whole word and the request carries', () => {
    const error = upstream(400, 'bad', {
      responseBody: '{"detail":"Extra inputs are not permitted: stream_options"}',
    });
    expect(rejectedOptionalField(error, body, candidates)).toBe('stream_options');
    const thinking = upstream(422, 'unknown field `thinking_mode`');
    expect(rejectedOptionalField(thinking, body, candidates)).toBe('thinking_mode');
  });

  it('ignores fields the request does not carry, partial words, and statuses that are not about the body', () => {
    expect(
      rejectedOptionalField(upstream(400, 'response_format unsupported'), body, candidates),
    ).toBeUndefined();
    expect(rejectedOptionalField(upstream(400, 'temperatures are fine'), body, candidates)).toBeUndefined();
    for (const status of [401, 403, 404, 429, 500]) {
      expect(rejectedOptionalField(upstream(status, 'temperature'), body, candidates)).toBeUndefined();
    }
    expect(rejectedOptionalField(new Error('temperature'), body, candidates)).toBeUndefined();
  });
});
