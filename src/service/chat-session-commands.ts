/**
 * @module Parsing a chat line into a command or a message, with the original's rules (serving.md §2.6):
 * a single line starting with `/` or the full-width `／` is a command, its name lower-cased and its
 * argument the rest after the first space; the bare words `help`, `exit`, `quit`, `skills` and `clear`,
 * and `extract_now [hint]`, are commands too. Also the argument checks of the setting commands and the
 * help text, shared by the web sessions and the terminal chat.
 */
import type { ChatSessionSettings } from '../store/chat-session-store.js';

export type ParsedInput =
  | { kind: 'empty' }
  | { kind: 'chat'; text: string }
  | { kind: 'command'; name: string; argument: string; text: string };

const BARE_COMMANDS = new Set(['help', 'exit', 'quit', 'skills', 'clear']);

export function parseChatInput(input: string): ParsedInput {
  const text = input.trim();
  if (text.length === 0) return { kind: 'empty' };
  if (/[\r\n]/.test(text)) return { kind: 'chat', text };
  const first = text[0];
  if (first === '/' || first === '／') {
    const rest = text.slice(1);
    const space = rest.search(/\s/);
    const name = (space < 0 ? rest : rest.slice(0, space)).toLowerCase();
    const argument = space < 0 ? '' : rest.slice(space + 1).trim();
    return { kind: 'command', name: `/${name}`, argument, text };
  }
  const lower = text.toLowerCase();
  if (BARE_COMMANDS.has(lower)) return { kind: 'command', name: `/${lower}`, argument: '', text };
  const bare = /^extract_now(?:\s+([\s\S]*))?$/i.exec(text);
  if (bare) return { kind: 'command', name: '/extract_now', argument: (bare[1] ?? '').trim(), text };
  return { kind: 'chat', text };
}

/** `user`, `library` (aliases `common`, `shared`, `library`) or `all`; null for anything else. */
export function parseScopeArgument(value: string): ChatSessionSettings['scope'] | null {
  const word = value.trim().toLowerCase();
  if (word === 'user' || word === 'all') return word;
  if (word === 'common' || word === 'library' || word === 'shared') return 'library';
  return null;
}

export function parseModeArgument<M extends string>(value: string, modes: readonly M[]): M | null {
  const word = value.trim().toLowerCase();
  return (modes as readonly string[]).includes(word) ? (word as M) : null;
}

/** A whole number (`/extract_every 3`), clamped to at least 1; null when it is not one. */
export function parseTurnLimitArgument(value: string): number | null {
  const word = value.trim();
  if (!/^[+-]?\d+$/.test(word)) return null;
  return Math.min(1000, Math.max(1, Number.parseInt(word, 10)));
}

export const USAGE: Readonly<Record<string, string>> = {
  '/rewrite': 'Usage: /rewrite never|auto|always',
  '/extract': 'Usage: /extract auto|always|never',
  '/extract_every': 'Usage: /extract_every <n>  (a whole number ≥ 1)',
  '/scope': 'Usage: /scope user|common|all',
  '/search': 'Usage: /search <query>',
  '/export': 'Usage: /export <skill_id>',
};

/** The `/help` text; the terminal adds its own lines (`/quit`). */
export function helpText(options: { terminal?: boolean } = {}): string {
  const lines = [
    'Commands:',
    '  /help                         this list',
    '  /extract_now [hint]           extract a skill from the recent conversation now (alias: extract_now)',
    '  /extract_every <n>            in auto mode, extract after every n chat turns',
    '  /extract auto|always|never    when to extract in the background',
    '  /rewrite never|auto|always    when to rewrite the query from the conversation before searching',
    '  /scope user|common|all        which skills to retrieve: yours, the shared libraries, or both',
    '  /search <query>               search skills in the current scope',
    '  /skills                       list your skills',
    '  /export <skill_id>            print a skill as SKILL.md',
    '  /clear                        forget this conversation',
  ];
  if (options.terminal) {
    lines.push(
      '  /paste … /end                 send several lines as one message (/cancel drops them)',
      '  /file <path>                  send a text file (at most 2 MB) as one message',
      '  /quit                         leave (also /exit, Ctrl-D)',
    );
  }
  lines.push(
    '',
    'auto: extraction runs in the background after every n chat turns; always: after every turn; never: only',
    'with /extract_now. A chat never waits for extraction; results are reported when they finish.',
  );
  return lines.join('\n');
}
