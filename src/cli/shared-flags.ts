/**
 * @module Flags several commands declare the same way: `collect` for repeatable options, and the model
 * and store block (`--config`, chat and learning models, embeddings, SkillBank / PostgreSQL store,
 * library folders) that `chat`, `serve`, `proxy` and `web` share.
 */
import type { Command } from 'commander';

/** Commander reducer of a repeatable option: every value, in order. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `--config`, the model and embedding providers, and the store flags, in help order. */
export function addModelAndStoreFlags(
  command: Command,
  options: {
    /** Also accept `--store-path`, the seeds' deprecated name of `--store-dir`. @default false */
    storePathAlias?: boolean;
  } = {},
): Command {
  command
    .option('--config <file>', 'config file (default: autoskill.config.json/.yaml in the current folder)')
    .option(
      '--llm-provider <name>',
      'chat model provider: offline, openai, qwen, glm, internlm, ollama, anthropic, generic',
    )
    .option('--llm-model <model>', 'chat model id')
    .option(
      '--learn-llm-provider <name>',
      'provider for extraction, merging and rewriting (default: the chat one)',
    )
    .option('--learn-llm-model <model>', 'model for learning')
    .option(
      '--embeddings-provider <name>',
      'embeddings: hashing (offline), openai, dashscope, glm, ollama, generic, none',
    )
    .option('--embeddings-model <model>', 'embedding model id')
    .option('--store-dir <dir>', 'SkillBank folder (AUTOSKILL_STORE_DIR; default SkillBank)');
  if (options.storePathAlias) command.option('--store-path <dir>', 'deprecated alias of --store-dir');
  return command
    .option('--store-url <url>', 'PostgreSQL store (postgres://…)')
    .option(
      '--library-dir <dir>',
      'extra read-only skill library (repeatable; AUTOSKILL_LIBRARY_DIRS)',
      collect,
    );
}
