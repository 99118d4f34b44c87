import { describe, expect, it } from 'vitest';
import { commonImportSkillId, deterministicSkillId, NAMESPACE_URL, newSkillId, uuid5 } from './ids.js';

describe('uuid5', () => {
  it.each([
    // Python: uuid.uuid5(uuid.NAMESPACE_URL, name)
    ['autoskill-skill-id-v1:common:lib:a/b', 'a6e2f621-1133-529c-a011-731fe9cb8a9f'],
    ['http://www.python.org', '5e077b6f-5fcc-5a59-b52a-0092db3520c3'],
  ])('matches Python for %s', (name, expected) => {
    expect(uuid5(NAMESPACE_URL, name)).toBe(expected);
  });
});

describe('deterministicSkillId', () => {
  it('gives the id the original wrote into Common/anthropics-skill/docx', () => {
    expect(deterministicSkillId('library:anthropics-skill', 'anthropics-skill/docx')).toBe(
      '087f95df-f870-5a59-8465-2aecf4314057',
    );
  });

  it('depends on owner and key only', () => {
    expect(deterministicSkillId('u1', 'my-skill')).toBe(deterministicSkillId('u1', 'my-skill'));
    expect(deterministicSkillId('u1', 'my-skill')).not.toBe(deterministicSkillId('u2', 'my-skill'));
  });
});

describe('commonImportSkillId', () => {
  it('uses the bootstrap copy rule', () => {
    expect(commonImportSkillId('lib', 'a/b')).toBe('a6e2f621-1133-529c-a011-731fe9cb8a9f');
  });
});

describe('newSkillId', () => {
  it('returns distinct uuid4 values', () => {
    const id = newSkillId();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newSkillId()).not.toBe(id);
  });
});
