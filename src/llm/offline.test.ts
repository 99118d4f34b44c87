import { describe, expect, it } from 'vitest';
import { isAutoSkillError } from '../shared/errors.js';
import { runLLMConnectorContract } from '../testing/llm-connector-contract.js';
import { createOfflineLLMConnector, defaultOfflineResponse, OFFLINE_EMPTY_SKILLS } from './offline.js';
import { collectLLMStream } from './stream.js';

describe('defaultOfflineResponse', () => {
  it('answers an extraction-style prompt with an empty skills list', () => {
    const reply = defaultOfflineResponse({
      messages: [
        { role: 'system', content: 'Return JSON: {"skills": [{"name": ...}]}' },
        { role: 'user', content: 'conversation' },
      ],
    });
    expect(JSON.parse(reply)).toEqual({ skills: [] });
    expect(reply).toBe(OFFLINE_EMPTY_SKILLS);
  });

  it('answers other JSON requests with an empty object', () => {
    expect(
      defaultOfflineResponse({ messages: [{ role: 'user', content: 'decide' }], responseFormat: 'json' }),
    ).toBe('{}');
  });

  it('says it is offline, in the language of the last user turn', () => {
    expect(defaultOfflineResponse({ messages: [{ role: 'user', content: 'hello' }] })).toMatch(
      /^Offline mode/,
    );
    expect(defaultOfflineResponse({ messages: [{ role: 'user', content: '你好' }] })).toMatch(/^离线模式/);
  });
});

describe('createOfflineLLMConnector', () => {
  it('uses the scripted responder for generate and stream', async () => {
    const seen: string[] = [];
    const connector = createOfflineLLMConnector({
      respond: async ({ messages }) => {
        seen.push(messages.length.toString());
        return 'Skills I would inject: release-checklist';
      },
      streamChunkSize: 5,
    });
    expect(connector.provider).toBe('offline');
    const result = await connector.doGenerate({ messages: [{ role: 'user', content: 'x' }] });
    expect(result.text).toBe('Skills I would inject: release-checklist');
    expect(result.finishReason).toBe('stop');
    const parts = [];
    for await (const part of await connector.doStream({ messages: [{ role: 'user', content: 'x' }] }))
      parts.push(part);
    expect(parts.filter((part) => part.type === 'text-delta').length).toBeGreaterThan(3);
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop' });
    expect(seen).toEqual(['1', '1']);
  });

  it('rejects with ABORTED when the signal is already aborted', async () => {
    const connector = createOfflineLLMConnector();
    const error = await connector
      .doGenerate({ messages: [{ role: 'user', content: 'x' }], abortSignal: AbortSignal.abort() })
      .catch((caught: unknown) => caught);
    expect(isAutoSkillError(error, 'ABORTED')).toBe(true);
  });

  it('streams the same text it generates', async () => {
    const connector = createOfflineLLMConnector();
    const options = { messages: [{ role: 'user' as const, content: '请帮我写周报' }] };
    const streamed = await collectLLMStream(await connector.doStream(options));
    expect(streamed.text).toBe((await connector.doGenerate(options)).text);
  });
});

describe('offline connector contract', () => {
  let next = '';
  runLLMConnectorContract({
    create: () => createOfflineLLMConnector({ respond: () => next, streamChunkSize: 4 }),
    scriptText: (text) => {
      next = text;
    },
  });
});
