/**
 * @module Atomic file replacement: write a uniquely named temp file beside the target, then rename it
 * over the target, so readers see the old or the new content and never a torn file. Temp names carry
 * pid and a counter, so two processes (or two writes in one process) never share one (the original's
 * fixed `.tmp` names collided — core.md §14 item 25).
 */
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * `rename`: temp file + rename; survives the process being killed at any point (the kernel keeps what
 * was written). `fsync`: additionally flushes file and folder to disk before the rename counts, so
 * changes also survive power loss, at a cost of milliseconds per write on real disks.
 */
export type Durability = 'fsync' | 'rename';

let counter = 0;

/** A temp path beside `target` that no other writer uses. Starts with `.` so scanners skip it. */
export function tempPathFor(target: string): string {
  counter = (counter + 1) % 1_000_000_000;
  return join(dirname(target), `.${basename(target)}.${process.pid}.${counter}.tmp`);
}

/** Writes all of `data` to an open descriptor. */
export function writeAll(fd: number, data: Uint8Array): void {
  let offset = 0;
  while (offset < data.length) offset += writeSync(fd, data, offset, data.length - offset);
}

/** Flushes a folder entry (after a rename or create) to disk; a no-op where folders cannot be opened. */
export function fsyncDirectory(path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on folders; the file itself was flushed.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Replaces `target` with `data` atomically. The folder must exist. */
export function writeFileAtomic(
  target: string,
  data: Uint8Array | string,
  durability: Durability,
  options: {
    /** Permissions of the new file, set whatever the umask (e.g. `0o600` for secrets). @default the umask's */
    mode?: number;
  } = {},
): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const temp = tempPathFor(target);
  const fd = options.mode === undefined ? openSync(temp, 'wx') : openSync(temp, 'wx', options.mode);
  try {
    writeAll(fd, bytes);
    if (durability === 'fsync') fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  try {
    if (options.mode !== undefined) chmodSync(temp, options.mode);
    renameSync(temp, target);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  if (durability === 'fsync') fsyncDirectory(dirname(target));
}

/** Writes a file in place (no temp file); only for folders nobody can see yet. */
export function writeFileDirect(target: string, data: Uint8Array | string, durability: Durability): void {
  const fd = openSync(target, 'w');
  try {
    writeAll(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    if (durability === 'fsync') fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Creates a folder (and missing parents); true when this call created it, false when it existed. */
export function makeFolder(path: string): boolean {
  try {
    mkdirSync(path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'ENOENT') throw error;
  }
  mkdirSync(dirname(path), { recursive: true });
  return makeFolder(path);
}
