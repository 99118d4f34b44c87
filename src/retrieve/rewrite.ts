/**
 * @module Query rewriting: the search query for a chat turn, from the latest user message and recent
 * history. `never` searches the message as it is; `always` rewrites whenever there is history; `auto`
 * (the default) rewrites only when the message depends on earlier turns (`context-dependence.ts`).
 *
 * With a model (the learning LLM) the rewrite follows `prompts/rewrite-query.md`: one line of plain
 * text, cleaned of fences, JSON wrappers, labels and quotes. Without one (offline) a deterministic
 * rewrite appends the topic words of the conversation's last self-contained user turn to the message.
 * Any failure (model error, timeout, empty or unusable answer) gives the original message back with
 * the reason in `error`; rewriting never throws (except when the caller aborts).
 */
import { CHINESE_FILLER_WORDS, ENGLISH_STOP_WORDS } from '../index/tokenize.js';
import { parseLenientJson } from '../learn/lenient-json.js';
import type { LLMConnector } from '../llm/types.js';
import { errorMessage } from '../shared/errors.js';
import { type ContextDependence, detectContextDependence, lengthUnits } from './context-dependence.js';
import { type ConversationTurn, splitLatestUserTurn } from './messages.js';
import { loadRetrievePrompt } from './prompts.js';
import type { ChatMessageLike, RewriteMode } from './types.js';

export interface RewriteQueryOptions {
  /** The conversation, latest user message last (system and tool messages are ignored). */
  messages: readonly ChatMessageLike[];
  /** @default 'auto' */
  mode?: RewriteMode;
  /** The learning model; without it the deterministic rewrite runs. */
  llm?: LLMConnector;
  /** Earlier user+assistant exchanges the rewriter reads. @default 6 */
  historyTurns?: number;
  /** Characters of history sent to the model at most (newest turns kept). @default 4000 */
  maxHistoryChars?: number;
  /** Longest rewritten query, in units (words; CJK characters count ½). @default 64 */
  maxQueryUnits?: number;
  /** @default 15000 */
  timeoutMs?: number;
  abortSignal?: AbortSignal;
}

export interface RewriteResult {
  /** The latest user message ('' when there is none). */
  original: string;
  /** What to search with: the rewrite, or the original. */
  query: string;
  /** The rewrite, or `null` when the original is searched. */
  rewritten: string | null;
  /** `none`: not rewritten; `llm`: by the model; `fallback`: the deterministic rewrite. */
  method: 'none' | 'llm' | 'fallback';
  /** Why it was (not) rewritten: the dependence rule, `mode-never`, `mode-always` or `failed`. */
  reason: string;
  dependence: ContextDependence | null;
  /** Why the rewrite failed (the original is then searched). */
  error?: string;
}

const HAS_CJK = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/u;
const TURN_CHARS = 800;

/** Request words that say "do something" without saying what; they make poor topic words. */
const GENERIC_EN = new Set(
  (
    'write make help give want need like get create generate produce draft prepare show tell ' +
    'something thing things stuff way ways good better new one ones use using'
  ).split(' '),
);
const GENERIC_ZH = new Set(
  '帮忙 写个 写一 一份 一篇 一段 生成 给出 告诉 看看 内容 问题 东西 一版'.split(' '),
);
const MAX_TOPIC_WORDS = 8;
/** Single characters that are grammar, not topic (particles, pronouns, prepositions, light verbs). */
const FUNCTION_CHARACTERS = new Set([
  ...'的了着过和与及或并而且按在把被给让使对向从到将于以为是有也都很就还又再先后前中上下里个这那些一我你他她它们帮做写用要会能可请吧呢吗啊呀哦嘛',
]);

let segmenter: Intl.Segmenter | undefined;

/** Content words of a turn, in order of appearance (English words, Chinese words of ≥ 2 characters). */
export function topicWords(text: string, limit = MAX_TOPIC_WORDS): string[] {
  const words: string[] = [];
  const seen = new Set<string>();
  const add = (word: string) => {
    const key = word.toLowerCase();
    if (seen.has(key) || words.length >= limit) return;
    seen.add(key);
    words.push(word);
  };
  segmenter ??= new Intl.Segmenter('zh', { granularity: 'word' });
  // ICU splits domain words it does not know into single characters (灰度 → 灰 度): runs of single
  // characters that are not function characters are joined back into one word.
  let run = '';
  const flushRun = () => {
    if ([...run].length >= 2 && !CHINESE_FILLER_WORDS.has(run) && !GENERIC_ZH.has(run)) add(run);
    run = '';
  };
  for (const piece of segmenter.segment(text.normalize('NFKC'))) {
    const word = piece.segment;
    if (piece.isWordLike && HAS_CJK.test(word)) {
      if ([...word].length === 1) {
        if (FUNCTION_CHARACTERS.has(word)) flushRun();
        else run += word;
        continue;
      }
      flushRun();
      if (!CHINESE_FILLER_WORDS.has(word) && !GENERIC_ZH.has(word)) add(word);
      continue;
    }
    flushRun();
    if (!piece.isWordLike) continue;
    const lower = word.toLowerCase();
    if (lower.length < 3 || /^[\d.,:/-]+$/.test(lower)) continue;
    if (ENGLISH_STOP_WORDS.has(lower) || GENERIC_EN.has(lower)) continue;
    add(word);
  }
  flushRun();
  return words;
}

/** Cuts `text` to at most `maxUnits` units, at a word boundary. */
export function truncateUnits(text: string, maxUnits: number): string {
  if (lengthUnits(text) <= maxUnits) return text;
  let out = '';
  for (const piece of text.split(/(\s+)/)) {
    const next = out + piece;
    if (lengthUnits(next) > maxUnits) {
      if (!HAS_CJK.test(piece)) break;
      for (const character of piece) {
        if (lengthUnits(out + character) > maxUnits) break;
        out += character;
      }
      break;
    }
    out = next;
  }
  return out.trim();
}

/**
 * The deterministic rewrite: the content words of the message, then the topic words of the user turns
 * it leans on — the earlier user turns back to (and including) the last one that stands on its own, at
 * most three. The message's own filler ("make it", "再…一点") is left out: search coverage counts every
 * word of the query, and those words say how to change the answer, not which skill applies.
 */
export function fallbackRewrite(latest: string, history: readonly ConversationTurn[]): string {
  const userTurns = history.filter((turn) => turn.role === 'user').map((turn) => turn.text);
  const leanedOn: string[] = [];
  for (let index = userTurns.length - 1; index >= 0 && leanedOn.length < 3; index -= 1) {
    const text = userTurns[index] as string;
    leanedOn.unshift(text);
    if (!detectContextDependence({ message: text, hasHistory: index > 0 }).dependent) break;
  }
  const own = topicWords(latest, 32);
  const present = new Set(own.map((word) => word.toLowerCase()));
  const borrowed: string[] = [];
  for (const text of leanedOn) {
    for (const word of topicWords(text)) {
      if (present.has(word.toLowerCase())) continue;
      present.add(word.toLowerCase());
      if (borrowed.length < MAX_TOPIC_WORDS) borrowed.push(word);
    }
  }
  if (borrowed.length === 0) return latest;
  return [...own, ...borrowed].join(' ');
}

const LABEL =
  /^(?:rewritten (?:search )?query|search query|query|改写(?:后的)?(?:查询|检索词)?|检索(?:词|查询)|查询)\s*[:：]\s*/i;

/** The query in a model's answer: first non-empty line, without fences, JSON wrappers, labels, quotes. */
export function cleanRewriteOutput(output: string, maxUnits: number): string {
  let text = output.replace(/<think>[\s\S]*?<\/think>/gi, '').trim();
  text = text
    .replace(/^```[\w-]*\s*\n?/u, '')
    .replace(/\n?```\s*$/u, '')
    .trim();
  if (text.startsWith('{')) {
    const parsed = parseLenientJson(text)?.value;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      const record = parsed as Record<string, unknown>;
      const found = ['query', 'rewritten_query', 'search_query', 'rewrite'].find(
        (key) => typeof record[key] === 'string',
      );
      text = found ? String(record[found]) : '';
    }
  }
  const line = text
    .split(/\r?\n/)
    .map((item) => item.trim())
    .find((item) => item.length > 0);
  if (!line) return '';
  const unlabelled = line.replace(LABEL, '').replace(/\s+/g, ' ').trim();
  const unquoted = unlabelled.replace(/^["'“”‘’「『《]+|["'“”‘’」』》]+$/gu, '').trim();
  return truncateUnits(unquoted, maxUnits);
}

function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  const half = Math.floor((max - 5) / 2);
  return `${text.slice(0, half)} … ${text.slice(text.length - half)}`;
}

/** The newest `turns` exchanges, each shortened, within `maxChars` (oldest dropped first). */
function historyWindow(history: readonly ConversationTurn[], turns: number, maxChars: number) {
  const recent = history.slice(-Math.max(0, turns * 2));
  const window: Array<{ role: string; text: string }> = [];
  let used = 0;
  for (let index = recent.length - 1; index >= 0; index -= 1) {
    const turn = recent[index] as ConversationTurn;
    const text = shorten(turn.text, TURN_CHARS);
    if (used + text.length > maxChars) break;
    used += text.length;
    window.unshift({ role: turn.role, text });
  }
  return window;
}

/** Rewrites the search query of a turn (see the module comment). */
export async function rewriteQuery(options: RewriteQueryOptions): Promise<RewriteResult> {
  const mode = options.mode ?? 'auto';
  const split = splitLatestUserTurn(options.messages);
  const original = split?.latest ?? '';
  const unchanged = (
    reason: string,
    dependence: ContextDependence | null,
    error?: string,
  ): RewriteResult => ({
    original,
    query: original,
    rewritten: null,
    method: 'none',
    reason,
    dependence,
    ...(error === undefined ? {} : { error }),
  });
  if (!split || mode === 'never') return unchanged(mode === 'never' ? 'mode-never' : 'no-message', null);
  const hasHistory = split.history.length > 0;
  const dependence = detectContextDependence({ message: original, hasHistory });
  if (!hasHistory) return unchanged('no-history', dependence);
  if (mode === 'auto' && !dependence.dependent) return unchanged(dependence.rule, dependence);
  const reason = mode === 'always' ? 'mode-always' : dependence.rule;
  const maxUnits = options.maxQueryUnits ?? 64;

  if (!options.llm) {
    const rewritten = truncateUnits(fallbackRewrite(original, split.history), maxUnits);
    if (rewritten === original) return unchanged(reason, dependence);
    return { original, query: rewritten, rewritten, method: 'fallback', reason, dependence };
  }
  try {
    const payload = {
      history: historyWindow(split.history, options.historyTurns ?? 6, options.maxHistoryChars ?? 4000),
      message: shorten(original, 2000),
      language: HAS_CJK.test(original) ? 'zh' : 'en',
    };
    const reply = await options.llm.doGenerate({
      messages: [
        { role: 'system', content: loadRetrievePrompt('rewriteQuery') },
        { role: 'user', content: JSON.stringify(payload) },
      ],
      temperature: 0,
      maxTokens: 200,
      timeoutMs: options.timeoutMs ?? 15_000,
      ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
    });
    const rewritten = cleanRewriteOutput(reply.text, maxUnits);
    if (rewritten.length === 0) return unchanged('failed', dependence, 'the model returned no query');
    return { original, query: rewritten, rewritten, method: 'llm', reason, dependence };
  } catch (error) {
    if (options.abortSignal?.aborted) throw error;
    return unchanged('failed', dependence, `query rewrite failed: ${errorMessage(error)}`);
  }
}
