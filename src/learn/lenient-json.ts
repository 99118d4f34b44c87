/**
 * @module Reads JSON out of a model reply: whole, inside a code fence, or surrounded by prose — and
 * when the reply was cut off, as much of it as was sent. It is a real recursive-descent parser that
 * stops at the end of the input and reports which parts are incomplete (an unterminated string, an
 * unclosed list), instead of hunting for brackets with a regex. It also tolerates what models commonly
 * get wrong: trailing commas, raw newlines inside strings, `//` comments, Python literals.
 */

export interface JsonPrefix {
  value: unknown;
  /** Offset just after the parsed value. */
  end: number;
  /** False when the input ended inside the value. */
  complete: boolean;
  /** Paths (`skills.0.prompt`) of strings, lists and objects the input ended inside. */
  incomplete: string[];
}

class JsonSyntaxError extends Error {}

const END = Symbol('end');

class PrefixParser {
  private position: number;
  readonly incomplete: string[] = [];

  constructor(
    private readonly text: string,
    start: number,
  ) {
    this.position = start;
  }

  get offset(): number {
    return this.position;
  }

  private atEnd(): boolean {
    return this.position >= this.text.length;
  }

  private skipSpace(): void {
    for (;;) {
      while (!this.atEnd() && /\s/.test(this.text[this.position] as string)) this.position += 1;
      if (this.text.startsWith('//', this.position)) {
        const newline = this.text.indexOf('\n', this.position);
        this.position = newline < 0 ? this.text.length : newline + 1;
        continue;
      }
      if (this.text.startsWith('/*', this.position)) {
        const close = this.text.indexOf('*/', this.position + 2);
        this.position = close < 0 ? this.text.length : close + 2;
        continue;
      }
      return;
    }
  }

  /** Parses one value; returns END when the input ended before any value started. */
  value(path: string): unknown {
    this.skipSpace();
    if (this.atEnd()) return END;
    const character = this.text[this.position] as string;
    if (character === '{') return this.object(path);
    if (character === '[') return this.array(path);
    if (character === '"') return this.string(path, '"');
    if (character === '-' || (character >= '0' && character <= '9')) return this.number();
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
      ['True', true],
      ['False', false],
      ['None', null],
    ] as const) {
      if (this.text.startsWith(word, this.position)) {
        this.position += word.length;
        return value;
      }
      if (word.startsWith(this.text.slice(this.position)) && this.text.length - this.position < word.length) {
        this.position = this.text.length;
        this.incomplete.push(path);
        return value;
      }
    }
    throw new JsonSyntaxError(`Unexpected "${character}" at ${this.position}`);
  }

  private object(path: string): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    this.position += 1;
    for (;;) {
      this.skipSpace();
      if (this.atEnd()) {
        this.incomplete.push(path);
        return result;
      }
      const character = this.text[this.position];
      if (character === '}') {
        this.position += 1;
        return result;
      }
      if (character === ',') {
        this.position += 1;
        continue;
      }
      const key = this.key(path);
      if (key === END) {
        this.incomplete.push(path);
        return result;
      }
      this.skipSpace();
      if (this.atEnd()) {
        this.incomplete.push(path);
        return result;
      }
      if (this.text[this.position] !== ':') throw new JsonSyntaxError(`Expected ":" at ${this.position}`);
      this.position += 1;
      const childPath = path ? `${path}.${key}` : key;
      const value = this.value(childPath);
      if (value === END) {
        this.incomplete.push(path);
        return result;
      }
      result[key] = value;
      if (this.incomplete.length > 0 && this.atEnd()) {
        this.incomplete.push(path);
        return result;
      }
    }
  }

  private key(path: string): string | typeof END {
    const character = this.text[this.position] as string;
    if (character === '"') {
      const before = this.incomplete.length;
      const key = this.string(path, '"');
      // A key cut off mid-way is not a key.
      if (this.incomplete.length > before) {
        this.incomplete.length = before;
        return END;
      }
      return key;
    }
    const bare = /^[A-Za-z_$][\w$-]*/.exec(this.text.slice(this.position));
    if (!bare) throw new JsonSyntaxError(`Expected a key at ${this.position}`);
    this.position += bare[0].length;
    return bare[0];
  }

  private array(path: string): unknown[] {
    const result: unknown[] = [];
    this.position += 1;
    for (;;) {
      this.skipSpace();
      if (this.atEnd()) {
        this.incomplete.push(path);
        return result;
      }
      const character = this.text[this.position];
      if (character === ']') {
        this.position += 1;
        return result;
      }
      if (character === ',') {
        this.position += 1;
        continue;
      }
      const value = this.value(path ? `${path}.${result.length}` : String(result.length));
      if (value === END) {
        this.incomplete.push(path);
        return result;
      }
      result.push(value);
      if (this.incomplete.length > 0 && this.atEnd()) {
        this.incomplete.push(path);
        return result;
      }
    }
  }

  private string(path: string, quote: string): string {
    this.position += 1;
    let result = '';
    while (!this.atEnd()) {
      const character = this.text[this.position] as string;
      if (character === quote) {
        this.position += 1;
        return result;
      }
      if (character === '\\') {
        const next = this.text[this.position + 1];
        if (next === undefined) break;
        const simple: Record<string, string> = {
          n: '\n',
          t: '\t',
          r: '\r',
          b: '\b',
          f: '\f',
          '/': '/',
          '\\': '\\',
          '"': '"',
          "'": "'",
        };
        if (next === 'u') {
          const hex = this.text.slice(this.position + 2, this.position + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
            if (this.position + 6 > this.text.length) break;
            throw new JsonSyntaxError(`Bad \\u escape at ${this.position}`);
          }
          result += String.fromCharCode(Number.parseInt(hex, 16));
          this.position += 6;
          continue;
        }
        result += simple[next] ?? next;
        this.position += 2;
        continue;
      }
      result += character;
      this.position += 1;
    }
    this.position = this.text.length;
    this.incomplete.push(path);
    return result;
  }

  private number(): number {
    const match = /^-?(?:\d+)(?:\.\d*)?(?:[eE][+-]?\d*)?/.exec(this.text.slice(this.position));
    if (!match) throw new JsonSyntaxError(`Bad number at ${this.position}`);
    this.position += match[0].length;
    const value = Number(match[0]);
    if (!Number.isFinite(value)) throw new JsonSyntaxError(`Bad number at ${this.position}`);
    return value;
  }
}

/** Parses one JSON value starting at `start`; `undefined` when no value starts there. */
export function parseJsonPrefix(text: string, start = 0): JsonPrefix | undefined {
  const parser = new PrefixParser(text, start);
  try {
    const value = parser.value('');
    if (value === END) return undefined;
    const incomplete = [...new Set(parser.incomplete)];
    return { value, end: parser.offset, complete: incomplete.length === 0, incomplete };
  } catch (error) {
    if (error instanceof JsonSyntaxError) return undefined;
    throw error;
  }
}

export interface LenientJson extends JsonPrefix {
  /** Where the JSON was found. */
  origin: 'whole' | 'fence' | 'embedded';
}

/** How much a parsed value looks like an extraction reply: higher is better, 0 is "some JSON". */
function replyScore(value: unknown): number {
  const isSkill = (item: unknown) =>
    !!item && typeof item === 'object' && !Array.isArray(item) && 'name' in (item as Record<string, unknown>);
  if (Array.isArray(value)) return value.length === 0 || value.some(isSkill) ? 2 : 0;
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (Array.isArray(record['skills'])) return 3;
    if (isSkill(record) && ('prompt' in record || 'instructions' in record)) return 1;
    return 0;
  }
  return -1;
}

const FENCE = /```[ \t]*(?:json|JSON|javascript|js)?[ \t]*\r?\n?([\s\S]*?)(?:```|$)/g;
const MAX_STARTS = 200;

/**
 * The best JSON object or list in a model reply (see the module comment); `undefined` when the reply
 * holds none. Among several, a `{"skills": [...]}` envelope wins over a bare list of skills, which wins
 * over a single skill object, which wins over any other object or list; earlier wins among equals.
 */
export function parseLenientJson(reply: string): LenientJson | undefined {
  const text = reply.replace(/^\uFEFF/, '');
  const whole = parseJsonPrefix(text.trim());
  if (whole && (whole.end >= text.trim().length || !whole.complete) && replyScore(whole.value) >= 0) {
    const trailing = text.trim().slice(whole.end).trim();
    if (trailing.length === 0) return { ...whole, origin: 'whole' };
  }
  let best: { parse: LenientJson; score: number } | undefined;
  const consider = (parse: JsonPrefix | undefined, origin: LenientJson['origin']) => {
    if (!parse) return;
    const score = replyScore(parse.value);
    if (score < 0) return;
    const rank = score * 2 + (parse.complete ? 1 : 0);
    if (!best || rank > best.score) best = { parse: { ...parse, origin }, score: rank };
  };
  for (const match of text.matchAll(FENCE)) {
    const body = match[1] ?? '';
    const start = body.search(/[[{]/);
    if (start >= 0) consider(parseJsonPrefix(body, start), 'fence');
  }
  let starts = 0;
  let skipUntil = -1;
  for (let index = 0; index < text.length && starts < MAX_STARTS; index += 1) {
    const character = text[index];
    if ((character !== '{' && character !== '[') || index < skipUntil) continue;
    starts += 1;
    const parse = parseJsonPrefix(text, index);
    consider(parse, 'embedded');
    if (parse && replyScore(parse.value) >= 2) skipUntil = parse.end;
  }
  return best?.parse;
}
