import { makeTempDir } from '../../../test/support/fixtures.js';
import { runSkillStoreContract } from '../../../test/support/skill-store-contract.js';
import { FileSkillStore } from './file-skill-store.js';

runSkillStoreContract({
  name: 'FileSkillStore',
  create: async () => {
    const temp = makeTempDir('autoskill-store-');
    const store = new FileSkillStore({ root: temp.dir });
    await store.open();
    return { store, cleanup: temp.cleanup };
  },
});
