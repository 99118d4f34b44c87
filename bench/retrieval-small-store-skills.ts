/**
 * @module A new install's store: the user's own few learned skills, no libraries. Used by
 * `bench/retrieval-small-store.ts` and `test/retrieval-small-store.test.ts` (written for this project in
 * the genre the offline extractor produces; the first two are exactly what it learns from the README's
 * release conversation and from "以后写周报都先写结论，再列关键数据和下周计划，控制在300字以内。").
 */
/** The skill fields a user's learned skill has (what the store's `create` takes besides the owner). */
export interface UserSkillText {
  name: string;
  description: string;
  instructions: string;
  triggers: string[];
  tags: string[];
}
/** The release skill exactly as the offline extractor learns it from the README's conversation. */
export const RELEASE: UserSkillText = {
  name: 'release-workflow',
  description:
    "Applies this user's standing procedure for release: Before each release, always run regression; Canary. Use when the user asks for release.",
  instructions:
    "# Goal\nCarry out release by following this user's fixed procedure.\n\n# Workflow\n1. Before each release, always run regression\n2. Canary\n3. Monitor\n4. Full rollout",
  triggers: ['release'],
  tags: ['release', 'workflow', 'before', 'regression', 'canary', 'monitor'],
};
/** A Chinese preference as the offline extractor learns it ("以后写周报都先写结论…"). */
export const WEEKLY_REPORT: UserSkillText = {
  name: '周报规范',
  description:
    '按用户固定的要求处理周报：写周报都先写结论，再列关键数据和下周计划，控制在300字以内。 在用户需要周报时使用。',
  instructions:
    '# Goal\n按用户的长期要求完成周报相关的任务。\n\n# Constraints & Style\n- 写周报都先写结论，再列关键数据和下周计划，控制在300字以内',
  triggers: ['周报'],
  tags: ['周报', '写', '规范'],
};
/** Other preferences a user might have taught, in both languages, unrelated to the release and the weekly report. */
export const OTHERS: UserSkillText[] = [
  {
    name: 'email-rules',
    description:
      "Applies this user's standing rules for emails: keep them under 120 words and end with one clear request. Use when the user asks for an email.",
    instructions:
      '# Goal\nWrite emails the way this user has asked, every time.\n\n# Constraints & Style\n- Keep emails under 120 words\n- End with one clear request\n- No exclamation marks',
    triggers: ['email'],
    tags: ['email', 'style', 'words', 'request'],
  },
  {
    name: 'Python 代码规范',
    description:
      '按用户的要求编写 Python 代码：公共函数加类型注解，用 logging 代替 print。在用户写 Python 代码时使用。',
    instructions:
      '# Goal\n按用户的长期要求编写 Python 代码。\n\n# Constraints & Style\n- 公共函数一律加类型注解\n- 不要用 print 调试，用 logging\n- 函数不超过 40 行',
    triggers: ['Python'],
    tags: ['python', '代码', '规范'],
  },
  {
    name: 'sql-style',
    description:
      "Applies this user's SQL conventions: uppercase keywords, one clause per line, no SELECT *. Use when the user writes SQL.",
    instructions:
      '# Goal\nFormat SQL the way this user wants.\n\n# Constraints & Style\n- Uppercase SQL keywords\n- One clause per line\n- List columns explicitly instead of SELECT *',
    triggers: ['sql'],
    tags: ['sql', 'style', 'query'],
  },
  {
    name: '论文引用格式',
    description:
      '按用户要求整理论文参考文献：统一使用 GB/T 7714 格式，中文文献在前。在用户整理参考文献时使用。',
    instructions:
      '# Goal\n按用户的要求整理参考文献。\n\n# Constraints & Style\n- 统一使用 GB/T 7714 著录格式\n- 中文文献排在英文文献之前\n- 每条都要有 DOI（如有）',
    triggers: ['参考文献'],
    tags: ['论文', '参考文献', '格式'],
  },
  {
    name: 'report-numbers',
    description:
      "Applies this user's rule for reports: never invent numbers; every figure needs a source. Use when the user asks for a report.",
    instructions:
      '# Goal\nWrite reports the way this user requires.\n\n# Constraints & Style\n- Never invent numbers\n- Cite the source of every figure\n- Mark estimates as estimates',
    triggers: ['report'],
    tags: ['report', 'numbers', 'source'],
  },
  {
    name: '家常菜少油少盐',
    description: '按用户的口味给出菜谱：少油少盐，不放味精，优先清蒸和快炒。在用户问菜谱或做饭时使用。',
    instructions:
      '# Goal\n按用户的饮食偏好给出做法。\n\n# Constraints & Style\n- 少油少盐，不放味精\n- 优先清蒸、白灼和快炒\n- 标注每道菜的大致热量',
    triggers: ['菜谱'],
    tags: ['做饭', '菜谱', '健康'],
  },
  {
    name: 'commit-messages',
    description:
      "Applies this user's rules for git commit messages: imperative subject under 72 characters, body says why. Use when the user writes a commit message.",
    instructions:
      '# Goal\nWrite commit messages the way this user wants.\n\n# Constraints & Style\n- Imperative subject line under 72 characters\n- The body explains why, not what\n- Reference the issue number',
    triggers: ['commit'],
    tags: ['git', 'commit', 'message'],
  },
  {
    name: '会议纪要格式',
    description:
      '按用户要求整理会议纪要：先写决定，再写待办，每个待办有负责人和截止日期。在用户整理会议记录时使用。',
    instructions:
      '# Goal\n按用户的格式整理会议纪要。\n\n# Constraints & Style\n- 先列会议决定\n- 待办事项写明负责人和截止日期\n- 不记录闲聊',
    triggers: ['会议纪要'],
    tags: ['会议', '纪要', '格式'],
  },
  {
    name: 'slide-style',
    description:
      "Applies this user's slide rules: one idea per slide, full-sentence titles, at most 20 words of body text. Use when the user makes slides.",
    instructions:
      '# Goal\nMake slides the way this user wants.\n\n# Constraints & Style\n- One idea per slide\n- Titles are full sentences\n- At most 20 words of body text per slide',
    triggers: ['slides'],
    tags: ['slides', 'presentation', 'style'],
  },
  {
    name: '旅行行程偏好',
    description:
      '按用户的习惯安排旅行行程：每天不超过三个景点，留出午休，优先公共交通。在用户规划旅行时使用。',
    instructions:
      '# Goal\n按用户的偏好安排行程。\n\n# Constraints & Style\n- 每天不超过三个景点\n- 中午留出休息时间\n- 优先地铁和公交',
    triggers: ['旅行'],
    tags: ['旅行', '行程', '偏好'],
  },
  {
    name: 'typescript-rules',
    description:
      "Applies this user's TypeScript rules: no any, named exports only, zod for outside input. Use when the user writes TypeScript.",
    instructions:
      '# Goal\nWrite TypeScript the way this user wants.\n\n# Constraints & Style\n- Never use any\n- Named exports only\n- Validate outside input with zod',
    triggers: ['typescript'],
    tags: ['typescript', 'code', 'style'],
  },
  {
    name: '朋友圈文案风格',
    description: '按用户喜欢的风格写朋友圈文案：简短、口语化、最多一个表情。在用户要发朋友圈时使用。',
    instructions:
      '# Goal\n按用户的风格写文案。\n\n# Constraints & Style\n- 不超过五十字\n- 口语化\n- 最多一个表情',
    triggers: ['朋友圈'],
    tags: ['文案', '朋友圈'],
  },
  {
    name: 'code-review-tone',
    description:
      "Applies this user's code review rules: comment on behaviour before style, suggest a fix with each problem. Use when the user asks for a code review.",
    instructions:
      '# Goal\nReview code the way this user wants.\n\n# Constraints & Style\n- Behaviour first, style last\n- Suggest a concrete fix with each problem\n- Be brief and polite',
    triggers: ['code review'],
    tags: ['review', 'code'],
  },
  {
    name: '简历修改要求',
    description: '按用户要求修改简历：每条经历用动词开头并写量化结果，控制在一页。在用户修改简历时使用。',
    instructions:
      '# Goal\n按用户的要求修改简历。\n\n# Constraints & Style\n- 每条经历以动词开头\n- 写出量化结果\n- 控制在一页以内',
    triggers: ['简历'],
    tags: ['简历', '求职'],
  },
  {
    name: 'workout-preferences',
    description:
      "Applies this user's workout preferences: three sessions a week, 45 minutes, no running because of a knee injury. Use when the user asks for a workout plan.",
    instructions:
      '# Goal\nPlan workouts the way this user needs.\n\n# Constraints & Style\n- Three sessions a week of 45 minutes\n- No running or jumping (knee injury)\n- Include mobility work',
    triggers: ['workout'],
    tags: ['fitness', 'workout'],
  },
  {
    name: '翻译风格',
    description: '按用户要求翻译：意译优先，术语保留英文原词并在括号中给出中文。在用户请求翻译时使用。',
    instructions:
      '# Goal\n按用户的风格翻译。\n\n# Constraints & Style\n- 意译优先，不逐字直译\n- 术语保留英文原词，括号内给中文\n- 保持原文段落结构',
    triggers: ['翻译'],
    tags: ['翻译', '风格'],
  },
  {
    name: 'data-charts',
    description:
      "Applies this user's chart rules: label every axis with units, start bar charts at zero, no pie charts. Use when the user makes a chart.",
    instructions:
      '# Goal\nMake charts the way this user wants.\n\n# Constraints & Style\n- Label every axis with units\n- Bar charts start at zero\n- Never use pie charts',
    triggers: ['chart'],
    tags: ['chart', 'data', 'visualisation'],
  },
  {
    name: '孩子作业辅导',
    description: '按用户的方式辅导孩子作业：先让孩子自己讲思路，只给提示不给答案。在用户辅导孩子作业时使用。',
    instructions:
      '# Goal\n按用户的方式辅导作业。\n\n# Constraints & Style\n- 先让孩子讲自己的思路\n- 只给提示，不直接给答案\n- 每次不超过三十分钟',
    triggers: ['作业'],
    tags: ['教育', '作业'],
  },
  {
    name: 'expense-notes',
    description:
      "Applies this user's rules for expense claims: one line per receipt with date, amount and purpose, totals in euros. Use when the user prepares an expense claim.",
    instructions:
      '# Goal\nPrepare expense claims the way this user wants.\n\n# Constraints & Style\n- One line per receipt: date, amount, purpose\n- Convert every amount to euros\n- Total at the bottom',
    triggers: ['expense'],
    tags: ['expense', 'receipts', 'finance'],
  },
];
