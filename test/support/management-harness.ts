/**
 * A management API over a filesystem store in a temp folder, behind real authentication (an admin key,
 * per-user keys for alice and bob, the shared application key), with helpers to call it in-process
 * (`app.request`, no port), to check answers against the schemas `openapi.json` documents, and to prove
 * that a refused request changed nothing on disk.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { expect } from 'vitest';
import { createServerApp } from '../../src/server/app.js';
import type { AuthOptions } from '../../src/server/auth/authenticate.js';
import {
  createManagementRoutes,
  type ManagementRoutesOptions,
  managementRouteDescriptions,
} from '../../src/server/management/index.js';
import { createMemoryApiKeyStore } from '../../src/store/api-key-store.js';
import { FileSkillStore } from '../../src/store/fs/file-skill-store.js';
import type { CreateSkillInput, StoredSkill } from '../../src/store/types.js';
import { makeTempDir } from './fixtures.js';

export const KEYS = {
  admin: 'admin-key-0123456789abcdef',
  shared: 'shared-application-key-0123456789',
  alice: 'alice-key-0123456789abcdef',
  bob: 'bob-key-0123456789abcdef012',
} as const;

// biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field in the tests
export type Json = Record<string, any>;

export const LIBRARY_SKILL_ID = 'library-release-checklist';
const LIBRARY_SKILL_MD = `---
id: ${LIBRARY_SKILL_ID}
name: release-checklist
description: Steps before every release
version: 1.0.0
---

# release-checklist

## Prompt

Run the regression suite, then canary, then monitor, then roll out fully.
`;

export interface CallOptions {
  key?: keyof typeof KEYS | null;
  body?: unknown;
  /** Sent as is (for malformed JSON and multipart). */
  rawBody?: string | FormData;
  headers?: Record<string, string>;
}

export interface ManagementHarness {
  root: string;
  store: FileSkillStore;
  app: ReturnType<typeof createServerApp>;
  call(method: string, path: string, options?: CallOptions): Promise<Response>;
  json(method: string, path: string, options?: CallOptions): Promise<{ status: number; body: Json }>;
  createSkill(input: Partial<CreateSkillInput> & { owner: string; name: string }): Promise<StoredSkill>;
  /** sha256 of every file under the store root except the lock. */
  snapshot(): Map<string, string>;
  close(): Promise<void>;
}

function snapshotOf(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name !== 'lock') {
        files.set(relative(root, path), createHash('sha256').update(readFileSync(path)).digest('hex'));
      }
    }
  };
  walk(root);
  return files;
}

export async function startManagementHarness(
  options: {
    auth?: AuthOptions | false;
    services?: Partial<ManagementRoutesOptions>;
    bodyBytes?: number;
  } = {},
): Promise<ManagementHarness> {
  const temp = makeTempDir('autoskill-management-');
  // A read-only library skill every user can read and nobody can write.
  const library = join(temp.dir, 'Common', 'demo', 'release-checklist', 'SKILL.md');
  mkdirSync(dirname(library), { recursive: true });
  writeFileSync(library, LIBRARY_SKILL_MD);
  const store = new FileSkillStore({ root: temp.dir, clock: () => new Date('2026-11-01T00:00:00Z') });
  await store.open();
  const auth: AuthOptions =
    options.auth === false
      ? {}
      : (options.auth ?? {
          sharedKey: KEYS.shared,
          adminKeys: [KEYS.admin],
          apiKeys: createMemoryApiKeyStore({
            seed: [
              { userId: 'alice', key: KEYS.alice, label: 'alice' },
              { userId: 'bob', key: KEYS.bob, label: 'bob' },
            ],
          }),
        });
  const app = createServerApp({
    auth,
    rateLimit: false,
    ...(options.bodyBytes ? { limits: { defaultBodyBytes: options.bodyBytes } } : {}),
    routes: [createManagementRoutes({ store, authEnabled: options.auth !== false, ...options.services })],
  });
  const call = async (method: string, path: string, call: CallOptions = {}): Promise<Response> => {
    const key = call.key === undefined ? 'alice' : call.key;
    const headers: Record<string, string> = { ...(call.headers ?? {}) };
    if (key !== null) headers['authorization'] = `Bearer ${KEYS[key]}`;
    let body: string | FormData | undefined = call.rawBody;
    if (call.body !== undefined) {
      body = JSON.stringify(call.body);
      headers['content-type'] ??= 'application/json';
    }
    return app.request(
      new Request(`http://127.0.0.1${path}`, { method, headers, ...(body ? { body } : {}) }),
    );
  };
  return {
    root: temp.dir,
    store,
    app,
    call,
    async json(method, path, options) {
      const response = await call(method, path, options);
      const text = await response.text();
      return { status: response.status, body: text ? (JSON.parse(text) as Json) : {} };
    },
    createSkill(input) {
      return store.create(
        { description: `${input.name} description`, instructions: `Do ${input.name} carefully.`, ...input },
        { actor: 'test' },
      );
    },
    snapshot: () => snapshotOf(temp.dir),
    async close() {
      await store.close();
      temp.cleanup();
    },
  };
}

/** Checks an answer against the 200 schema the route documents in openapi.json. */
export function expectDocumentedShape(operationId: string, body: unknown): void {
  const route = managementRouteDescriptions().find((item) => item.operationId === operationId);
  if (!route?.response) throw new Error(`No documented response for ${operationId}`);
  const result = route.response.safeParse(body);
  expect(result.success ? [] : result.error.issues).toEqual([]);
}

/** Checks an OpenAI-style error answer. */
export function expectError(
  answer: { status: number; body: Json },
  status: number,
  code?: string,
  param?: string | null,
): void {
  expect(answer.status).toBe(status);
  expect(Object.keys(answer.body)).toEqual(['error']);
  expect(answer.body['error']).toMatchObject({
    message: expect.any(String),
    type: status >= 500 ? 'server_error' : status === 429 ? 'rate_limit_error' : 'invalid_request_error',
    ...(code === undefined ? {} : { code }),
    ...(param === undefined ? {} : { param }),
  });
}
