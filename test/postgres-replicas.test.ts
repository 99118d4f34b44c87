/**
 * Two `autoskill serve` processes on one PostgreSQL database (the scale-out picture): a conversation
 * through replica A creates a skill that replica B injects on its next request; 20 extraction jobs
 * submitted through both replicas are each run exactly once, and both replicas claim some; an SSE
 * subscriber on one replica receives the events of a job running on the other; a replica killed mid-job
 * leaves its job to the other (lease expiry), with no job lost or completed twice.
 */
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startFakeModelServer } from '../src/testing/fake-model-server.js';
import { startCliServer } from './support/cli.js';
import { makeTempDir } from './support/fixtures.js';
import { postgresServer, postgresSkipReason } from './support/postgres.js';

// biome-ignore lint/suspicious/noExplicitAny: answers of the HTTP API are read loosely here
type Loose = Record<string, any>;

const skip = postgresSkipReason();

interface Replica {
  child: ChildProcess;
  url: string;
  output: () => string;
}

const children: ChildProcess[] = [];
const temp = makeTempDir('autoskill-replicas-');

function startReplica(args: string[], env: Record<string, string>): Promise<Replica> {
  return startCliServer({
    args: ['serve', '--no-web', '--port', '0', '--log-level', 'silent', ...args],
    cwd: temp.dir,
    env,
    children,
    timeoutMs: 60_000,
  });
}

async function stop(replica: Replica): Promise<void> {
  if (replica.child.exitCode !== null || replica.child.signalCode !== null) return;
  const exited = new Promise((resolve) => replica.child.once('exit', resolve));
  replica.child.kill('SIGTERM');
  await exited;
}

async function post(url: string, path: string, body: unknown): Promise<Loose> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as Loose;
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

async function until<T>(
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  temp.cleanup();
  if (skip === null) await (await postgresServer()).stop();
});

describe.skipIf(skip !== null)('two autoskill serve replicas on one PostgreSQL database', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  async function database(prefix: string): Promise<{ url: string; schema: string; sql: pg.Pool }> {
    const server = await postgresServer();
    const schema = server.freshSchema(prefix);
    const sql = new pg.Pool({ connectionString: server.url, max: 2 });
    cleanups.push(async () => {
      await sql.end();
      await server.dropSchema(schema);
    });
    return { url: `${server.url}?schema=${schema}`, schema, sql };
  }

  /**
   * Two replicas on `db` whose model answers `{"skills": []}` after `delayMs`, slow enough to watch a job
   * run; extraction happens only on demand.
   */
  async function slowModelReplicas(
    db: { url: string },
    delayMs: number,
    extraEnv: Record<string, string> = {},
  ): Promise<[Replica, Replica]> {
    const model = await startFakeModelServer({ defaultDelayMs: delayMs, defaultText: '{"skills": []}' });
    cleanups.push(() => model.close());
    const env = {
      AUTOSKILL_STORE_URL: db.url,
      AUTOSKILL_GENERIC_LLM_URL: model.baseUrl,
      AUTOSKILL_GENERIC_LLM_MODEL: 'fake-chat-model',
      ...extraEnv,
    };
    const flags = [
      '--llm-provider',
      'generic',
      '--embeddings-provider',
      'hashing',
      '--extract-mode',
      'never',
    ];
    const [a, b] = await Promise.all([startReplica(flags, env), startReplica(flags, env)]);
    cleanups.push(
      () => stop(a),
      () => stop(b),
    );
    return [a, b];
  }

  it('shares skills across replicas and runs each of 20 jobs exactly once', async () => {
    const db = await database('replicas');
    const env = { AUTOSKILL_STORE_URL: db.url };
    const flags = ['--llm-provider', 'offline', '--embeddings-provider', 'hashing'];
    const [a, b] = await Promise.all([startReplica(flags, env), startReplica(flags, env)]);
    cleanups.push(
      () => stop(a),
      () => stop(b),
    );

    // A conversation through A teaches a durable rule; the extraction job creates a skill.
    const first = await post(a.url, '/v1/chat/completions', {
      model: 'any',
      user: 'alice',
      messages: [
        {
          role: 'user',
          content:
            'From now on, whenever I ask for a weekly report, never invent numbers and cite the source of every figure.',
        },
      ],
    });
    expect(first['autoskill']['extraction']).toMatchObject({ status: 'scheduled' });
    const created = await until(
      async () => {
        const result = await db.sql.query(
          `SELECT id, skill->>'name' AS name FROM "${db.schema}".skills WHERE owner = 'alice' AND visible`,
        );
        return result.rows[0] as { id: string; name: string } | undefined;
      },
      30_000,
      'the skill created through replica A',
    );
    // B injects it on its next request.
    const second = await post(b.url, '/v1/chat/completions', {
      model: 'any',
      user: 'alice',
      messages: [{ role: 'user', content: 'Write my weekly report: revenue figures and their sources.' }],
    });
    expect(second['autoskill']['skills'].map((skill: { id: string }) => skill.id)).toContain(created.id);

    // A claim leaves no trace once the job completes (`claimed_by` is cleared), so the test logs every
    // claim with a trigger of its own: each change of `claimed_by` to a worker id.
    await db.sql.query(`
      CREATE TABLE "${db.schema}".test_claims (job_id text NOT NULL, claimed_by text NOT NULL);
      CREATE FUNCTION "${db.schema}".test_log_claim() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO "${db.schema}".test_claims VALUES (NEW.job_id, NEW.claimed_by);
        RETURN NEW;
      END $$;
      CREATE TRIGGER test_log_claim AFTER UPDATE ON "${db.schema}".jobs FOR EACH ROW
        WHEN (NEW.claimed_by IS NOT NULL AND NEW.claimed_by IS DISTINCT FROM OLD.claimed_by)
        EXECUTE FUNCTION "${db.schema}".test_log_claim();
    `);

    // 20 jobs, submitted alternately through A and B for 5 users.
    const jobIds: string[] = [];
    for (let index = 0; index < 20; index += 1) {
      const replica = index % 2 === 0 ? a : b;
      const body = await post(replica.url, '/v1/autoskill/extractions', {
        user: `user${index % 5}`,
        messages: [
          { role: 'user', content: `Always call release number ${index} by its code name in my notes.` },
          { role: 'assistant', content: 'Understood.' },
        ],
      });
      jobIds.push(body['data']['job_id'] as string);
    }
    expect(new Set(jobIds).size).toBe(20);
    const finished = await until(
      async () => {
        const result = await db.sql.query(
          `SELECT job_id, status FROM "${db.schema}".jobs WHERE job_id = ANY($1::text[])`,
          [jobIds],
        );
        return result.rows.length === 20 && result.rows.every((row) => row.status === 'completed')
          ? result.rows
          : undefined;
      },
      60_000,
      '20 completed jobs',
    );
    expect(finished).toHaveLength(20);
    // Each job was claimed once, by A or B (worker ids end with the process id), and both claimed some:
    // a replica's worker claims the jobs submitted through it, and they were submitted through both.
    const claims = await db.sql.query(
      `SELECT job_id, claimed_by FROM "${db.schema}".test_claims WHERE job_id = ANY($1::text[])`,
      [jobIds],
    );
    expect(claims.rows.map((row) => row.job_id as string).sort()).toEqual([...jobIds].sort());
    const claimers = claims.rows.map((row) => String(row.claimed_by));
    const [byA = 0, byB = 0] = [a, b].map(
      (replica) => claimers.filter((claimer) => claimer.endsWith(`-${replica.child.pid}`)).length,
    );
    expect(byA + byB, claimers.join(', ')).toBe(20);
    expect(Math.min(byA, byB), `jobs claimed by A / B: ${byA} / ${byB}`).toBeGreaterThan(0);
    const events = await db.sql.query(
      `SELECT job_id, event->>'status' AS status FROM "${db.schema}".job_events WHERE job_id = ANY($1::text[])`,
      [jobIds],
    );
    for (const jobId of jobIds) {
      const statuses = events.rows.filter((row) => row.job_id === jobId).map((row) => row.status);
      expect(
        statuses.filter((status) => status === 'running'),
        jobId,
      ).toHaveLength(1);
      expect(
        statuses.filter((status) => status === 'completed'),
        jobId,
      ).toHaveLength(1);
    }
  }, 180_000);

  it('pushes the events of a job running on one replica to an SSE subscriber on the other', async () => {
    const db = await database('events');
    // A slow model (2.5 s per extraction), so the subscriber is open while the other replica runs the job.
    const [a, b] = await slowModelReplicas(db, 2_500);
    const body = await post(a.url, '/v1/autoskill/extractions', {
      user: 'carol',
      messages: [
        { role: 'user', content: '以后写周报时，每个数字都要注明来源。' },
        { role: 'assistant', content: '好的。' },
      ],
    });
    const jobId = body['data']['job_id'] as string;
    // Any replica may claim it (both are woken by NOTIFY): the one that does runs it, the other subscribes.
    const claimedBy = await until(
      async () => {
        const result = await db.sql.query(
          `SELECT status, claimed_by FROM "${db.schema}".jobs WHERE job_id = $1`,
          [jobId],
        );
        const row = result.rows[0];
        return row?.status === 'running' ? (row.claimed_by as string) : undefined;
      },
      20_000,
      'a replica to start the job',
    );
    const runner = claimedBy.endsWith(`-${a.child.pid}`) ? a : b;
    const subscriber = runner === a ? b : a;
    expect(claimedBy.endsWith(`-${runner.child.pid}`)).toBe(true);

    // The subscriber opens while the job is still running on the other replica; the rest is pushed to it.
    const stream = await fetch(
      `${subscriber.url}/v1/autoskill/extractions/${jobId}/events?user=carol&timeout_s=30`,
    );
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const openedWhile = await db.sql.query(`SELECT status FROM "${db.schema}".jobs WHERE job_id = $1`, [
      jobId,
    ]);
    expect(openedWhile.rows[0]?.status).toBe('running');
    const text = await stream.text();
    const frames = text
      .split('\n\n')
      .filter((frame) => frame.trim() !== '' && !frame.startsWith(':'))
      .map((frame) => {
        const event = /^event: (.*)$/m.exec(frame)?.[1] ?? 'message';
        const data = /^data: (.*)$/m.exec(frame)?.[1] ?? '';
        return { event, data };
      });
    const updates = frames.filter((frame) => frame.event === 'update').map((frame) => JSON.parse(frame.data));
    expect(updates.map((event: Loose) => event['status'])).toEqual(['scheduled', 'running', 'completed']);
    expect(updates.every((event: Loose) => event['job_id'] === jobId && event['user_id'] === 'carol')).toBe(
      true,
    );
    expect(frames.at(-2)?.event).toBe('done');
    expect(JSON.parse(frames.at(-2)?.data ?? '{}')).toMatchObject({ job_id: jobId, status: 'completed' });
    expect(frames.at(-1)?.data).toBe('[DONE]');
  }, 120_000);

  it('hands the job of a replica killed mid-job to the other, once', async () => {
    const db = await database('killed');
    // A slow model: every extraction takes 6 s, long enough to see the job running and kill its replica
    // even when the machine is loaded.
    const [a, b] = await slowModelReplicas(db, 6_000, { AUTOSKILL_JOB_LEASE_MS: '1500' });
    const body = await post(a.url, '/v1/autoskill/extractions', {
      user: 'bob',
      messages: [
        { role: 'user', content: 'From now on, always answer me in French.' },
        { role: 'assistant', content: 'D’accord.' },
      ],
    });
    const jobId = body['data']['job_id'] as string;
    // Whichever replica claimed it (worker ids end with the process id) is killed mid-job.
    const claimedBy = await until(
      async () => {
        const result = await db.sql.query(
          `SELECT status, record->>'claimedBy' AS claimed FROM "${db.schema}".jobs WHERE job_id = $1`,
          [jobId],
        );
        const row = result.rows[0];
        if (row?.status === 'completed' || row?.status === 'failed') {
          throw new Error(`the job ended (${row.status}) before the test saw it running`);
        }
        return row?.status === 'running' ? (row.claimed as string) : undefined;
      },
      45_000,
      'a replica to start the job',
    );
    const victim = claimedBy.endsWith(`-${a.child.pid}`) ? a : b;
    const survivor = victim === a ? b : a;
    expect(claimedBy.endsWith(`-${victim.child.pid}`)).toBe(true);
    victim.child.kill('SIGKILL');
    await new Promise((resolve) => victim.child.once('exit', resolve));
    const final = await until(
      async () => {
        const result = await db.sql.query(
          `SELECT status, record FROM "${db.schema}".jobs WHERE job_id = $1`,
          [jobId],
        );
        const row = result.rows[0];
        return row && (row.status === 'completed' || row.status === 'failed') ? row : undefined;
      },
      60_000,
      'replica B to finish the job',
    );
    const events = await db.sql.query(
      `SELECT event->>'status' AS status, event->>'reason' AS reason FROM "${db.schema}".job_events WHERE job_id = $1 ORDER BY event_seq`,
      [jobId],
    );
    const statuses = events.rows.map((row) => row.status);
    expect(statuses.filter((status) => status === 'running')).toHaveLength(2);
    expect(statuses.filter((status) => status === 'completed' || status === 'failed')).toHaveLength(1);
    expect(final.record.recoveries).toBe(1);
    expect(statuses.at(-1)).toBe(final.status);
    // The survivor, already running, took it over when the lease expired (not at a restart).
    expect(events.rows.map((row) => row.reason)).toContain(
      're-queued once: the replica running it stopped (lease expired)',
    );
    expect(survivor.child.exitCode).toBeNull();
  }, 180_000);
});
