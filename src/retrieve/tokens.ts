/**
 * @module Token counting for the context budget: `gpt-tokenizer` with `o200k_base` (the encoding of
 * current OpenAI models; Chinese is counted by the real BPE, not by characters). Its rank tables take
 * about half a second and 70 MB to load, so they are imported on first use only.
 *
 * Counts are remembered per text (`rememberTokenCounts`): the same skills are rendered turn after turn,
 * and counting a skill's prompt was the largest part of rendering it (bench/README.md, `bench:proxy`).
 * Special-token markers such as `<|im_start|>` inside a skill are counted as the plain text they are
 * (the tokenizer's default refuses them, which made a skill that mentions one impossible to inject).
 */

export type TokenCounter = (text: string) => number;

/** A counter that remembers; `uncached` counts without remembering (probes such as prefixes of a cut). */
export type RememberingTokenCounter = TokenCounter & { uncached: TokenCounter };

export interface RememberTokenCountsOptions {
  /**
   * Total length (UTF-16 units) of the texts whose counts are kept; the least recently used go first.
   * @default 4_000_000 (a few thousand skill prompts, about 8 MB)
   */
  maxChars?: number;
}

/**
 * Wraps `count` so that each distinct text is counted once while it stays in a bounded LRU. The key is the
 * text itself, so an edited skill (a new revision) is simply a new entry and nothing needs invalidating.
 */
export function rememberTokenCounts(
  count: TokenCounter,
  options: RememberTokenCountsOptions = {},
): RememberingTokenCounter {
  const maxChars = options.maxChars ?? 4_000_000;
  const counts = new Map<string, number>();
  let chars = 0;
  const remembering = (text: string) => {
    const known = counts.get(text);
    if (known !== undefined) {
      // Most recently used last: Map iteration order is insertion order.
      counts.delete(text);
      counts.set(text, known);
      return known;
    }
    const counted = count(text);
    if (text.length > maxChars) return counted;
    counts.set(text, counted);
    chars += text.length;
    for (const oldest of counts.keys()) {
      if (chars <= maxChars) break;
      counts.delete(oldest);
      chars -= oldest.length;
    }
    return counted;
  };
  return Object.assign(remembering, { uncached: count });
}

/** Special-token markers are plain text in skills: none is allowed, none is refused. */
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

let loading: Promise<RememberingTokenCounter> | undefined;

/** The shared counter, loaded once per process; it remembers the counts of the texts it has seen. */
export function loadTokenCounter(): Promise<RememberingTokenCounter> {
  loading ??= import('gpt-tokenizer').then((module) =>
    rememberTokenCounts((text: string) => module.countTokens(text, PLAIN_TEXT)),
  );
  return loading;
}
