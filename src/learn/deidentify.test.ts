import { describe, expect, it } from 'vitest';
import { deidentifyText, findNovelNames, findPersonNames, tidyPlaceholders } from './deidentify.js';

describe('findPersonNames', () => {
  it('finds English names by the constructions that introduce a person', () => {
    const text = 'cc my manager Dana Kim. Dear Mr. Alvarez, Hi Sam, ping Priya. Jordan said yes.';
    expect(findPersonNames(text).sort()).toEqual(['Alvarez', 'Dana Kim', 'Jordan', 'Priya', 'Sam'].sort());
  });

  it('finds Chinese names by surname position without a list of names', () => {
    const names = findPersonNames(
      '老张觉得配色太暗，小李负责出稿，抄送给我的同事王建国，王总说可以，联系人：陈静。',
    );
    expect(names).toEqual(expect.arrayContaining(['老张', '小李', '王建国', '王总', '陈静']));
  });

  it('does not take common words for names', () => {
    expect(findPersonNames('项目经理看了方案总结，小红书文案要口语化，一小时后开会。')).toEqual([]);
    expect(findPersonNames('Use our house style for every chart I ask you for.')).toEqual([]);
  });
});

describe('findNovelNames', () => {
  it("flags capitalised words the user never wrote, but not the user's own terms", () => {
    const user =
      'please follow our SQL conventions, use matplotlib for the Loop Support replies, ask if unsure';
    const candidate =
      '# Goal\nWrite SQL with Matplotlib charts for Loop Support.\n- Send drafts to Daniel Whitaker first.\n- Ask Marta before sending; ask again if unsure.';
    expect(findNovelNames(candidate, user).sort()).toEqual(['Daniel Whitaker', 'Marta']);
  });

  it('flags a Chinese name in a person position that the user never wrote', () => {
    expect(findNovelNames('每次发出前先发给李明轩审核。', '以后周报都用三段式')).toEqual(['李明轩']);
    expect(findNovelNames('发给王建国确认', '发给王建国确认')).toEqual([]);
  });
});

describe('deidentifyText', () => {
  it('replaces names, URLs and identifying numbers', () => {
    const result = deidentifyText(
      'Ask Dana Kim, see https://intranet.example.com/x?id=1, order #A-99812 and ID 4821377, employee id: 48213',
      {
        names: ['Dana Kim'],
      },
    );
    expect(result.text).toBe('Ask <NAME>, see <URL>, order #<ID> and ID <ID>, employee id: <ID>');
    expect(result.replaced.sort()).toEqual(['id', 'name', 'url']);
  });

  it('keeps a quoted literal the user mandated', () => {
    const result = deidentifyText("Sign off as 'Maya from Loop Support'. Maya leads the team.", {
      names: ['Maya'],
      protectedLiterals: ['Maya from Loop Support'],
    });
    expect(result.text).toBe("Sign off as 'Maya from Loop Support'. <NAME> leads the team.");
  });

  it('replaces Chinese order numbers and id-card numbers but not quantities or dates', () => {
    const result = deidentifyText(
      '订单号20240301****，身份证110101199003071234，每段不超过3行，2024年5月10日',
    );
    expect(result.text).toBe('订单号<ID>，身份证<ID>，每段不超过3行，2024年5月10日');
  });
});

describe('tidyPlaceholders', () => {
  it('drops placeholders a rule does not need', () => {
    expect(tidyPlaceholders('cc my manager <NAME> (<EMAIL>) on every vendor email')).toBe(
      'cc my manager on every vendor email',
    );
    expect(tidyPlaceholders('抄送给我的同事<NAME>，标题统一')).toBe('抄送给我的同事，标题统一');
  });
});
