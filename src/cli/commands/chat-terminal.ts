/**
 * @module The terminal chat loop of `autoskill chat` over the session engine (the same turn pipeline as
 * the web UI): reads lines (a terminal with a `You> ` prompt, or a pipe, processed in order), shows the
 * skills retrieved for each turn (rank, score, name, source), streams the reply, runs the commands, and
 * prints extraction results as they finish (`[extract:<trigger>] created|merged|discarded: …`). `/quit`,
 * `/exit`, Ctrl-D and the end of piped input say `Bye.` after waiting (bounded) for this chat's pending
 * extractions; Ctrl-C leaves at once. Terminal-only commands: `/quit`, `/paste` … `/end`, `/file <path>`.
 * I/O is injected, so tests drive it with streams.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { ChatSessionEvent, ChatSessionService, SessionJobEvent } from '../../service/chat-session.js';
import { helpText, parseChatInput } from '../../service/chat-session-commands.js';
import { errorMessage } from '../../shared/errors.js';

export interface TerminalChatOptions {
  service: ChatSessionService;
  userId: string;
  sessionId: string;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** A terminal (prompt, line editing, Ctrl-C) rather than a pipe. */
  interactive: boolean;
  /** Longest wait for pending extractions at the end. @default 60000 */
  waitForExtractionsMs?: number;
  /** Largest `/file`, in bytes. @default 2000000 */
  maxFileBytes?: number;
  /** @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
}

const SKILL_MD_PREVIEW = 8000;

function expandPath(raw: string, env: Readonly<Record<string, string | undefined>>): string {
  let path = raw.trim().replace(/^(['"])(.*)\1$/, '$2');
  if (path === '~' || path.startsWith('~/')) path = `${homedir()}${path.slice(1)}`;
  path = path.replace(/\$(\w+)|\$\{(\w+)\}/g, (_match, a: string | undefined, b: string | undefined) => {
    return env[a ?? b ?? ''] ?? '';
  });
  return resolve(path);
}

/** The lines printed for one finished (or failed) extraction job. */
export function describeExtraction(event: SessionJobEvent): string[] {
  const { trigger, status, outcome, reason, error } = event.event;
  const tag = `[extract:${trigger}]`;
  if (status === 'failed') return [`${tag} failed: ${error || reason || 'unknown error'}`];
  if (status !== 'completed') return [];
  const skill = event.event.upserted[0];
  const lines: string[] = [];
  switch (outcome) {
    case 'created':
      lines.push(`${tag} created: ${skill ? `${skill.name} v${skill.version} (${skill.id})` : reason}`);
      break;
    case 'merged':
      lines.push(`${tag} merged: ${skill ? `${skill.name} → v${skill.version} (${skill.id})` : reason}`);
      break;
    case 'discarded':
      lines.push(`${tag} discarded: ${reason ?? 'not kept'}`);
      break;
    default:
      lines.push(`${tag} nothing to learn${reason ? `: ${reason}` : ''}`);
  }
  if (trigger === 'extract_now') {
    for (const detail of event.event.skills.slice(0, 3)) {
      const md = detail.skillMd;
      lines.push(
        md.length > SKILL_MD_PREVIEW
          ? `${md.slice(0, SKILL_MD_PREVIEW)}\n...(truncated; /export ${detail.id} prints all of it)`
          : md.trimEnd(),
      );
    }
  }
  return lines;
}

/** Runs the chat until `/quit` or the end of the input. */
export async function runTerminalChat(options: TerminalChatOptions): Promise<void> {
  const { service, userId, sessionId, output, interactive } = options;
  const env = options.env ?? process.env;
  const waitMs = options.waitForExtractionsMs ?? 60_000;
  const maxFileBytes = options.maxFileBytes ?? 2_000_000;
  const write = (text: string) => output.write(text);
  const line = (text = '') => write(`${text}\n`);

  const rl = createInterface({
    input: options.input,
    ...(interactive ? { output } : {}),
    terminal: interactive,
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  rl.setPrompt('You> ');

  let closed = false;
  let interrupted = false;
  let paste: string[] | null = null;

  // --------------------------------------------------------------- extraction results, as they finish
  const pending = new Set<string>();
  const reported = new Set<string>();
  let busy = false;
  const queued: string[] = [];
  let settle: (() => void) | null = null;
  const notify = (lines: string[]) => {
    if (lines.length === 0) return;
    if (busy) {
      queued.push(...lines);
      return;
    }
    if (interactive) write('\r\x1b[K');
    for (const text of lines) line(text);
    if (interactive && !closed) rl.prompt(true);
  };
  const onJobEvent = (event: SessionJobEvent) => {
    const { jobId, status } = event.event;
    if (status === 'scheduled' || status === 'running') {
      if (!reported.has(jobId)) pending.add(jobId);
      return;
    }
    pending.delete(jobId);
    if (reported.has(jobId)) return;
    reported.add(jobId);
    notify(describeExtraction(event));
    if (pending.size === 0) settle?.();
  };
  const watching = await service.watch(userId, sessionId, { onEvent: onJobEvent, onClose: () => undefined });

  // --------------------------------------------------------------------------------------- one turn
  const render = (event: ChatSessionEvent, state: { replying: boolean; command: boolean }) => {
    switch (event.type) {
      case 'turn':
        state.command = event.kind === 'command';
        break;
      case 'retrieval': {
        if (state.command) break;
        const { retrieval } = event;
        if (retrieval.rewrittenQuery && retrieval.rewrittenQuery !== retrieval.originalQuery) {
          line(`[retrieve] rewritten query: ${retrieval.rewrittenQuery}`);
        }
        if (retrieval.error) line(`[retrieve] error: ${retrieval.error}`);
        if (retrieval.hits.length === 0) line(`[retrieve] no skills matched (scope ${retrieval.scope})`);
        else {
          line(`[retrieve] ${retrieval.hits.length} skill(s) (scope ${retrieval.scope}):`);
          const injected = new Set(retrieval.selectedForContextIds);
          for (const hit of retrieval.hits) {
            const mark = injected.has(hit.id) ? ' [injected]' : '';
            line(`  ${hit.rank}. ${hit.score.toFixed(4)}  ${hit.name}  (${hit.source}, ${hit.id})${mark}`);
          }
        }
        break;
      }
      case 'delta':
        if (!state.replying) {
          state.replying = true;
          if (!state.command) write('Assistant> ');
        }
        write(event.content);
        break;
      case 'extraction': {
        if (state.replying) {
          line();
          state.replying = false;
        }
        const { event: job } = event.extraction;
        if (job.status === 'scheduled' || job.status === 'running') pending.add(job.jobId);
        if (!state.command)
          line(`[extract:${job.trigger}] scheduled in background (job ${job.jobId.slice(0, 8)})`);
        break;
      }
      case 'done':
      case 'error':
        if (state.replying) {
          line();
          state.replying = false;
        }
        if (event.type === 'error') line(`[error] ${event.error.message}`);
        break;
    }
  };

  const send = async (content: string) => {
    const state = { replying: false, command: false };
    try {
      for await (const event of service.send(userId, sessionId, content)) render(event, state);
    } catch (error) {
      if (state.replying) line();
      line(`[error] ${errorMessage(error)}`);
    }
  };

  // ------------------------------------------------------------------------------------- the loop
  if (interactive) {
    rl.on('SIGINT', () => {
      if (paste) {
        paste = null;
        line('\n[paste] cancelled');
        rl.prompt();
        return;
      }
      interrupted = true;
      rl.close();
    });
  }
  rl.on('close', () => {
    closed = true;
  });

  const flushQueued = () => {
    for (const text of queued.splice(0)) line(text);
  };

  if (interactive) rl.prompt();
  let quit = false;
  for await (const raw of rl) {
    busy = true;
    const text = raw.replace(/\r$/, '');
    if (!interactive) line(`${paste ? '' : 'You> '}${text}`);
    if (paste) {
      const word = text.trim();
      if (word === '/end' || word === '／end') {
        const content = paste.join('\n');
        paste = null;
        if (content.trim()) await send(content);
        else line('[paste] nothing to send');
      } else if (word === '/cancel' || word === '／cancel') {
        paste = null;
        line('[paste] cancelled');
      } else paste.push(text);
    } else {
      const parsed = parseChatInput(text);
      const name = parsed.kind === 'command' ? parsed.name : '';
      if (parsed.kind === 'empty') {
        // nothing
      } else if (name === '/quit' || name === '/exit') {
        quit = true;
      } else if (name === '/help') {
        line(helpText({ terminal: true }));
      } else if (name === '/paste') {
        paste = [];
        line('[paste] type or paste lines; /end sends them, /cancel drops them');
      } else if (name === '/file') {
        if (parsed.kind === 'command' && parsed.argument) {
          const path = expandPath(parsed.argument, env);
          try {
            const bytes = await readFile(path);
            const truncated = bytes.byteLength > maxFileBytes;
            const content = new TextDecoder('utf-8', { fatal: false }).decode(
              bytes.subarray(0, maxFileBytes),
            );
            line(
              `[file] loaded: ${path} (${Math.min(bytes.byteLength, maxFileBytes)} bytes${truncated ? ' truncated' : ''})`,
            );
            await send(truncated ? `${content}\n\n...[truncated]...\n` : content);
          } catch (error) {
            line(`[file] could not read ${path}: ${errorMessage(error)}`);
          }
        } else line('Usage: /file <path>');
      } else {
        await send(text);
      }
    }
    busy = false;
    flushQueued();
    if (quit) break;
    if (interactive) rl.prompt();
  }
  rl.close();

  if (!interrupted && pending.size > 0) {
    line(`[extract] waiting for ${pending.size} background extraction(s) to finish…`);
    await new Promise<void>((done) => {
      const timer = setTimeout(done, waitMs);
      timer.unref?.();
      settle = () => {
        clearTimeout(timer);
        done();
      };
    });
    if (pending.size > 0)
      line(`[extract] ${pending.size} still running; they finish in the background or on the next start`);
  }
  watching.stop();
  if (interactive && !quit) line();
  line('Bye.');
}
