/**
 * Starts the proxy app on 127.0.0.1 in front of the fake model server, with an `openai` client pointed at
 * it and a recording turn observer; `close()` stops everything.
 */
import OpenAI from 'openai';
import { type CreateServerAppOptions, createServerApp } from '../../src/server/app.js';
import { type RunningServer, startServer } from '../../src/server/http/listen.js';
import { createOpenAICompatibleUpstream } from '../../src/server/proxy/upstreams/openai-compatible.js';
import {
  createRecordingTurnObserver,
  fixedSkillContext,
  type RecordingTurnObserver,
} from '../../src/service/turn-types.js';
import { type FakeModelServer, startFakeModelServer } from '../../src/testing/index.js';

export const SKILL_MESSAGE = '## Skills\n- Never invent numbers; cite the source of every figure.';
export const INJECTED = [{ id: 'skill-1', name: 'no-invented-numbers', version: '0.1.0', score: 0.9 }];

export interface ProxyHarness {
  fake: FakeModelServer;
  server: RunningServer;
  client: OpenAI;
  observer: RecordingTurnObserver;
  /** `http://127.0.0.1:<port>/v1` */
  baseUrl: string;
  close(): Promise<void>;
}

export async function startProxyHarness(
  options: CreateServerAppOptions & { clientApiKey?: string } = {},
): Promise<ProxyHarness> {
  const fake = await startFakeModelServer();
  const observer = createRecordingTurnObserver();
  const app = createServerApp({
    upstream: createOpenAICompatibleUpstream({
      baseUrl: fake.baseUrl,
      apiKey: 'upstream-secret',
      provider: 'fake',
    }),
    skillContext: fixedSkillContext({ systemMessage: SKILL_MESSAGE, injected: INJECTED }),
    turnObserver: observer,
    ...options,
  });
  const server = await startServer({ app, port: 0 });
  const baseUrl = `${server.url}/v1`;
  const client = new OpenAI({
    apiKey: options.clientApiKey ?? 'client-key',
    baseURL: baseUrl,
    maxRetries: 0,
    timeout: 10_000,
  });
  return {
    fake,
    server,
    client,
    observer,
    baseUrl,
    async close() {
      await server.close({ graceMs: 200 });
      await fake.close();
    },
  };
}
