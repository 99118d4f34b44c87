import { describe, expect, it } from 'vitest';
import {
  characterBigrams,
  createTokenizer,
  normalizeText,
  stemEnglish,
  tokenize,
  tokenizeUnits,
} from './tokenize.js';

describe('tokenize', () => {
  it('splits mixed Chinese and English: bigrams for Chinese, words for English, no run swallowing the other', () => {
    expect(tokenize('用Python写个中文分词器')).toEqual([
      '用',
      'python',
      '写个',
      '个中',
      '中文',
      '文分',
      '分词',
      '词器',
    ]);
    expect(tokenize('el-transfer字号改不了')).toEqual(['el', 'transfer', '字号', '号改', '改不', '不了']);
    expect(tokenize('abc中文')).toEqual(['abc', '中文']);
  });

  it('folds case, full-width forms and Latin accents, drops English stop words, stems lightly', () => {
    expect(tokenize('The Ｒｕｎｎｉｎｇ Tests of Café')).toEqual(['run', 'test', 'cafe']);
    expect(tokenize("don't stop the user's queries")).toEqual(['stop', 'user', 'query']);
    expect(normalizeText('ＡＢＣ naïve Ёлка')).toBe('abc naive елка');
  });

  it('keeps every script: Cyrillic and Greek words whole, Hangul, kana and Thai as bigrams', () => {
    expect(tokenize('Привет мир')).toEqual(['привет', 'мир']);
    expect(tokenize('καλημέρα κόσμε')).toEqual(['καλημερα', 'κοσμε']);
    expect(tokenize('안녕하세요')).toEqual(['안녕', '녕하', '하세', '세요']);
    expect(tokenize('こんにちは')).toEqual(['こん', 'んに', 'にち', 'ちは']);
    expect(tokenize('สวัสดี').length).toBeGreaterThan(0);
    expect(tokenize('مرحبا بالعالم')).toEqual(['مرحبا', 'بالعالم']);
  });

  it('keeps digits and mixed tokens, splits on punctuation and underscores', () => {
    expect(tokenize('arm64 v5 r4r snake_case 3.14')).toEqual([
      'arm64',
      'v5',
      'r4r',
      'snake',
      'case',
      '3',
      '14',
    ]);
  });

  it('offers other splitting modes for comparison', () => {
    expect(createTokenizer({ unspaced: 'unigram' })('中文')).toEqual(['中', '文']);
    expect(createTokenizer({ unspaced: 'bigram+unigram' })('中文')).toEqual(['中文', '中', '文']);
    expect(createTokenizer({ unspaced: 'jieba' })('中文分词')).toEqual(['中文', '分词']);
    expect(createTokenizer({ stem: 'none', stopWords: false })('the tests')).toEqual(['the', 'tests']);
  });

  it('character bigrams of a single character are the character', () => {
    expect(characterBigrams('猫')).toEqual(['猫']);
    expect(characterBigrams('猫粮好')).toEqual(['猫粮', '粮好']);
  });

  it('stems plurals and -ed/-ing only', () => {
    expect(
      ['queries', 'classes', 'running', 'stopped', 'created', 'status', 'analysis', 'general'].map((word) =>
        stemEnglish(word),
      ),
    ).toEqual(['query', 'class', 'run', 'stop', 'create', 'status', 'analysis', 'general']);
  });
});

describe('tokenizeUnits', () => {
  it('groups Chinese dictionary words as their bigrams and leaves out straddling bigrams and filler', () => {
    expect(tokenizeUnits('接着给透明的PNG贴纸加白色轮廓')).toEqual([
      ['透明'],
      ['png'],
      ['贴纸'],
      ['白色'],
      ['轮廓'],
    ]);
    expect(tokenizeUnits('用Python写逆向最大匹配分词程序')).toEqual([
      ['python'],
      ['逆向'],
      ['最大'],
      ['匹配'],
      ['分词'],
      ['程序'],
    ]);
  });

  it('treats conversational English filler as stop words', () => {
    expect(tokenizeUnits('ok thanks, now fix the tests')).toEqual([['now'], ['fix'], ['test']]);
  });
});
