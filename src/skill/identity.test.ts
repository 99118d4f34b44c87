import { describe, expect, it } from 'vitest';
import { identityKey, normaliseIdentityText } from './identity.js';

describe('identityKey (core.md §8.2)', () => {
  it('matches the original on its verified vector', () => {
    expect(
      identityKey({ name: 'x', description: '  Writes Government-Reports (Chinese), no  hallucination!! ' }),
    ).toEqual({ norm: 'writes government reports chinese no hallucination', hash: '572fb713b066c3139b9d' });
  });

  it('keeps Chinese and splits on its punctuation', () => {
    // sha1('政府报告 务实 合规') as computed by Python's hashlib
    expect(identityKey({ name: 'x', description: '政府报告：务实、合规' })).toEqual({
      norm: '政府报告 务实 合规',
      hash: 'b6ff1873bebe3ce85864',
    });
  });

  it('uses the name when the description is blank', () => {
    expect(identityKey({ name: 'Release SOP', description: '   ' }).norm).toBe('release sop');
  });

  it('applies NFKC, keeps underscores and truncates to 1,024 code points', () => {
    expect(normaliseIdentityText('ＡＢＣ　snake_case ﬁle')).toBe('abc snake_case file');
    expect(Array.from(normaliseIdentityText('中'.repeat(2000)))).toHaveLength(1024);
  });
});
