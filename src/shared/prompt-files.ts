/**
 * @module Loads the prompt files kept at the repository root (`prompts/`), each read once per process.
 * The path is resolved from this module's URL, so it works from `src/shared` (tests, tsx) and from
 * `dist/shared` (the built CLI).
 */
import { readFileSync } from 'node:fs';
import { AutoSkillError } from './errors.js';

const cache = new Map<string, string>();

/** The trimmed text of `prompts/<fileName>`; `INTERNAL` when the file is missing. */
export function readPromptFile(fileName: string): string {
  const cached = cache.get(fileName);
  if (cached !== undefined) return cached;
  const url = new URL(`../../prompts/${fileName}`, import.meta.url);
  let text: string;
  try {
    text = readFileSync(url, 'utf8').trim();
  } catch (cause) {
    throw new AutoSkillError('INTERNAL', `Prompt file ${fileName} is missing; reinstall the package.`, {
      cause,
      details: { path: url.pathname },
    });
  }
  cache.set(fileName, text);
  return text;
}
