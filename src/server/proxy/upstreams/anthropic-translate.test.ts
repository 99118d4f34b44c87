import { describe, expect, it } from 'vitest';
import {
  fromAnthropicError,
  fromAnthropicMessage,
  imageSource,
  toAnthropicRequest,
} from './anthropic-translate.js';

describe('toAnthropicRequest', () => {
  it('maps tool history, merges consecutive turns and translates tool_choice', () => {
    const request = toAnthropicRequest(
      {
        model: 'claude',
        messages: [
          { role: 'user', content: 'weather?' },
          { role: 'user', content: 'in Paris' },
          {
            role: 'assistant',
            content: 'checking',
            tool_calls: [
              { id: 't1', type: 'function', function: { name: 'w', arguments: '{"city":"Paris"}' } },
            ],
          },
          { role: 'tool', tool_call_id: 't1', content: 'sunny' },
        ],
        tools: [
          {
            type: 'function',
            function: { name: 'w', description: 'weather', parameters: { type: 'object' } },
          },
        ],
        tool_choice: { type: 'function', function: { name: 'w' } },
        parallel_tool_calls: false,
        stop: ['a', 'b'],
        max_tokens: 7,
        response_format: { type: 'json_object' },
        seed: 1,
      },
      { defaultMaxTokens: 4096, stream: false },
    );
    expect(request).toEqual({
      model: 'claude',
      max_tokens: 7,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'weather?' },
            { type: 'text', text: 'in Paris' },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'checking' },
            { type: 'tool_use', id: 't1', name: 'w', input: { city: 'Paris' } },
          ],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'sunny' }] },
      ],
      stop_sequences: ['a', 'b'],
      tools: [{ name: 'w', description: 'weather', input_schema: { type: 'object' } }],
      tool_choice: { type: 'tool', name: 'w', disable_parallel_tool_use: true },
    });
  });

  it('refuses parts Anthropic cannot take', () => {
    expect(() =>
      toAnthropicRequest(
        { model: 'c', messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: {} }] }] },
        { defaultMaxTokens: 10, stream: false },
      ),
    ).toThrowError(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});

describe('imageSource', () => {
  it('turns data URLs into base64 sources and http URLs into url sources', () => {
    expect(imageSource('data:image/jpeg;base64,/9j/4A==')).toEqual({
      type: 'base64',
      media_type: 'image/jpeg',
      data: '/9j/4A==',
    });
    expect(imageSource('data:image/svg+xml,%3Csvg%2F%3E')).toEqual({
      type: 'base64',
      media_type: 'image/svg+xml',
      data: Buffer.from('<svg/>').toString('base64'),
    });
    expect(imageSource('http://x/y.png')).toEqual({ type: 'url', url: 'http://x/y.png' });
    expect(() => imageSource('file:///etc/passwd')).toThrow(/data: URL or an http/);
  });
});

describe('fromAnthropicMessage and fromAnthropicError', () => {
  it('counts cached prompt tokens in prompt_tokens and maps refusals', () => {
    const completion = fromAnthropicMessage(
      {
        id: 'msg_1',
        model: 'claude',
        content: [{ type: 'thinking' }, { type: 'text', text: 'no' }],
        stop_reason: 'refusal',
        usage: {
          input_tokens: 5,
          cache_read_input_tokens: 100,
          cache_creation_input_tokens: 10,
          output_tokens: 2,
        },
      },
      { created: 1, model: 'x' },
    );
    expect(completion).toMatchObject({
      choices: [{ message: { content: 'no' }, finish_reason: 'content_filter' }],
      usage: { prompt_tokens: 115, completion_tokens: 2, total_tokens: 117 },
    });
  });

  it('wraps non-JSON errors and keeps Anthropic error types', () => {
    expect(fromAnthropicError('<html>bad gateway</html>', 502)).toEqual({
      error: {
        message: '<html>bad gateway</html>',
        type: 'server_error',
        param: null,
        code: 'upstream_error',
      },
    });
    expect(
      fromAnthropicError('{"type":"error","error":{"type":"invalid_request_error","message":"no"}}', 400),
    ).toEqual({
      error: { message: 'no', type: 'invalid_request_error', param: null, code: 'invalid_request_error' },
    });
  });
});
