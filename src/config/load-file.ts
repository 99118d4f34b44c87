/**
 * @module Reads the optional config file (`autoskill.config.json`, `.yaml` or `.yml`, or the path given
 * with `--config`) into the `AutoSkillConfig` shape, failing with the file's name on any problem.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { AutoSkillError } from '../shared/errors.js';
import { parseJsonValue, validate } from '../shared/json.js';
import { type AutoSkillConfig, AutoSkillConfigSchema } from './schema.js';

export const DEFAULT_CONFIG_FILES = [
  'autoskill.config.json',
  'autoskill.config.yaml',
  'autoskill.config.yml',
];

export interface LoadConfigFileOptions {
  /** An explicit path (`--config`); it must exist. */
  path?: string;
  /** Folder searched for the default names when no path is given. @default process.cwd() */
  cwd?: string;
}

/** The file's contents, validated; `{}` when no path is given and no default file exists. */
export function loadConfigFile({ path, cwd = process.cwd() }: LoadConfigFileOptions = {}): AutoSkillConfig {
  const candidate = path
    ? resolve(cwd, path)
    : DEFAULT_CONFIG_FILES.map((name) => resolve(cwd, name)).find((file) => existsSync(file));
  if (!candidate) return {};
  if (!existsSync(candidate)) {
    throw new AutoSkillError('INVALID_CONFIG', `Config file not found: ${candidate}`, {
      details: { path: candidate },
    });
  }
  const text = readFileSync(candidate, 'utf8');
  let value: unknown;
  if (/\.ya?ml$/i.test(candidate)) {
    try {
      value = parseYaml(text, { maxAliasCount: 100 }) as unknown;
    } catch (cause) {
      throw new AutoSkillError(
        'INVALID_CONFIG',
        `Malformed YAML in ${candidate}: ${(cause as Error).message}`,
        {
          cause,
          details: { path: candidate },
        },
      );
    }
  } else {
    value = parseJsonValue(text, { source: candidate, code: 'INVALID_CONFIG' });
  }
  // Validate the shape now (unknown keys, wrong types) so mistakes name the file, then keep the raw input
  // so that defaults are applied only once, after flags and env are merged.
  validate(value ?? {}, AutoSkillConfigSchema, { source: candidate, code: 'INVALID_CONFIG' });
  return (value ?? {}) as AutoSkillConfig;
}
