/**
 * @module A small line diff for comparing two revisions of a SKILL.md: Myers' O((N+M)·D) algorithm over
 * lines (after trimming the common head and tail), grouped into unified-diff hunks with context lines.
 * When the texts differ in more than `maxEdits` lines the diff degrades to "remove all, add all" rather
 * than spend quadratic time on files that have nothing in common.
 */

export interface DiffLine {
  kind: 'context' | 'add' | 'remove';
  text: string;
  /** 1-based line number in the old text (absent for added lines). */
  oldLine?: number;
  /** 1-based line number in the new text (absent for removed lines). */
  newLine?: number;
}

export interface DiffHunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  lines: DiffLine[];
}

export interface LineDiff {
  added: number;
  removed: number;
  hunks: DiffHunk[];
  /** Unified diff text (`--- a`, `+++ b`, `@@ … @@` hunks); empty when the texts are equal. */
  unified: string;
}

export interface DiffLinesOptions {
  oldText: string;
  newText: string;
  /** Unchanged lines shown around each change. @default 3 */
  context?: number;
  /** Labels of the `---` / `+++` lines. @default 'a', 'b' */
  oldLabel?: string;
  newLabel?: string;
  /** Beyond this many differing lines, everything is shown as replaced. @default 4000 */
  maxEdits?: number;
}

type Op = { kind: DiffLine['kind']; oldIndex: number; newIndex: number };

function splitLines(text: string): string[] {
  if (text.length === 0) return [];
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** Myers' shortest edit script between a[lo..] and b[lo..]; null when it exceeds `maxEdits`. */
function myers(a: readonly string[], b: readonly string[], maxEdits: number): Op[] | null {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, maxEdits);
  const offset = max + 1;
  let v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max && found < 0; d += 1) {
    trace.push(v.slice());
    const next = v;
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && (next[offset + k - 1] as number) < (next[offset + k + 1] as number))
          ? (next[offset + k + 1] as number)
          : (next[offset + k - 1] as number) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x += 1;
        y += 1;
      }
      next[offset + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
    v = next;
  }
  if (found < 0) return null;
  trace.push(v.slice());
  // Walk back through the trace to recover the edit script.
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d -= 1) {
    const previous = trace[d] as Int32Array;
    const k = x - y;
    const down =
      k === -d || (k !== d && (previous[offset + k - 1] as number) < (previous[offset + k + 1] as number));
    const previousK = down ? k + 1 : k - 1;
    const previousX = previous[offset + previousK] as number;
    const previousY = previousX - previousK;
    while (x > previousX && y > previousY) {
      x -= 1;
      y -= 1;
      ops.push({ kind: 'context', oldIndex: x, newIndex: y });
    }
    if (down) {
      y -= 1;
      ops.push({ kind: 'add', oldIndex: x, newIndex: y });
    } else {
      x -= 1;
      ops.push({ kind: 'remove', oldIndex: x, newIndex: y });
    }
  }
  while (x > 0 && y > 0) {
    x -= 1;
    y -= 1;
    ops.push({ kind: 'context', oldIndex: x, newIndex: y });
  }
  return ops.reverse();
}

function editScript(a: readonly string[], b: readonly string[], maxEdits: number): Op[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head += 1;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  ) {
    tail += 1;
  }
  const middleA = a.slice(head, a.length - tail);
  const middleB = b.slice(head, b.length - tail);
  let middle = myers(middleA, middleB, maxEdits);
  if (middle === null) {
    middle = [
      ...middleA.map((_, index) => ({ kind: 'remove' as const, oldIndex: index, newIndex: 0 })),
      ...middleB.map((_, index) => ({ kind: 'add' as const, oldIndex: middleA.length, newIndex: index })),
    ];
  }
  const ops: Op[] = [];
  for (let index = 0; index < head; index += 1)
    ops.push({ kind: 'context', oldIndex: index, newIndex: index });
  for (const op of middle) ops.push({ ...op, oldIndex: op.oldIndex + head, newIndex: op.newIndex + head });
  for (let index = 0; index < tail; index += 1) {
    ops.push({
      kind: 'context',
      oldIndex: a.length - tail + index,
      newIndex: b.length - tail + index,
    });
  }
  return ops;
}

/** Line diff of two texts, as hunks and as unified diff text. */
export function diffLines(options: DiffLinesOptions): LineDiff {
  const a = splitLines(options.oldText);
  const b = splitLines(options.newText);
  const context = Math.max(0, options.context ?? 3);
  const ops = editScript(a, b, options.maxEdits ?? 4000);
  const lines: DiffLine[] = ops.map((op) => {
    if (op.kind === 'add') return { kind: 'add', text: b[op.newIndex] as string, newLine: op.newIndex + 1 };
    if (op.kind === 'remove')
      return { kind: 'remove', text: a[op.oldIndex] as string, oldLine: op.oldIndex + 1 };
    return {
      kind: 'context',
      text: a[op.oldIndex] as string,
      oldLine: op.oldIndex + 1,
      newLine: op.newIndex + 1,
    };
  });
  const changed = lines
    .map((line, index) => (line.kind === 'context' ? -1 : index))
    .filter((index) => index >= 0);
  const hunks: DiffHunk[] = [];
  let start = 0;
  while (start < changed.length) {
    let end = start;
    while (
      end + 1 < changed.length &&
      (changed[end + 1] as number) - (changed[end] as number) <= 2 * context + 1
    ) {
      end += 1;
    }
    const from = Math.max(0, (changed[start] as number) - context);
    const to = Math.min(lines.length - 1, (changed[end] as number) + context);
    const slice = lines.slice(from, to + 1);
    const oldLines = slice.filter((line) => line.kind !== 'add').length;
    const newLines = slice.filter((line) => line.kind !== 'remove').length;
    const firstOld = slice.find((line) => line.oldLine !== undefined)?.oldLine;
    const firstNew = slice.find((line) => line.newLine !== undefined)?.newLine;
    hunks.push({
      oldStart: oldLines === 0 ? (firstOld ?? 1) - 1 : (firstOld ?? 1),
      oldLines,
      newStart: newLines === 0 ? (firstNew ?? 1) - 1 : (firstNew ?? 1),
      newLines,
      lines: slice,
    });
    start = end + 1;
  }
  const added = lines.filter((line) => line.kind === 'add').length;
  const removed = lines.filter((line) => line.kind === 'remove').length;
  let unified = '';
  if (hunks.length > 0) {
    const out = [`--- ${options.oldLabel ?? 'a'}`, `+++ ${options.newLabel ?? 'b'}`];
    for (const hunk of hunks) {
      out.push(`@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`);
      for (const line of hunk.lines) {
        out.push(`${line.kind === 'add' ? '+' : line.kind === 'remove' ? '-' : ' '}${line.text}`);
      }
    }
    unified = `${out.join('\n')}\n`;
  }
  return { added, removed, hunks, unified };
}
