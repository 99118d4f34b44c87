import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ChatRequestSchema,
  insertSkillMessage,
  narrowScope,
  parseChatRequest,
  parseScope,
  takeScope,
} from './chat-request.js';

const SKILL = 'skills here';

function insert(messages: Array<Record<string, unknown>>) {
  const body = { model: 'm', messages };
  return insertSkillMessage(body, parseChatRequest(body).messages, SKILL)['messages'];
}

describe('insertSkillMessage', () => {
  it('goes after the leading system and developer messages', () => {
    expect(
      insert([
        { role: 'system', content: 'a' },
        { role: 'developer', content: 'b' },
        { role: 'user', content: 'c' },
        { role: 'system', content: 'late system' },
      ]),
    ).toEqual([
      { role: 'system', content: 'a' },
      { role: 'developer', content: 'b' },
      { role: 'system', content: SKILL },
      { role: 'user', content: 'c' },
      { role: 'system', content: 'late system' },
    ]);
  });

  it('goes first when there is no leading instruction, and uses developer after developer-only prefixes', () => {
    expect(insert([{ role: 'user', content: 'x' }])).toEqual([
      { role: 'system', content: SKILL },
      { role: 'user', content: 'x' },
    ]);
    expect(
      insert([
        { role: 'developer', content: 'd' },
        { role: 'user', content: 'x' },
      ]),
    ).toEqual([
      { role: 'developer', content: 'd' },
      { role: 'developer', content: SKILL },
      { role: 'user', content: 'x' },
    ]);
  });

  it('returns the same body object when there is nothing to inject', () => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'x' }] };
    expect(insertSkillMessage(body, parseChatRequest(body).messages, null)).toBe(body);
    expect(insertSkillMessage(body, parseChatRequest(body).messages, '')).toBe(body);
  });

  it('keeps every other field and message object untouched', () => {
    const message = { role: 'user', content: [{ type: 'text', text: 'x' }], extra: { keep: true } };
    const body = { model: 'm', messages: [message], tools: [], unknown: 1 };
    const result = insertSkillMessage(body, parseChatRequest(body).messages, SKILL);
    expect(result).toEqual({ ...body, messages: [{ role: 'system', content: SKILL }, message] });
    expect((result['messages'] as unknown[])[1]).toBe(message);
  });
});

describe('scope', () => {
  it('parses scopes and the common alias', () => {
    expect(parseScope('USER')).toBe('user');
    expect(parseScope('common')).toBe('library');
    expect(parseScope('all')).toBe('all');
    expect(parseScope('everything')).toBeUndefined();
    expect(parseScope(3)).toBeUndefined();
  });

  it('lets a request narrow the server scope but never widen it', () => {
    expect(narrowScope('all', 'user')).toBe('user');
    expect(narrowScope('all', undefined)).toBe('all');
    expect(narrowScope('user', 'all')).toBe('user');
    expect(narrowScope('library', 'user')).toBe('library');
  });

  it('takes a valid body scope out of the forwarded body, and leaves any other value alone', () => {
    expect(takeScope({ model: 'm', scope: 'user' }, undefined)).toEqual({
      requested: 'user',
      body: { model: 'm' },
    });
    expect(takeScope({ model: 'm', scope: 'user' }, 'library')).toEqual({
      requested: 'library',
      body: { model: 'm' },
    });
    const foreign = { model: 'm', scope: { vendor: true } };
    expect(takeScope(foreign, 'common')).toEqual({ requested: 'library', body: foreign });
  });
});

describe('parseChatRequest', () => {
  it('names the offending field', () => {
    expect(() => parseChatRequest({ model: 'm', messages: [{ role: '' }] })).toThrow(/messages\.0\.role/);
    expect(() => parseChatRequest({ model: 1, messages: [{ role: 'user' }] })).toThrowError(
      expect.objectContaining({
        code: 'INVALID_INPUT',
        details: expect.objectContaining({ param: 'model' }),
      }),
    );
  });
});

describe('parseChatRequest fast path', () => {
  it('accepts exactly what the schema accepts, returning the same fields', () => {
    const value = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.constant(undefined));
    const message = fc.oneof(
      fc.record(
        {
          role: value,
          content: fc.oneof(value, fc.array(fc.record({ type: fc.string(), text: fc.string() }))),
        },
        { requiredKeys: [] },
      ),
      fc.constant(null),
      fc.array(fc.string(), { maxLength: 2 }),
      fc.string(),
    );
    const body = fc.record(
      {
        model: value,
        messages: fc.oneof(fc.array(message, { maxLength: 4 }), value),
        temperature: fc.double(),
        tools: fc.array(fc.record({ type: fc.constant('function') }), { maxLength: 2 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(body, (input) => {
        const expected = ChatRequestSchema.safeParse(input);
        let parsed: unknown;
        let failed = false;
        try {
          parsed = parseChatRequest(input);
        } catch {
          failed = true;
        }
        expect(failed).toBe(!expected.success);
        if (expected.success) expect(parsed).toEqual(expected.data);
      }),
      { numRuns: 500 },
    );
  });
});
