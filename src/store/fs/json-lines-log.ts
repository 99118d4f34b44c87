/**
 * @module An append-only JSON Lines file shared by processes: one writer at a time (the caller holds the
 * store lock), any number of readers. A line counts only once its final newline is written; a torn last
 * line (the writer was killed) is ignored by readers and cut off by the next writer (`repairTail`). Used
 * by the revision log, and meant for the other append-only records of the filesystem store (events,
 * jobs) too.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, statSync } from 'node:fs';
import { type Durability, writeAll } from './atomic-write.js';

export interface ReadLinesResult<T> {
  entries: Array<{ entry: T; offset: number }>;
  /** Offset just after the last complete line read. */
  end: number;
  /** Complete lines that failed to parse (reported, skipped). */
  bad: Array<{ offset: number; message: string }>;
}

const NEWLINE = 0x0a;

export class JsonLinesLog<T> {
  readonly path: string;
  private readonly durability: Durability;
  private readonly parse: (line: string) => T;

  /** `parse` turns one line into a value or throws (such lines are reported in `bad`). */
  constructor(options: { path: string; durability: Durability; parse: (line: string) => T }) {
    this.path = options.path;
    this.durability = options.durability;
    this.parse = options.parse;
  }

  /** Current size in bytes, or 0 when the log does not exist yet (one stat). */
  size(): number {
    try {
      return statSync(this.path).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw error;
    }
  }

  /** Reads every complete line from `offset` on. */
  readFrom(offset: number): ReadLinesResult<T> {
    const result: ReadLinesResult<T> = { entries: [], end: offset, bad: [] };
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return result;
      throw error;
    }
    let buffer: Buffer;
    try {
      const size = fstatSync(fd).size;
      if (size <= offset) return result;
      buffer = Buffer.allocUnsafe(size - offset);
      let done = 0;
      while (done < buffer.length) {
        const count = readSync(fd, buffer, done, buffer.length - done, offset + done);
        if (count === 0) break;
        done += count;
      }
      buffer = buffer.subarray(0, done);
    } finally {
      closeSync(fd);
    }
    let start = 0;
    for (;;) {
      const newline = buffer.indexOf(NEWLINE, start);
      if (newline < 0) break;
      const lineOffset = offset + start;
      const text = buffer.toString('utf8', start, newline);
      start = newline + 1;
      if (text.trim() === '') continue;
      try {
        result.entries.push({ entry: this.parse(text), offset: lineOffset });
      } catch (error) {
        result.bad.push({ offset: lineOffset, message: (error as Error).message });
      }
    }
    result.end = offset + start;
    return result;
  }

  /** Reads the one line that starts at `offset`. */
  readAt(offset: number): T | null {
    const fd = openSync(this.path, 'r');
    try {
      let chunk = 4096;
      for (;;) {
        const buffer = Buffer.allocUnsafe(chunk);
        const count = readSync(fd, buffer, 0, chunk, offset);
        const newline = buffer.subarray(0, count).indexOf(NEWLINE);
        if (newline >= 0) {
          return this.parse(buffer.toString('utf8', 0, newline));
        }
        if (count < chunk) return null;
        chunk *= 4;
      }
    } finally {
      closeSync(fd);
    }
  }

  /** Whether `offset` is 0 or just after a newline (a place where a line starts). */
  isLineEnd(offset: number): boolean {
    if (offset === 0) return true;
    const fd = openSync(this.path, 'r');
    try {
      const byte = Buffer.alloc(1);
      return readSync(fd, byte, 0, 1, offset - 1) === 1 && byte[0] === NEWLINE;
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Cuts a torn last line left by a killed writer. Only the lock holder may call this. Returns the new
   * size.
   */
  repairTail(): number {
    let fd: number;
    try {
      fd = openSync(this.path, 'r+');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw error;
    }
    try {
      const size = fstatSync(fd).size;
      let end = size;
      const buffer = Buffer.allocUnsafe(65536);
      while (end > 0) {
        const start = Math.max(0, end - buffer.length);
        const count = readSync(fd, buffer, 0, end - start, start);
        const newline = buffer.subarray(0, count).lastIndexOf(NEWLINE);
        if (newline >= 0) {
          end = start + newline + 1;
          break;
        }
        end = start;
      }
      if (end !== size) ftruncateSync(fd, end);
      return end;
    } finally {
      closeSync(fd);
    }
  }

  /** Appends entries with one write; returns the byte offset of each line. Lock holder only. */
  append(entries: T[]): number[] {
    const fd = openSync(this.path, 'a');
    try {
      let offset = fstatSync(fd).size;
      const offsets: number[] = [];
      const lines: string[] = [];
      for (const entry of entries) {
        const line = `${JSON.stringify(entry)}\n`;
        offsets.push(offset);
        offset += Buffer.byteLength(line);
        lines.push(line);
      }
      writeAll(fd, Buffer.from(lines.join(''), 'utf8'));
      if (this.durability === 'fsync') fsyncSync(fd);
      return offsets;
    } finally {
      closeSync(fd);
    }
  }
}
