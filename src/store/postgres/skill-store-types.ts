/** @module The PostgreSQL skill store's options and the shapes its library and copy methods take and give. */
import type { Skill } from '../../skill/schema.js';
import type { PostgresDatabase, PostgresDatabaseOptions } from './database.js';

export interface PostgresSkillStoreOptions extends Omit<PostgresDatabaseOptions, 'onError'> {
  /** A database handle shared with other stores of this process (not closed by `close`). */
  database?: PostgresDatabase;
  /** @default () => new Date() */
  clock?: () => Date;
  /** @default newSkillId (uuid4) */
  newId?: () => string;
  /** Told about failures in the background (a lost listening connection, a failed sync). */
  onError?: (error: unknown, context: string) => void;
  /**
   * Where the search index keeps vectors: `pgvector` (a `vector` column with an HNSW index, searched in
   * SQL), `column` (float32 bytes in a plain column, scored in the replica from a cache kept in step)
   * or `auto` (pgvector when the server has the extension). @default 'auto'
   */
  vectors?: 'auto' | 'pgvector' | 'column';
  /**
   * `strict`: every read first asks the change feed (one indexed query), so it sees every write committed
   * before it by any replica. `notify`: reads ask only after a NOTIFY arrived (or while the listening
   * connection is down), so a steady read costs no round trip; a write of another replica is seen once
   * its notification arrives (normally well under a millisecond after its commit). @default 'strict'
   */
  readConsistency?: 'strict' | 'notify';
}

/** What `copySnapshot` tells about one skill. */
export interface CopySnapshotEntry {
  owner: string;
  revision: number;
  visible: boolean;
  readOnly: boolean;
  location: string;
  /** `contentFingerprint` of the visible (or deleted) state. */
  fingerprint: string;
  history: Array<{ revision: number; at: string; operation: string }>;
}

/** One library skill to write (`Common/<library>/<rel>`); see `writeLibrarySkills`. */
export interface PostgresLibrarySkillWrite {
  rel: string;
  skillMd: string;
  files: Record<string, Uint8Array>;
}

export interface PostgresLibraryWriteResult {
  location: string;
  status: 'imported' | 'skipped' | 'failed';
  reason?: string;
  code?: string;
}

/** A skill's visible state exactly as another store holds it (for `autoskill store copy`). */
export interface CopiedSkillState {
  id: string;
  owner: string;
  location: string;
  readOnly: boolean;
  /** Revision of the visible state (0: no history). */
  revision: number;
  skill: Skill;
  skillMd: string;
  files: Record<string, Uint8Array>;
  /** False for a deleted skill (its last revision deleted it). */
  visible: boolean;
}
