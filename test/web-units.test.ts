/**
 * Unit tests of the web UI's pure modules (no browser): the SSE reader, turn-event decoding, how a stored
 * session becomes the chat log, how extraction events fold into job cards, and the SKILL.md pre-save check.
 */
import { describe, expect, it } from 'vitest';
import { readSse, type SseMessage } from '../web/src/api/sse.js';
import { decodeTurnEvent } from '../web/src/api/turn-events.js';
import { sessionEntries } from '../web/src/chat/entries.js';
import { applyExtractionEvent, type ExtractionJob } from '../web/src/chat/extraction-state.js';
import { bumpVersionInText, declaredVersion, validateSkillMd } from '../web/src/skills/validate.js';

function streamOf(chunks: Array<string | Uint8Array>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks)
        controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
      controller.close();
    },
  });
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<SseMessage[]> {
  const out: SseMessage[] = [];
  for await (const message of readSse(stream)) out.push(message);
  return out;
}

describe('readSse', () => {
  it('reads named events, ids, multi-line data and skips comments', async () => {
    const messages = await collect(
      streamOf([
        ': keep-alive\n\n',
        'id: 7\nevent: delta\ndata: {"content":"a"}\n\n',
        'data: one\ndata: two\n\n',
      ]),
    );
    expect(messages).toEqual([
      { event: 'delta', data: '{"content":"a"}', id: '7' },
      { event: 'message', data: 'one\ntwo', id: '7' },
    ]);
  });

  it('joins events split across chunks, CRLF line ends and UTF-8 characters cut in half', async () => {
    const bytes = new TextEncoder().encode('event: delta\r\ndata: {"content":"周报"}\r\n\r\n');
    const cut = bytes.indexOf(0xe5) + 1; // inside the first Chinese character
    const messages = await collect(streamOf([bytes.slice(0, 5), bytes.slice(5, cut), bytes.slice(cut)]));
    expect(messages).toEqual([{ event: 'delta', data: '{"content":"周报"}', id: null }]);
  });

  it('yields a last event that has no blank line after it', async () => {
    expect(await collect(streamOf(['event: done\ndata: {}']))).toEqual([
      { event: 'done', data: '{}', id: null },
    ]);
  });
});

describe('decodeTurnEvent', () => {
  it('decodes the sessions API events', () => {
    expect(decodeTurnEvent('turn', '{"turn_id":"turn_1","kind":"chat"}')).toMatchObject({
      type: 'turn',
      turnId: 'turn_1',
    });
    expect(decodeTurnEvent('delta', '{"content":"你好"}')).toEqual({ type: 'delta', content: '你好' });
    expect(decodeTurnEvent('error', '{"error":{"message":"upstream down","code":"upstream_error"}}')).toEqual(
      {
        type: 'error',
        message: 'upstream down',
        code: 'upstream_error',
      },
    );
    const retrieval = decodeTurnEvent('retrieval', '{"original_query":"q","hits":[{"id":"s1","score":0.8}]}');
    expect(retrieval.type).toBe('retrieval');
    expect(decodeTurnEvent('extraction', '{"job_id":"j1","status":"scheduled"}')).toMatchObject({
      type: 'extraction',
      event: { job_id: 'j1', status: 'scheduled' },
    });
  });

  it('keeps malformed or unknown events as `other` instead of throwing', () => {
    expect(decodeTurnEvent('retrieval', 'not json').type).toBe('other');
    expect(decodeTurnEvent('extraction', '{"job_id":"j1"}').type).toBe('other');
    expect(decodeTurnEvent('ping', '{}').type).toBe('other');
  });
});

describe('sessionEntries', () => {
  it('links messages to their turns by turn_id, commands included', () => {
    const entries = sessionEntries({
      id: 'ses_1',
      messages: [
        { role: 'user', content: 'Plan a release', turn_id: 't1' },
        { role: 'assistant', content: 'Regression → canary → full', turn_id: 't1' },
        { role: 'user', content: '/scope user', turn_id: 't2' },
        { role: 'system', content: 'Skill scope: user', turn_id: 't2' },
      ],
      turns: [
        {
          id: 't1',
          kind: 'chat',
          retrieval: { original_query: 'Plan a release' },
          injected: [{ id: 's1', name: 'release', score: 0.9 }],
        },
        { id: 't2', kind: 'command' },
      ],
    });
    expect(entries.map((entry) => [entry.role, entry.turnId])).toEqual([
      ['user', 't1'],
      ['assistant', 't1'],
      ['user', 't2'],
      ['system', 't2'],
    ]);
    expect(entries[1]?.injected[0]?.id).toBe('s1');
    expect(entries[1]?.retrieval?.original_query).toBe('Plan a release');
  });

  it('pairs turns with messages in order when messages carry no turn id, and reads parts content', () => {
    const entries = sessionEntries({
      id: 'ses_2',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'hi' }] },
        { role: 'assistant', content: 'hello' },
      ],
      turns: [{ turn_id: 'only', injected: [] }],
    });
    expect(entries.map((entry) => [entry.text, entry.turnId])).toEqual([
      ['hi', 'only'],
      ['hello', 'only'],
    ]);
  });
});

describe('applyExtractionEvent', () => {
  it('folds a job’s events into one card and never moves it back', () => {
    let jobs: ExtractionJob[] = [];
    jobs = applyExtractionEvent(
      jobs,
      { job_id: 'j1', status: 'scheduled', trigger: 'auto', event_time: 1000 },
      0,
    );
    jobs = applyExtractionEvent(jobs, { job_id: 'j1', status: 'running', event_time: 2000 }, 0);
    jobs = applyExtractionEvent(
      jobs,
      {
        job_id: 'j1',
        status: 'completed',
        outcome: 'created',
        reason: 'durable workflow',
        event_time: 3000,
        upserted: [{ id: 's1', name: 'release-process', version: '0.1.0' }],
      },
      0,
    );
    jobs = applyExtractionEvent(jobs, { job_id: 'j1', status: 'running', event_time: 2500 }, 0); // late replay
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({
      status: 'completed',
      outcome: 'created',
      reason: 'durable workflow',
      trigger: 'auto',
      history: ['scheduled', 'running', 'completed'],
      skills: [{ id: 's1', name: 'release-process', version: '0.1.0' }],
    });
    jobs = applyExtractionEvent(jobs, { job_id: 'j2', status: 'scheduled', event_time: 5000 }, 0);
    expect(jobs.map((job) => job.jobId)).toEqual(['j2', 'j1']);
  });
});

describe('validateSkillMd', () => {
  const good =
    '---\nname: 周报写作\ndescription: "中文周报"\nversion: "0.1.0"\ntags:\n  - 写作\n---\n\n# 周报写作\n';

  it('accepts a normal file, a file without front matter, and block scalars', () => {
    expect(validateSkillMd(good)).toBeNull();
    expect(validateSkillMd('# A skill\n\nDo things.\n')).toBeNull();
    expect(validateSkillMd('---\nname: x\ndescription: |\n  "odd quote\n---\nbody\n')).toBeNull();
  });

  it('names the line of common mistakes', () => {
    expect(validateSkillMd('')).toMatchObject({ key: 'validation.empty' });
    expect(validateSkillMd('---\nname: x\n\n# x\n')).toMatchObject({
      key: 'validation.noFrontMatterEnd',
      line: 1,
    });
    expect(validateSkillMd('---\nname: x\n\tdescription: y\n---\n')).toMatchObject({
      key: 'validation.tab',
      line: 3,
    });
    expect(validateSkillMd('---\nname: x\ndescription: "open\n---\n')).toMatchObject({
      key: 'validation.quote',
      line: 3,
    });
    expect(validateSkillMd('---\nname: x\njust words\n---\n')).toMatchObject({
      key: 'validation.badLine',
      line: 3,
    });
    expect(validateSkillMd('---\ndescription: y\n---\nno heading\n')).toMatchObject({
      key: 'validation.noName',
    });
  });

  it('bumps and reads the declared version', () => {
    expect(declaredVersion(bumpVersionInText(good))).toBe('0.1.1');
    expect(bumpVersionInText('---\nversion: 1.9\n---\n')).toBe('---\nversion: 1.10\n---\n');
    expect(bumpVersionInText('# no version\n')).toBe('# no version\n');
  });
});
