/**
 * Killing a writer at random points (issue 2 acceptance): 50 rounds of SIGKILL during a stream of
 * creates, updates, edits, deletes, restores, rollbacks and resource changes. After every kill the
 * store opens, every visible skill is readable and its visible state is exactly a recorded revision,
 * and the store keeps working.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSkillMd } from '../src/skill/skill-md.js';
import { FileSkillStore } from '../src/store/fs/file-skill-store.js';
import { listResources } from '../src/store/fs/scan.js';
import { makeTempDir, REPO_ROOT } from './support/fixtures.js';
import { storeWorkerArgs } from './support/store-worker-bundle.js';

const ROUNDS = 50;
/** Random kill points, reproducible: a failing run prints its seed; `AUTOSKILL_CRASH_SEED=<n>` replays it. */
const SEED = Number(process.env.AUTOSKILL_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** mulberry32: a small seeded generator, so the kill delays are random yet replayable. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function startChurn(
  worker: string[],
  root: string,
  seed: number,
): { child: ChildProcess; ready: Promise<void>; exited: Promise<void> } {
  const child = spawn(process.execPath, [...worker, 'churn', root, String(seed)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited early with ${code}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, ready, exited };
}

/** Every visible user skill parses and equals its current revision byte for byte. */
async function checkInvariants(root: string): Promise<number> {
  const store = new FileSkillStore({ root });
  await store.open();
  expect(store.problems()).toEqual([]);
  const { items } = await store.list({ userId: 'crash', limit: 10_000, includeArchived: true });
  for (const skill of items) {
    const dir = join(root, ...skill.location.split('/'));
    const text = readFileSync(join(dir, 'SKILL.md'), 'utf8');
    expect(parseSkillMd(text, { owner: 'crash', source: skill.location }).id).toBe(skill.id);
    expect(skill.revision).toBeGreaterThan(0);
    const revision = await store.getRevision(skill.id, skill.revision);
    expect(revision.isCurrent).toBe(true);
    expect(text).toBe(revision.skillMd);
    expect(listResources(dir)).toEqual(Object.keys(revision.files).sort());
    for (const [path, bytes] of Object.entries(revision.files)) {
      expect(new Uint8Array(readFileSync(join(dir, ...path.split('/'))))).toEqual(new Uint8Array(bytes));
    }
    // Nothing about the visible state is unrecorded: listing the history adds no revision.
    const versions = await store.versions(skill.id);
    expect(versions.at(-1)?.revision).toBe(skill.revision);
  }
  expect(existsSync(join(root, '.autoskill', 'intent.json'))).toBe(false);
  // The store keeps working after recovery.
  const created = await store.create(
    { owner: 'crash', name: 'after recovery', description: 'check', instructions: 'ok' },
    { actor: 'test' },
  );
  await store.delete(created.id, { actor: 'test' });
  await store.close();
  return items.length;
}

describe('SIGKILL during writes', () => {
  const temp = makeTempDir('autoskill-crash-');
  const root = join(temp.dir, 'SkillBank');
  afterAll(() => temp.cleanup());

  it(`never leaves a skill unreadable or a visible state without its revision (${ROUNDS} rounds)`, async () => {
    let visible = 0;
    let interrupted = 0;
    const worker = await storeWorkerArgs(temp.dir);
    const random = seededRandom(SEED);
    for (let round = 0; round < ROUNDS; round += 1) {
      const { child, ready, exited } = startChurn(worker, root, SEED + round);
      await ready;
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.floor(random() * 120)));
      child.kill('SIGKILL');
      await exited;
      if (existsSync(join(root, '.autoskill', 'intent.json'))) interrupted += 1;
      try {
        visible = await checkInvariants(root);
      } catch (error) {
        throw new Error(`round ${round} failed (replay with AUTOSKILL_CRASH_SEED=${SEED})`, { cause: error });
      }
    }
    expect(visible).toBeGreaterThan(0);
    // Some kills must have landed inside a transaction, or the test proves nothing about recovery.
    expect(interrupted).toBeGreaterThan(0);
  }, 600_000);
});
