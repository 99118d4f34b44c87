/**
 * @module The journal of the write transaction in progress, `.autoskill/intent.json`: written (atomically)
 * before a transaction's revision lines are appended, removed once its folders are changed. If it is
 * still there when the next process takes the lock, that process replays every complete revision line
 * after the journal's log offset (see the argument in `file-skill-store.ts`).
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { z } from 'zod';
import { parseJsonValue, validate } from '../../shared/json.js';
import { type Durability, writeFileAtomic } from './atomic-write.js';

const IntentSchema = z.object({
  /** Size of the revision log when the transaction began: its first line starts here. */
  logOffset: z.number().int().nonnegative(),
  host: z.string(),
  pid: z.number(),
});
export type Intent = z.infer<typeof IntentSchema>;

export class IntentJournal {
  constructor(
    readonly path: string,
    private readonly durability: Durability,
  ) {}

  /** Records that a transaction starts at `logOffset` (lock holder only). */
  begin(logOffset: number): void {
    const intent: Intent = { logOffset, host: hostname(), pid: process.pid };
    writeFileAtomic(this.path, JSON.stringify(intent), this.durability);
  }

  /** One `stat`: whether an unfinished transaction left its journal. */
  pending(): boolean {
    return existsSync(this.path);
  }

  /** The unfinished transaction's journal; null when absent or unreadable (killed while writing it). */
  read(): Intent | null {
    try {
      return validate(parseJsonValue(readFileSync(this.path, 'utf8')), IntentSchema);
    } catch {
      return null;
    }
  }

  end(): void {
    rmSync(this.path, { force: true });
  }
}
