import { describe, expect, it } from 'vitest';

describe('package surface', () => {
  it('exports exactly these names (adding or removing one is a deliberate API change)', async () => {
    const surface = await import('./index.js');
    expect(Object.keys(surface).sort()).toEqual([
      'AutoSkill',
      'AutoSkillConfigSchema',
      'AutoSkillError',
      'ERROR_CODES',
      'FileSkillStore',
      'LIBRARY_OWNER_PREFIX',
      'MemorySkillStore',
      'SkillExampleSchema',
      'SkillSchema',
      'createEmbeddingConnector',
      'createLLMConnector',
      'createOfflineLLMConnector',
      'isAutoSkillError',
      'isLibraryOwner',
      'libraryOwner',
      'loadConfigFile',
      'parseSkillMd',
      'registerEmbeddingConnector',
      'registerLLMConnector',
      'registerVectorBackend',
      'renderSkillMd',
      'resolveConfig',
    ]);
  });
});
