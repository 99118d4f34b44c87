import { describe, expect, it } from 'vitest';
import { parseJsonPrefix, parseLenientJson } from './lenient-json.js';

const SKILL =
  '{"skills": [{"name": "n", "description": "d", "prompt": "# Goal\\nx", "triggers": ["a"], "tags": [], "confidence": 0.7}]}';

describe('parseLenientJson', () => {
  it('reads a whole JSON reply', () => {
    const parsed = parseLenientJson(SKILL);
    expect(parsed?.origin).toBe('whole');
    expect(parsed?.complete).toBe(true);
    expect((parsed?.value as { skills: unknown[] } | undefined)?.skills).toHaveLength(1);
  });

  it('reads JSON inside a code fence', () => {
    const parsed = parseLenientJson(`Sure!\n\`\`\`json\n${SKILL}\n\`\`\`\nDone.`);
    expect(parsed?.origin).toBe('fence');
    expect(parsed?.complete).toBe(true);
  });

  it('reads JSON surrounded by prose, preferring the skills envelope over other brackets', () => {
    const parsed = parseLenientJson(`Step [1] done. Here it is: ${SKILL} (see [2]).`);
    expect(parsed?.origin).toBe('embedded');
    expect(parsed?.value).toHaveProperty('skills');
  });

  it('reads a truncated reply and reports which parts are incomplete', () => {
    const cut = SKILL.slice(0, SKILL.indexOf('"tags"') + 9);
    const parsed = parseLenientJson(cut);
    expect(parsed?.complete).toBe(false);
    expect(parsed?.incomplete).toContain('skills.0.tags');
    const skill = (parsed?.value as { skills: Array<Record<string, unknown>> } | undefined)?.skills[0];
    expect(skill?.['prompt']).toBe('# Goal\nx');
  });

  it('marks a string cut mid-way as incomplete', () => {
    const parsed = parseLenientJson('{"skills": [{"name": "n", "prompt": "# Goal\\nWrite th');
    expect(parsed?.incomplete).toContain('skills.0.prompt');
  });

  it('tolerates trailing commas, raw newlines in strings, comments and Python literals', () => {
    const parsed = parseLenientJson(
      '{"skills": [{"name": "a",\n // note\n "prompt": "line1\nline2", "x": True, "y": None,},],}',
    );
    expect(parsed?.value).toEqual({ skills: [{ name: 'a', prompt: 'line1\nline2', x: true, y: null }] });
  });

  it('returns undefined when the reply has no JSON object or list', () => {
    expect(parseLenientJson("I'm sorry, I can't help with that.")).toBeUndefined();
    expect(parseLenientJson('')).toBeUndefined();
  });

  it('decodes unicode escapes and keeps Chinese text', () => {
    expect(parseLenientJson('{"skills": [{"name": "\\u6559\\u6848", "prompt": "以后"}]}')?.value).toEqual({
      skills: [{ name: '教案', prompt: '以后' }],
    });
  });
});

describe('parseJsonPrefix', () => {
  it('stops after one value and reports its end', () => {
    const parsed = parseJsonPrefix('[1, 2] trailing', 0);
    expect(parsed).toMatchObject({ value: [1, 2], end: 6, complete: true });
  });

  it('drops a key that was cut off', () => {
    expect(parseJsonPrefix('{"a": 1, "na')?.value).toEqual({ a: 1 });
  });

  it('returns undefined for text that is not JSON', () => {
    expect(parseJsonPrefix('{name: }')).toBeUndefined();
  });
});
