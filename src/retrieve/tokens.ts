/**
 * @module Token counting for the context budget: `gpt-tokenizer` with `o200k_base` (the encoding of
 * current OpenAI models; Chinese is counted by the real BPE, not by characters). Its rank tables take
 * about half a second and 70 MB to load, so they are imported on first use only.
 */

export type TokenCounter = (text: string) => number;

let loading: Promise<TokenCounter> | undefined;

/** The shared counter, loaded once per process. */
export function loadTokenCounter(): Promise<TokenCounter> {
  loading ??= import('gpt-tokenizer').then((module) => (text: string) => module.countTokens(text));
  return loading;
}
