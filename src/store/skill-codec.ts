/**
 * @module The store's one doorway to the skill layer's SKILL.md codec, ids and slugs, so the store
 * depends on a handful of named functions only.
 */
export { commonImportSkillId, deterministicSkillId, newSkillId } from '../skill/ids.js';
export { decodeSkillFile, parseSkillMd, renderSkillMd, upsertSkillMdId } from '../skill/skill-md.js';
export { slugify } from '../skill/slug.js';
