/** @module A skill's revisions, newest first: who changed it and why, a diff between any two, and rollback to any earlier one. */
import { useEffect, useState } from 'preact/hooks';
import { getDiff, listVersions, rollbackSkill } from '../api/endpoints.js';
import type { Revision, Version } from '../api/schemas.js';
import { ErrorNote } from '../components/error-note.js';
import { useAsync } from '../components/use-async.js';
import { useApp } from '../context.js';
import { formatTime } from '../format.js';
import { useI18n } from '../i18n.js';
import { DiffView } from './diff-view.js';

function revisionOf(version: Version, index: number): Revision {
  return version.revision ?? index + 1;
}

export function SkillHistory({
  id,
  editable,
  onRolledBack,
}: {
  id: string;
  editable: boolean;
  onRolledBack: (message: string) => void;
}) {
  const { client } = useApp();
  const { t, lang } = useI18n();
  const versions = useAsync((signal) => listVersions(client, id, signal), [client, id]);
  const rows = [...(versions.data?.data ?? [])].map((version, index) => ({
    version,
    revision: revisionOf(version, index),
  }));
  rows.sort((left, right) => Number(right.revision) - Number(left.revision));
  const [from, setFrom] = useState<string>('');
  const [to, setTo] = useState<string>('');
  const [diff, setDiff] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  // Default comparison: the previous revision against the newest.
  useEffect(() => {
    if (rows.length === 0 || to !== '') return;
    setTo(String(rows[0]!.revision));
    setFrom(String(rows[1]?.revision ?? 0));
  }, [rows, to]);

  const showDiff = async (fromRevision: string, toRevision: string) => {
    setError(null);
    try {
      setDiff(await getDiff(client, { id, from: Number(fromRevision), to: Number(toRevision) }));
    } catch (cause) {
      setError(cause);
    }
  };

  if (versions.error) return <ErrorNote error={versions.error} onRetry={versions.reload} />;
  if (!versions.data) return <p class="muted pad">{t('common.loading')}</p>;

  return (
    <div class="history" data-testid="skill-history">
      <h3>{t('skills.versions')}</h3>
      <ol class="version-list">
        {rows.map(({ version, revision }) => (
          <li
            key={String(revision)}
            class={version.is_current ? 'version current' : 'version'}
            data-revision={String(revision)}
          >
            <div class="version-head">
              <span class="chip">v{version.version ?? '?'}</span>
              <span class="muted small">r{String(revision)}</span>
              {version.operation ? <span class="chip op">{version.operation}</span> : null}
              {version.is_current ? <span class="chip ok">{t('skills.current')}</span> : null}
              <span class="muted small push">{formatTime(version.at ?? version.updated_at, lang)}</span>
            </div>
            <div class="version-body small">
              {version.actor ? <span class="muted">{version.actor}</span> : null}
              {version.reason ? <span> — {version.reason}</span> : null}
            </div>
            <div class="row">
              <button
                type="button"
                class="link-button small"
                data-testid="diff-with-previous"
                onClick={() => {
                  const index = rows.findIndex((row) => row.revision === revision);
                  const previous = String(rows[index + 1]?.revision ?? 0);
                  setFrom(previous);
                  setTo(String(revision));
                  void showDiff(previous, String(revision));
                }}
              >
                {t('skills.diff')}
              </button>
              {editable && !version.is_current && !version.deleted ? (
                <button
                  type="button"
                  class="link-button small"
                  data-testid="rollback"
                  onClick={async () => {
                    if (
                      !confirm(t('skills.confirmRollback', { version: version.version ?? String(revision) }))
                    )
                      return;
                    setError(null);
                    try {
                      const answer = await rollbackSkill(client, id, revision);
                      onRolledBack(
                        t('skills.rolledBack', { version: answer.data?.version ?? version.version ?? '?' }),
                      );
                    } catch (cause) {
                      setError(cause);
                    }
                  }}
                >
                  {t('skills.rollback')}
                </button>
              ) : null}
            </div>
          </li>
        ))}
      </ol>
      <form
        class="diff-form row wrap"
        onSubmit={(event) => {
          event.preventDefault();
          void showDiff(from, to);
        }}
      >
        <label>
          {t('skills.diffFrom')}{' '}
          <select
            value={from}
            data-testid="diff-from"
            onChange={(event) => setFrom(event.currentTarget.value)}
          >
            <option value="0">∅</option>
            {rows.map(({ version, revision }) => (
              <option key={String(revision)} value={String(revision)}>
                r{String(revision)} · v{version.version}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('skills.diffTo')}{' '}
          <select value={to} data-testid="diff-to" onChange={(event) => setTo(event.currentTarget.value)}>
            {rows.map(({ version, revision }) => (
              <option key={String(revision)} value={String(revision)}>
                r{String(revision)} · v{version.version}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" class="button small" data-testid="show-diff">
          {t('skills.showDiff')}
        </button>
      </form>
      <ErrorNote error={error} />
      {diff !== null ? <DiffView diff={diff} /> : null}
    </div>
  );
}
