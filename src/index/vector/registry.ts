/**
 * @module Vector backend registry: `flat` (the SkillBank files, default), `memory` and `pgvector`
 * (loaded on first use) built in; others (chroma, milvus, pinecone, …) register a factory by name, or are named in config
 * as a `"module:export"` string that is imported lazily through the same path.
 */
import { AutoSkillError } from '../../shared/errors.js';
import { isModuleExportString, loadModuleExport } from '../../shared/module-export.js';
import { createFlatVectorIndex } from './flat.js';
import { MemoryVectorIndex } from './memory.js';
import type { VectorBackend, VectorBackendContext, VectorBackendFactory } from './types.js';

/** The seeds' aliases of `flat`. */
const ALIASES: Record<string, string> = { filesystem: 'flat', local: 'flat', file: 'flat', disk: 'flat' };

const factories = new Map<string, VectorBackendFactory>([
  ['flat', createFlatVectorIndex],
  ['memory', (context) => new MemoryVectorIndex({ name: context.name })],
  ['pgvector', async (context) => (await import('./pgvector.js')).createPgvectorIndex(context)],
]);

function canonical(name: string): string {
  const key = name.trim().toLowerCase();
  return ALIASES[key] ?? key;
}

/** Registers (or replaces) a backend factory under `name`. */
export function registerVectorBackend(name: string, factory: VectorBackendFactory): void {
  factories.set(canonical(name), factory);
}

export function listVectorBackends(): string[] {
  return [...factories.keys()].sort();
}

export interface CreateVectorBackendOptions extends VectorBackendContext {
  /** A registered name, an alias, or `"module:export"`. @default 'flat' */
  backend?: string;
  /** Module loader for `"module:export"` strings (injectable for tests). @default dynamic import */
  importModule?: (specifier: string) => Promise<Record<string, unknown>>;
}

export async function createVectorBackend(options: CreateVectorBackendOptions): Promise<VectorBackend> {
  const requested = options.backend ?? 'flat';
  const context: VectorBackendContext = {
    directory: options.directory,
    name: options.name,
    config: options.config,
  };
  if (isModuleExportString(requested) && !factories.has(canonical(requested))) {
    // `"module:"` means the module's default export.
    const spec = requested.endsWith(':') ? `${requested}default` : requested;
    const factory = await loadModuleExport(spec, {
      kind: 'vector backend',
      ...(options.importModule ? { importModule: options.importModule } : {}),
    });
    return (factory as VectorBackendFactory)(context);
  }
  const factory = factories.get(canonical(requested));
  if (!factory) {
    throw new AutoSkillError('NO_SUCH_PROVIDER', `Unknown vector backend ${requested}`, {
      details: { backend: requested, available: listVectorBackends() },
    });
  }
  return factory(context);
}
