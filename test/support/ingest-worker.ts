/**
 * Child process for the cross-process ingest test (run with `node --import tsx`): opens an `AutoSkill` SDK
 * on the PostgreSQL store (offline models, hashing embeddings), prints `ready`, then reads one line of
 * JSON `{ userId, messages }` from stdin, ingests it, prints the outcome as one JSON line and exits.
 *   ingest-worker.ts <postgres url> <schema>
 */
import { createInterface } from 'node:readline';
import { AutoSkill } from '../../src/sdk.js';

const [url, schema] = process.argv.slice(2);
if (!url || !schema) throw new Error('usage: ingest-worker <postgres url> <schema>');

const autoSkill = await AutoSkill.open({
  llm: { provider: 'offline' },
  embeddings: { provider: 'hashing' },
  store: { provider: 'postgres', url, schema },
});
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
const line = await new Promise<string>((resolve) => lines.once('line', resolve));
lines.close();
const request = JSON.parse(line) as { userId: string; messages: Array<{ role: string; content: string }> };
try {
  const result = await autoSkill.ingest({ userId: request.userId, messages: request.messages });
  process.stdout.write(`${JSON.stringify({ outcome: result.outcome })}\n`);
} finally {
  await autoSkill.close();
}
