/** @module The conversation: bubbles with the skills each turn used, a streaming reply, and the composer. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ErrorNote } from '../components/error-note.js';
import { formatScore } from '../format.js';
import { useI18n } from '../i18n.js';
import type { ChatEntry } from './entries.js';

interface ChatPanelProps {
  title: string;
  entries: ChatEntry[];
  loading: boolean;
  loadError: unknown;
  onRetry: () => void;
  sendError: unknown;
  busy: boolean;
  activeTurn: string | null;
  onSelectTurn: (turnId: string) => void;
  onSend: (content: string) => Promise<void>;
  onStop: () => void;
}

export function ChatPanel(props: ChatPanelProps) {
  const { t } = useI18n();
  const [draft, setDraft] = useState('');
  const logRef = useRef<HTMLDivElement>(null);
  const last = props.entries[props.entries.length - 1];

  useEffect(() => {
    const log = logRef.current;
    if (log) log.scrollTop = log.scrollHeight;
  }, [props.entries.length, last?.text]);

  const submit = () => {
    const content = draft.trim();
    if (!content || props.busy) return;
    setDraft('');
    void props.onSend(content);
  };

  return (
    <section class="panel chat-panel" aria-label={props.title || t('nav.chat')}>
      <div class="panel-head">
        <h2 class="ellipsis" data-testid="session-title">
          {props.title || t('sessions.untitled')}
        </h2>
        {props.busy ? <span class="chip live">{t('chat.streaming')}</span> : null}
      </div>
      <div class="chat-log" ref={logRef} data-testid="chat-log" aria-live="polite">
        <ErrorNote error={props.loadError} onRetry={props.onRetry} />
        {props.loading ? <p class="muted pad">{t('common.loading')}</p> : null}
        {!props.loading && props.entries.length === 0 ? (
          <p class="muted pad empty-chat">{t('chat.empty')}</p>
        ) : null}
        {props.entries.map((entry) => (
          <Bubble
            key={entry.key}
            entry={entry}
            active={entry.turnId !== null && entry.turnId === props.activeTurn}
            onSelect={props.onSelectTurn}
          />
        ))}
      </div>
      <ErrorNote error={props.sendError} />
      <form
        class="composer"
        onSubmit={(event) => {
          event.preventDefault();
          submit();
        }}
      >
        <textarea
          data-testid="composer"
          rows={2}
          value={draft}
          placeholder={t('chat.placeholder')}
          aria-label={t('chat.placeholder')}
          onInput={(event) => {
            setDraft(event.currentTarget.value);
            event.currentTarget.style.height = 'auto';
            event.currentTarget.style.height = `${Math.min(event.currentTarget.scrollHeight, 180)}px`;
          }}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
              event.preventDefault();
              submit();
            }
          }}
        />
        {props.busy ? (
          <button type="button" class="button" onClick={props.onStop}>
            {t('chat.stop')}
          </button>
        ) : (
          <button type="submit" class="button primary" data-testid="send" disabled={!draft.trim()}>
            {t('chat.send')}
          </button>
        )}
      </form>
    </section>
  );
}

function Bubble({
  entry,
  active,
  onSelect,
}: {
  entry: ChatEntry;
  active: boolean;
  onSelect: (turnId: string) => void;
}) {
  const { t } = useI18n();
  const classes = ['bubble', entry.role, active ? 'active' : '', entry.error ? 'failed' : ''].join(' ');
  return (
    <div class={`bubble-row ${entry.role}`} data-role={entry.role} data-turn-id={entry.turnId ?? undefined}>
      {entry.role === 'assistant' ? (
        <span class="avatar" aria-hidden="true">
          AS
        </span>
      ) : null}
      <div class={classes}>
        <div class="bubble-text">
          {entry.text}
          {entry.streaming ? <span class="cursor" aria-hidden="true" /> : null}
        </div>
        {entry.error ? <div class="bubble-error">{entry.error}</div> : null}
        {entry.role === 'assistant' && entry.turnId ? (
          <div class="bubble-foot">
            <span class="muted small">{t('chat.injected')}:</span>
            {entry.injected.length === 0 ? (
              <span class="muted small">{t('chat.noneInjected')}</span>
            ) : (
              entry.injected.map((skill) => (
                <span class="chip skill-chip" key={skill.id} title={`${skill.id} · v${skill.version ?? '?'}`}>
                  {skill.name ?? skill.id}
                  {typeof skill.score === 'number' ? (
                    <span class="score">{formatScore(skill.score)}</span>
                  ) : null}
                </span>
              ))
            )}
            <button
              type="button"
              class="link-button small"
              data-testid="turn-details"
              onClick={() => entry.turnId && onSelect(entry.turnId)}
            >
              {t('chat.details')}
            </button>
          </div>
        ) : null}
      </div>
    </div>
  );
}
