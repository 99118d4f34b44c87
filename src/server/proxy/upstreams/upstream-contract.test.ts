/**
 * The `ChatUpstream` contract, run against every implementation (OpenAI-compatible and Anthropic on the
 * fake model server, offline locally): an OpenAI `chat.completion` for JSON requests, an SSE stream of
 * `chat.completion.chunk`s ending in `[DONE]` for streams, and an aborted signal stops the request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeModelServer, startFakeModelServer } from '../../../testing/index.js';
import { createAnthropicUpstream } from './anthropic.js';
import { createOfflineUpstream } from './offline.js';
import { createOpenAICompatibleUpstream } from './openai-compatible.js';
import type { ChatUpstream } from './types.js';

type Json = Record<string, unknown>;

let fake: FakeModelServer;
beforeAll(async () => {
  fake = await startFakeModelServer({ defaultText: 'contract reply' });
});
afterAll(async () => {
  await fake.close();
});

const implementations: Array<{ name: string; create: () => ChatUpstream; text: string }> = [
  {
    name: 'openai-compatible',
    create: () => createOpenAICompatibleUpstream({ baseUrl: fake.baseUrl }),
    text: 'contract reply',
  },
  {
    name: 'anthropic',
    create: () => createAnthropicUpstream({ apiKey: 'k', baseUrl: fake.url }),
    text: 'contract reply',
  },
  { name: 'offline', create: () => createOfflineUpstream(), text: 'offline' },
];

const body = {
  model: 'contract-model',
  messages: [
    { role: 'system', content: 'skills' },
    { role: 'user', content: 'hello' },
  ],
};

function dataEvents(text: string): string[] {
  return text
    .split(/\n\n/)
    .map((event) => event.trim())
    .filter((event) => event.startsWith('data: '))
    .map((event) => event.slice(6));
}

for (const implementation of implementations) {
  describe(`ChatUpstream contract: ${implementation.name}`, () => {
    it('answers a JSON request with a chat.completion', async () => {
      const response = await implementation.create().forward(body, { stream: false });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('application/json');
      const completion = (await response.json()) as Json;
      expect(completion['object']).toBe('chat.completion');
      const choice = (completion['choices'] as Json[])[0];
      expect(String((choice?.['message'] as Json | undefined)?.['content'])).toContain(implementation.text);
      expect(choice?.['finish_reason']).toBe('stop');
      expect(completion['usage']).toMatchObject({ total_tokens: expect.any(Number) });
    });

    it('streams chat.completion.chunks ending with [DONE]', async () => {
      const response = await implementation.create().forward({ ...body, stream: true }, { stream: true });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      const events = dataEvents(await response.text());
      expect(events[events.length - 1]).toBe('[DONE]');
      const chunks = events.slice(0, -1).map((event) => JSON.parse(event) as Json);
      expect(chunks.every((chunk) => chunk['object'] === 'chat.completion.chunk')).toBe(true);
      const first = (chunks[0]?.['choices'] as Json[] | undefined)?.[0];
      expect((first?.['delta'] as Json | undefined)?.['role']).toBe('assistant');
      const text = chunks
        .map((chunk) => ((chunk['choices'] as Json[])[0]?.['delta'] as Json | undefined)?.['content'] ?? '')
        .join('');
      expect(text).toContain(implementation.text);
      expect(chunks.some((chunk) => (chunk['choices'] as Json[])[0]?.['finish_reason'] === 'stop')).toBe(
        true,
      );
    });

    it('does not start a request whose signal is already aborted', async () => {
      const controller = new AbortController();
      controller.abort();
      const before = fake.requests.length;
      const outcome = await implementation
        .create()
        .forward(body, { stream: false, abortSignal: controller.signal })
        .then(
          () => 'answered',
          (error: { code?: string }) => error.code,
        );
      expect(outcome).toBe('ABORTED');
      expect(fake.requests.length).toBe(before);
    });
  });
}
