/** @module The SKILL.md editor: check before save, save against the revision it was opened at, and a clear refusal when that is stale. */
import { useEffect, useState } from 'preact/hooks';
import { getSkillMd, type SkillDetail, saveSkillMd } from '../api/endpoints.js';
import { errorMessage, isApiError } from '../api/errors.js';
import type { Revision } from '../api/schemas.js';
import { useApp } from '../context.js';
import { useI18n } from '../i18n.js';
import { bumpVersionInText, declaredVersion, validateSkillMd } from './validate.js';

type Status =
  | { kind: 'idle' }
  | { kind: 'valid' }
  | { kind: 'invalid'; message: string }
  | { kind: 'saving' }
  | { kind: 'stale'; current: string }
  | { kind: 'failed'; message: string };

export function SkillEditor({
  skill,
  readOnly,
  onSaved,
  onReload,
}: {
  skill: SkillDetail;
  readOnly: boolean;
  onSaved: (version: string) => void;
  onReload: () => void;
}) {
  const { client } = useApp();
  const { t } = useI18n();
  const [original, setOriginal] = useState<string | null>(skill.skill_md ?? null);
  const [baseRevision, setBaseRevision] = useState<Revision | null>(skill.revision ?? null);
  const [draft, setDraft] = useState<string | null>(null);
  const [status, setStatus] = useState<Status>({ kind: 'idle' });
  const [loadError, setLoadError] = useState<unknown>(null);

  // A newer state of the skill (after a save, rollback or reload) replaces the text unless an edit is open.
  useEffect(() => {
    if (draft !== null) return;
    if (skill.skill_md !== undefined && skill.skill_md !== null) setOriginal(skill.skill_md);
    if (skill.revision !== undefined && skill.revision !== null) setBaseRevision(skill.revision);
  }, [skill.skill_md, skill.revision, draft]);

  // The detail answer usually carries the text and revision; ask for them when it does not.
  useEffect(() => {
    if (original !== null && baseRevision !== null) return;
    const controller = new AbortController();
    getSkillMd(client, skill.id, controller.signal).then(
      (md) => {
        setOriginal(md.skill_md);
        setBaseRevision(md.revision ?? baseRevision);
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setLoadError(error);
      },
    );
    return () => controller.abort();
  }, [client, skill.id, original, baseRevision]);

  if (loadError) return <p class="error-note">{errorMessage(loadError)}</p>;
  if (original === null) return <p class="muted pad">{t('common.loading')}</p>;

  const editing = draft !== null;
  const check = (text: string): boolean => {
    const problem = validateSkillMd(text);
    if (problem) {
      setStatus({ kind: 'invalid', message: t(problem.key, { line: problem.line }) });
      return false;
    }
    setStatus({ kind: 'valid' });
    return true;
  };

  const save = async () => {
    if (draft === null || !check(draft)) return;
    setStatus({ kind: 'saving' });
    try {
      const answer = await saveSkillMd(client, { id: skill.id, skillMd: draft, baseRevision });
      setDraft(null);
      setOriginal(answer.data?.skill_md ?? draft);
      setBaseRevision(answer.revision ?? answer.data?.revision ?? null);
      setStatus({ kind: 'idle' });
      onSaved(answer.data?.version ?? declaredVersion(draft) ?? '?');
    } catch (error) {
      if (isApiError(error) && error.isStale) {
        const body = error.body as { error?: { current_revision?: unknown } } | null;
        const current = body?.error?.current_revision;
        setStatus({
          kind: 'stale',
          current: current === undefined || current === null ? '?' : String(current),
        });
      } else {
        const line =
          isApiError(error) && error.body && typeof error.body === 'object'
            ? (error.body as { error?: { line?: unknown } }).error?.line
            : undefined;
        const message = errorMessage(error);
        setStatus({
          kind: 'failed',
          message: t('skills.saveFailed', {
            message:
              typeof line === 'number' && !message.includes(`${line}`) ? `line ${line}: ${message}` : message,
          }),
        });
      }
    }
  };

  return (
    <div class="editor" data-testid="skill-editor" data-editing={editing ? 'true' : 'false'}>
      {readOnly ? <p class="muted small">{t('skills.readOnly')}</p> : null}
      {status.kind === 'invalid' || status.kind === 'failed' ? (
        <p class="error-note" role="alert" data-testid="editor-error">
          {status.message}
        </p>
      ) : null}
      {status.kind === 'valid' ? <p class="notice small">{t('skills.valid')}</p> : null}
      {status.kind === 'stale' ? (
        <div class="error-note stale" role="alert" data-testid="stale-warning">
          <span>{t('skills.stale', { current: status.current })}</span>
          <button
            type="button"
            class="button small"
            data-testid="load-latest"
            onClick={async () => {
              try {
                const md = await getSkillMd(client, skill.id);
                setOriginal(md.skill_md);
                setBaseRevision(md.revision ?? null);
                setDraft(md.skill_md);
                setStatus({ kind: 'idle' });
                onReload();
              } catch (error) {
                setStatus({ kind: 'failed', message: errorMessage(error) });
              }
            }}
          >
            {t('skills.loadLatest')}
          </button>
        </div>
      ) : null}
      {!readOnly ? (
        <div class="row wrap">
          {editing ? (
            <>
              <button
                type="button"
                class="button primary"
                disabled={status.kind === 'saving'}
                data-testid="save-md"
                onClick={save}
              >
                {t('common.save')}
              </button>
              <button type="button" class="button" data-testid="check-md" onClick={() => check(draft)}>
                {t('skills.validate')}
              </button>
              <button
                type="button"
                class="button ghost"
                data-testid="bump-version"
                onClick={() => setDraft(bumpVersionInText(draft))}
              >
                version +1
              </button>
              <button
                type="button"
                class="button ghost"
                onClick={() => {
                  setDraft(null);
                  setStatus({ kind: 'idle' });
                }}
              >
                {t('skills.discard')}
              </button>
            </>
          ) : (
            <button
              type="button"
              class="button primary"
              data-testid="edit-md"
              onClick={() => setDraft(original)}
            >
              {t('skills.edit')}
            </button>
          )}
        </div>
      ) : null}
      {editing ? (
        <textarea
          class="md-editor"
          spellcheck={false}
          value={draft}
          data-testid="md-editor"
          aria-label="SKILL.md"
          onInput={(event) => {
            setDraft(event.currentTarget.value);
            if (status.kind !== 'stale') setStatus({ kind: 'idle' });
          }}
        />
      ) : (
        <pre class="md-view" data-testid="md-view">
          {original}
        </pre>
      )}
    </div>
  );
}
