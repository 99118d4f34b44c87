/**
 * @module Loads the retrieve layer's prompt files from the repository's `prompts/` folder (resolved from
 * this module's URL, so it works from `src/retrieve` and from `dist/retrieve`).
 */
import { readFileSync } from 'node:fs';
import { AutoSkillError } from '../shared/errors.js';

export const RETRIEVE_PROMPT_FILES = {
  rewriteQuery: 'rewrite-query.md',
  selectSkills: 'select-skills.md',
} as const;

export type RetrievePromptName = keyof typeof RETRIEVE_PROMPT_FILES;

const cache = new Map<RetrievePromptName, string>();

/** The text of a prompt file, read once per process. */
export function loadRetrievePrompt(name: RetrievePromptName): string {
  const cached = cache.get(name);
  if (cached !== undefined) return cached;
  const url = new URL(`../../prompts/${RETRIEVE_PROMPT_FILES[name]}`, import.meta.url);
  let text: string;
  try {
    text = readFileSync(url, 'utf8').trim();
  } catch (cause) {
    throw new AutoSkillError(
      'INTERNAL',
      `Prompt file ${RETRIEVE_PROMPT_FILES[name]} is missing; reinstall the package.`,
      { cause, details: { path: url.pathname } },
    );
  }
  cache.set(name, text);
  return text;
}
