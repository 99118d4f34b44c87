/**
 * Locates the shared, read-only fixtures (../shared/fixtures beside the clone) and makes throwaway
 * copies for tests that write. Tests must never write into the shared folder.
 */
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED_FIXTURES = resolve(REPO_ROOT, '..', 'shared', 'fixtures');
export const SKILLBANK = join(SHARED_FIXTURES, 'skillbank');
export const ORIGINAL_STORE = join(SHARED_FIXTURES, 'original-store');

export function requireFixtures(): void {
  if (!existsSync(SKILLBANK)) {
    throw new Error(
      `Shared fixtures not found at ${SHARED_FIXTURES}; clone the repository beside ../shared/`,
    );
  }
}

/** A fresh temporary directory; call the returned `cleanup` in afterEach/afterAll. */
export function makeTempDir(prefix = 'autoskill-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Copies a shared fixture folder into a new temporary directory and returns the copy's path. */
export function copyFixture(source: string, prefix?: string): { dir: string; cleanup: () => void } {
  const temp = makeTempDir(prefix);
  const target = join(temp.dir, 'copy');
  cpSync(source, target, { recursive: true });
  return { dir: target, cleanup: temp.cleanup };
}
