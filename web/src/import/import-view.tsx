/** @module Import: Agent Skill zips or folders, and OpenAI conversation exports, with progress and a per-item result. */
import { useState } from 'preact/hooks';
import { importConversations, importSkills, type UploadProgress } from '../api/endpoints.js';
import type { ConversationImport, ImportResult } from '../api/schemas.js';
import { ErrorNote } from '../components/error-note.js';
import { useApp } from '../context.js';
import { useI18n } from '../i18n.js';

type Phase =
  | { kind: 'idle' }
  | { kind: 'reading'; done: number; total: number }
  | { kind: 'uploading'; percent: number }
  | { kind: 'processing' };

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000;
  for (let index = 0; index < bytes.length; index += chunk) {
    binary += String.fromCharCode(...bytes.subarray(index, index + chunk));
  }
  return btoa(binary);
}

/** The upload's name for the server (it keys a skill at the root of the upload): the file name without `.zip`. */
function uploadName(fileName: string): string {
  return fileName.replace(/\.zip$/i, '').slice(0, 64) || 'upload';
}

function StartButton(props: { phase: Phase; testId: string; onClick: () => void }) {
  const { t } = useI18n();
  return (
    <div class="row">
      <button
        type="button"
        class="button primary"
        disabled={props.phase.kind !== 'idle'}
        data-testid={props.testId}
        onClick={props.onClick}
      >
        {t('import.start')}
      </button>
    </div>
  );
}

/** The imported skills, each a link that opens it. */
function SkillLinks(props: {
  skills: ReadonlyArray<{ id?: string | null; name?: string | null; version?: string | null }>;
  onOpen: (id: string) => void;
}) {
  return (
    <ul>
      {props.skills.map((skill, index) => (
        <li key={skill.id ?? index}>
          <button type="button" class="link-button" onClick={() => skill.id && props.onOpen(skill.id)}>
            {skill.name ?? skill.id}
          </button>
          {skill.version ? <span class="chip">v{skill.version}</span> : null}
        </li>
      ))}
    </ul>
  );
}

/** What failed, one line per item; nothing when nothing failed. */
function FailedItems({ items }: { items: readonly unknown[] }) {
  const { t } = useI18n();
  if (items.length === 0) return null;
  return (
    <details open>
      <summary class="error-text">{t('import.failedItems', { count: items.length })}</summary>
      <ul>
        {items.map((item, index) => (
          <li key={index} class="small">
            {itemError(item)}
          </li>
        ))}
      </ul>
    </details>
  );
}

function Progress({ phase }: { phase: Phase }) {
  const { t } = useI18n();
  if (phase.kind === 'idle') return null;
  const percent =
    phase.kind === 'reading'
      ? (phase.done / Math.max(1, phase.total)) * 30
      : phase.kind === 'uploading'
        ? 30 + phase.percent * 0.5
        : 85;
  const label =
    phase.kind === 'reading'
      ? t('import.reading', { done: phase.done, total: phase.total })
      : phase.kind === 'uploading'
        ? t('import.uploading', { percent: Math.round(phase.percent) })
        : t('import.processing');
  return (
    <div
      class="progress"
      role="progressbar"
      aria-valuenow={Math.round(percent)}
      aria-valuemin={0}
      aria-valuemax={100}
    >
      <div
        class={phase.kind === 'processing' ? 'progress-bar busy' : 'progress-bar'}
        style={{ width: `${percent}%` }}
      />
      <span class="small" data-testid="import-progress">
        {label}
      </span>
    </div>
  );
}

function uploadPhase(setPhase: (phase: Phase) => void) {
  return (progress: UploadProgress) => {
    const percent = progress.total > 0 ? (progress.loaded / progress.total) * 100 : 0;
    if (percent >= 100) setPhase({ kind: 'processing' });
    else setPhase({ kind: 'uploading', percent });
  };
}

function itemError(item: unknown): string {
  if (typeof item === 'string') return item;
  if (item && typeof item === 'object') {
    const record = item as Record<string, unknown>;
    const where = record['from'] ?? record['path'] ?? record['index'] ?? record['name'] ?? '';
    const what = record['error'] ?? record['message'] ?? JSON.stringify(item);
    return `${where ? `${String(where)}: ` : ''}${typeof what === 'string' ? what : JSON.stringify(what)}`;
  }
  return String(item);
}

function SkillImport() {
  const { client, openSkill } = useApp();
  const { t } = useI18n();
  const [zip, setZip] = useState<File | null>(null);
  const [folder, setFolder] = useState<File[]>([]);
  const [overwrite, setOverwrite] = useState(false);
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const [result, setResult] = useState<ImportResult | null>(null);
  const [error, setError] = useState<unknown>(null);

  const start = async () => {
    setError(null);
    setResult(null);
    try {
      let body: Parameters<typeof importSkills>[1]['body'];
      if (zip) {
        setPhase({ kind: 'reading', done: 0, total: 1 });
        const bytes = new Uint8Array(await zip.arrayBuffer());
        setPhase({ kind: 'reading', done: 1, total: 1 });
        body = { zip_base64: toBase64(bytes), name: uploadName(zip.name) };
      } else if (folder.length > 0) {
        const files: Record<string, string> = {};
        const binary: Record<string, string> = {};
        const decoder = new TextDecoder('utf-8', { fatal: true });
        let done = 0;
        for (const file of folder) {
          const path = (file as File & { webkitRelativePath?: string }).webkitRelativePath || file.name;
          const bytes = new Uint8Array(await file.arrayBuffer());
          try {
            files[path] = decoder.decode(bytes);
          } catch {
            binary[path] = toBase64(bytes);
          }
          done += 1;
          setPhase({ kind: 'reading', done, total: folder.length });
        }
        body = Object.keys(binary).length > 0 ? { files, files_base64: binary } : { files };
      } else {
        throw new Error(t('import.pickFirst'));
      }
      setPhase({ kind: 'uploading', percent: 0 });
      setResult(await importSkills(client, { body, overwrite, onProgress: uploadPhase(setPhase) }));
    } catch (cause) {
      setError(cause);
    } finally {
      setPhase({ kind: 'idle' });
    }
  };

  const imported = (result?.data ?? []).filter((item) => item.id && !item.error);
  const failed = [
    ...(result?.errors ?? []),
    ...(result?.data ?? []).filter((item) => item.error),
    ...(result?.skipped ?? []).map((item) => ({ path: item.from, error: item.reason })),
  ];
  return (
    <section class="panel card import-card" aria-label={t('import.skills')}>
      <h2>{t('import.skills')}</h2>
      <p class="muted">{t('import.skillsExplain')}</p>
      <label class="field">
        <span>{t('import.zip')}</span>
        <input
          type="file"
          accept=".zip,application/zip"
          data-testid="import-zip"
          onChange={(event) => {
            setZip(event.currentTarget.files?.[0] ?? null);
            setFolder([]);
          }}
        />
      </label>
      <label class="field">
        <span>{t('import.folder')}</span>
        <input
          type="file"
          multiple
          data-testid="import-folder"
          ref={(input) => input?.setAttribute('webkitdirectory', '')}
          onChange={(event) => {
            setFolder([...(event.currentTarget.files ?? [])]);
            setZip(null);
          }}
        />
      </label>
      <label class="check">
        <input
          type="checkbox"
          checked={overwrite}
          onChange={(event) => setOverwrite(event.currentTarget.checked)}
        />
        {t('import.overwrite')}
      </label>
      <StartButton phase={phase} testId="import-skills-start" onClick={start} />
      <Progress phase={phase} />
      <ErrorNote error={error} />
      {result ? (
        <div class="import-result" data-testid="import-result">
          <p class="notice">{t('import.done', { count: result.imported_count ?? imported.length })}</p>
          <SkillLinks skills={imported} onOpen={openSkill} />
          <FailedItems items={failed} />
        </div>
      ) : null}
    </section>
  );
}

function ConversationImportCard() {
  const { client, openSkill } = useApp();
  const { t } = useI18n();
  const [file, setFile] = useState<File | null>(null);
  const [hint, setHint] = useState('');
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const [result, setResult] = useState<ConversationImport | null>(null);
  const [error, setError] = useState<unknown>(null);

  const start = async () => {
    setError(null);
    setResult(null);
    try {
      if (!file) throw new Error(t('import.pickFirst'));
      setPhase({ kind: 'reading', done: 0, total: 1 });
      const content = await file.text();
      setPhase({ kind: 'uploading', percent: 0 });
      setResult(
        await importConversations(client, {
          content,
          fileName: file.name,
          hint,
          onProgress: uploadPhase(setPhase),
        }),
      );
    } catch (cause) {
      setError(cause);
    } finally {
      setPhase({ kind: 'idle' });
    }
  };

  return (
    <section class="panel card import-card" aria-label={t('import.conversations')}>
      <h2>{t('import.conversations')}</h2>
      <p class="muted">{t('import.conversationsExplain')}</p>
      <label class="field">
        <span>{t('import.file')}</span>
        <input
          type="file"
          accept=".json,.jsonl,application/json"
          data-testid="import-conversations-file"
          onChange={(event) => setFile(event.currentTarget.files?.[0] ?? null)}
        />
      </label>
      <label class="field">
        <span>{t('import.hint')}</span>
        <input value={hint} onInput={(event) => setHint(event.currentTarget.value)} />
      </label>
      <StartButton phase={phase} testId="import-conversations-start" onClick={start} />
      <Progress phase={phase} />
      <ErrorNote error={error} />
      {result ? (
        <div class="import-result" data-testid="conversation-result">
          <p class="notice">
            {t('import.conversationsDone', {
              processed: result.processed ?? 0,
              total: result.total_conversations ?? 0,
              upserted: result.upserted_count ?? result.skills?.length ?? 0,
            })}
          </p>
          <SkillLinks skills={result.skills ?? []} onOpen={openSkill} />
          <FailedItems items={result.errors ?? []} />
        </div>
      ) : null}
    </section>
  );
}

export function ImportView() {
  return (
    <div class="import-view">
      <SkillImport />
      <ConversationImportCard />
    </div>
  );
}
