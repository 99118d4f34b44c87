/**
 * @module `autoskill store copy`: copies every skill (user skills with their whole history, deleted
 * ones included, and read-only library skills) from one store to another — a SkillBank folder to
 * PostgreSQL or back — then verifies counts, revisions and content.
 *
 * - **Idempotent.** A skill the target already holds at the same revision with the same content is
 *   left alone; a target behind the source gets only the missing revisions; so a second run copies
 *   nothing. A target whose history of a skill is not a prefix of the source's (changed on both sides)
 *   is reported as a conflict and never overwritten.
 * - **Into PostgreSQL** revisions are copied as they are (numbers, operations, times, actors, content).
 * - **Into a SkillBank** the filesystem store writes its own revisions: each source revision is replayed
 *   as one write with the source's content, actor, reason and time, so revision numbers and content
 *   match; operations become the store's own (`create`, `update`, `delete`, `restore`) and rollbacks
 *   lose their `restoredFrom`. A skill without history (revision 0) gets revision 1 there.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AutoSkillError, errorMessage } from '../../shared/errors.js';
import { FileSkillStore } from '../fs/file-skill-store.js';
import { nameProblem } from '../safe-paths.js';
import type { RevisionContent, RevisionSummary, SkillFiles, SkillStore, StoredSkill } from '../types.js';
import type { CopiedSkillState, PostgresSkillStore } from './postgres-skill-store.js';
import { contentFingerprint, sha256Hex } from './skill-rows.js';

export interface CopyStoreOptions {
  from: SkillStore;
  /** A `PostgresSkillStore` or a `FileSkillStore`. */
  to: SkillStore;
  /** For a SkillBank target: sets the time its clock reports while a revision is replayed. */
  setTargetTime?: (iso: string | null) => void;
  /** Called after each skill. */
  onProgress?: (done: number, total: number, id: string) => void;
}

export interface CopyReport {
  skills: number;
  libraries: number;
  /** Skills written (new to the target, or behind it). */
  copied: number;
  unchanged: number;
  /** Revisions written to the target. */
  revisions: number;
  conflicts: Array<{ id: string; reason: string }>;
  verification: CopyVerification;
}

export interface CopyVerification {
  ok: boolean;
  /** Visible skills per side. */
  sourceVisible: number;
  targetVisible: number;
  /** Revisions per side, over the copied skills. */
  sourceRevisions: number;
  targetRevisions: number;
  mismatches: Array<{ id: string; problem: string }>;
}

interface SourceSkill {
  stored: StoredSkill;
  /** False for a deleted user skill. */
  visible: boolean;
}

const PAGE = 10_000;

/** Copies `from` into `to` and verifies the result (see the module comment). */
export async function copySkillStore(options: CopyStoreOptions): Promise<CopyReport> {
  const { from, to } = options;
  if (!isPostgresTarget(to) && !(to instanceof FileSkillStore)) {
    throw new AutoSkillError(
      'UNSUPPORTED',
      'store copy writes into a PostgreSQL store or a SkillBank folder',
    );
  }
  const skills = await enumerate(from);
  const report: CopyReport = {
    skills: skills.length,
    libraries: skills.filter((skill) => skill.stored.readOnly).length,
    copied: 0,
    unchanged: 0,
    revisions: 0,
    conflicts: [],
    verification: emptyVerification(),
  };
  if (isPostgresTarget(to)) {
    report.verification = await copyIntoPostgres(options, to, skills, report);
    return report;
  }
  let done = 0;
  for (const skill of skills) {
    try {
      const outcome = skill.stored.readOnly
        ? await copyLibrarySkill(from, to, skill.stored)
        : await copyUserSkill(options, skill);
      if (outcome.written) report.copied += 1;
      else report.unchanged += 1;
      report.revisions += outcome.revisions;
    } catch (error) {
      report.conflicts.push({ id: skill.stored.id, reason: errorMessage(error) });
    } finally {
      options.setTargetTime?.(null);
    }
    done += 1;
    options.onProgress?.(done, skills.length, skill.stored.id);
  }
  report.verification = await verifyCopy(from, to, skills, new Set(report.conflicts.map((item) => item.id)));
  return report;
}

/** What the copy learnt about a source skill, for the verification. */
interface SourceFacts {
  id: string;
  visible: boolean;
  readOnly: boolean;
  revision: number;
  revisions: number;
  fingerprint: string;
}

const BATCH = 200;

/**
 * Into PostgreSQL: the target's state is read once (`copySnapshot`), each source skill is compared with
 * it, and the skills to write go in batches of one transaction each; the verification reads the target
 * once more.
 */
async function copyIntoPostgres(
  options: CopyStoreOptions,
  to: PostgresSkillStore,
  skills: readonly SourceSkill[],
  report: CopyReport,
): Promise<CopyVerification> {
  const { from } = options;
  const before = await to.copySnapshot();
  const facts: SourceFacts[] = [];
  let pending: Array<{ state: CopiedSkillState; revisions: RevisionContent[] }> = [];
  let done = 0;
  const flush = async () => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    const results = await to.importSkillHistories(batch);
    results.forEach((result, index) => {
      if (result.error) report.conflicts.push({ id: result.id, reason: result.error });
      else {
        report.copied += 1;
        report.revisions += batch[index]?.revisions.length ?? 0;
      }
    });
  };
  for (const skill of skills) {
    const id = skill.stored.id;
    try {
      const files = skill.visible ? await from.readFiles(id) : null;
      const history = skill.stored.readOnly ? [] : ((await historyOf(from, id)) ?? []);
      const head = history.at(-1)?.revision ?? skill.stored.revision;
      const revisions: RevisionContent[] = [];
      const target = before.get(id);
      const have = target?.revision ?? 0;
      if (target) {
        if (target.owner !== skill.stored.owner)
          throw new Error(`skill ${id} belongs to ${target.owner} in the target`);
        if (have > head) throw new Error(`the target is ahead (revision ${have})`);
        for (const entry of target.history) {
          const twin = history.find((item) => item.revision === entry.revision);
          if (!twin || twin.at !== entry.at || twin.operation !== entry.operation) {
            throw new Error(`revision ${entry.revision} differs between source and target`);
          }
        }
      }
      for (const entry of history)
        if (entry.revision > have) revisions.push(await from.getRevision(id, entry.revision));
      const last = revisions.at(-1) ?? (history.length > 0 ? await from.getRevision(id, head) : undefined);
      const state: CopiedSkillState = files
        ? stateOf(skill.stored, files, true)
        : stateOf(
            {
              ...(last?.skill ?? skill.stored),
              revision: head,
              location: last?.location ?? skill.stored.location,
              readOnly: false,
            },
            { skillMd: last?.skillMd ?? '', files: last?.files ?? {} },
            false,
          );
      const fingerprint = fingerprintOf({ skillMd: state.skillMd, files: state.files });
      facts.push({
        id,
        visible: skill.visible,
        readOnly: skill.stored.readOnly,
        revision: head,
        revisions: history.length,
        fingerprint,
      });
      const same =
        target !== undefined &&
        revisions.length === 0 &&
        target.visible === skill.visible &&
        target.fingerprint === fingerprint &&
        target.location === state.location;
      if (same) report.unchanged += 1;
      else pending.push({ state, revisions });
      if (pending.length >= BATCH) await flush();
    } catch (error) {
      report.conflicts.push({ id, reason: errorMessage(error) });
    }
    done += 1;
    options.onProgress?.(done, skills.length, id);
  }
  await flush();
  const after = await to.copySnapshot();
  const conflicted = new Set(report.conflicts.map((item) => item.id));
  const verification = emptyVerification();
  for (const fact of facts) {
    if (fact.visible) verification.sourceVisible += 1;
    if (conflicted.has(fact.id)) continue;
    const problem = (text: string) => verification.mismatches.push({ id: fact.id, problem: text });
    const target = after.get(fact.id);
    if (target?.visible) verification.targetVisible += 1;
    if (!target) {
      problem('missing in the target');
      continue;
    }
    if (target.visible !== fact.visible)
      problem(fact.visible ? 'deleted in the target' : 'visible in the target');
    if (target.revision !== fact.revision) problem(`revision ${fact.revision} vs ${target.revision}`);
    if (!fact.readOnly) {
      verification.sourceRevisions += fact.revisions;
      verification.targetRevisions += target.history.length;
      if (target.history.length !== fact.revisions) {
        problem(`${fact.revisions} revisions in the source, ${target.history.length} in the target`);
      }
    }
    if (target.fingerprint !== fact.fingerprint) problem('content differs');
  }
  verification.ok = verification.mismatches.length === 0;
  return verification;
}

function fingerprintOf(files: SkillFiles): string {
  const hashes: Record<string, string> = {};
  for (const [path, bytes] of Object.entries(files.files)) hashes[path] = sha256Hex(bytes);
  return contentFingerprint(files.skillMd, hashes);
}

function isPostgresTarget(store: SkillStore): store is PostgresSkillStore {
  return typeof (store as Partial<PostgresSkillStore>).importSkillHistory === 'function';
}

/** Every library skill, every visible user skill and every deleted one, of every user. */
export async function enumerate(store: SkillStore): Promise<SourceSkill[]> {
  const out: SourceSkill[] = [];
  for (const skill of await listAll(store, { scope: 'library' })) out.push({ stored: skill, visible: true });
  for (const owner of await ownersOf(store)) {
    for (const skill of await listAll(store, { scope: 'user', userId: owner, includeArchived: true })) {
      out.push({ stored: skill, visible: true });
    }
    for (const skill of await listAll(store, { scope: 'user', userId: owner, deleted: true })) {
      out.push({ stored: skill, visible: false });
    }
  }
  return out;
}

async function listAll(
  store: SkillStore,
  selection: { scope: 'user' | 'library'; userId?: string; includeArchived?: boolean; deleted?: boolean },
): Promise<StoredSkill[]> {
  const out: StoredSkill[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await store.list({ includeArchived: true, ...selection, limit: PAGE, offset });
    out.push(...page.items);
    if (page.items.length === 0 || offset + PAGE >= page.total) return out;
  }
}

async function ownersOf(store: SkillStore): Promise<string[]> {
  const listOwners = (store as SkillStore & { listOwners?: () => Promise<string[]> }).listOwners;
  const owners = new Set<string>();
  if (typeof listOwners === 'function') for (const owner of await listOwners.call(store)) owners.add(owner);
  if (store instanceof FileSkillStore) {
    try {
      for (const entry of readdirSync(join(store.root, 'Users'), { withFileTypes: true })) {
        if (entry.isDirectory() && nameProblem(entry.name) === null) owners.add(entry.name);
      }
    } catch {
      // No Users folder: no user skills.
    }
  }
  if (isPostgresTarget(store)) {
    const result = await store.db.query<{ owner: string }>(
      `SELECT DISTINCT owner FROM ${store.db.table('skills')} WHERE NOT read_only`,
    );
    for (const row of result.rows) owners.add(row.owner);
  }
  return [...owners].sort();
}

async function readFilesOrNull(store: SkillStore, id: string): Promise<SkillFiles | null> {
  try {
    return await store.readFiles(id);
  } catch {
    return null;
  }
}

/** Into a SkillBank: a library skill becomes a folder under `Common/<library>/`. */
async function copyLibrarySkill(
  from: SkillStore,
  to: SkillStore,
  skill: StoredSkill,
): Promise<{ written: boolean; revisions: number }> {
  const files = await from.readFiles(skill.id);
  const existing = await to.get(skill.id);
  if (existing) {
    if (!existing.readOnly) throw new Error(`id ${skill.id} is a user skill in the target`);
    const current = await readFilesOrNull(to, skill.id);
    if (current && fingerprintOf(current) === fingerprintOf(files) && existing.location === skill.location) {
      return { written: false, revisions: 0 };
    }
  }
  const target = to as FileSkillStore;
  const match = /^Common\/([^/]+)\/(.+)$/.exec(skill.location);
  if (!match) throw new Error(`library folder ${skill.location} cannot be written into a SkillBank library`);
  const [result] = await target.writeLibrarySkills(
    match[1] as string,
    [{ rel: match[2] as string, skillMd: files.skillMd, files: files.files }],
    { overwrite: true },
  );
  if (result?.status !== 'imported') throw new Error(result?.reason ?? 'library write failed');
  return { written: true, revisions: 0 };
}

function stateOf(skill: StoredSkill, files: SkillFiles, visible: boolean): CopiedSkillState {
  const { revision, location, readOnly, ...plain } = skill;
  return {
    id: skill.id,
    owner: skill.owner,
    location,
    readOnly,
    revision,
    skill: plain,
    skillMd: files.skillMd,
    files: files.files,
    visible,
  };
}

/** Into a SkillBank: the missing revisions of a user skill are replayed (see the module comment). */
async function copyUserSkill(
  options: CopyStoreOptions,
  source: SourceSkill,
): Promise<{ written: boolean; revisions: number }> {
  const { from, to } = options;
  const id = source.stored.id;
  const history = (await historyOf(from, id)) ?? [];
  const sourceHead = history.at(-1)?.revision ?? source.stored.revision;
  const targetHistory = await historyOf(to, id);
  const targetHead = targetHistory?.at(-1)?.revision ?? 0;
  // A skill without history in the source got revision 1 here on its first copy.
  const untracked = history.length === 0 && targetHistory?.length === 1;
  if (targetHistory && targetHead > sourceHead && !untracked) {
    throw new Error(`the target is ahead (revision ${targetHead})`);
  }
  for (const entry of untracked ? [] : (targetHistory ?? [])) {
    const twin = history.find((item) => item.revision === entry.revision);
    if (!twin || twin.at !== entry.at)
      throw new Error(`revision ${entry.revision} differs between source and target`);
  }
  const missing = history.filter((entry) => entry.revision > targetHead);
  const files = source.visible ? await from.readFiles(id) : null;
  if (missing.length === 0 && targetHistory) {
    const current = source.visible ? await readFilesOrNull(to, id) : null;
    const same = source.visible
      ? current !== null && files !== null && fingerprintOf(current) === fingerprintOf(files)
      : true;
    if (same) return { written: false, revisions: 0 };
  }
  const revisions: RevisionContent[] = [];
  for (const entry of missing) revisions.push(await from.getRevision(id, entry.revision));
  await replayInto(options, to as FileSkillStore, source, revisions, targetHistory !== null, files);
  return { written: true, revisions: Math.max(1, revisions.length) };
}

/** Writes source revisions into a SkillBank, one store write per revision (see the module comment). */
async function replayInto(
  options: CopyStoreOptions,
  target: FileSkillStore,
  source: SourceSkill,
  revisions: readonly RevisionContent[],
  exists: boolean,
  files: SkillFiles | null,
): Promise<void> {
  const id = source.stored.id;
  const steps =
    revisions.length > 0
      ? revisions.map((revision) => ({ revision, skillMd: revision.skillMd, files: revision.files }))
      : [{ revision: null, skillMd: files?.skillMd ?? '', files: files?.files ?? {} }];
  let present = exists && (await target.get(id)) !== null;
  let known = exists;
  for (const step of steps) {
    const revision = step.revision;
    options.setTargetTime?.(revision?.at ?? null);
    const context = {
      actor: revision?.actor ?? 'store-copy',
      ...(revision?.reason ? { reason: revision.reason } : {}),
    };
    const skill = revision?.skill ?? source.stored;
    if (revision?.operation === 'delete') {
      if (present) await target.delete(id, context);
      present = false;
      continue;
    }
    if (known && !present) {
      await target.restore(id, context);
      present = true;
      if (revision?.operation === 'restore') continue;
    }
    const input = {
      id,
      owner: skill.owner,
      name: skill.name,
      description: skill.description,
      instructions: skill.instructions,
      status: skill.status,
      metadata: skill.metadata,
      ...(skill.createdAt ? { createdAt: skill.createdAt } : {}),
    };
    const write = present
      ? { kind: 'replace' as const, id, input, options: { skillMd: step.skillMd, files: step.files } }
      : { kind: 'create' as const, input, options: { skillMd: step.skillMd, files: step.files } };
    const [result] = await target.writeBatch([write], context);
    if (!result?.ok) throw new Error(result?.error.message ?? 'write failed');
    present = true;
    known = true;
  }
}

/** A skill's recorded history without recording anything; null for an unknown id. */
async function historyOf(store: SkillStore, id: string): Promise<RevisionSummary[] | null> {
  if (isPostgresTarget(store)) return store.recordedVersions(id);
  try {
    return await store.versions(id);
  } catch (error) {
    if ((error as { code?: string }).code === 'SKILL_NOT_FOUND') return null;
    throw error;
  }
}

function emptyVerification(): CopyVerification {
  return {
    ok: true,
    sourceVisible: 0,
    targetVisible: 0,
    sourceRevisions: 0,
    targetRevisions: 0,
    mismatches: [],
  };
}

/** Checks every copied skill: present (or deleted) alike, same head revision, same content. */
export async function verifyCopy(
  from: SkillStore,
  to: SkillStore,
  skills: readonly SourceSkill[],
  skip: ReadonlySet<string> = new Set(),
): Promise<CopyVerification> {
  const verification = emptyVerification();
  const replayed = !isPostgresTarget(to);
  for (const { stored, visible } of skills) {
    if (visible) verification.sourceVisible += 1;
    if (skip.has(stored.id)) continue;
    const target = await to.get(stored.id);
    if (target) verification.targetVisible += 1;
    const problem = (text: string) => verification.mismatches.push({ id: stored.id, problem: text });
    if (visible !== (target !== null)) {
      problem(visible ? 'missing in the target' : 'deleted in the source but visible in the target');
      continue;
    }
    if (!stored.readOnly) {
      const sourceRevisions = (await historyOf(from, stored.id))?.length ?? 0;
      const targetRevisions = (await historyOf(to, stored.id))?.length ?? 0;
      verification.sourceRevisions += sourceRevisions;
      verification.targetRevisions += targetRevisions;
      const expected = replayed ? Math.max(1, sourceRevisions) : sourceRevisions;
      if (expected !== targetRevisions)
        problem(`${sourceRevisions} revisions in the source, ${targetRevisions} in the target`);
    }
    if (!target) continue;
    if (!replayed && target.revision !== stored.revision)
      problem(`revision ${stored.revision} vs ${target.revision}`);
    const [a, b] = await Promise.all([from.readFiles(stored.id), to.readFiles(stored.id)]);
    if (fingerprintOf(a) !== fingerprintOf(b)) problem('content differs');
  }
  verification.ok = verification.mismatches.length === 0;
  return verification;
}
