/**
 * @module `autoskill import conversations <file>`: learns from every conversation of an OpenAI-format
 * `.json` / `.jsonl` file (one ingest each: extraction, then add / merge / discard) for `--user-id`,
 * with a progress bar on stderr. Models and embeddings resolve like every entry point's (flags > env >
 * config file > defaults); with no model configured it runs offline. Exit code 0 when every
 * conversation was processed, 5 when some failed or some `.jsonl` lines were not JSON (they are listed).
 */
import type { Command } from 'commander';
import { loadConfigFile } from '../../config/index.js';
import type { ImportConversationsResult } from '../../learn/import-conversations.js';
import { EXIT } from '../exit-codes.js';
import { printError, printJson, printLine } from '../output.js';
import { collect } from '../shared-flags.js';
import { refuseFilesystemOnlyFlags, storeConfig, storeUrlOption, wholeNumber } from './store-options.js';
import { createProgressReporter } from './vectors.js';

interface ImportConversationFlags {
  storeDir?: string;
  storeUrl?: string;
  libraryDir: string[];
  userId?: string;
  maxMessages: string;
  hint?: string;
  continueOnError: boolean;
  llmProvider?: string;
  llmModel?: string;
  learnLlmProvider?: string;
  learnLlmModel?: string;
  embeddingsProvider?: string;
  embeddingsModel?: string;
  config?: string;
  json?: boolean;
}

function importCommand(program: Command): Command {
  return (
    program.commands.find((command) => command.name() === 'import') ??
    program.command('import').description('Import skills or conversations')
  );
}

function printSummary(result: ImportConversationsResult, userId: string): void {
  const { outcomes } = result;
  printLine(
    `Processed ${result.processed} of ${result.totalConversations} conversation(s) for user ${userId}: ` +
      `${outcomes.created} skill(s) created, ${outcomes.merged} merged, ${outcomes.discarded} discarded, ` +
      `${outcomes.nothing} with nothing to learn; ${result.failed} failed.`,
  );
  for (const skill of result.skills) printLine(`  ${skill.name}  v${skill.version}  ${skill.id}`);
  for (const error of result.errors) {
    printError(
      error.line !== undefined ? `  ${error.error}` : `  conversation ${error.index}: ${error.error}`,
    );
  }
}

export function register(program: Command): void {
  importCommand(program)
    .command('conversations <file>')
    .description(
      'Learn skills from an OpenAI-format conversation file (.json or .jsonl): one ingest per conversation',
    )
    .option(
      '--store-dir <dir>',
      'SkillBank folder of the filesystem store (default: $AUTOSKILL_STORE_DIR or SkillBank)',
    )
    .addOption(storeUrlOption())
    .option('--library-dir <dir>', 'extra read-only library folder (repeatable)', collect, [])
    .option('--user-id <id>', 'whose skills learn (default: $AUTOSKILL_USER_ID or u1)')
    .option('--max-messages <n>', 'keep the last N messages of each conversation (0 = all)', '0')
    .option('--hint <text>', 'what to capture, passed to every extraction (like /extract_now <hint>)')
    .option('--no-continue-on-error', 'stop at the first conversation that fails')
    .option('--llm-provider <name>', 'chat model provider (offline when none is configured)')
    .option('--llm-model <model>', 'chat model')
    .option('--learn-llm-provider <name>', 'model provider for learning (default: the chat provider)')
    .option('--learn-llm-model <model>', 'model for learning')
    .option('--embeddings-provider <name>', 'hashing (offline default), openai, qwen, glm, ollama, none, …')
    .option('--embeddings-model <model>', 'embedding model of the provider')
    .option('--config <file>', 'config file (default: autoskill.config.json/.yaml in the current folder)')
    .option('--json', 'print the result as JSON (snake_case)')
    .action(async (file: string, flags: ImportConversationFlags) => {
      const maxMessages = wholeNumber(flags.maxMessages, '--max-messages');
      refuseFilesystemOnlyFlags(storeConfig(flags), flags);
      // Imported here so that other commands (and --help) do not load the learning stack.
      const [{ buildComponents }, { createSkillSearch }, { importOpenAIConversations }, { userLockFor }] =
        await Promise.all([
          import('../../sdk/components.js'),
          import('../../store/skill-search.js'),
          import('../../learn/import-conversations.js'),
          import('../../sdk/user-lock.js'),
        ]);
      const components = await buildComponents({
        flags: {
          storeDir: flags.storeDir,
          storeUrl: flags.storeUrl,
          libraryDir: flags.libraryDir,
          userId: flags.userId,
          llmProvider: flags.llmProvider,
          llmModel: flags.llmModel,
          learnLlmProvider: flags.learnLlmProvider,
          learnLlmModel: flags.learnLlmModel,
          embeddingsProvider: flags.embeddingsProvider,
          embeddingsModel: flags.embeddingsModel,
        },
        env: process.env,
        config: loadConfigFile(flags.config ? { path: flags.config } : {}),
      });
      const search = createSkillSearch({ store: components.store, embeddings: components.embeddings });
      const userId = components.config.userId;
      // Other processes may ingest for the same users (web, proxy, replicas): take turns with them.
      const userLock = userLockFor(components.store);
      const progress = createProgressReporter({ label: 'Importing conversations' });
      try {
        const result = await importOpenAIConversations({
          file,
          maxMessagesPerConversation: maxMessages,
          continueOnError: flags.continueOnError,
          ...(flags.hint ? { hint: flags.hint } : {}),
          onProgress: (done, total) => progress.update(done, total),
          ingest: {
            store: components.store,
            search,
            llm: components.llm,
            learnLlm: components.learnLlm,
            offline: components.learnLlm.provider === 'offline',
            userId,
            actor: 'cli',
            lock: userLock,
          },
        });
        progress.finish();
        if (flags.json) {
          printJson({
            object: 'import.conversations.result',
            ...result,
            userId,
            skills: result.skills.map((skill) => ({
              id: skill.id,
              name: skill.name,
              description: skill.description,
              version: skill.version,
              location: skill.location,
            })),
          });
        } else printSummary(result, userId);
        if (result.failed > 0 || result.errors.length > 0) process.exitCode = EXIT.problemsFound;
      } finally {
        progress.finish();
        await search.close();
        if (components.ownsStore) await components.store.close();
      }
    });
}
