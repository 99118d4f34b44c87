/**
 * @module The public surface of the `autoskill` package: named exports only, pinned by a test.
 */
export { AutoSkillError, ERROR_CODES, type ErrorCode, isAutoSkillError } from './shared/errors.js';
export {
  isLibraryOwner,
  LIBRARY_OWNER_PREFIX,
  libraryOwner,
  type Skill,
  type SkillExample,
  SkillExampleSchema,
  type SkillInput,
  SkillSchema,
  type SkillStatus,
} from './skill/schema.js';
