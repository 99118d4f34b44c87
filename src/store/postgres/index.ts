/**
 * @module Public surface of the PostgreSQL store: the database handle and migrations, the skill, job
 * and API key stores, and the vector cache kept in the database.
 */
export {
  isPostgresUrl,
  PostgresDatabase,
  type PostgresDatabaseOptions,
  quoteIdent,
  redactUrl,
} from './database.js';
export { MIGRATIONS, type MigrationReport, migrationStatus, runMigrations } from './migrations.js';
export {
  createPostgresApiKeyStore,
  type PostgresApiKeyStore,
  type PostgresApiKeyStoreOptions,
} from './postgres-api-key-store.js';
export {
  PostgresChatSessionStore,
  type PostgresChatSessionStoreOptions,
} from './postgres-chat-session-store.js';
export { type JobEventNotice, PostgresJobStore, type PostgresJobStoreOptions } from './postgres-job-store.js';
export {
  type CopiedSkillState,
  type PostgresLibrarySkillWrite,
  type PostgresLibraryWriteResult,
  PostgresSkillStore,
  type PostgresSkillStoreOptions,
} from './postgres-skill-store.js';
export { PostgresVectorCache, type PostgresVectorCacheOptions } from './postgres-vector-cache.js';
export {
  type CopyReport,
  type CopyStoreOptions,
  type CopyVerification,
  copySkillStore,
  verifyCopy,
} from './store-copy.js';
export {
  createPostgresUserLock,
  type PostgresUserLock,
  type PostgresUserLockOptions,
  type UserLockLike,
} from './user-lock.js';
