/**
 * @module Skill ids: the original's deterministic uuid5 rules (so a SkillBank written by the Python
 * AutoSkill keeps its ids) and random uuid4 ids for skills we create.
 */
import { createHash, randomUUID } from 'node:crypto';

/** RFC 4122 Appendix C namespace for URLs, as Python's `uuid.NAMESPACE_URL`. */
export const NAMESPACE_URL = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';

const IMPORT_ID_PREFIX = 'autoskill-agent-skill-import-v1:';
const COMMON_IMPORT_ID_PREFIX = 'autoskill-skill-id-v1:common:';

function uuidBytes(uuid: string): Buffer {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}

function formatUuid(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Name-based SHA-1 UUID (RFC 4122 §4.3, version 5), identical to Python's `uuid.uuid5`. */
export function uuid5(namespace: string, name: string): string {
  const digest = createHash('sha1').update(uuidBytes(namespace)).update(name, 'utf8').digest();
  const bytes = digest.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  return formatUuid(bytes);
}

/**
 * The id of a skill folder whose SKILL.md declares none (core.md §2.5). `relKey` is the folder path
 * relative to its owner root, e.g. `anthropics-skill/docx` for `Common/anthropics-skill/docx` with owner
 * `library:anthropics-skill`, or `my-skill` for `Users/u1/my-skill` with owner `u1`.
 */
export function deterministicSkillId(owner: string, relKey: string): string {
  return uuid5(NAMESPACE_URL, `${IMPORT_ID_PREFIX}${owner}:${relKey}`);
}

/** The id the bootstrap import gives a skill copied into `Common/<library>/<relPath>` (core.md §10). */
export function commonImportSkillId(library: string, relPath: string): string {
  return uuid5(NAMESPACE_URL, `${COMMON_IMPORT_ID_PREFIX}${library}:${relPath}`);
}

/** A fresh random id (uuid4) for a skill we create. */
export function newSkillId(): string {
  return randomUUID();
}
