/**
 * Child process for the cross-process store tests (run with `node --import tsx`). Modes:
 * - `writes <root> <tag> <count>`: creates `count` skills for user `shared` and updates each once.
 * - `churn <root> <seed>`: prints `ready`, then writes (create, update, edit, delete, restore, rollback,
 *   resource changes) in a loop until killed.
 */
import { FileSkillStore } from '../../src/store/fs/file-skill-store.js';

const [mode, root, ...rest] = process.argv.slice(2);
if (!root) throw new Error('usage: store-worker <mode> <root> …');

function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}

// Small checkpoints so that kills also land while one is written.
const store = new FileSkillStore({
  root,
  lockTimeoutMs: 60_000,
  checkpointEveryBytes: mode === 'churn' ? 20_000 : undefined,
});
await store.open();

if (mode === 'writes') {
  const tag = rest[0] ?? 'w';
  const count = Number(rest[1] ?? '10');
  for (let index = 0; index < count; index += 1) {
    // Every other skill shares a name with the other worker's, so folder allocation races too.
    const name = index % 2 === 0 ? `shared skill ${index}` : `skill ${tag} ${index}`;
    const created = await store.create(
      { owner: 'shared', name, description: `by ${tag}`, instructions: `# Goal\nStep ${index} of ${tag}` },
      { actor: tag },
    );
    await store.update(
      created.id,
      { version: '0.1.1', description: `updated by ${tag}` },
      { actor: tag, baseRevision: 1 },
    );
  }
  process.stdout.write('done\n');
} else if (mode === 'churn') {
  const next = random(Number(rest[0] ?? '1'));
  process.stdout.write('ready\n');
  const bytes = (text: string) => new TextEncoder().encode(text);
  for (let step = 0; ; step += 1) {
    const { items } = await store.list({ userId: 'crash', limit: 1000 });
    const pick = items[Math.floor(next() * items.length)];
    const roll = next();
    try {
      if (!pick || roll < 0.3) {
        const files: Record<string, Uint8Array> = {};
        for (let file = 0; file < Math.floor(next() * 3); file += 1)
          files[`scripts/f${file}.txt`] = bytes(`${step}:${file}`);
        await store.create(
          {
            owner: 'crash',
            name: `skill ${Math.floor(next() * 12)}`,
            description: `step ${step}`,
            instructions: `do ${step}`,
          },
          { actor: 'churn' },
          { files },
        );
      } else if (roll < 0.5) {
        await store.update(
          pick.id,
          { description: `step ${step}`, version: `0.1.${step}` },
          { actor: 'churn' },
          {
            files: { [`scripts/f${Math.floor(next() * 3)}.txt`]: next() < 0.5 ? null : bytes(`u${step}`) },
          },
        );
      } else if (roll < 0.6) {
        const { skillMd } = await store.readFiles(pick.id);
        await store.saveSkillMd(
          pick.id,
          skillMd.replace(/description: ".*"/, `description: "edit ${step}"`),
          {
            actor: 'churn',
          },
        );
      } else if (roll < 0.75) {
        await store.delete(pick.id, { actor: 'churn' });
        if (next() < 0.7) await store.restore(pick.id, { actor: 'churn' });
      } else {
        const versions = await store.versions(pick.id);
        const target = versions[Math.floor(next() * versions.length)];
        if (target && !target.deleted) await store.rollback(pick.id, target.revision, { actor: 'churn' });
      }
    } catch (error) {
      process.stderr.write(`step ${step}: ${(error as Error).message}\n`);
    }
  }
}
await store.close();
