/**
 * @module Re-export of the API-key contract, which lives in the store layer (`src/store/api-key-store.ts`)
 * so the filesystem and PostgreSQL stores can implement it; kept here so proxy code keeps its imports.
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
} from '../../store/api-key-store.js';
