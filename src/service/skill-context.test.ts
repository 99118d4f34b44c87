import { describe, expect, it } from 'vitest';
import { AutoSkillError } from '../shared/errors.js';
import type { JobRecord } from '../store/job-store.js';
import type { StoredSkill } from '../store/types.js';
import type { IngestRequest, ServiceEngine, TurnContextRequest } from './engine.js';
import { createIngestRunner } from './ingest-runner.js';
import { createSkillContextProvider, narrowScope } from './skill-context.js';
import { emptyRetrievalInfo } from './turn-types.js';

const SKILL: StoredSkill = {
  id: 'skill-1',
  owner: 'u1',
  name: 'report-style',
  description: 'How I want reports',
  instructions: '# Goal\nReports.\n\n# Constraints & Style\n- Never invent numbers.',
  version: '0.1.1',
  tags: ['reports'],
  triggers: ['write a report'],
  examples: [],
  status: 'active',
  resources: [],
  extraFrontMatter: {},
  metadata: {},
  createdAt: null,
  updatedAt: '2026-11-26T00:00:00.000Z',
  revision: 2,
  location: 'Users/u1/report-style',
  readOnly: false,
};

function fakeEngine(overrides: Partial<ServiceEngine> = {}): ServiceEngine & {
  contextCalls: TurnContextRequest[];
  ingestCalls: IngestRequest[];
} {
  const contextCalls: TurnContextRequest[] = [];
  const ingestCalls: IngestRequest[] = [];
  return {
    contextCalls,
    ingestCalls,
    async prepareTurnContext(request) {
      contextCalls.push(request);
      return {
        systemMessage: 'skills',
        injected: [],
        retrieval: emptyRetrievalInfo({ scope: request.scope }),
      };
    },
    async ingest(request) {
      ingestCalls.push(request);
      return { outcome: 'merged', skill: SKILL, reason: 'new constraint merged' };
    },
    async extractCandidates() {
      return { candidates: [], reason: 'none' };
    },
    async getSkill(id) {
      return id === SKILL.id ? SKILL : null;
    },
    async readSkillMd(id) {
      return id === SKILL.id ? '---\nname: report-style\n---\n' : null;
    },
    ...overrides,
  };
}

describe('skill context provider', () => {
  it('narrows the configured scope by the request, never widening it', () => {
    expect(narrowScope('all', 'user')).toBe('user');
    expect(narrowScope('all', undefined)).toBe('all');
    expect(narrowScope('user', 'all')).toBe('user');
    expect(narrowScope('user', 'library')).toBe('user');
  });

  it('passes the configured top_k, min_score and rewrite mode', async () => {
    const engine = fakeEngine();
    const provider = createSkillContextProvider({
      engine,
      settings: { scope: 'user', topK: 3, minScore: 0.5, rewriteMode: 'auto' },
    });
    const prepared = await provider.prepare({
      userId: 'u1',
      messages: [{ role: 'user', content: 'hi' }],
      scope: 'all',
      requestId: 'r',
    });
    expect(prepared.systemMessage).toBe('skills');
    expect(engine.contextCalls[0]).toMatchObject({ userId: 'u1', scope: 'user', topK: 3, minScore: 0.5 });
  });

  it('answers without skills and with the error when retrieval throws', async () => {
    const warnings: string[] = [];
    const provider = createSkillContextProvider({
      engine: fakeEngine({
        prepareTurnContext: async () => {
          throw new AutoSkillError('UPSTREAM_TIMEOUT', 'embedding service timed out');
        },
      }),
      settings: { scope: 'all', topK: 1, minScore: 0.4, rewriteMode: 'never' },
      logger: {
        info: () => undefined,
        warn: (_d, message) => warnings.push(message),
        error: () => undefined,
      },
      now: () => 42,
    });
    const prepared = await provider.prepare({
      userId: 'u1',
      messages: [{ role: 'user', content: [{ type: 'text', text: '写报告' }] }],
      requestId: 'r',
    });
    expect(prepared).toMatchObject({
      systemMessage: null,
      injected: [],
      error: 'embedding service timed out',
    });
    expect(prepared.retrieval).toMatchObject({
      originalQuery: '写报告',
      eventTime: 42,
      error: 'embedding service timed out',
    });
    expect(warnings).toHaveLength(1);
  });
});

describe('ingest runner', () => {
  const job: JobRecord = {
    jobId: 'j1',
    userId: 'u1',
    trigger: 'proxy_chat_completion',
    status: 'running',
    window: [{ role: 'user', content: 'From now on never invent numbers' }],
    hint: 'reports',
    forced: false,
    reference: {
      id: 'skill-1',
      name: 'report-style',
      description: '',
      triggers: [],
      resourcePaths: [],
      scope: 'user',
    },
    metadata: { channel: 'proxy' },
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

  it('completes the reference from the store, ingests the window and reports the skill with its SKILL.md', async () => {
    const engine = fakeEngine();
    const result = await createIngestRunner({ engine }).run(job, { signal: new AbortController().signal });
    expect(engine.ingestCalls[0]).toMatchObject({
      userId: 'u1',
      hint: 'reports',
      forced: false,
      reference: { triggers: ['write a report'], description: 'How I want reports' },
      metadata: { channel: 'proxy', trigger: 'proxy_chat_completion', job_id: 'j1' },
    });
    expect(result).toMatchObject({ outcome: 'merged', reason: 'new constraint merged' });
    expect(result.upserted).toEqual([
      expect.objectContaining({ id: 'skill-1', version: '0.1.1', triggers: ['write a report'] }),
    ]);
    expect(result.skills[0]).toMatchObject({
      skillMd: '---\nname: report-style\n---\n',
      skillMdTruncated: false,
    });
  });

  it('turns a failed model call into an error, retryable when transient', async () => {
    const failing = (reason: string) =>
      createIngestRunner({
        engine: fakeEngine({
          ingest: async () => ({ outcome: 'nothing', reason, extractionOutcome: 'model-error' }),
        }),
      }).run(job, { signal: new AbortController().signal });
    await expect(failing('UPSTREAM_TIMEOUT: no answer in 60000 ms')).rejects.toMatchObject({
      code: 'UPSTREAM_ERROR',
      isRetryable: true,
    });
    await expect(failing('UPSTREAM_ERROR: status 503 Service Unavailable')).rejects.toMatchObject({
      isRetryable: true,
    });
    await expect(failing('UPSTREAM_ERROR: status 401 invalid api key')).rejects.toMatchObject({
      isRetryable: false,
    });
  });

  it('reports no skill for a discard and can cut SKILL.md', async () => {
    const discard = createIngestRunner({
      engine: fakeEngine({ ingest: async () => ({ outcome: 'discarded', skill: SKILL, reason: 'covered' }) }),
    });
    expect(await discard.run(job, { signal: new AbortController().signal })).toEqual({
      outcome: 'discarded',
      reason: 'covered',
      upserted: [],
      skills: [],
    });
    const cut = createIngestRunner({ engine: fakeEngine(), maxSkillMdChars: 5 });
    const result = await cut.run(job, { signal: new AbortController().signal });
    expect(result.skills[0]).toMatchObject({ skillMd: '---\nn', skillMdTruncated: true });
  });
});
