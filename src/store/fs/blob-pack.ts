/**
 * @module Content-addressed, append-only storage of revision content (SKILL.md texts and resource
 * files) in pack files under `.autoskill/objects/`. A blob is written once and never changed; equal
 * content is stored once. Appends are buffered and written with one call per transaction.
 */
import * as crypto from 'node:crypto';
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { AutoSkillError } from '../../shared/errors.js';
import { type Durability, writeAll } from './atomic-write.js';

/** Where a blob lives: sha-256 hex, pack number, byte offset, length. */
export const BlobRefSchema = z.object({
  h: z.string(),
  p: z.number().int().nonnegative(),
  o: z.number().int().nonnegative(),
  n: z.number().int().nonnegative(),
});
export type BlobRef = z.infer<typeof BlobRefSchema>;

/** A pack is closed for appends once it passes this size. */
const MAX_PACK_BYTES = 256 * 1024 * 1024;

/** Hex sha-256; the one-shot `crypto.hash` (Node ≥ 20.12) where present, as it skips a Hash object. */
export function sha256(data: Uint8Array | string): string {
  return oneShot ? oneShot('sha256', data, 'hex') : createHash('sha256').update(data).digest('hex');
}

const oneShot = (
  crypto as { hash?: (algorithm: string, data: Uint8Array | string, encoding: 'hex') => string }
).hash;

export class BlobPack {
  private readonly dir: string;
  private readonly durability: Durability;
  private readonly known = new Map<string, BlobRef>();
  private pending: Buffer[] = [];
  /** Blobs of the open transaction, readable before `flush`. */
  private readonly pendingByHash = new Map<string, Buffer>();
  private pendingBytes = 0;
  private current: { number: number; fd: number; size: number } | null = null;
  private readonly readFds = new Map<number, number>();

  constructor(options: { dir: string; durability: Durability }) {
    this.dir = options.dir;
    this.durability = options.durability;
  }

  /** Registers a blob seen in the revision log so equal content is not stored twice. */
  remember(ref: BlobRef): void {
    if (!this.known.has(ref.h)) this.known.set(ref.h, ref);
  }

  /** Starts a transaction: another process may have appended since, so re-read the pack's size. */
  begin(): void {
    this.pending = [];
    this.pendingByHash.clear();
    this.pendingBytes = 0;
    if (this.current) this.current.size = fstatSync(this.current.fd).size;
  }

  /** Returns where `data` is (or will be, after `flush`) stored. Call only while holding the store lock. */
  put(data: Uint8Array): BlobRef {
    const hash = sha256(data);
    const existing = this.known.get(hash);
    if (existing) return existing;
    const pack = this.openForAppend();
    const ref: BlobRef = { h: hash, p: pack.number, o: pack.size + this.pendingBytes, n: data.length };
    const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.pending.push(buffer);
    this.pendingByHash.set(hash, buffer);
    this.pendingBytes += data.length;
    this.known.set(hash, ref);
    return ref;
  }

  /** Writes buffered blobs (and flushes them to disk in `fsync` mode). Must precede the log append. */
  flush(): void {
    if (this.pending.length === 0 || this.current === null) return;
    writeAll(this.current.fd, Buffer.concat(this.pending, this.pendingBytes));
    if (this.durability === 'fsync') fsyncSync(this.current.fd);
    this.current.size += this.pendingBytes;
    this.pending = [];
    this.pendingByHash.clear();
    this.pendingBytes = 0;
  }

  /** Forgets buffered blobs of a transaction that failed before `flush`. */
  discardPending(): void {
    if (this.pending.length === 0) return;
    for (const [hash, ref] of this.known) {
      if (this.current && ref.p === this.current.number && ref.o >= this.current.size)
        this.known.delete(hash);
    }
    this.pending = [];
    this.pendingByHash.clear();
    this.pendingBytes = 0;
  }

  read(ref: BlobRef): Buffer {
    const pending = this.pendingByHash.get(ref.h);
    if (pending) return pending;
    let fd = this.readFds.get(ref.p);
    if (fd === undefined) {
      try {
        fd = openSync(this.packPath(ref.p), 'r');
      } catch (cause) {
        throw new AutoSkillError('STORE_CORRUPT', `Revision pack ${this.packPath(ref.p)} is missing`, {
          cause,
        });
      }
      this.readFds.set(ref.p, fd);
    }
    const buffer = Buffer.allocUnsafe(ref.n);
    let done = 0;
    while (done < ref.n) {
      const count = readSync(fd, buffer, done, ref.n - done, ref.o + done);
      if (count === 0) break;
      done += count;
    }
    if (done !== ref.n || sha256(buffer) !== ref.h) {
      throw new AutoSkillError('STORE_CORRUPT', `Blob ${ref.h} in ${this.packPath(ref.p)} is damaged`, {
        details: { blob: ref },
      });
    }
    return buffer;
  }

  close(): void {
    if (this.current) closeSync(this.current.fd);
    this.current = null;
    for (const fd of this.readFds.values()) closeSync(fd);
    this.readFds.clear();
  }

  private packPath(number: number): string {
    return join(this.dir, `pack-${String(number).padStart(6, '0')}.dat`);
  }

  private openForAppend(): { number: number; fd: number; size: number } {
    if (this.current && this.current.size + this.pendingBytes < MAX_PACK_BYTES) return this.current;
    if (this.current && this.pending.length > 0) return this.current;
    let number = this.current ? this.current.number + 1 : this.highestKnownPack();
    mkdirSync(this.dir, { recursive: true });
    for (;;) {
      const fd = openSync(this.packPath(number), 'a');
      const size = fstatSync(fd).size;
      if (size < MAX_PACK_BYTES) {
        if (this.current) closeSync(this.current.fd);
        this.current = { number, fd, size };
        return this.current;
      }
      closeSync(fd);
      number += 1;
    }
  }

  private highestKnownPack(): number {
    let highest = 1;
    for (const ref of this.known.values()) highest = Math.max(highest, ref.p);
    return highest;
  }
}
