import { describe, expect, it } from 'vitest';
import { MemoryJobStore } from '../store/memory-job-store.js';
import { createExtractionScheduler } from './extraction-scheduler.js';
import {
  buildWindow,
  contentText,
  dedupeKey,
  effectiveWindowSize,
  extractionDue,
  referenceFromHit,
} from './extraction-window.js';
import { createJobQueue, type JobQueue, type ScheduleRequest } from './job-queue.js';
import { type CompletedTurn, emptyRetrievalInfo, type RetrievalHit } from './turn-types.js';

function conversation(userTurns: number) {
  const messages: Array<{ role: string; content: unknown }> = [
    { role: 'system', content: 'You are helpful.' },
  ];
  for (let turn = 1; turn <= userTurns; turn += 1) {
    if (turn > 1) messages.push({ role: 'assistant', content: `answer ${turn - 1}` });
    messages.push({ role: 'user', content: `question ${turn}` });
  }
  return messages;
}

function turn(overrides: Partial<CompletedTurn> = {}): CompletedTurn {
  return {
    requestId: 'req-1',
    userId: 'u1',
    model: 'm',
    stream: false,
    messages: conversation(1),
    assistantText: 'the reply',
    finishReason: 'stop',
    toolCalls: [],
    status: 'completed',
    injected: [],
    startedAt: 0,
    endedAt: 1,
    ...overrides,
  };
}

const HIT: RetrievalHit = {
  rank: 1,
  score: 0.8,
  id: 'skill-1',
  name: 'report-style',
  description: 'How I want reports',
  resourcePaths: ['references/a.md'],
  source: 'user:u1',
  owner: 'u1',
  version: '0.1.0',
};

/** A queue stand-in that records what it was asked to schedule. */
function recordingQueue(): JobQueue & { requests: ScheduleRequest[] } {
  const requests: ScheduleRequest[] = [];
  return {
    requests,
    workerId: 'w',
    start: async () => ({ requeued: [], failed: [] }),
    schedule(request) {
      requests.push(request);
      return {
        jobId: `job-${requests.length}`,
        status: 'scheduled',
        duplicate: false,
        reason: 'queued',
        persisted: Promise.resolve(null),
      };
    },
    stop: async () => ({ drained: true, interrupted: [] }),
    idle: async () => undefined,
    stats: () => ({ running: 0, waiting: 0 }),
  };
}

describe('extraction window and due rules', () => {
  it('is due every N user turns in auto mode, every turn in always mode, never in never mode', () => {
    const due = (mode: 'auto' | 'always' | 'never', turnLimit: number) =>
      [1, 2, 3, 4, 5, 6].filter((userTurns) => extractionDue({ mode, turnLimit, userTurns }).due);
    expect(due('auto', 1)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(due('auto', 3)).toEqual([3, 6]);
    expect(due('always', 3)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(due('never', 1)).toEqual([]);
    expect(extractionDue({ mode: 'auto', turnLimit: 3, userTurns: 4 }).reason).toMatch(/user turn 6/);
  });

  it('keeps user and assistant text, adds the reply just produced, and cuts to the last N', () => {
    const messages = [
      { role: 'system', content: 'system prompt' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'first' },
          { type: 'image_url', image_url: { url: 'x' } },
        ],
      },
      { role: 'assistant', content: null, tool_calls: [{ id: 't' }] },
      { role: 'tool', content: 'tool output' },
      { role: 'assistant', content: 'answer one' },
      { role: 'user', content: '以后都用中文回答' },
    ];
    expect(buildWindow({ messages, assistantText: '好的', size: 6 })).toEqual([
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'answer one' },
      { role: 'user', content: '以后都用中文回答' },
      { role: 'assistant', content: '好的' },
    ]);
    expect(buildWindow({ messages, assistantText: null, size: 2 })).toEqual([
      { role: 'assistant', content: 'answer one' },
      { role: 'user', content: '以后都用中文回答' },
    ]);
    expect(contentText(42)).toBe('');
  });

  it('widens the window to cover every user turn between two auto extractions', () => {
    expect(effectiveWindowSize(6, 'auto', 1)).toBe(6);
    expect(effectiveWindowSize(6, 'auto', 5)).toBe(10);
    expect(effectiveWindowSize(6, 'always', 5)).toBe(6);
  });

  it('turns the top hit into a reference scoped by owner', () => {
    expect(referenceFromHit(HIT, 'u1')).toMatchObject({ id: 'skill-1', scope: 'user', score: 0.8 });
    expect(referenceFromHit({ ...HIT, owner: 'library:team', source: 'library:team' }, 'u1')?.scope).toBe(
      'library',
    );
    expect(referenceFromHit({ ...HIT, owner: 'u2' }, 'u1')?.scope).toBe('other');
    expect(referenceFromHit(undefined, 'u1')).toBeNull();
  });

  it('gives identical windows of one user the same key', () => {
    const window = [{ role: 'user', content: 'a' }];
    const key = dedupeKey({ userId: 'u1', window, hint: null, forced: false });
    expect(dedupeKey({ userId: 'u1', window: [...window], hint: null, forced: false })).toBe(key);
    expect(dedupeKey({ userId: 'u2', window, hint: null, forced: false })).not.toBe(key);
    expect(dedupeKey({ userId: 'u1', window, hint: 'h', forced: false })).not.toBe(key);
    expect(dedupeKey({ userId: 'u1', window, hint: null, forced: true })).not.toBe(key);
  });
});

describe('extraction scheduler', () => {
  it('schedules completed turns that are due, with the window and the top-1 reference', () => {
    const queue = recordingQueue();
    const scheduler = createExtractionScheduler({
      queue,
      settings: { mode: 'auto', turnLimit: 2, window: 6 },
    });
    expect(scheduler.onTurnComplete(turn({ messages: conversation(1) })).extraction).toMatchObject({
      jobId: null,
      status: 'skipped',
    });
    const receipt = scheduler.onTurnComplete(
      turn({
        messages: conversation(2),
        retrieval: { ...emptyRetrievalInfo({}), hits: [HIT] },
      }),
    );
    expect(receipt.extraction).toMatchObject({ jobId: 'job-1', status: 'scheduled' });
    expect(queue.requests[0]).toMatchObject({
      userId: 'u1',
      trigger: 'proxy_chat_completion',
      reference: { id: 'skill-1', scope: 'user' },
      metadata: { channel: 'proxy', request_id: 'req-1' },
      window: [
        { role: 'user', content: 'question 1' },
        { role: 'assistant', content: 'answer 1' },
        { role: 'user', content: 'question 2' },
        { role: 'assistant', content: 'the reply' },
      ],
    });
  });

  it('never learns from failed, aborted or tool-call turns, nor in never mode', () => {
    const queue = recordingQueue();
    const scheduler = createExtractionScheduler({
      queue,
      settings: { mode: 'always', turnLimit: 1, window: 6 },
    });
    expect(scheduler.onTurnComplete(turn({ status: 'failed', assistantText: null })).extraction?.status).toBe(
      'skipped',
    );
    expect(scheduler.onTurnComplete(turn({ status: 'aborted' })).extraction?.status).toBe('skipped');
    expect(
      scheduler.onTurnComplete(
        turn({ finishReason: 'tool_calls', assistantText: '', toolCalls: [{ name: 'f', arguments: '{}' }] }),
      ).extraction?.reason,
    ).toMatch(/tool calls/);
    scheduler.settings.mode = 'never';
    expect(scheduler.onTurnComplete(turn()).extraction?.status).toBe('disabled');
    expect(queue.requests).toHaveLength(0);
  });

  it('reports a duplicate window as the existing job, through a real queue', async () => {
    const store = new MemoryJobStore();
    const queue = createJobQueue({
      store,
      runner: { run: async () => ({ outcome: 'nothing', reason: 'n', upserted: [], skills: [] }) },
    });
    const scheduler = createExtractionScheduler({
      queue,
      settings: { mode: 'always', turnLimit: 1, window: 6 },
    });
    const first = scheduler.onTurnComplete(turn());
    const second = scheduler.onTurnComplete(turn({ requestId: 'req-2', stream: true }));
    expect(second.extraction?.jobId).toBe(first.extraction?.jobId);
    expect(second.extraction?.reason).toMatch(/already has a job/);
    await queue.start();
    await queue.idle({ timeoutMs: 2000 });
    await queue.stop();
  });
});
