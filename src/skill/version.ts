/**
 * @module Patch-version bump used on every merge. Unlike the original (which reset anything but
 * `X.Y.Z` to `0.1.1`), it never loses information:
 *
 * | input | output | rule |
 * |---|---|---|
 * | `1.2.9` | `1.2.10` | increment the patch |
 * | `v1.2`, `1.2`, `1` | `v1.2.1`, `1.2.1`, `1.0.1` | missing parts are 0, then increment the patch; prefix kept |
 * | `1.2.3-beta`, `1.2.3-beta.4` | `1.2.3-beta.1`, `1.2.3-beta.5` | pre-release: bump its last numeric identifier or append `.1`, as `npm version prerelease` (stays before `1.2.3`, as semver orders) |
 * | `1.2.3+build.7` | `1.2.4+build.7` | build metadata is kept |
 * | `1.2.3.4` | `1.2.3.5` | more than three numbers: increment the last |
 * | `007`-style zero padding | width kept: `1.2.09` → `1.2.10`, `1.2.007` → `1.2.008` | |
 * | `draft`, `r7` | `draft.1`, `r8` | anything else: increment a trailing number, else append `.1` |
 * | empty | `0.1.1` | an empty version means the default `0.1.0` |
 */

const SEMVER_LIKE =
  /^([vV]?)(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;
const DOTTED_NUMBERS = /^([vV]?)(\d+(?:\.\d+){3,})$/;
const TRAILING_NUMBER = /^(.*?)(\d+)$/;

/** `n + 1` keeping leading-zero width (`09` → `10`, `007` → `008`); digit strings of any length. */
function incrementDigits(digits: string): string {
  const next = (BigInt(digits) + 1n).toString();
  return next.length >= digits.length ? next : next.padStart(digits.length, '0');
}

function bumpPrerelease(prerelease: string): string {
  const identifiers = prerelease.split('.');
  for (let index = identifiers.length - 1; index >= 0; index -= 1) {
    const identifier = identifiers[index] ?? '';
    if (/^\d+$/.test(identifier)) {
      identifiers[index] = incrementDigits(identifier);
      return identifiers.join('.');
    }
  }
  return `${prerelease}.1`;
}

/** The next patch version; see the module table for every shape. */
export function bumpPatch(version: string): string {
  const trimmed = version.trim();
  if (trimmed === '') return '0.1.1';
  const semver = SEMVER_LIKE.exec(trimmed);
  if (semver) {
    const [, prefix = '', major = '0', minor, patch, prerelease, build] = semver;
    const buildPart = build === undefined ? '' : `+${build}`;
    if (prerelease !== undefined) {
      const core = [major, minor, patch].filter((part) => part !== undefined).join('.');
      return `${prefix}${core}-${bumpPrerelease(prerelease)}${buildPart}`;
    }
    const nextPatch = patch === undefined ? '1' : incrementDigits(patch);
    return `${prefix}${major}.${minor ?? '0'}.${nextPatch}${buildPart}`;
  }
  const dotted = DOTTED_NUMBERS.exec(trimmed);
  if (dotted) {
    const parts = (dotted[2] ?? '').split('.');
    parts[parts.length - 1] = incrementDigits(parts[parts.length - 1] ?? '0');
    return `${dotted[1] ?? ''}${parts.join('.')}`;
  }
  const trailing = TRAILING_NUMBER.exec(trimmed);
  if (trailing) return `${trailing[1] ?? ''}${incrementDigits(trailing[2] ?? '0')}`;
  return `${trimmed}.1`;
}
