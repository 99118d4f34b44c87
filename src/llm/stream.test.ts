import { describe, expect, it } from 'vitest';
import { AutoSkillError, isAutoSkillError } from '../shared/errors.js';
import { collectLLMStream, createPartStream } from './stream.js';
import type { LLMStreamPart } from './types.js';

const streamOf = (parts: LLMStreamPart[]) =>
  new ReadableStream<LLMStreamPart>({
    start(controller) {
      for (const part of parts) controller.enqueue(part);
      controller.close();
    },
  });

describe('collectLLMStream', () => {
  it('joins text and reasoning and keeps finish reason and usage', async () => {
    const usage = { promptTokens: 1, completionTokens: 2, totalTokens: 3 };
    expect(
      await collectLLMStream(
        streamOf([
          { type: 'reasoning-delta', delta: 'think ' },
          { type: 'text-delta', delta: 'an' },
          { type: 'reasoning-delta', delta: 'more' },
          { type: 'text-delta', delta: 'swer' },
          { type: 'finish', finishReason: 'length', usage },
        ]),
      ),
    ).toEqual({ text: 'answer', reasoning: 'think more', finishReason: 'length', usage });
  });

  it('throws the error of an error part', async () => {
    const error = new AutoSkillError('UPSTREAM_ERROR', 'broke');
    await expect(
      collectLLMStream(
        streamOf([
          { type: 'text-delta', delta: 'a' },
          { type: 'error', error },
        ]),
      ),
    ).rejects.toBe(error);
  });

  it('refuses a stream without a finish part', async () => {
    const caught = await collectLLMStream(streamOf([{ type: 'text-delta', delta: 'a' }])).catch(
      (error) => error,
    );
    expect(isAutoSkillError(caught, 'INVALID_RESPONSE')).toBe(true);
  });
});

describe('createPartStream', () => {
  it('turns a thrown foreign error into one retryable UPSTREAM_ERROR part naming the provider', async () => {
    const stream = createPartStream({
      provider: 'p',
      produce: async (writer) => {
        writer.enqueue({ type: 'text-delta', delta: 'x' });
        throw new TypeError('socket hang up');
      },
    });
    const parts: LLMStreamPart[] = [];
    for await (const part of stream) parts.push(part);
    expect(parts).toHaveLength(2);
    expect(parts[1]).toMatchObject({ type: 'error', error: { code: 'UPSTREAM_ERROR', isRetryable: true } });
    expect((parts[1] as { error: Error }).error.message).toBe('The p stream failed: socket hang up');
  });

  it('calls onCancel and drops later parts when the reader cancels', async () => {
    let cancelled: unknown;
    let release: () => void = () => {};
    const stream = createPartStream({
      provider: 'p',
      onCancel: (reason) => {
        cancelled = reason;
      },
      produce: async (writer) => {
        writer.enqueue({ type: 'text-delta', delta: 'first' });
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        writer.enqueue({ type: 'text-delta', delta: 'late' });
      },
    });
    const reader = stream.getReader();
    expect(await reader.read()).toEqual({ done: false, value: { type: 'text-delta', delta: 'first' } });
    await reader.cancel('enough');
    release();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(cancelled).toBe('enough');
  });
});
