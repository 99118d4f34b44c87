/**
 * @module Loads the prompt files kept at the repository root (`prompts/`). The path is resolved from
 * this module's URL, so it works from `src/learn` (tests, tsx) and from `dist/learn` (the built CLI).
 */
import { readFileSync } from 'node:fs';
import { AutoSkillError } from '../shared/errors.js';

export const PROMPT_FILES = {
  extract: 'extract-skill.md',
  extractForced: 'extract-skill-forced.md',
  repairJson: 'repair-json.md',
} as const;

export type PromptName = keyof typeof PROMPT_FILES;

const cache = new Map<PromptName, string>();

/** The text of a prompt file, read once per process. */
export function loadPrompt(name: PromptName): string {
  const cached = cache.get(name);
  if (cached !== undefined) return cached;
  const url = new URL(`../../prompts/${PROMPT_FILES[name]}`, import.meta.url);
  let text: string;
  try {
    text = readFileSync(url, 'utf8').trim();
  } catch (cause) {
    throw new AutoSkillError(
      'INTERNAL',
      `Prompt file ${PROMPT_FILES[name]} is missing; reinstall the package.`,
      {
        cause,
        details: { path: url.pathname },
      },
    );
  }
  cache.set(name, text);
  return text;
}

/** The system prompt of an extraction call: the base prompt, plus the forced-mode section on demand. */
export function extractionSystemPrompt(forced: boolean): string {
  return forced ? `${loadPrompt('extract')}\n\n${loadPrompt('extractForced')}` : loadPrompt('extract');
}
