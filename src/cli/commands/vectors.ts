/**
 * @module `autoskill vectors status|rebuild [--force]`: the vector index of the configured embedder
 * (`vectors/<index-name>.*` in the SkillBank for the flat backend). `status` loads the index and
 * compares it with the skills without embedding anything (exit 5 when it disagrees); `rebuild` embeds
 * missing and stale skills and drops vectors of deleted ones (`--force`: every skill), with a progress
 * bar on stderr when it is a terminal and plain progress lines otherwise.
 */
import type { Command } from 'commander';
import { loadConfigFile } from '../../config/index.js';
import type { VectorStatus } from '../../store/skill-search.js';
import { EXIT } from '../exit-codes.js';
import { printJson, printLine } from '../output.js';
import { collect } from '../shared-flags.js';
import { refuseFilesystemOnlyFlags, storeConfig, storeUrlOption } from './store-options.js';

interface VectorFlags {
  storeDir?: string;
  storeUrl?: string;
  libraryDir: string[];
  embeddingsProvider?: string;
  embeddingsModel?: string;
  config?: string;
  json?: boolean;
  force?: boolean;
}

function withVectorFlags(command: Command): Command {
  return command
    .option(
      '--store-dir <dir>',
      'SkillBank folder of the filesystem store (default: $AUTOSKILL_STORE_DIR or SkillBank)',
    )
    .addOption(storeUrlOption())
    .option('--library-dir <dir>', 'extra read-only library folder (repeatable)', collect, [])
    .option('--embeddings-provider <name>', 'hashing (offline default), openai, qwen, glm, ollama, none, …')
    .option('--embeddings-model <model>', 'embedding model of the provider')
    .option('--config <file>', 'config file (default: autoskill.config.json/.yaml in the current folder)')
    .option('--json', 'print JSON (snake_case)');
}

/** The store and embedder the flags name, and a search over them (imported lazily: --help stays fast). */
async function openSearch(flags: VectorFlags) {
  refuseFilesystemOnlyFlags(storeConfig(flags), flags);
  const { buildComponents } = await import('../../sdk/components.js');
  const { createSkillSearch } = await import('../../store/skill-search.js');
  const components = await buildComponents({
    flags: {
      storeDir: flags.storeDir,
      storeUrl: flags.storeUrl,
      libraryDir: flags.libraryDir,
      embeddingsProvider: flags.embeddingsProvider,
      embeddingsModel: flags.embeddingsModel,
    },
    env: process.env,
    config: loadConfigFile(flags.config ? { path: flags.config } : {}),
  });
  const search = createSkillSearch({
    store: components.store,
    embeddings: components.embeddings,
    repairOnOpen: false,
  });
  return {
    search,
    async close() {
      await search.close();
      if (components.ownsStore) await components.store.close();
    },
  };
}

export interface ProgressReporter {
  update(done: number, total: number): void;
  finish(): void;
}

/**
 * Progress on stderr: a bar redrawn in place on a terminal, otherwise one line per tenth (and at the
 * end), so logs stay readable. Nothing is printed for work that ends within `quietMs`.
 */
export function createProgressReporter(options: {
  label: string;
  stream?: NodeJS.WriteStream;
  /** @default 500 */
  quietMs?: number;
  now?: () => number;
}): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  const started = now();
  const quietMs = options.quietMs ?? 500;
  const tty = stream.isTTY === true;
  let lastTenth = -1;
  let drawn = false;
  let lastDraw = 0;
  return {
    update(done, total) {
      if (total <= 0 || now() - started < quietMs) return;
      const share = Math.min(1, done / total);
      if (tty) {
        if (done < total && now() - lastDraw < 50) return;
        lastDraw = now();
        const width = 30;
        const filled = Math.round(share * width);
        const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
        stream.write(`\r${options.label} ${bar} ${Math.floor(share * 100)}% ${done}/${total}`);
        drawn = true;
        return;
      }
      const tenth = Math.floor(share * 10);
      if (tenth === lastTenth && done < total) return;
      lastTenth = tenth;
      stream.write(`${options.label}: ${done}/${total} (${Math.floor(share * 100)}%)\n`);
    },
    finish() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}

function describeStatus(status: VectorStatus): string[] {
  if (!status.enabled) return ['Vectors: off (embeddings provider none); search uses keywords only.'];
  const embeddings = status.embeddings;
  const lines = [
    `Index:      ${status.backend}  ${status.indexName ?? ''}${status.directory ? `  (${status.directory})` : ''}`,
    `Embeddings: ${embeddings?.provider}/${embeddings?.model}${embeddings?.dimensions ? `, ${embeddings.dimensions} dimensions` : ''}`,
    `Skills:     ${status.skills}  with a current vector: ${status.vectors}  missing: ${status.missing}  stale: ${status.stale}  extra: ${status.extra}`,
  ];
  if (status.load) {
    lines.push(`Loaded:     ${status.load.status} (${status.load.rows} rows)`);
    for (const problem of status.load.problems) lines.push(`  ${problem}`);
  }
  lines.push(
    status.healthy
      ? 'Healthy: every skill has a vector of its current text.'
      : 'Not in line with the skills: run `autoskill vectors rebuild` (searches meanwhile fall back to keywords for the affected skills).',
  );
  return lines;
}

export function register(program: Command): void {
  const vectors = program
    .command('vectors')
    .description('The vector index of the configured embedder: status and rebuild');

  withVectorFlags(vectors.command('status'))
    .description('Compare the vector index with the skills (nothing is embedded); exit 5 when they disagree')
    .action(async (flags: VectorFlags) => {
      const { search, close } = await openSearch(flags);
      try {
        const status = await search.vectorStatus();
        if (flags.json) printJson({ object: 'vectors.status', ...status });
        else for (const line of describeStatus(status)) printLine(line);
        if (!status.healthy) process.exitCode = EXIT.problemsFound;
      } finally {
        await close();
      }
    });

  withVectorFlags(vectors.command('rebuild'))
    .description(
      'Embed missing and stale skills and drop vectors of deleted ones (--force: re-embed every skill)',
    )
    .option('--force', 're-embed every skill, not only missing and stale ones')
    .action(async (flags: VectorFlags) => {
      const { search, close } = await openSearch(flags);
      const progress = createProgressReporter({ label: 'Embedding skills' });
      try {
        const report = await search.rebuildVectors({
          force: flags.force ?? false,
          onProgress: (done, total) => progress.update(done, total),
        });
        progress.finish();
        if (flags.json) {
          printJson({
            object: 'vectors.rebuild',
            ...report,
            failed: report.failed.length,
            failedIds: report.failed,
          });
        } else {
          printLine(
            `Embedded ${report.embedded} skill(s), removed ${report.removed} stale vector(s) in ${report.durationMs} ms` +
              (report.failed.length > 0
                ? `; ${report.failed.length} failed (${report.error ?? 'see the log'})`
                : '') +
              '.',
          );
          for (const line of describeStatus(report.status)) printLine(line);
        }
        if (report.failed.length > 0 || !report.status.healthy) process.exitCode = EXIT.problemsFound;
      } finally {
        progress.finish();
        await close();
      }
    });
}
