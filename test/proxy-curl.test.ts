/**
 * The proxy as a plain HTTP server for `curl` (spawned): a JSON answer with the AutoSkill headers, and a
 * stream read with `-N` whose first chunk arrives while the upstream is still writing (no buffering).
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProxyHarness, SKILL_MESSAGE, startProxyHarness } from './support/proxy-harness.js';

interface CurlRun {
  stdout: string;
  exitCode: number | null;
  /** Milliseconds from spawn to the first stdout bytes and to exit. */
  firstOutputMs: number;
  totalMs: number;
}

function curl(args: string[]): Promise<CurlRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let firstOutputMs = -1;
    let stdout = '';
    const child = spawn('curl', ['--silent', '--show-error', '--max-time', '10', ...args]);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => {
      if (firstOutputMs < 0) firstOutputMs = performance.now() - started;
      stdout += text;
    });
    child.on('error', reject);
    child.on('close', (exitCode) =>
      resolve({ stdout, exitCode, firstOutputMs, totalMs: performance.now() - started }),
    );
  });
}

describe('proxy with curl', () => {
  let harness: ProxyHarness;

  beforeAll(async () => {
    harness = await startProxyHarness({
      auth: { sharedKey: 'curl-shared-key-0123456789' },
      rateLimit: false,
    });
  });
  afterAll(async () => {
    await harness.close();
  });

  it('answers a JSON request with the skill headers and the autoskill field', async () => {
    harness.fake.enqueue('chat', 'Hi from upstream');
    const run = await curl([
      '--include',
      `${harness.baseUrl}/chat/completions`,
      '-H',
      'Authorization: Bearer curl-shared-key-0123456789',
      '-H',
      'Content-Type: application/json',
      '-H',
      'X-AutoSkill-User: curl-user',
      '-d',
      JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hello' }] }),
    ]);
    expect(run.exitCode).toBe(0);
    const [head = '', body = ''] = run.stdout.split(/\r\n\r\n/);
    expect(head).toMatch(/^HTTP\/1\.1 200/);
    expect(head.toLowerCase()).toContain('x-autoskill-skills: skill-1');
    expect(head.toLowerCase()).toMatch(/x-autoskill-request-id: [0-9a-f]{32}/);
    const parsed = JSON.parse(body) as {
      choices: Array<{ message: { content: string } }>;
      autoskill: unknown;
    };
    expect(parsed.choices[0]?.message.content).toBe('Hi from upstream');
    expect(parsed.autoskill).toBeDefined();
    expect(harness.fake.lastRequest('chat')?.body).toEqual({
      model: 'm',
      messages: [
        { role: 'system', content: SKILL_MESSAGE },
        { role: 'user', content: 'hello' },
      ],
    });
    const [turn] = await harness.observer.waitForTurns(1);
    expect(turn?.userId).toBe('curl-user');
  });

  it('streams with -N: the first chunk arrives long before the stream ends', async () => {
    harness.fake.enqueue('chat', {
      type: 'text',
      text: 'a b c d e',
      chunks: ['a ', 'b ', 'c ', 'd ', 'e'],
      chunkDelayMs: 150,
    });
    const run = await curl([
      '-N',
      `${harness.baseUrl}/chat/completions`,
      '-H',
      'Authorization: Bearer curl-shared-key-0123456789',
      '-H',
      'Content-Type: application/json',
      '-d',
      JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'stream please' }], stream: true }),
    ]);
    expect(run.exitCode).toBe(0);
    const events = run.stdout.split('\n\n').filter((event) => event.startsWith('data: '));
    expect(events[events.length - 1]).toBe('data: [DONE]');
    const text = events
      .slice(0, -1)
      .map((event) => JSON.parse(event.slice(6)) as { choices: Array<{ delta: { content?: string } }> })
      .map((chunk) => chunk.choices[0]?.delta.content ?? '')
      .join('');
    expect(text).toBe('a b c d e');
    expect(run.totalMs - run.firstOutputMs).toBeGreaterThan(500);
  });

  it('refuses curl without the key', async () => {
    const run = await curl([
      '--write-out',
      '%{http_code}',
      '--output',
      '/dev/null',
      `${harness.baseUrl}/models`,
    ]);
    expect(run.stdout).toBe('401');
  });
});
