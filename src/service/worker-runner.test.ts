import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../test/support/fixtures.js';
import { resolveConfig } from '../config/index.js';
import type { JobRecord } from '../store/job-store.js';
import { openAutoSkillFromConfig } from './sdk-engine.js';
import { createWorkerJobRunner } from './worker-runner.js';

const temp = makeTempDir('autoskill-worker-');
afterAll(() => temp.cleanup());

const config = resolveConfig({
  flags: { storeDir: join(temp.dir, 'SkillBank'), llmProvider: 'offline', embeddingsProvider: 'hashing' },
});

function job(jobId: string): JobRecord {
  return {
    jobId,
    userId: 'u1',
    trigger: 'test',
    status: 'running',
    window: [
      { role: 'user', content: 'Write release notes for version 2.' },
      { role: 'assistant', content: 'Here they are.' },
      {
        role: 'user',
        content: 'From now on, every release note I ask for must start with a one-line summary.',
      },
      { role: 'assistant', content: 'Understood.' },
    ],
    hint: null,
    forced: false,
    reference: null,
    metadata: { channel: 'test' },
    dedupeKey: null,
    createdAt: 1,
    updatedAt: 1,
    attempts: 1,
    recoveries: 0,
    scheduledBy: 'w',
    claimedBy: 'w',
    notBefore: 0,
    outcome: null,
    reason: null,
    error: null,
  };
}

describe('worker job runner', () => {
  it('runs ingest in a worker thread on the same store; the server thread sees the skill', async () => {
    const runner = createWorkerJobRunner({ config, env: {} });
    try {
      const result = await runner.run(job('j1'), { signal: new AbortController().signal });
      expect(result.outcome).toBe('created');
      expect(result.upserted).toHaveLength(1);
      expect(result.skills[0]?.skillMd).toContain('one-line summary');
      const sdk = await openAutoSkillFromConfig({ config, env: {} });
      try {
        expect((await sdk.get(result.upserted[0]?.id ?? ''))?.owner).toBe('u1');
      } finally {
        await sdk.close();
      }
      const aborted = new AbortController();
      aborted.abort();
      await expect(runner.run(job('j2'), { signal: aborted.signal })).rejects.toBeDefined();
    } finally {
      await runner.close();
    }
    await expect(runner.run(job('j3'), { signal: new AbortController().signal })).rejects.toMatchObject({
      code: 'ABORTED',
    });
  }, 60_000);

  it('hands jobs to the fallback runner once the worker fails to start twice', async () => {
    const broken = resolveConfig({
      flags: {
        storeDir: join(temp.dir, 'Broken'),
        llmProvider: 'no-such-provider',
        embeddingsProvider: 'hashing',
      },
    });
    const fallbackRuns: string[] = [];
    const runner = createWorkerJobRunner({
      config: broken,
      env: {},
      fallback: {
        run: async (record) => {
          fallbackRuns.push(record.jobId);
          return { outcome: 'nothing', reason: 'fallback', upserted: [], skills: [] };
        },
      },
    });
    try {
      await expect(runner.run(job('f1'), { signal: new AbortController().signal })).rejects.toMatchObject({
        code: 'NO_SUCH_PROVIDER',
      });
      expect(await runner.run(job('f2'), { signal: new AbortController().signal })).toMatchObject({
        reason: 'fallback',
      });
      expect(await runner.run(job('f3'), { signal: new AbortController().signal })).toMatchObject({
        reason: 'fallback',
      });
      expect(fallbackRuns).toEqual(['f2', 'f3']);
    } finally {
      await runner.close();
    }
  }, 60_000);
});
