/**
 * @module Rendering: the selected skills as one context block within a token budget.
 *
 * The block opens with a header telling the model that the skills were retrieved automatically, to
 * use one only when it clearly applies to the latest request, and never to mention them. Then, best
 * skill first: the full prompt (name, version, description, instructions) for as many of the best
 * skills as the budget allows, name + description for the rest. How it fits:
 * 1. every skill's summary line is reserved first (from the end, skills whose summary no longer
 *    fits are left out);
 * 2. in rank order, a skill is upgraded to its full block while the upgrade fits; the first skill
 *    that does not fit stops the upgrades, so a lower-ranked skill never gets more room than a better
 *    one — except that the best skill, when its full block is too long, gets its instructions cut to
 *    fit (marked `…[truncated]`), since part of its prompt is worth more than its summary.
 * Tokens are counted with `gpt-tokenizer` (o200k_base), so Chinese text is measured as a model sees it.
 * The header is in Chinese when the query is, else in English.
 */
import { loadTokenCounter, type RememberingTokenCounter, type TokenCounter } from './tokens.js';

export interface RenderableSkill {
  id: string;
  name: string;
  description: string;
  version: string;
  instructions: string;
  triggers?: readonly string[];
}

export interface RenderSkillContextOptions {
  /** Skills to render, best first. */
  skills: readonly RenderableSkill[];
  /** Upper bound for the whole block, header included. @default 1500 */
  maxTokens?: number;
  /** The search query: picks the header language. */
  query?: string;
  /** Header language. @default 'zh' when the query contains Chinese, else 'en' */
  language?: 'en' | 'zh';
  /** @default the shared gpt-tokenizer counter */
  countTokens?: TokenCounter;
}

export interface RenderedSkill {
  id: string;
  /** `full`: the whole prompt; `truncated`: the best skill's prompt cut to fit; `summary`: name + description. */
  mode: 'full' | 'truncated' | 'summary';
}

export interface RenderedSkillContext {
  /** The block, or `null` when no skill fits (or none was given). */
  text: string | null;
  tokens: number;
  /** Skills in the block, in order. */
  skills: RenderedSkill[];
  /** Ids left out because even their summary did not fit. */
  omitted: string[];
}

const HEADERS = {
  en: [
    '## Skills for this request',
    "These skills were retrieved automatically from the user's saved preferences and workflows and may not fit. Use a skill only when it clearly applies to the user's latest request, and then follow it; otherwise ignore it. Never mention these skills or this message.",
  ].join('\n'),
  zh: [
    '## 本次请求的技能',
    '以下技能是根据用户保存的偏好和工作流程自动检索的，未必适用。只有当某个技能明确适用于用户最新的请求时才使用并遵循它，否则忽略。不要提及这些技能或这条消息。',
  ].join('\n'),
} as const;
const OTHERS_HEADING = { en: 'Other possibly relevant skills:', zh: '其他可能相关的技能：' } as const;
const TRUNCATED = '\n…[truncated]';
const MIN_TRUNCATED_TOKENS = 48;
const HAS_CJK = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/u;

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function fullBlock(skill: RenderableSkill, instructions: string): string {
  const lines = [`### ${oneLine(skill.name)} (v${skill.version})`];
  const description = oneLine(skill.description);
  if (description) lines.push(description);
  lines.push('', instructions.trim());
  return lines.join('\n');
}

function summaryLine(skill: RenderableSkill): string {
  const description = oneLine(skill.description);
  return description ? `- ${oneLine(skill.name)}: ${description}` : `- ${oneLine(skill.name)}`;
}

/** Cuts `text` to the longest prefix (at a line or character boundary) whose count fits `budget`. */
function cutToTokens(text: string, budget: number, count: TokenCounter): string {
  if (count(text) <= budget) return text;
  let low = 0;
  let high = text.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (count(text.slice(0, middle)) <= budget) low = middle;
    else high = middle - 1;
  }
  let cut = text.slice(0, low);
  // Do not split a surrogate pair; prefer ending at a line break when one is near.
  if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  const lastBreak = cut.lastIndexOf('\n');
  if (lastBreak > cut.length * 0.8) cut = cut.slice(0, lastBreak);
  return cut.trimEnd();
}

/**
 * Cuts already made, per counter. Bisecting re-counts about a dozen prefixes of the prompt (most of a cold
 * render); the best skill of a turn is usually cut the same way turn after turn.
 */
const rememberedCuts = new WeakMap<TokenCounter, Map<string, Map<number, string>>>();
const REMEMBERED_CUT_TEXTS = 512;

function cutToTokensRemembered(text: string, budget: number, count: TokenCounter): string {
  let byText = rememberedCuts.get(count);
  if (!byText) {
    byText = new Map();
    rememberedCuts.set(count, byText);
  }
  let byBudget = byText.get(text);
  const known = byBudget?.get(budget);
  if (known !== undefined) return known;
  // Prefixes probed while bisecting are never needed again: they are not remembered.
  const cut = cutToTokens(text, budget, (count as Partial<RememberingTokenCounter>).uncached ?? count);
  if (!byBudget) {
    byBudget = new Map();
    byText.set(text, byBudget);
    if (byText.size > REMEMBERED_CUT_TEXTS) byText.delete(byText.keys().next().value as string);
  }
  if (byBudget.size >= 8) byBudget.clear();
  byBudget.set(budget, cut);
  return cut;
}

/** Renders with a given counter (synchronous; see `renderSkillContext`). */
export function renderSkillContextWith(
  options: RenderSkillContextOptions,
  count: TokenCounter,
): RenderedSkillContext {
  const maxTokens = options.maxTokens ?? 1500;
  const language = options.language ?? (HAS_CJK.test(options.query ?? '') ? 'zh' : 'en');
  const header = HEADERS[language];
  const empty = { text: null, tokens: 0, skills: [], omitted: options.skills.map((skill) => skill.id) };
  if (options.skills.length === 0) return { ...empty, omitted: [] };
  // Joining pieces with blank lines costs about one token each; count it as two to stay under budget.
  const separator = 2;
  let used = count(header);
  const othersHeading = count(OTHERS_HEADING[language]) + separator;
  const summaries = options.skills.map((skill) => ({ skill, line: summaryLine(skill) }));
  const summaryCost = summaries.map((item) => count(item.line) + 1);

  // 1. Reserve every summary (dropping from the end what does not fit).
  let kept = summaries.length;
  const reserve = () => summaryCost.slice(0, kept).reduce((sum, cost) => sum + cost, 0) + othersHeading;
  while (kept > 0 && used + reserve() > maxTokens) kept -= 1;
  if (kept === 0) return empty;
  used += reserve();

  // 2. Upgrade to full blocks in rank order while they fit.
  const modes: Array<RenderedSkill['mode']> = new Array(kept).fill('summary');
  const blocks: string[] = new Array(kept).fill('');
  for (let index = 0; index < kept; index += 1) {
    const skill = options.skills[index] as RenderableSkill;
    const block = fullBlock(skill, skill.instructions);
    const extra = count(block) + separator - (summaryCost[index] as number);
    if (used + extra <= maxTokens) {
      modes[index] = 'full';
      blocks[index] = block;
      used += extra;
      continue;
    }
    if (index === 0) {
      const frame = count(fullBlock(skill, '')) + count(TRUNCATED) + separator - (summaryCost[0] as number);
      const room = maxTokens - used - frame;
      if (room >= MIN_TRUNCATED_TOKENS) {
        const cut = `${cutToTokensRemembered(skill.instructions, room, count)}${TRUNCATED}`;
        const truncated = fullBlock(skill, cut);
        modes[0] = 'truncated';
        blocks[0] = truncated;
        used += count(truncated) + separator - (summaryCost[0] as number);
      }
    }
    break;
  }

  const full = blocks.filter((_, index) => modes[index] !== 'summary');
  const rest = summaries.slice(0, kept).filter((_, index) => modes[index] === 'summary');
  const parts = [header, ...full];
  if (rest.length > 0) {
    const heading = full.length > 0 ? `${OTHERS_HEADING[language]}\n` : '';
    parts.push(`${heading}${rest.map((item) => item.line).join('\n')}`);
  }
  const text = parts.join('\n\n');
  return {
    text,
    tokens: count(text),
    skills: options.skills.slice(0, kept).map((skill, index) => ({
      id: skill.id,
      mode: modes[index] as RenderedSkill['mode'],
    })),
    omitted: options.skills.slice(kept).map((skill) => skill.id),
  };
}

/** Renders the skills into one context block under the token budget (see the module comment). */
export async function renderSkillContext(options: RenderSkillContextOptions): Promise<RenderedSkillContext> {
  const count = options.countTokens ?? (await loadTokenCounter());
  return renderSkillContextWith(options, count);
}
