/**
 * @module Public surface of the store layer: the `SkillStore` contract, its filesystem and in-memory
 * implementations, import, id normalisation and startup maintenance.
 */

export {
  API_KEY_PREFIX,
  type ApiKeyRecord,
  type ApiKeyStore,
  buildApiKeyRecord,
  type CreateApiKeyInput,
  type CreatedApiKey,
  createMemoryApiKeyStore,
  generateApiKey,
  hashApiKey,
  type MemoryApiKeyStoreOptions,
} from './api-key-store.js';
export * from './chat-session-store.js';
export type { Durability } from './fs/atomic-write.js';
export {
  API_KEYS_FILE,
  createFileApiKeyStore,
  type FileApiKeyStoreOptions,
} from './fs/file-api-key-store.js';
export {
  FileChatSessionStore,
  type FileChatSessionStoreOptions,
  SESSIONS_DIR,
} from './fs/file-chat-session-store.js';
export { FileJobStore, type FileJobStoreOptions, JOBS_DIR, newWorkerId } from './fs/file-job-store.js';
export {
  FileSkillStore,
  type FileSkillStoreOptions,
  type LibrarySkillWrite,
  type LibraryWriteResult,
  type NormalizeIdsReport,
  STATE_DIR,
} from './fs/file-skill-store.js';
export type { LibraryDir } from './fs/scan.js';
export {
  type ImportedSkill,
  type ImportReport,
  type ImportSkillsOptions,
  type ImportTarget,
  importSkills,
} from './import/import-skills.js';
export * from './job-store.js';
export { MemoryChatSessionStore } from './memory-chat-session-store.js';
export { MemoryJobStore, type MemoryJobStoreOptions } from './memory-job-store.js';
export { MemorySkillStore, type MemorySkillStoreOptions } from './memory-skill-store.js';
export * from './postgres/index.js';
export { normalizeResourcePath, validateLibraryName, validateUserId } from './safe-paths.js';
export * from './skill-search.js';
export {
  envFlag,
  runStartupMaintenance,
  type StartupMaintenanceOptions,
  type StartupMaintenanceReport,
} from './startup-maintenance.js';
export type * from './types.js';
