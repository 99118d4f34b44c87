/**
 * `autoskill chat` as a process (from source, like the serve tests), offline: driven through piped stdin
 * with every command (the lines are processed in order, extraction results are printed as they finish,
 * and the end of the input waits for pending extractions before `Bye.`), and through a pseudo-terminal
 * (`script` from util-linux) for the prompt and Ctrl-D.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, REPO_ROOT } from './support/fixtures.js';

const temp = makeTempDir('autoskill-chat-cli-');
afterAll(() => temp.cleanup());

const TSX = pathToFileURL(join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const MAIN = join(REPO_ROOT, 'src/cli/main.ts');

const OWN_SKILL_ID = 'skill-status-update-style';
const LIBRARY_SKILL_ID = 'library-release-checklist';

function seedStore(dir: string): void {
  const own = join(dir, 'Users', 'u1', 'status-update-style', 'SKILL.md');
  mkdirSync(join(own, '..'), { recursive: true });
  writeFileSync(
    own,
    `---\nid: ${OWN_SKILL_ID}\nname: status-update-style\ndescription: How I want status updates written\nversion: 0.1.0\n---\n\n# status-update-style\n\n## Prompt\n\nStart every status update with a one-line summary. Never invent numbers.\n`,
  );
  const library = join(dir, 'Common', 'demo', 'release-checklist', 'SKILL.md');
  mkdirSync(join(library, '..'), { recursive: true });
  writeFileSync(
    library,
    `---\nid: ${LIBRARY_SKILL_ID}\nname: release-checklist\ndescription: Steps before every release\nversion: 1.0.0\n---\n\n# release-checklist\n\n## Prompt\n\nRun the regression suite, then canary, then monitor, then roll out fully.\n`,
  );
}

/** Runs `autoskill chat` with `lines` on stdin (a pipe); resolves with stdout, stderr and the exit code. */
function chat(
  args: string[],
  lines: string[],
  timeoutMs = 60_000,
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const child = spawn(process.execPath, ['--import', TSX, MAIN, 'chat', ...args], {
    cwd: temp.dir,
    env: { PATH: process.env['PATH'] ?? '', HOME: temp.dir },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdin.end(`${lines.join('\n')}\n`);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`chat did not end in ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
  });
}

/** The output between `You> <line>` and the next prompt (or Bye.). */
function answerTo(stdout: string, line: string): string {
  const start = stdout.indexOf(`You> ${line}\n`);
  if (start < 0) throw new Error(`"${line}" was not echoed:\n${stdout}`);
  const rest = stdout.slice(start + `You> ${line}\n`.length);
  const next = rest.search(/^You> |^Bye\.$/m);
  return next < 0 ? rest : rest.slice(0, next);
}

describe('autoskill chat through piped stdin', () => {
  it('runs every command in order, shows retrieval and the streamed reply, and waits for extraction at the end', async () => {
    const store = join(temp.dir, 'piped');
    seedStore(store);
    const note = join(temp.dir, 'note.txt');
    writeFileSync(note, 'A note from a file: 请用中文总结。\n');
    const lines = [
      '/help',
      'Write a status update about the payments migration.',
      '/search status update',
      '/skills',
      `/export ${OWN_SKILL_ID}`,
      `/export ${LIBRARY_SKILL_ID}`,
      '/export no-such-skill',
      '/scope common',
      '/scope user',
      '/scope everyone',
      '/rewrite never',
      '/extract never',
      '/extract_every 3',
      '/extract_every x',
      '/extract always',
      '/extract_now focus on summaries',
      'extract_now',
      '／help',
      '/paste',
      'first pasted line',
      'second pasted line',
      '/end',
      `/file ${note}`,
      '/unknown',
      '/clear',
      '/extract_now',
      '/extract auto',
      '/extract_every 1',
      // A rule the stored skill does not have yet, so the maintainer merges (or adds) rather than discards.
      'From now on, whenever you write a status update for me, always end it with the next steps and their owners.',
    ];
    const { stdout, stderr, code } = await chat(
      ['--store-dir', store, '--min-score', '0', '--rewrite-mode', 'never', '--wait-extractions', '30'],
      lines,
    );
    expect(code, stderr).toBe(0);

    // Banner.
    expect(stdout).toContain('AutoSkill terminal chat');
    expect(stdout).toMatch(/store: +\S+piped \(1 skill\(s\) of u1, 1 in libraries\)/);
    expect(stdout).toMatch(/scope: +all +rewrite: never/);
    expect(stdout).toContain('extraction: auto, every 1 turn(s)');
    expect(stdout).toContain('model:      offline');

    expect(answerTo(stdout, '/help')).toContain('/extract_now [hint]');
    expect(answerTo(stdout, '/help')).toContain('/quit');

    // A chat turn: the retrieved skills (rank, score, name, source), then the streamed reply.
    const turn = answerTo(stdout, 'Write a status update about the payments migration.');
    expect(turn).toMatch(/\[retrieve\] \d skill\(s\) \(scope all\):/);
    expect(turn).toMatch(
      / {2}1\. \d\.\d{4} {2}status-update-style {2}\(user:u1, skill-status-update-style\) \[injected\]/,
    );
    expect(turn).toContain('Assistant> AutoSkill is running offline');
    expect(turn).toContain(OWN_SKILL_ID);
    expect(turn).toMatch(/\[extract:auto\] scheduled in background \(job [0-9a-f]{8}\)/);

    expect(answerTo(stdout, '/search status update')).toMatch(
      /^Search: status update\n1\. \d\.\d{4} · status-update-style/,
    );
    expect(answerTo(stdout, '/skills')).toContain(`- ${OWN_SKILL_ID} | v0.1.0 | status-update-style`);
    expect(answerTo(stdout, `/export ${OWN_SKILL_ID}`)).toContain('Never invent numbers.');
    expect(answerTo(stdout, `/export ${LIBRARY_SKILL_ID}`)).toContain('then roll out fully');
    expect(answerTo(stdout, '/export no-such-skill')).toContain('(not found)');
    expect(answerTo(stdout, '/scope common')).toContain('Skill scope: library');
    expect(answerTo(stdout, '/scope user')).toContain('Skill scope: user');
    expect(answerTo(stdout, '/scope everyone')).toContain('Usage: /scope user|common|all');
    expect(answerTo(stdout, '/rewrite never')).toContain('Rewrite mode: never');
    expect(answerTo(stdout, '/extract never')).toContain('Extraction mode: never');
    expect(answerTo(stdout, '/extract_every 3')).toContain('Extraction interval (turns): 3');
    expect(answerTo(stdout, '/extract_every x')).toContain('Usage: /extract_every');
    expect(answerTo(stdout, '/extract always')).toContain('Extraction mode: always');
    expect(answerTo(stdout, '/extract_now focus on summaries')).toContain(
      '[extract_now] scheduled in background (hint: focus on summaries)',
    );
    expect(answerTo(stdout, 'extract_now')).toContain('[extract_now] scheduled in background');
    expect(answerTo(stdout, '／help')).toContain('/scope user|common|all');
    expect(stdout).toContain('[paste] type or paste lines');
    const pasted = stdout.slice(stdout.indexOf('first pasted line\nsecond pasted line\n/end\n'));
    expect(pasted).toMatch(
      /^first pasted line\nsecond pasted line\n\/end\n\[retrieve\][^\n]*\n[\s\S]*?Assistant> /,
    );
    expect(answerTo(stdout, `/file ${note}`)).toMatch(/\[file\] loaded: \S+note\.txt \(\d+ bytes\)/);
    expect(answerTo(stdout, `/file ${note}`)).toContain('离线');
    expect(answerTo(stdout, '/unknown')).toContain('Unknown command. Use /help.');
    expect(answerTo(stdout, '/clear')).toContain('Conversation cleared.');
    expect(answerTo(stdout, '/extract_now')).toContain('(no conversation context to extract from)');
    expect(answerTo(stdout, '/extract auto')).toContain('Extraction mode: auto');

    // The durable preference at the end becomes a skill before the chat says Bye.
    const end = stdout.slice(stdout.lastIndexOf('You> From now on'));
    expect(end).toMatch(/\[extract:auto\] (created: \S+|merged: \S+ →) v\d+\.\d+\.\d+ \(\S+\)/);
    expect(stdout.trimEnd().endsWith('Bye.')).toBe(true);
    // extract_now results come with the skill's SKILL.md or say why nothing was kept.
    expect(stdout).toMatch(/\[extract:extract_now\] (created|merged|discarded|nothing to learn)/);
  }, 90_000);

  it('/scope common, user and all change what /search and a chat turn retrieve', async () => {
    const store = join(temp.dir, 'scopes');
    seedStore(store);
    const { stdout, stderr, code } = await chat(
      [
        ...['--store-dir', store, '--min-score', '0', '--top-k', '2'],
        ...['--rewrite-mode', 'never', '--extract-mode', 'never'],
      ],
      [
        '/scope common',
        '/search status update release checklist',
        '/scope user',
        '/search release checklist status update',
        'Write the release checklist for the status update.',
        '/scope all',
        '/search status update and release checklist',
        'Write the status update for the release checklist.',
      ],
    );
    expect(code, stderr).toBe(0);
    const library = `(${LIBRARY_SKILL_ID}) · library:demo`;
    const own = `(${OWN_SKILL_ID}) · user:u1`;
    expect(answerTo(stdout, '/scope common')).toContain('Skill scope: library');
    const inLibrary = answerTo(stdout, '/search status update release checklist');
    expect(inLibrary).toContain(library);
    expect(inLibrary).not.toContain(OWN_SKILL_ID);
    expect(answerTo(stdout, '/scope user')).toContain('Skill scope: user');
    const inUser = answerTo(stdout, '/search release checklist status update');
    expect(inUser).toContain(own);
    expect(inUser).not.toContain(LIBRARY_SKILL_ID);
    const userTurn = answerTo(stdout, 'Write the release checklist for the status update.');
    expect(userTurn).toMatch(/\[retrieve\] 1 skill\(s\) \(scope user\):/);
    expect(userTurn).not.toContain(LIBRARY_SKILL_ID);
    expect(answerTo(stdout, '/scope all')).toContain('Skill scope: all');
    const inAll = answerTo(stdout, '/search status update and release checklist');
    expect(inAll).toContain(own);
    expect(inAll).toContain(library);
    expect(answerTo(stdout, 'Write the status update for the release checklist.')).toMatch(
      /\[retrieve\] 2 skill\(s\) \(scope all\):/,
    );
  }, 60_000);

  it('/quit leaves at once with Bye., ignoring the lines after it', async () => {
    const store = join(temp.dir, 'quit');
    const { stdout, code } = await chat(
      ['--store-dir', store, '--extract-mode', 'never'],
      ['/scope user', '/quit', 'this line is never sent'],
    );
    expect(code).toBe(0);
    expect(stdout).toContain('Skill scope: user');
    expect(stdout).not.toContain('You> this line is never sent');
    expect(stdout.trimEnd().endsWith('Bye.')).toBe(true);
  }, 60_000);
});

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!hasScript)('autoskill chat in a pseudo-terminal', () => {
  it('prompts with You>, answers, runs a command, and says Bye. on Ctrl-D', async () => {
    const store = join(temp.dir, 'tty');
    const command = `${JSON.stringify(process.execPath)} --import ${TSX} ${JSON.stringify(MAIN)} chat --store-dir ${JSON.stringify(store)} --extract-mode never`;
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
      cwd: temp.dir,
      env: { PATH: process.env['PATH'] ?? '', HOME: temp.dir, TERM: 'dumb' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const waitFor = async (pattern: RegExp, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (Date.now() > deadline) throw new Error(`no ${pattern} in:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await waitFor(/You> /);
      child.stdin.write('hello from a terminal\r');
      await waitFor(/Assistant> AutoSkill is running offline/);
      await waitFor(/No skill matched this request[\s\S]*You> /);
      child.stdin.write('/scope common\r');
      await waitFor(/Skill scope: library/);
      child.stdin.write('\u0004');
      await waitFor(/Bye\./);
      expect(await exited).toBe(0);
      expect(output).toContain('[retrieve] no skills matched (scope all)');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 60_000);
});
