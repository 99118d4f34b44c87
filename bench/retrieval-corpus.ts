/**
 * @module Loads a SkillBank-shaped folder (Users/, Common/, ConvSkill/ …) as read-only skills for the
 * retrieval bench (with the skill layer's parser), and the labelled queries.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Skill } from '../src/skill/schema.js';
import { decodeSkillFile, parseSkillMd } from '../src/skill/skill-md.js';

/** A parsed skill whose `id` is its SKILL.md path relative to the corpus root (labels name paths). */
export type CorpusSkill = Skill;

export interface LabelledQuery {
  id: string;
  lang: string;
  query: string;
  relevant: string[];
  kind: string;
}

function walk(dir: string, depth: number, out: string[]): void {
  if (depth > 8) return;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  if (names.includes('SKILL.md')) {
    out.push(join(dir, 'SKILL.md'));
    return;
  }
  for (const name of names.sort()) {
    if (name.startsWith('.') || name === 'node_modules' || name === 'vectors' || name === 'index') continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(full, depth + 1, out);
  }
}

/**
 * Owner by the store's rules: `Users/<u>` → u (or the read-only library `library:Users-<u>`);
 * `Common/<lib>/…` and `<Other>/<lib>/…` → `library:<lib>`.
 */
export function ownerOf(relativePath: string, asLibraries = false): string {
  const parts = relativePath.split('/');
  if (parts[0] === 'Users' && parts.length > 2) {
    return asLibraries ? `library:Users-${parts[1]}` : (parts[1] ?? 'default');
  }
  if (parts.length > 3) return `library:${parts[1]}`;
  return `library:${parts[0]}`;
}

export interface LoadCorpusResult {
  skills: CorpusSkill[];
  failures: Array<{ path: string; reason: string }>;
}

export interface LoadCorpusOptions {
  /** Load user folders as read-only libraries too (the bench searches everything). @default false */
  asLibraries?: boolean;
}

export function loadCorpus(root: string, options: LoadCorpusOptions = {}): LoadCorpusResult {
  const files: string[] = [];
  walk(root, 0, files);
  const skills: CorpusSkill[] = [];
  const failures: Array<{ path: string; reason: string }> = [];
  for (const file of files) {
    const id = relative(root, file).split(sep).join('/');
    try {
      const text = decodeSkillFile(readFileSync(file), { source: id });
      const folder = id.split('/').slice(-2, -1)[0] ?? 'skill';
      const owner = ownerOf(id, options.asLibraries);
      const skill = parseSkillMd(text, { owner, source: id, fallbackName: folder });
      skills.push({ ...skill, id });
    } catch (error) {
      failures.push({ path: id, reason: (error as Error).message });
    }
  }
  return { skills, failures };
}

export function loadQueries(path: string): LabelledQuery[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as LabelledQuery);
}
