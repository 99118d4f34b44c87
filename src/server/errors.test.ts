import { describe, expect, it } from 'vitest';
import { AutoSkillError, ERROR_CODES } from '../shared/errors.js';
import { describeError } from './errors.js';

describe('describeError', () => {
  it('maps every error code to an HTTP status and an OpenAI error body', () => {
    for (const code of ERROR_CODES) {
      const { status, body } = describeError(new AutoSkillError(code, 'message'));
      expect(status, code).toBeGreaterThanOrEqual(400);
      expect(body.error).toMatchObject({ message: 'message', param: null, code: expect.any(String) });
      expect(body.error.type).toBe(
        status >= 500 ? 'server_error' : status === 429 ? 'rate_limit_error' : 'invalid_request_error',
      );
    }
  });

  it('keeps the upstream status and honours wireCode and param', () => {
    const upstream = new AutoSkillError('UPSTREAM_ERROR', 'rate limited', { details: { statusCode: 429 } });
    expect(describeError(upstream).status).toBe(429);
    const network = new AutoSkillError('UPSTREAM_ERROR', 'refused', {
      details: { networkError: 'ECONNREFUSED' },
    });
    expect(describeError(network).status).toBe(502);
    const json = new AutoSkillError('INVALID_INPUT', 'bad', {
      details: { wireCode: 'invalid_json', param: 'messages' },
    });
    expect(describeError(json).body.error).toMatchObject({ code: 'invalid_json', param: 'messages' });
  });
});
