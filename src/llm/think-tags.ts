/**
 * @module Splits a leading `<think>…</think>` block out of answer text. Some models put their reasoning
 * inline (GLM-Z1, Qwen3 or DeepSeek-R1 served by vLLM, llama.cpp or Ollama without a reasoning parser);
 * the extractor must see only the answer. Works on streamed deltas, holding back only what could still
 * be part of a tag.
 */

export interface SplitPiece {
  kind: 'text' | 'reasoning';
  text: string;
}

const OPEN = '<think>';
const CLOSE = '</think>';

/** Length of the longest suffix of `text` that is a proper prefix of `tag`. */
function partialTagLength(text: string, tag: string): number {
  for (let length = Math.min(tag.length - 1, text.length); length > 0; length -= 1) {
    if (tag.startsWith(text.slice(text.length - length))) return length;
  }
  return 0;
}

export class ThinkTagSplitter {
  private state: 'start' | 'thinking' | 'answer' = 'start';
  private buffer = '';
  /** After `</think>`, whitespace before the answer belongs to neither part. */
  private skipLeadingSpace = false;

  /** Feeds one delta; returns the pieces that are certain so far. */
  push(delta: string): SplitPiece[] {
    if (this.state === 'answer') return this.answer(delta);
    this.buffer += delta;
    const pieces: SplitPiece[] = [];
    if (this.state === 'start') {
      const trimmed = this.buffer.trimStart();
      if (trimmed.length < OPEN.length && OPEN.startsWith(trimmed)) return pieces;
      if (!trimmed.startsWith(OPEN)) {
        this.state = 'answer';
        const text = this.buffer;
        this.buffer = '';
        return text ? [{ kind: 'text', text }] : [];
      }
      this.state = 'thinking';
      this.buffer = trimmed.slice(OPEN.length);
    }
    const end = this.buffer.indexOf(CLOSE);
    if (end >= 0) {
      const reasoning = this.buffer.slice(0, end);
      const answer = this.buffer.slice(end + CLOSE.length);
      this.buffer = '';
      this.state = 'answer';
      this.skipLeadingSpace = true;
      if (reasoning) pieces.push({ kind: 'reasoning', text: reasoning });
      pieces.push(...this.answer(answer));
      return pieces;
    }
    const keep = partialTagLength(this.buffer, CLOSE);
    const certain = this.buffer.slice(0, this.buffer.length - keep);
    this.buffer = this.buffer.slice(this.buffer.length - keep);
    if (certain) pieces.push({ kind: 'reasoning', text: certain });
    return pieces;
  }

  private answer(delta: string): SplitPiece[] {
    let text = delta;
    if (this.skipLeadingSpace) {
      text = text.replace(/^\s+/, '');
      if (text) this.skipLeadingSpace = false;
    }
    return text ? [{ kind: 'text', text }] : [];
  }

  /** Emits whatever is held back once the input has ended. */
  flush(): SplitPiece[] {
    const text = this.buffer;
    this.buffer = '';
    if (!text) return [];
    return [{ kind: this.state === 'thinking' ? 'reasoning' : 'text', text }];
  }
}

/** Splits a whole reply at once. */
export function splitThinkTags(text: string): { text: string; reasoning: string } {
  const splitter = new ThinkTagSplitter();
  const pieces = [...splitter.push(text), ...splitter.flush()];
  return {
    text: pieces
      .filter((piece) => piece.kind === 'text')
      .map((piece) => piece.text)
      .join(''),
    reasoning: pieces
      .filter((piece) => piece.kind === 'reasoning')
      .map((piece) => piece.text)
      .join(''),
  };
}
