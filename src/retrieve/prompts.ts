/**
 * @module The retrieve layer's prompt files (`prompts/`), read through the shared loader.
 */
import { readPromptFile } from '../shared/prompt-files.js';

export const RETRIEVE_PROMPT_FILES = {
  rewriteQuery: 'rewrite-query.md',
  selectSkills: 'select-skills.md',
} as const;

export type RetrievePromptName = keyof typeof RETRIEVE_PROMPT_FILES;

/** The text of a prompt file, read once per process. */
export function loadRetrievePrompt(name: RetrievePromptName): string {
  return readPromptFile(RETRIEVE_PROMPT_FILES[name]);
}
