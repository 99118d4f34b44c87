/**
 * @module `autoskill search "<query>"`: the skills a query retrieves for a user, best first, with the
 * calibrated score and its parts (docs/retrieval.md). Settings resolve like every entry point's: flags >
 * environment (`AUTOSKILL_MIN_SCORE`, `AUTOSKILL_EMBEDDINGS_PROVIDER`, …) > config file > defaults, so
 * `--min-score` defaults to the retrieval threshold the proxy would apply (0.4).
 */
import { type Command, Option } from 'commander';
import { loadConfigFile } from '../../config/index.js';
import type { SkillSearchHit } from '../../store/skill-search.js';
import { printJson, printLine } from '../output.js';
import { collect } from '../shared-flags.js';
import { refuseFilesystemOnlyFlags, storeConfig, storeUrlOption, wholeNumber } from './store-options.js';

interface SearchFlags {
  storeDir?: string;
  storeUrl?: string;
  libraryDir: string[];
  userId?: string;
  scope?: string;
  limit: string;
  minScore?: string;
  embeddingsProvider?: string;
  embeddingsModel?: string;
  config?: string;
  json?: boolean;
}

function fixed(value: number | null, digits = 3): string {
  return value === null ? '–' : value.toFixed(digits);
}

function describeHit(hit: SkillSearchHit, rank: number): string[] {
  const parts = hit.parts;
  const evidence = `keyword ${fixed(parts.keyword)}, vector ${fixed(parts.vector)}`;
  const lines = [
    `${String(rank).padStart(2)}. ${hit.score.toFixed(3)}  (${evidence})  ${hit.skill.name}  [${hit.source}]`,
  ];
  lines.push(`    id ${hit.skill.id}  v${hit.skill.version}  ${hit.skill.location}`);
  const description = hit.skill.description.replace(/\s+/g, ' ').trim();
  if (description)
    lines.push(`    ${description.length > 160 ? `${description.slice(0, 159)}…` : description}`);
  return lines;
}

export function register(program: Command): void {
  program
    .command('search <query>')
    .description(
      "Search the skills a user can see (their own plus libraries), best first, with each score's parts",
    )
    .option(
      '--store-dir <dir>',
      'SkillBank folder of the filesystem store (default: $AUTOSKILL_STORE_DIR or SkillBank)',
    )
    .addOption(storeUrlOption())
    .option('--library-dir <dir>', 'extra read-only library folder (repeatable)', collect, [])
    .option('--user-id <id>', 'whose skills to search (default: $AUTOSKILL_USER_ID or u1)')
    .addOption(
      new Option(
        '--scope <scope>',
        'user, common (libraries) or all (default: the configured scope, all)',
      ).choices(['user', 'common', 'library', 'shared', 'all']),
    )
    .option('--limit <n>', 'most hits shown', '5')
    .option('--min-score <score>', 'calibrated score a hit needs, 0–1 (default: $AUTOSKILL_MIN_SCORE or 0.4)')
    .option('--embeddings-provider <name>', 'hashing (offline default), openai, qwen, glm, ollama, none, …')
    .option('--embeddings-model <model>', 'embedding model of the provider')
    .option('--config <file>', 'config file (default: autoskill.config.json/.yaml in the current folder)')
    .option('--json', 'print JSON: {"object": "list", "data": [...]} (snake_case)')
    .action(async (query: string, flags: SearchFlags) => {
      const limit = wholeNumber(flags.limit, '--limit', 1);
      refuseFilesystemOnlyFlags(storeConfig(flags), flags);
      // Imported here so that other commands (and --help) do not load the SDK.
      const { AutoSkill } = await import('../../sdk.js');
      const autoSkill = await AutoSkill.open({
        flags: {
          storeDir: flags.storeDir,
          storeUrl: flags.storeUrl,
          libraryDir: flags.libraryDir,
          userId: flags.userId,
          minScore: flags.minScore,
          skillScope: flags.scope,
          embeddingsProvider: flags.embeddingsProvider,
          embeddingsModel: flags.embeddingsModel,
        },
        env: process.env,
        config: loadConfigFile(flags.config ? { path: flags.config } : {}),
      });
      try {
        const { scope, minScore } = autoSkill.config.retrieval;
        const hits = await autoSkill.search(query, { scope, limit, minScore });
        if (flags.json) {
          printJson({
            object: 'list',
            data: hits.map((hit, index) => ({
              rank: index + 1,
              score: hit.score,
              parts: hit.parts,
              id: hit.skill.id,
              name: hit.skill.name,
              description: hit.skill.description,
              version: hit.skill.version,
              owner: hit.skill.owner,
              source: hit.source,
              location: hit.skill.location,
            })),
            query,
            userId: autoSkill.userId,
            scope,
            minScore,
          });
          return;
        }
        if (hits.length === 0) {
          printLine(
            `No skill scored ≥ ${minScore} for ${JSON.stringify(query)} (user ${autoSkill.userId}, scope ${scope}).` +
              (minScore > 0 ? ' Lower --min-score to see weaker matches.' : ''),
          );
          return;
        }
        printLine(
          `Skills for ${JSON.stringify(query)} (user ${autoSkill.userId}, scope ${scope}, min score ${minScore}):`,
        );
        hits.forEach((hit, index) => {
          for (const line of describeHit(hit, index + 1)) printLine(line);
        });
      } finally {
        await autoSkill.close();
      }
    });
}
