import { describe, expect, it } from 'vitest';
import { asciiSlug, MAX_SLUG_LENGTH, slugify } from './slug.js';

describe('slugify (core.md §3.2)', () => {
  it.each([
    ['C# HttpWebRequest CookieContainer 自动管理', 'c-httpwebrequest-cookiecontainer-自动管理'],
    ['政府报告撰写 / 务实', '政府报告撰写-务实'],
    ['  --Hello__World--  ', 'hello__world'],
    ['Ünïcödé Näme!', 'ünïcödé-näme'],
    ['12位RAW数据处理与转换', '12位raw数据处理与转换'],
    ['10 / 37 / conversation', '10-37-conversation'],
    ['a\\b/c', 'a-b-c'],
    ['../../etc/passwd', 'etc-passwd'],
    ['.hidden', 'hidden'],
    ['Tab\tand\nnewline', 'tab-and-newline'],
  ])('%j → %j', (name, slug) => {
    expect(slugify(name)).toBe(slug);
  });

  it('falls back to the description, then to "skill"', () => {
    expect(slugify('!!!', 'Release process')).toBe('release-process');
    expect(slugify('   ', '???')).toBe('skill');
    expect(slugify('')).toBe('skill');
  });

  it('keeps at most 64 code points and never ends with a separator', () => {
    const chinese = '中'.repeat(100);
    expect(Array.from(slugify(chinese))).toHaveLength(MAX_SLUG_LENGTH);
    expect(slugify(`${'a'.repeat(63)} b`)).toBe('a'.repeat(63));
  });
});

describe('asciiSlug (agentskills.io names)', () => {
  const valid = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

  it.each([
    ['My PDF Tool!', 'my-pdf-tool'],
    ['docx', 'docx'],
    ['Ünïcödé Näme', 'unicode-name'],
    ['hello__world', 'hello-world'],
    ['  --Release--Process--  ', 'release-process'],
  ])('%j → %j', (name, slug) => {
    expect(asciiSlug(name)).toBe(slug);
  });

  it('adds a stable hash suffix when letters had no ASCII spelling', () => {
    const slug = asciiSlug('12位RAW数据处理与转换');
    expect(slug).toMatch(/^12-raw-[0-9a-f]{8}$/);
    expect(asciiSlug('12位RAW数据处理与转换')).toBe(slug);
    expect(asciiSlug('12位RAW数据转换')).not.toBe(slug);
  });

  it('uses ASCII hints (tags) for names with no ASCII words', () => {
    const slug = asciiSlug('政府报告撰写', { hints: ['government-report', '公文', 'No Hallucination'] });
    expect(slug).toMatch(/^government-report-no-hallucination-[0-9a-f]{8}$/);
    expect(asciiSlug('政府报告撰写')).toMatch(/^skill-[0-9a-f]{8}$/);
  });

  it('always returns a valid name of at most 64 characters', () => {
    for (const name of ['', '—', '中'.repeat(200), 'a'.repeat(200), `${'x-'.repeat(40)}中文`, '😀', '---']) {
      const slug = asciiSlug(name);
      expect(slug).toMatch(valid);
      expect(slug.length).toBeLessThanOrEqual(64);
    }
  });
});
