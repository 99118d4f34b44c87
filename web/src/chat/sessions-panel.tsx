/** @module The session list: create, switch, rename, delete. */
import { useState } from 'preact/hooks';
import type { Session } from '../api/schemas.js';
import { ErrorNote } from '../components/error-note.js';
import { formatTime } from '../format.js';
import { useI18n } from '../i18n.js';

interface SessionsPanelProps {
  sessions: Session[];
  loading: boolean;
  error: unknown;
  onRetry: () => void;
  activeId: string | null;
  onCreate: () => Promise<void>;
  onRename: (id: string, title: string) => Promise<void>;
  onDelete: (id: string) => Promise<void>;
}

export function SessionsPanel(props: SessionsPanelProps) {
  const { t, lang } = useI18n();
  const [editing, setEditing] = useState<string | null>(null);
  const [draft, setDraft] = useState('');
  const [actionError, setActionError] = useState<unknown>(null);

  const run = async (action: () => Promise<void>) => {
    setActionError(null);
    try {
      await action();
    } catch (error) {
      setActionError(error);
    }
  };

  return (
    <aside class="panel sessions-panel" aria-label={t('sessions.title')}>
      <div class="panel-head">
        <h2>{t('sessions.title')}</h2>
        <button
          type="button"
          class="button small primary"
          data-testid="new-session"
          onClick={() => run(props.onCreate)}
        >
          {t('sessions.new')}
        </button>
      </div>
      <ErrorNote error={props.error} onRetry={props.onRetry} />
      <ErrorNote error={actionError} />
      {props.loading ? <p class="muted pad">{t('common.loading')}</p> : null}
      {!props.loading && !props.error && props.sessions.length === 0 ? (
        <p class="muted pad">{t('sessions.empty')}</p>
      ) : null}
      <ul class="session-list">
        {props.sessions.map((session) => {
          const title = session.title || t('sessions.untitled');
          const active = session.id === props.activeId;
          return (
            <li
              key={session.id}
              class={active ? 'session-item active' : 'session-item'}
              data-session-id={session.id}
            >
              {editing === session.id ? (
                <form
                  class="rename-form"
                  onSubmit={(event) => {
                    event.preventDefault();
                    setEditing(null);
                    if (draft.trim() && draft.trim() !== session.title)
                      void run(() => props.onRename(session.id, draft.trim()));
                  }}
                >
                  <input
                    value={draft}
                    aria-label={t('common.rename')}
                    data-testid="rename-input"
                    onInput={(event) => setDraft(event.currentTarget.value)}
                    onKeyDown={(event) => {
                      if (event.key === 'Escape') setEditing(null);
                    }}
                  />
                  <button type="submit" class="button small">
                    {t('common.save')}
                  </button>
                </form>
              ) : (
                <a
                  class="session-link"
                  href={`#/chat/${encodeURIComponent(session.id)}`}
                  aria-current={active ? 'page' : undefined}
                >
                  <span class="session-title">{title}</span>
                  <span class="session-meta">
                    {formatTime(session.updated_at ?? session.created_at, lang)}
                    {typeof session.message_count === 'number'
                      ? ` · ${t('sessions.messages', { count: session.message_count })}`
                      : ''}
                  </span>
                  {session.preview ? <span class="session-preview">{session.preview}</span> : null}
                </a>
              )}
              <div class="session-actions">
                <button
                  type="button"
                  class="icon-button"
                  title={t('common.rename')}
                  aria-label={`${t('common.rename')}: ${title}`}
                  data-testid="rename-session"
                  onClick={() => {
                    setDraft(session.title ?? '');
                    setEditing(session.id);
                  }}
                >
                  ✎
                </button>
                <button
                  type="button"
                  class="icon-button danger"
                  title={t('common.delete')}
                  aria-label={`${t('common.delete')}: ${title}`}
                  data-testid="delete-session"
                  onClick={() => {
                    if (confirm(t('sessions.confirmDelete', { title })))
                      void run(() => props.onDelete(session.id));
                  }}
                >
                  ×
                </button>
              </div>
            </li>
          );
        })}
      </ul>
    </aside>
  );
}
