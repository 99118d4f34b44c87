import { runSkillStoreContract } from '../../test/support/skill-store-contract.js';
import { MemorySkillStore } from './memory-skill-store.js';

runSkillStoreContract({
  name: 'MemorySkillStore',
  create: async () => {
    const store = new MemorySkillStore();
    await store.open();
    return { store, cleanup: () => undefined };
  },
});
