import { describe, expect, it } from 'vitest';
import { parseSkillMd } from '../../skill/skill-md.js';
import { compareVersions, declaresVersion, withVersion } from './edit-policy.js';

describe('compareVersions', () => {
  it.each([
    ['0.1.2', '0.1.10', -1],
    ['0.1.10', '0.1.2', 1],
    ['1.2', '1.2.0', 0],
    ['v1.2.3', '1.2.3', 0],
    ['1.2.3-beta', '1.2.3', -1],
    ['1.2.3-beta.2', '1.2.3-beta.10', -1],
    ['1.2.3-alpha', '1.2.3-beta', -1],
    ['1.2.3-1', '1.2.3-alpha', -1],
    ['1.2.3+build.7', '1.2.3', 0],
    ['1.2.3.4', '1.2.3.10', -1],
    ['99999999999999999999.0', '1.0', 1],
  ])('%s vs %s → %i', (a, b, expected) => {
    expect(compareVersions(a, b)).toBe(expected);
  });

  it('cannot order versions that are not dotted numbers', () => {
    expect(compareVersions('draft', '0.1.0')).toBeNull();
    expect(compareVersions('0.1.0', 'r7')).toBeNull();
  });
});

describe('declaresVersion and withVersion', () => {
  const body = '# 写周报\n\n## Prompt\n\n先写结论。\n';

  it('finds a top-level version only in the front matter', () => {
    expect(declaresVersion(`---\nname: a\nversion: 0.2.0\n---\n${body}`)).toBe(true);
    expect(declaresVersion(`---\nname: a\nversion:\n---\n${body}`)).toBe(false);
    expect(declaresVersion(`---\nname: a\n---\nversion: 1.0.0\n`)).toBe(false);
    expect(declaresVersion(body)).toBe(false);
  });

  it('adds the version to an existing front matter, keeping every other byte and CRLF line ends', () => {
    const text = '---\r\nname: 写周报\r\nversion:\r\ntags: [a]\r\n---\r\n\r\n# 写周报\r\n';
    const updated = withVersion(text, '0.1.7');
    expect(updated).toBe('---\r\nname: 写周报\r\ntags: [a]\r\nversion: "0.1.7"\r\n---\r\n\r\n# 写周报\r\n');
    expect(parseSkillMd(updated, { owner: 'u1' }).version).toBe('0.1.7');
  });

  it('adds a front matter to a file without one', () => {
    const updated = withVersion(body, '1.0.0');
    expect(updated.startsWith('---\nversion: "1.0.0"\n---\n\n# 写周报')).toBe(true);
    expect(parseSkillMd(updated, { owner: 'u1' })).toMatchObject({ version: '1.0.0', name: '写周报' });
  });
});
