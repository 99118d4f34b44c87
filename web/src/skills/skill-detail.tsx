/** @module One skill: its SKILL.md (view, edit with validation and stale-edit refusal), delete / restore, export, and history with diff and rollback. */
import { useState } from 'preact/hooks';
import {
  deleteSkill,
  getSkill,
  listVersions,
  restoreSkill,
  type SkillDetail,
  skillExportUrl,
} from '../api/endpoints.js';
import { isApiError } from '../api/errors.js';
import type { VersionList } from '../api/schemas.js';
import { ErrorNote } from '../components/error-note.js';
import { PanelBoundary } from '../components/panel-boundary.js';
import { useAsync } from '../components/use-async.js';
import { useApp } from '../context.js';
import { formatTime, isLibraryOwner } from '../format.js';
import { useI18n } from '../i18n.js';
import { navigate, type SkillsTab } from '../route.js';
import { SkillEditor } from './skill-editor.js';
import { SkillHistory } from './skill-history.js';

type Loaded = { kind: 'live'; skill: SkillDetail } | { kind: 'deleted'; versions: VersionList };

export function SkillDetailPanel({
  id,
  tab,
  onChanged,
}: {
  id: string;
  tab: SkillsTab;
  onChanged: () => void;
}) {
  const { client } = useApp();
  const { t, lang } = useI18n();
  const [view, setView] = useState<'md' | 'history'>('md');
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [historyKey, setHistoryKey] = useState(0);

  const loaded = useAsync<Loaded>(
    async (signal) => {
      try {
        return { kind: 'live', skill: await getSkill(client, id, signal) };
      } catch (error) {
        if (!isApiError(error) || error.status !== 404) throw error;
        const versions = await listVersions(client, id, signal).catch(() => null);
        if (versions?.deleted) return { kind: 'deleted', versions };
        throw error;
      }
    },
    [client, id],
  );

  const afterWrite = (message: string) => {
    setNotice(message);
    setActionError(null);
    loaded.reload();
    setHistoryKey((value) => value + 1);
    onChanged();
  };

  const run = async (action: () => Promise<void>) => {
    setActionError(null);
    setNotice(null);
    try {
      await action();
    } catch (error) {
      setActionError(error);
    }
  };

  if (loaded.error) return <ErrorNote error={loaded.error} onRetry={loaded.reload} />;
  const data = loaded.data;
  if (!data) return <p class="muted pad">{t('common.loading')}</p>;

  if (data.kind === 'deleted') {
    const current = data.versions.data.find((version) => version.is_current) ?? data.versions.data.at(-1);
    return (
      <div class="skill-detail" data-testid="skill-detail" data-deleted="true">
        <header class="skill-header">
          <h2>{data.versions.name ?? current?.name ?? id}</h2>
          <div class="skill-meta">
            {current?.version ? <span class="chip">v{current.version}</span> : null}
            <span class="muted small">{id}</span>
          </div>
        </header>
        <div class="banner warn" role="status">
          <span>{t('skills.deletedNote')}</span>
          <button
            type="button"
            class="button primary small"
            data-testid="restore-skill"
            onClick={() =>
              run(async () => {
                await restoreSkill(client, id);
                afterWrite(t('skills.restored'));
                navigate({ view: 'skills', tab: 'mine', skillId: id }, { replace: true });
              })
            }
          >
            {t('skills.restore')}
          </button>
        </div>
        {notice ? <p class="notice">{notice}</p> : null}
        <ErrorNote error={actionError} />
        <PanelBoundary name="history">
          <SkillHistory key={historyKey} id={id} editable={false} onRolledBack={afterWrite} />
        </PanelBoundary>
      </div>
    );
  }

  const skill = data.skill;
  const library = isLibraryOwner(skill.owner) || skill.read_only === true;
  return (
    <div
      class="skill-detail"
      data-testid="skill-detail"
      data-skill-id={skill.id}
      data-version={skill.version ?? ''}
    >
      <header class="skill-header">
        <h2 data-testid="skill-name">{skill.name ?? skill.id}</h2>
        <div class="skill-meta">
          <span class="chip" data-testid="skill-version">
            v{skill.version ?? '?'}
          </span>
          {skill.revision !== null && skill.revision !== undefined ? (
            <span class="chip" data-testid="skill-revision">
              r{skill.revision}
            </span>
          ) : null}
          <span class={library ? 'chip lib' : 'chip'}>
            {library ? skill.owner : (skill.source ?? skill.owner)}
          </span>
          <span class="muted small">{formatTime(skill.updated_at, lang)}</span>
        </div>
        {skill.description ? <p class="skill-description">{skill.description}</p> : null}
        <div class="row wrap">
          <a class="button small ghost" href={skillExportUrl(client, skill.id, 'md')} download>
            {t('skills.export')} .md
          </a>
          <a class="button small ghost" href={skillExportUrl(client, skill.id, 'zip')} download>
            {t('skills.export')} .zip
          </a>
          {!library ? (
            <button
              type="button"
              class="button small danger"
              data-testid="delete-skill"
              onClick={() => {
                if (!confirm(t('skills.confirmDelete', { name: skill.name ?? skill.id }))) return;
                void run(async () => {
                  await deleteSkill(client, skill.id);
                  afterWrite(t('skills.deletedNote'));
                  if (tab !== 'deleted')
                    navigate({ view: 'skills', tab: 'deleted', skillId: skill.id }, { replace: true });
                });
              }}
            >
              {t('skills.delete')}
            </button>
          ) : null}
        </div>
      </header>
      {notice ? (
        <p class="notice" role="status" data-testid="skill-notice">
          {notice}
        </p>
      ) : null}
      <ErrorNote error={actionError} />
      <div class="tabs" role="tablist">
        <button
          type="button"
          role="tab"
          aria-selected={view === 'md'}
          class={view === 'md' ? 'tab active' : 'tab'}
          data-tab="md"
          onClick={() => setView('md')}
        >
          {t('skills.tab.md')}
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={view === 'history'}
          class={view === 'history' ? 'tab active' : 'tab'}
          data-tab="history"
          onClick={() => setView('history')}
        >
          {t('skills.tab.history')}
        </button>
      </div>
      {view === 'md' ? (
        <PanelBoundary name="editor">
          <SkillEditor
            skill={skill}
            readOnly={library}
            onSaved={(version) => afterWrite(t('skills.saved', { version }))}
            onReload={loaded.reload}
          />
        </PanelBoundary>
      ) : (
        <PanelBoundary name="history">
          <SkillHistory
            key={historyKey}
            id={skill.id}
            editable={!library}
            onRolledBack={(message) => afterWrite(message)}
          />
        </PanelBoundary>
      )}
    </div>
  );
}
