/**
 * @module The shared contract every LLM connector must meet (`src/llm/types.ts`), as a vitest suite to
 * call inside a `describe`: built-in connectors run it against the fake model server, and authors of a
 * `"module:export"` connector can run it against theirs.
 */
import { expect, it } from 'vitest';
import type { LLMConnector, LLMStreamPart } from '../llm/types.js';
import { isAutoSkillError } from '../shared/errors.js';

export interface LLMConnectorContractOptions {
  /** A fresh connector for one test. */
  create: () => LLMConnector | Promise<LLMConnector>;
  /** Makes the next call answer with exactly `text` (queue a fake-server reply, set a responder…). */
  scriptText: (text: string) => void;
}

async function readParts(stream: ReadableStream<LLMStreamPart>): Promise<LLMStreamPart[]> {
  const parts: LLMStreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

const MESSAGES = [
  { role: 'system' as const, content: 'You are terse.' },
  { role: 'user' as const, content: 'Reply with the scripted text.' },
];

export function runLLMConnectorContract({ create, scriptText }: LLMConnectorContractOptions): void {
  it('contract: identifies itself as a v1 connector', async () => {
    const connector = await create();
    expect(connector.specificationVersion).toBe('v1');
    expect(connector.provider).toMatch(/^\S+$/);
    expect(connector.modelId).toMatch(/\S/);
  });

  it('contract: doGenerate returns the reply text, a finish reason and well-formed usage', async () => {
    scriptText('The release goes regression → canary → full rollout.');
    const result = await (await create()).doGenerate({ messages: MESSAGES, temperature: 0, maxTokens: 64 });
    expect(result.text).toBe('The release goes regression → canary → full rollout.');
    expect(result.finishReason).toBe('stop');
    if (result.usage) {
      const { promptTokens, completionTokens, totalTokens } = result.usage;
      for (const count of [promptTokens, completionTokens, totalTokens])
        expect(Number.isInteger(count)).toBe(true);
      expect(totalTokens).toBe(promptTokens + completionTokens);
    }
  });

  it('contract: doStream yields text deltas that join to the reply and exactly one final finish part', async () => {
    scriptText('以后每次发布都先做回归测试，然后灰度。');
    const parts = await readParts(await (await create()).doStream({ messages: MESSAGES }));
    const text = parts
      .filter((part) => part.type === 'text-delta')
      .map((part) => part.delta)
      .join('');
    expect(text).toBe('以后每次发布都先做回归测试，然后灰度。');
    expect(parts.filter((part) => part.type === 'finish')).toHaveLength(1);
    expect(parts.at(-1)?.type).toBe('finish');
    expect(parts.some((part) => part.type === 'error')).toBe(false);
  });

  it('contract: an already aborted call rejects with ABORTED', async () => {
    scriptText('never read');
    const connector = await create();
    const error = await connector
      .doGenerate({ messages: MESSAGES, abortSignal: AbortSignal.abort() })
      .catch((caught: unknown) => caught);
    expect(isAutoSkillError(error, 'ABORTED')).toBe(true);
  });

  it('contract: a stream can be cancelled by its reader', async () => {
    scriptText('one two three four five six');
    const reader = (await (await create()).doStream({ messages: MESSAGES })).getReader();
    await reader.read();
    await expect(reader.cancel()).resolves.toBeUndefined();
  });
}
