/**
 * The management API's skill routes over a filesystem store, behind real auth: success shapes (checked
 * against the schemas openapi.json documents) and bad input — missing fields, wrong types, unknown ids,
 * other users' ids, library skills, stale revisions, oversized bodies, malformed JSON — each answered
 * with an OpenAI-style error and the right status, with nothing changed on disk.
 */
import { unzipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredSkill } from '../src/store/types.js';
import {
  expectDocumentedShape,
  expectError,
  type Json,
  LIBRARY_SKILL_ID,
  type ManagementHarness,
  startManagementHarness,
} from './support/management-harness.js';

const S = '/v1/autoskill/skills';
let h: ManagementHarness;
let alice: StoredSkill;
let bob: StoredSkill;

beforeEach(async () => {
  h = await startManagementHarness();
  alice = await h.createSkill({
    owner: 'alice',
    name: 'Report writing',
    tags: ['reports'],
    version: '0.1.2',
  });
  bob = await h.createSkill({ owner: 'bob', name: 'Bob private notes' });
});
afterEach(async () => {
  await h.close();
});

/** Runs `request` and asserts that nothing under the store root changed. */
async function unchanged<T>(request: () => Promise<T>): Promise<T> {
  const before = h.snapshot();
  const result = await request();
  expect(h.snapshot()).toEqual(before);
  return result;
}

function editedMd(md: string, from: string, to: string): string {
  expect(md).toContain(from);
  return md.replace(from, to);
}

describe('GET skills', () => {
  it('lists the user’s own skills only, with paging', async () => {
    for (const name of ['写周报', 'Alpha', 'Beta']) await h.createSkill({ owner: 'alice', name });
    const all = await h.json('GET', `${S}?limit=2`);
    expect(all.status).toBe(200);
    expectDocumentedShape('listSkills', all.body);
    expect(all.body).toMatchObject({
      object: 'list',
      user: 'alice',
      scope: 'user',
      total: 4,
      limit: 2,
      offset: 0,
    });
    expect(all.body['has_more']).toBe(true);
    const next = await h.json('GET', `${S}?limit=2&offset=2`);
    expect(next.body['has_more']).toBe(false);
    const ids = [...all.body['data'], ...next.body['data']].map((skill: Json) => skill['id']);
    expect(new Set(ids).size).toBe(4);
    expect(ids).not.toContain(bob.id);
    expect(all.body['data'][0]).toMatchObject({ owner: 'alice', source: 'user:alice', read_only: false });
  });

  it('covers libraries with scope=library|common|all, and filters by substring (Chinese too)', async () => {
    await h.createSkill({ owner: 'alice', name: '写周报', description: '每周五写周报' });
    const library = await h.json('GET', `${S}?scope=common`);
    expect(library.body['data'].map((skill: Json) => skill['id'])).toEqual([LIBRARY_SKILL_ID]);
    expect(library.body['data'][0]).toMatchObject({ read_only: true, source: 'library:demo' });
    const all = await h.json('GET', `${S}?scope=all`);
    expect(all.body['total']).toBe(3);
    const chinese = await h.json('GET', `${S}?q=${encodeURIComponent('周五')}`);
    expect(chinese.body['data'].map((skill: Json) => skill['name'])).toEqual(['写周报']);
    const byTag = await h.json('GET', `${S}?q=REPORTS&scope=all`);
    expect(byTag.body['data'].map((skill: Json) => skill['id'])).toEqual([alice.id]);
  });

  it('lists deleted (restorable) skills with include=deleted', async () => {
    await h.store.delete(alice.id, { actor: 'alice' });
    const visible = await h.json('GET', S);
    expect(visible.body['total']).toBe(0);
    const deleted = await h.json('GET', `${S}?include=deleted`);
    expect(deleted.body['data']).toMatchObject([{ id: alice.id, deleted: true }]);
    const bobsView = await h.json('GET', `${S}?include=deleted`, { key: 'bob' });
    expect(bobsView.body['total']).toBe(0);
  });

  it('refuses bad query parameters with 400 naming them', async () => {
    for (const [query, param] of [
      ['limit=0', 'limit'],
      ['limit=abc', 'limit'],
      ['limit=1001', 'limit'],
      ['offset=-1', 'offset'],
      ['scope=everyone', 'scope'],
      ['include=archived', 'include'],
    ] as const) {
      expectError(await h.json('GET', `${S}?${query}`), 400, 'invalid_request', param);
    }
  });

  it('pins a per-user key to its user: naming another user is 403, an unsafe id 400', async () => {
    expectError(await h.json('GET', `${S}?user=bob`), 403, 'forbidden');
    expectError(
      await h.json('GET', S, { key: 'admin', headers: { 'x-autoskill-user': '../etc' } }),
      400,
      'invalid_user_id',
    );
    expectError(await h.json('GET', S, { key: null }), 401, 'invalid_api_key');
  });

  it('lets admin and shared keys act for the user they name', async () => {
    const asAdmin = await h.json('GET', `${S}?user=bob`, { key: 'admin' });
    expect(asAdmin.body['data'].map((skill: Json) => skill['id'])).toEqual([bob.id]);
    const asApp = await h.json('GET', S, { key: 'shared', headers: { 'x-autoskill-user': 'alice' } });
    expect(asApp.body['data'].map((skill: Json) => skill['id'])).toEqual([alice.id]);
  });
});

describe('GET skills/{id} and skills/{id}/md', () => {
  it('returns the detail, with SKILL.md on request', async () => {
    const plain = await h.json('GET', `${S}/${alice.id}`);
    expect(plain.status).toBe(200);
    expectDocumentedShape('getSkill', plain.body);
    expect(plain.body['data']).toMatchObject({
      id: alice.id,
      version: '0.1.2',
      revision: 1,
      tags: ['reports'],
    });
    expect(plain.body['data']['skill_md']).toBeUndefined();
    const withMd = await h.json('GET', `${S}/${alice.id}?include_md=true`);
    expect(withMd.body['data']['skill_md']).toContain('name: "Report writing"');
    const md = await h.json('GET', `${S}/${alice.id}/md`);
    expectDocumentedShape('getSkillMd', md.body);
    expect(md.body).toMatchObject({ object: 'skill_md', skill_id: alice.id, revision: 1, version: '0.1.2' });
  });

  it('reads library skills for everyone', async () => {
    const library = await h.json('GET', `${S}/${LIBRARY_SKILL_ID}/md`, { key: 'bob' });
    expect(library.status).toBe(200);
    expect(library.body['skill_md']).toContain('canary');
  });

  it('answers another user’s skill exactly like an unknown id (404)', async () => {
    const other = await h.json('GET', `${S}/${bob.id}`);
    const unknown = await h.json('GET', `${S}/no-such-skill`);
    expectError(other, 404, 'not_found');
    expectError(unknown, 404, 'not_found');
    expect(other.body['error']['message'].replace(bob.id, 'X')).toBe(
      unknown.body['error']['message'].replace('no-such-skill', 'X'),
    );
    expectError(await h.json('GET', `${S}/${bob.id}/md`), 404, 'not_found');
    expectError(
      await h.json('GET', `${S}/${alice.id}?include_md=maybe`),
      400,
      'invalid_request',
      'include_md',
    );
  });

  it('lets an admin read a user’s skill only when naming that user', async () => {
    expectError(await h.json('GET', `${S}/${alice.id}`, { key: 'admin' }), 404);
    const named = await h.json('GET', `${S}/${alice.id}`, {
      key: 'admin',
      headers: { 'x-autoskill-user': 'alice' },
    });
    expect(named.status).toBe(200);
  });
});

describe('PUT skills/{id}/md', () => {
  async function currentMd(): Promise<string> {
    return (await h.json('GET', `${S}/${alice.id}/md`)).body['skill_md'];
  }

  it('saves a valid edit as a new revision and keeps the declared version', async () => {
    const md = editedMd(
      await currentMd(),
      'description: "Report writing description"',
      'description: "写报告：先结论后数据"',
    );
    const saved = await h.json('PUT', `${S}/${alice.id}/md`, { body: { skill_md: md, base_revision: 1 } });
    expect(saved.status).toBe(200);
    expectDocumentedShape('saveSkillMd', saved.body);
    expect(saved.body).toMatchObject({
      ok: true,
      revision: 2,
      data: { description: '写报告：先结论后数据', version: '0.1.2' },
    });
    expect(saved.body['data']['skill_md']).toContain('写报告');
    expect((await h.store.versions(alice.id)).at(-1)).toMatchObject({ operation: 'edit', actor: 'alice' });
  });

  it('keeps the current version when the file declares none, and accepts the original’s `md` field', async () => {
    const md = (await currentMd()).replace(/^version:.*\n/m, '');
    const saved = await h.json('PUT', `${S}/${alice.id}/md`, { body: { md } });
    expect(saved.status).toBe(200);
    expect(saved.body['data']['version']).toBe('0.1.2');
    expect(saved.body['data']['skill_md']).toContain('version: "0.1.2"');
  });

  it('refuses a stale base_revision with 409 and the current revision; nothing changes', async () => {
    await h.store.update(alice.id, { description: 'changed meanwhile' }, { actor: 'maintainer' });
    const md = await currentMd();
    const answer = await unchanged(() =>
      h.json('PUT', `${S}/${alice.id}/md`, { body: { skill_md: `${md}\nmore`, base_revision: 1 } }),
    );
    expectError(answer, 409, 'stale_revision');
    expect(answer.body['error']['current_revision']).toBe(2);
  });

  it('refuses a broken SKILL.md with 400 naming the line; nothing changes', async () => {
    const broken = '---\nname: ok\ndescription: [unclosed\nversion: 0.1.3\n---\n\n# ok\n';
    const answer = await unchanged(() =>
      h.json('PUT', `${S}/${alice.id}/md`, { body: { skill_md: broken } }),
    );
    expectError(answer, 400, 'invalid_skill_file', 'skill_md');
    expect(answer.body['error']['message']).toMatch(/^skill_md:\d+:/);
    expect(answer.body['error']['line']).toEqual(expect.any(Number));
  });

  it('refuses a version lower than the current one; rollback is the way back', async () => {
    const md = (await currentMd()).replace('version: "0.1.2"', 'version: "0.1.1"');
    const answer = await unchanged(() => h.json('PUT', `${S}/${alice.id}/md`, { body: { skill_md: md } }));
    expectError(answer, 400, 'version_regression', 'skill_md');
  });

  it('refuses a file that declares another id', async () => {
    const md = (await currentMd()).replace(`id: "${alice.id}"`, 'id: "someone-else"');
    expectError(await unchanged(() => h.json('PUT', `${S}/${alice.id}/md`, { body: { skill_md: md } })), 400);
  });

  it('refuses missing fields, wrong types, malformed JSON and oversized bodies; nothing changes', async () => {
    const put = (options: Parameters<ManagementHarness['json']>[2]) =>
      h.json('PUT', `${S}/${alice.id}/md`, options);
    await unchanged(async () => {
      expectError(await put({ body: {} }), 400, 'invalid_request', 'skill_md');
      expectError(await put({ body: { skill_md: '   ' } }), 400, 'invalid_request', 'skill_md');
      expectError(await put({ body: { skill_md: 42 } }), 400, 'invalid_request', 'skill_md');
      expectError(
        await put({ body: { skill_md: 'x', base_revision: 'one' } }),
        400,
        'invalid_request',
        'base_revision',
      );
      expectError(
        await put({ rawBody: '{"skill_md": ', headers: { 'content-type': 'application/json' } }),
        400,
        'invalid_json',
      );
      expectError(await put({ body: ['not', 'an', 'object'] }), 400, 'invalid_json');
      expectError(await put({ body: { skill_md: 'x'.repeat(1_100_000) } }), 413, 'payload_too_large');
    });
  });

  it('refuses other users’ skills (404), library skills (403) and a pinned key naming another user (403)', async () => {
    const md = await currentMd();
    await unchanged(async () => {
      expectError(await h.json('PUT', `${S}/${bob.id}/md`, { body: { skill_md: md } }), 404, 'not_found');
      expectError(await h.json('PUT', `${S}/unknown/md`, { body: { skill_md: md } }), 404, 'not_found');
      expectError(
        await h.json('PUT', `${S}/${LIBRARY_SKILL_ID}/md`, { body: { skill_md: md } }),
        403,
        'read_only',
      );
      expectError(
        await h.json('PUT', `${S}/${alice.id}/md`, { body: { skill_md: md, user: 'bob' } }),
        403,
        'forbidden',
      );
      expectError(await h.json('PUT', `${S}/${alice.id}/md`, { key: 'bob', body: { skill_md: md } }), 404);
    });
  });
});

describe('DELETE skills/{id} and POST skills/{id}/restore', () => {
  it('deletes restorably and restores', async () => {
    const deleted = await h.json('DELETE', `${S}/${alice.id}`);
    expect(deleted.status).toBe(200);
    expectDocumentedShape('deleteSkill', deleted.body);
    expectError(await h.json('GET', `${S}/${alice.id}`), 404);
    const restored = await h.json('POST', `${S}/${alice.id}/restore`);
    expect(restored.status).toBe(200);
    expectDocumentedShape('restoreSkill', restored.body);
    expect(restored.body['data']).toMatchObject({ id: alice.id, name: 'Report writing' });
    expect((await h.json('GET', `${S}/${alice.id}`)).status).toBe(200);
  });

  it('refuses bad deletes and restores; nothing changes', async () => {
    await unchanged(async () => {
      expectError(await h.json('DELETE', `${S}/${bob.id}`), 404);
      expectError(await h.json('DELETE', `${S}/nope`), 404);
      expectError(await h.json('DELETE', `${S}/${LIBRARY_SKILL_ID}`), 403, 'read_only');
      expectError(await h.json('DELETE', `${S}/${alice.id}?base_revision=7`), 409, 'stale_revision');
      expectError(
        await h.json('DELETE', `${S}/${alice.id}?base_revision=x`),
        400,
        'invalid_request',
        'base_revision',
      );
      expectError(await h.json('POST', `${S}/${alice.id}/restore`), 409, 'not_deleted');
      expectError(await h.json('POST', `${S}/nope/restore`), 404);
    });
    await h.store.delete(alice.id, { actor: 'alice' });
    await unchanged(async () => {
      expectError(await h.json('POST', `${S}/${alice.id}/restore`, { key: 'bob' }), 404);
      expectError(
        await h.json('POST', `${S}/${alice.id}/restore`, {
          rawBody: '{',
          headers: { 'content-type': 'application/json' },
        }),
        400,
        'invalid_json',
      );
      expectError(
        await h.json('POST', `${S}/${alice.id}/restore`, { body: { base_revision: -1 } }),
        400,
        'invalid_request',
        'base_revision',
      );
    });
  });
});

describe('POST skills/{id}/rollback', () => {
  it('restores the previous revision as a new one by default, or a chosen one', async () => {
    await h.store.update(alice.id, { description: 'second', version: '0.1.3' }, { actor: 'maintainer' });
    await h.store.update(alice.id, { description: 'third', version: '0.1.4' }, { actor: 'maintainer' });
    const back = await h.json('POST', `${S}/${alice.id}/rollback`);
    expect(back.status).toBe(200);
    expectDocumentedShape('rollbackSkill', back.body);
    expect(back.body).toMatchObject({
      revision: 4,
      data: { description: 'second', version: '0.1.3' },
      restored_from: { revision: 2, version: '0.1.3' },
    });
    const first = await h.json('POST', `${S}/${alice.id}/rollback`, { body: { to_revision: 1 } });
    expect(first.body).toMatchObject({ revision: 5, data: { description: 'Report writing description' } });
    expect((await h.store.versions(alice.id)).map((version) => version.operation)).toEqual([
      'create',
      'update',
      'update',
      'rollback',
      'rollback',
    ]);
  });

  it('refuses impossible rollbacks; nothing changes', async () => {
    await unchanged(async () => {
      expectError(
        await h.json('POST', `${S}/${alice.id}/rollback`),
        400,
        'no_previous_revision',
        'to_revision',
      );
      expectError(
        await h.json('POST', `${S}/${alice.id}/rollback`, { body: { to_revision: 1 } }),
        400,
        'invalid_request',
        'to_revision',
      );
      expectError(
        await h.json('POST', `${S}/${alice.id}/rollback`, { body: { to_revision: '1' } }),
        400,
        'invalid_request',
        'to_revision',
      );
      expectError(await h.json('POST', `${S}/${bob.id}/rollback`), 404);
      expectError(await h.json('POST', `${S}/${LIBRARY_SKILL_ID}/rollback`), 403, 'read_only');
    });
    await h.store.update(alice.id, { description: 'second' }, { actor: 'maintainer' });
    await unchanged(async () => {
      expectError(
        await h.json('POST', `${S}/${alice.id}/rollback`, { body: { to_revision: 1, base_revision: 1 } }),
        409,
        'stale_revision',
      );
      expectError(await h.json('POST', `${S}/${alice.id}/rollback`, { body: { to_revision: 9 } }), 400);
    });
  });
});

describe('GET skills/{id}/versions and diff', () => {
  it('lists the history with operation, actor, reason and time, also after a delete', async () => {
    const md = (await h.json('GET', `${S}/${alice.id}/md`)).body['skill_md'] as string;
    await h.json('PUT', `${S}/${alice.id}/md`, {
      body: { skill_md: md.replace('Do Report writing carefully.', '先写结论。') },
    });
    await h.json('DELETE', `${S}/${alice.id}`);
    const versions = await h.json('GET', `${S}/${alice.id}/versions`);
    expect(versions.status).toBe(200);
    expectDocumentedShape('listSkillVersions', versions.body);
    expect(versions.body).toMatchObject({
      object: 'list',
      skill_id: alice.id,
      name: 'Report writing',
      deleted: true,
      total: 3,
    });
    expect(
      versions.body['data'].map((item: Json) => [item['revision'], item['operation'], item['actor']]),
    ).toEqual([
      [1, 'create', 'test'],
      [2, 'edit', 'alice'],
      [3, 'delete', 'alice'],
    ]);
    expect(versions.body['data'][1]).toMatchObject({
      reason: 'edit via management API',
      version: '0.1.2',
      is_current: false,
    });
    expectError(await h.json('GET', `${S}/${alice.id}/versions`, { key: 'bob' }), 404);
    expectError(await h.json('GET', `${S}/${alice.id}/versions?limit=0`), 400, 'invalid_request', 'limit');
    const library = await h.json('GET', `${S}/${LIBRARY_SKILL_ID}/versions`);
    expect(library.body['data']).toEqual([]);
  });

  it('diffs SKILL.md between two revisions as a unified diff', async () => {
    const md = (await h.json('GET', `${S}/${alice.id}/md`)).body['skill_md'] as string;
    await h.json('PUT', `${S}/${alice.id}/md`, {
      body: { skill_md: md.replace('Do Report writing carefully.', '先写结论，再给数据。') },
    });
    const diff = await h.json('GET', `${S}/${alice.id}/diff`);
    expect(diff.status).toBe(200);
    expectDocumentedShape('diffSkillRevisions', diff.body);
    expect(diff.body).toMatchObject({ from: { revision: 1 }, to: { revision: 2 } });
    expect(diff.body['diff']).toContain('\n-Do Report writing carefully.\n+先写结论，再给数据。\n');
    expect(diff.body['diff']).toMatch(
      /^--- a\/SKILL\.md \(revision 1, version 0\.1\.2\)\n\+\+\+ b\/SKILL\.md/,
    );
    const creation = await h.json('GET', `${S}/${alice.id}/diff?from=0&to=1`);
    expect(creation.body['from']).toBeNull();
    expect(creation.body['diff']).toContain('+name: "Report writing"');
    expectError(await h.json('GET', `${S}/${alice.id}/diff?from=2&to=1`), 400, 'invalid_request', 'from');
    expectError(await h.json('GET', `${S}/${alice.id}/diff?to=9`), 404, 'not_found');
    expectError(await h.json('GET', `${S}/${alice.id}/diff?to=two`), 400, 'invalid_request', 'to');
    expectError(await h.json('GET', `${S}/${alice.id}/diff`, { key: 'bob' }), 404);
    expectError(await h.json('GET', `${S}/${LIBRARY_SKILL_ID}/diff`), 404);
  });
});

describe('GET skills/{id}/export', () => {
  beforeEach(async () => {
    await h.store.update(
      alice.id,
      {},
      { actor: 'test' },
      {
        files: {
          'scripts/run.py': Buffer.from('print("hi")\n'),
          'assets/logo.bin': new Uint8Array([0xff, 0x00, 0xfe]),
        },
      },
    );
  });

  it('exports files (text and base64), md, zip and a strict Agent Skill zip', async () => {
    const files = await h.json('GET', `${S}/${alice.id}/export`);
    expect(files.status).toBe(200);
    expectDocumentedShape('exportSkill', files.body);
    expect(files.body).toMatchObject({ format: 'files', files: { 'scripts/run.py': 'print("hi")\n' } });
    expect(files.body['files']['SKILL.md']).toContain('Report writing');
    expect(files.body['binary_files']).toEqual({ 'assets/logo.bin': '/wD+' });
    const md = await h.json('GET', `${S}/${alice.id}/export?format=md`);
    expect(md.body).toMatchObject({ format: 'md', skill_md: expect.stringContaining('## Prompt') });
    const zip = await h.json('GET', `${S}/${alice.id}/export?format=zip`);
    expectDocumentedShape('exportSkill', zip.body);
    const entries = unzipSync(Buffer.from(zip.body['zip_base64'], 'base64'));
    expect(Object.keys(entries).sort()).toEqual([
      'report-writing/SKILL.md',
      'report-writing/assets/logo.bin',
      'report-writing/scripts/run.py',
    ]);
    const strict = await h.json('GET', `${S}/${alice.id}/export?format=agent_skill_zip`);
    expect(strict.body).toMatchObject({ format: 'agent_skill_zip_base64', file_name: 'report-writing.zip' });
    const strictEntries = unzipSync(Buffer.from(strict.body['zip_base64'], 'base64'));
    expect(new TextDecoder().decode(strictEntries['report-writing/SKILL.md'])).toMatch(
      /^---\nname: report-writing\n/,
    );
  });

  it('downloads a raw zip with download=1', async () => {
    const response = await h.call('GET', `${S}/${alice.id}/export?format=zip&download=1`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');
    expect(response.headers.get('content-disposition')).toContain('filename="report-writing.zip"');
    const entries = unzipSync(new Uint8Array(await response.arrayBuffer()));
    expect(Object.keys(entries)).toContain('report-writing/SKILL.md');
  });

  it('refuses bad formats and other users’ skills', async () => {
    expectError(await h.json('GET', `${S}/${alice.id}/export?format=tar`), 400, 'invalid_request', 'format');
    expectError(
      await h.json('GET', `${S}/${alice.id}/export?download=1`),
      400,
      'invalid_request',
      'download',
    );
    expectError(await h.json('GET', `${S}/${bob.id}/export?format=md`), 404);
    const library = await h.json('GET', `${S}/${LIBRARY_SKILL_ID}/export?format=md`, { key: 'bob' });
    expect(library.status).toBe(200);
  });
});

describe('ids with special characters', () => {
  it('addresses ids containing "/" and Chinese when percent-encoded', async () => {
    const odd = await h.createSkill({ owner: 'alice', name: '中文 技能', id: 'team/写作-1' });
    const answer = await h.json('GET', `${S}/${encodeURIComponent(odd.id)}`);
    expect(answer.status).toBe(200);
    expect(answer.body['data']['id']).toBe('team/写作-1');
  });
});
