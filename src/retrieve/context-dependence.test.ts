import { describe, expect, it } from 'vitest';
import { type DependenceRule, detectContextDependence, lengthUnits } from './context-dependence.js';

/** [message, dependent, rule] — follow-ups in a running conversation (hasHistory: true). */
const CASES: Array<[string, boolean, DependenceRule]> = [
  // English: follow-ups that lean on earlier turns
  ['Make it shorter.', true, 'anaphora'],
  ['Can you translate them into French?', true, 'anaphora'],
  ["That's not what I meant", true, 'anaphora'],
  ['Do the same for the Q3 report', true, 'anaphora'],
  ['Again, but with a table', true, 'continuation-opener'],
  ['And now the summary for executives', true, 'continuation-opener'],
  ['What about the Java version?', true, 'continuation-opener'],
  ['Also add error handling', true, 'continuation-opener'],
  ['No, I meant the staging cluster', true, 'continuation-opener'],
  ['Use the previous format please', true, 'anaphora'],
  ['Shorter please', true, 'short-follow-up'],
  ['Why?', true, 'short-follow-up'],
  ['More formal, in English', true, 'short-follow-up'],
  // English: self-contained requests
  [
    'Write a cover letter for a data analyst position at a bank, one page, friendly tone',
    false,
    'self-contained',
  ],
  ['Is it possible to deploy a Python service on Kubernetes without Docker images?', false, 'self-contained'],
  ['How should I structure the weekly status report for my engineering team?', false, 'self-contained'],
  ['Thanks!', false, 'small-talk'],
  ['ok thanks, great', false, 'small-talk'],
  // Chinese: follow-ups
  ['再简洁一点', true, 'continuation-opener'],
  ['这个改成表格', true, 'anaphora'],
  ['那如果是给客户的呢', true, 'continuation-opener'],
  ['同样的格式写下周的', true, 'continuation-opener'],
  ['上面的内容翻译成英文', true, 'anaphora'],
  ['用英文', true, 'short-follow-up'],
  ['还有风险部分', true, 'continuation-opener'],
  ['按这个格式再写一份', true, 'anaphora'],
  ['不对，要用三段式', true, 'continuation-opener'],
  // Chinese: self-contained
  ['帮我写一份产品发布会的新闻稿，面向媒体，五百字左右', false, 'self-contained'],
  ['发布流程是先做回归测试再灰度发布最后全量上线，帮我写成检查清单', false, 'self-contained'],
  ['这个月的销售数据应该怎么分析比较好，有哪些常用的方法和指标', false, 'self-contained'],
  ['谢谢', false, 'small-talk'],
  ['好的，收到', false, 'small-talk'],
];

describe('detectContextDependence', () => {
  it.each(CASES)('%s → dependent %s (%s)', (message, dependent, rule) => {
    const result = detectContextDependence({ message, hasHistory: true });
    expect({ dependent: result.dependent, rule: result.rule }).toEqual({ dependent, rule });
  });

  it('never depends on history that does not exist', () => {
    expect(detectContextDependence({ message: 'Make it shorter', hasHistory: false })).toEqual({
      dependent: false,
      rule: 'no-history',
      cue: null,
    });
  });

  it('names the cue that decided', () => {
    expect(detectContextDependence({ message: 'Make it shorter.', hasHistory: true }).cue).toBe('Make it');
    expect(detectContextDependence({ message: '上面的内容翻译成英文', hasHistory: true }).cue).toBe('上面');
  });

  it('measures Latin words as 1 unit and CJK characters as ½', () => {
    expect(lengthUnits('make it shorter')).toBe(3);
    expect(lengthUnits('再简洁一点')).toBe(2.5);
    expect(lengthUnits('用 Python 写')).toBe(2);
  });
});
