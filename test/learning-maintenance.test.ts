/**
 * The maintainer's quality bars on labelled cases (the shared dev file and the maintainer's own policy
 * and hold-out files), offline and with the scripted model that always answers `add` and "same
 * capability: yes" and plants a name and a key: accuracy ≥ 0.75 and nothing planted reaches a skill.
 * The SkillBank corpus is indexed as another user's skills, as in `npm run bench:learning`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCorpus } from '../bench/retrieval-corpus.js';
import {
  createMaintenanceWorld,
  evaluateMaintenance,
  loadMaintenanceCases,
  type MaintenanceCase,
  type MaintenanceWorld,
  maintenanceCaseLibraries,
} from '../src/learn/maintain-eval.js';
import { decodeSkillFile } from '../src/skill/skill-file.js';
import { parseSkillMd } from '../src/skill/skill-md.js';
import { REPO_ROOT, requireFixtures, SHARED_FIXTURES, SKILLBANK } from './support/fixtures.js';

const OWN = join(REPO_ROOT, 'src', 'learn', '__fixtures__');
const FILES: Array<[string, string]> = [
  ['dev', join(SHARED_FIXTURES, 'maintenance-dev.jsonl')],
  ['policy', join(OWN, 'maintenance-policy.jsonl')],
  ['holdout', join(OWN, 'maintenance-holdout.jsonl')],
  ['robustness', join(OWN, 'maintenance-robustness.jsonl')],
];

function resolveExistingPath(path: string) {
  const text = decodeSkillFile(readFileSync(join(SKILLBANK, path)), { source: path });
  return {
    ...parseSkillMd(text, { owner: 'existing', source: path, fallbackName: 'skill' }),
    id: `corpus-${path}`,
  };
}

describe('maintenance on labelled cases', () => {
  const cases = new Map<string, MaintenanceCase[]>();
  let world: MaintenanceWorld;
  beforeAll(async () => {
    requireFixtures();
    for (const [name, file] of FILES) if (existsSync(file)) cases.set(name, loadMaintenanceCases(file));
    // One world for every file: their library cases are told apart by owner.
    const all = [...cases.values()];
    world = await createMaintenanceWorld({
      background: loadCorpus(SKILLBANK, { asLibraries: true }).skills,
      caseLibraries: all.flatMap((list) => maintenanceCaseLibraries(list, resolveExistingPath)),
    });
  }, 120_000);
  afterAll(() => world?.close());

  for (const [name] of FILES) {
    for (const mode of ['offline', 'scripted'] as const) {
      it(`${name}, ${mode}: accuracy ≥ 0.75, no leaks`, async () => {
        const list = cases.get(name);
        if (!list) return;
        const score = await evaluateMaintenance({ cases: list, mode, world, resolveExistingPath });
        const summary = score.mistakes.map(
          (mistake) => `${mistake.id}: ${mistake.expected} → ${mistake.got}`,
        );
        expect(score.leaks, summary.join('\n')).toBe(0);
        expect(score.accuracy, summary.join('\n')).toBeGreaterThanOrEqual(0.75);
      }, 120_000);
    }
  }
});
