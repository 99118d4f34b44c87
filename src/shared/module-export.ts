/**
 * @module `"module:export"` factory strings: the one loader behind every registry (LLM and embedding
 * connectors, vector backends), so plug-ins resolve and fail the same way everywhere.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AutoSkillError, errorMessage } from './errors.js';

export type ImportModule = (specifier: string) => Promise<Record<string, unknown>>;

export interface LoadModuleExportOptions {
  /** What is being loaded, for messages: `LLM connector`, `embedding connector`, `vector backend`. */
  kind: string;
  /** Base for relative module paths. @default process.cwd() */
  cwd?: string;
  /** @default dynamic `import()` */
  importModule?: ImportModule;
}

/** Splits at the last colon, so scoped packages (`@scope/pkg:create`) and `file:` URLs work. */
export function splitModuleExport(spec: string, kind: string): { modulePath: string; exportName: string } {
  const at = spec.lastIndexOf(':');
  const modulePath = spec.slice(0, at).trim();
  const exportName = spec.slice(at + 1).trim();
  if (at <= 0 || !modulePath || !exportName || /[/\\]/.test(exportName)) {
    throw new AutoSkillError(
      'INVALID_CONFIG',
      `${kind} factory "${spec}" must look like "module:export", e.g. "./my-plugin.js:createPlugin".`,
      { details: { factory: spec } },
    );
  }
  return { modulePath, exportName };
}

/** True when `spec` looks like a `"module:export"` string rather than a registered name. */
export function isModuleExportString(spec: string): boolean {
  return spec.lastIndexOf(':') > 0;
}

/** Imports the module named by `spec` and returns its function export, or fails with INVALID_CONFIG. */
export async function loadModuleExport(
  spec: string,
  { kind, cwd = process.cwd(), importModule = (specifier) => import(specifier) }: LoadModuleExportOptions,
): Promise<(...args: never[]) => unknown> {
  const { modulePath, exportName } = splitModuleExport(spec, kind);
  const isPath = modulePath.startsWith('.') || isAbsolute(modulePath);
  const specifier = isPath ? pathToFileURL(resolve(cwd, modulePath)).href : modulePath;
  let loaded: Record<string, unknown>;
  try {
    loaded = await importModule(specifier);
  } catch (cause) {
    throw new AutoSkillError(
      'INVALID_CONFIG',
      `Cannot load ${kind} module "${modulePath}": ${errorMessage(cause)}`,
      {
        cause,
        details: { factory: spec },
      },
    );
  }
  const factory = loaded[exportName];
  if (typeof factory !== 'function') {
    throw new AutoSkillError(
      'INVALID_CONFIG',
      `${kind} module "${modulePath}" has no function export "${exportName}".`,
      {
        details: { factory: spec, exports: Object.keys(loaded) },
      },
    );
  }
  return factory as (...args: never[]) => unknown;
}
