/**
 * @module A line diff (Myers' O((N+M)·D) algorithm after trimming the common prefix and suffix) and its
 * rendering as a unified diff with 3 lines of context, as `diff -u` prints it. Very different texts
 * (more than `maxEdits` changed lines) fall back to "replace the differing middle", which is still a
 * correct diff, only not the shortest, so a pathological request cannot cost quadratic memory.
 */

export type DiffOperation = { kind: 'equal' | 'delete' | 'insert'; line: string };

export interface UnifiedDiffOptions {
  /** @default 'a/SKILL.md' */
  fromLabel?: string;
  /** @default 'b/SKILL.md' */
  toLabel?: string;
  /** Unchanged lines around each change. @default 3 */
  context?: number;
  /** Largest edit distance searched for before falling back. @default 4000 */
  maxEdits?: number;
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** Myers' shortest edit script between a and b (both already trimmed); null when over `maxEdits`. */
function myers(a: readonly string[], b: readonly string[], maxEdits: number): DiffOperation[] | null {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, maxEdits);
  const offset = max + 1;
  const frontier = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let edits = 0; edits <= max; edits += 1) {
    trace.push(frontier.slice());
    for (let diagonal = -edits; diagonal <= edits; diagonal += 2) {
      const down =
        diagonal === -edits ||
        (diagonal !== edits &&
          (frontier[offset + diagonal - 1] ?? 0) < (frontier[offset + diagonal + 1] ?? 0));
      let x = down ? (frontier[offset + diagonal + 1] ?? 0) : (frontier[offset + diagonal - 1] ?? 0) + 1;
      let y = x - diagonal;
      while (x < n && y < m && a[x] === b[y]) {
        x += 1;
        y += 1;
      }
      frontier[offset + diagonal] = x;
      if (x >= n && y >= m) return backtrack(a, b, trace, edits, offset);
    }
  }
  return null;
}

function backtrack(
  a: readonly string[],
  b: readonly string[],
  trace: Int32Array[],
  edits: number,
  offset: number,
): DiffOperation[] {
  const operations: DiffOperation[] = [];
  let x = a.length;
  let y = b.length;
  for (let step = edits; step > 0; step -= 1) {
    const frontier = trace[step] as Int32Array;
    const diagonal = x - y;
    const down =
      diagonal === -step ||
      (diagonal !== step && (frontier[offset + diagonal - 1] ?? 0) < (frontier[offset + diagonal + 1] ?? 0));
    const previousDiagonal = down ? diagonal + 1 : diagonal - 1;
    const previousX = frontier[offset + previousDiagonal] ?? 0;
    const previousY = previousX - previousDiagonal;
    while (x > previousX && y > previousY) {
      x -= 1;
      y -= 1;
      operations.push({ kind: 'equal', line: a[x] as string });
    }
    if (down) {
      y -= 1;
      operations.push({ kind: 'insert', line: b[y] as string });
    } else {
      x -= 1;
      operations.push({ kind: 'delete', line: a[x] as string });
    }
  }
  while (x > 0 && y > 0) {
    x -= 1;
    y -= 1;
    operations.push({ kind: 'equal', line: a[x] as string });
  }
  return operations.reverse();
}

/** The edit script turning `from` into `to`, line by line. */
export function diffLines(from: string, to: string, maxEdits = 4000): DiffOperation[] {
  const a = splitLines(from);
  const b = splitLines(to);
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix += 1;
  let suffix = 0;
  while (
    suffix < a.length - prefix &&
    suffix < b.length - prefix &&
    a[a.length - 1 - suffix] === b[b.length - 1 - suffix]
  ) {
    suffix += 1;
  }
  const middleA = a.slice(prefix, a.length - suffix);
  const middleB = b.slice(prefix, b.length - suffix);
  const middle = myers(middleA, middleB, maxEdits) ?? [
    ...middleA.map((line): DiffOperation => ({ kind: 'delete', line })),
    ...middleB.map((line): DiffOperation => ({ kind: 'insert', line })),
  ];
  return [
    ...a.slice(0, prefix).map((line): DiffOperation => ({ kind: 'equal', line })),
    ...middle,
    ...a.slice(a.length - suffix).map((line): DiffOperation => ({ kind: 'equal', line })),
  ];
}

function range(start: number, count: number): string {
  // diff -u: an empty range names the line before it; a one-line range omits the count.
  if (count === 0) return `${start - 1},0`;
  return count === 1 ? `${start}` : `${start},${count}`;
}

/** A unified diff of two texts; `''` when they are equal. */
export function unifiedDiff(from: string, to: string, options: UnifiedDiffOptions = {}): string {
  const context = options.context ?? 3;
  const operations = diffLines(from, to, options.maxEdits);
  const changed = operations.map((operation, index) => (operation.kind === 'equal' ? -1 : index));
  const changes = changed.filter((index) => index >= 0);
  if (changes.length === 0) return '';
  const out = [`--- ${options.fromLabel ?? 'a/SKILL.md'}`, `+++ ${options.toLabel ?? 'b/SKILL.md'}`];
  // Group changes whose context windows touch into hunks.
  const hunks: Array<[number, number]> = [];
  for (const index of changes) {
    const last = hunks.at(-1);
    if (last && index - last[1] <= 2 * context + 1) last[1] = index;
    else hunks.push([index, index]);
  }
  // Line numbers (1-based) in `from` and `to` before each operation.
  const fromLine: number[] = [];
  const toLine: number[] = [];
  let lineA = 1;
  let lineB = 1;
  for (const operation of operations) {
    fromLine.push(lineA);
    toLine.push(lineB);
    if (operation.kind !== 'insert') lineA += 1;
    if (operation.kind !== 'delete') lineB += 1;
  }
  for (const [first, last] of hunks) {
    const start = Math.max(0, first - context);
    const end = Math.min(operations.length - 1, last + context);
    const slice = operations.slice(start, end + 1);
    const countA = slice.filter((operation) => operation.kind !== 'insert').length;
    const countB = slice.filter((operation) => operation.kind !== 'delete').length;
    out.push(`@@ -${range(fromLine[start] ?? 1, countA)} +${range(toLine[start] ?? 1, countB)} @@`);
    for (const operation of slice) {
      const mark = operation.kind === 'equal' ? ' ' : operation.kind === 'delete' ? '-' : '+';
      out.push(`${mark}${operation.line}`);
    }
  }
  return `${out.join('\n')}\n`;
}
