/**
 * @module The learn layer's prompt files (`prompts/`), read through the shared loader.
 */
import { readPromptFile } from '../shared/prompt-files.js';

export const PROMPT_FILES = {
  extract: 'extract-skill.md',
  extractForced: 'extract-skill-forced.md',
  repairJson: 'repair-json.md',
} as const;

export type PromptName = keyof typeof PROMPT_FILES;

/** The text of a prompt file, read once per process. */
export function loadPrompt(name: PromptName): string {
  return readPromptFile(PROMPT_FILES[name]);
}

/** The system prompt of an extraction call: the base prompt, plus the forced-mode section on demand. */
export function extractionSystemPrompt(forced: boolean): string {
  return forced ? `${loadPrompt('extract')}\n\n${loadPrompt('extractForced')}` : loadPrompt('extract');
}
