/** @module The chat screen: sessions on the left, the conversation in the middle, retrieval / extraction / settings on the right. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import {
  createSession,
  deleteSession,
  followSessionEvents,
  getSession,
  listSessions,
  sendMessage,
  updateSession,
} from '../api/endpoints.js';
import { errorMessage, isApiError } from '../api/errors.js';
import type { ExtractionEvent, Session, SessionSettings } from '../api/schemas.js';
import { ErrorNote } from '../components/error-note.js';
import { PanelBoundary } from '../components/panel-boundary.js';
import { useAsync } from '../components/use-async.js';
import { useApp } from '../context.js';
import { useI18n } from '../i18n.js';
import { navigate } from '../route.js';
import { ChatPanel } from './chat-panel.js';
import { type ChatEntry, sessionEntries } from './entries.js';
import { applyExtractionEvent, type ExtractionJob } from './extraction-state.js';
import { Inspector, type InspectorTab } from './inspector.js';
import { SessionsPanel } from './sessions-panel.js';

export function ChatView({ sessionId }: { sessionId: string | null }) {
  const { client } = useApp();
  const { t } = useI18n();
  const sessions = useAsync((signal) => listSessions(client, signal), [client]);

  // No session in the address: open the newest, or create the first one.
  const creating = useRef(false);
  useEffect(() => {
    if (sessionId || !sessions.data) return;
    const newest = sessions.data[0];
    if (newest) navigate({ view: 'chat', sessionId: newest.id }, { replace: true });
    else if (!creating.current) {
      creating.current = true;
      createSession(client, {})
        .then((session) => {
          sessions.reload();
          navigate({ view: 'chat', sessionId: session.id }, { replace: true });
        })
        .catch(() => {})
        .finally(() => {
          creating.current = false;
        });
    }
  }, [sessionId, sessions.data, client, sessions.reload]);

  const onCreate = useCallback(async () => {
    const session = await createSession(client, {});
    sessions.reload();
    navigate({ view: 'chat', sessionId: session.id });
  }, [client, sessions.reload]);

  const onRename = useCallback(
    async (id: string, title: string) => {
      await updateSession(client, id, { title });
      sessions.reload();
    },
    [client, sessions.reload],
  );

  const onDelete = useCallback(
    async (id: string) => {
      await deleteSession(client, id);
      const rest = (sessions.data ?? []).filter((session) => session.id !== id);
      sessions.reload();
      if (id === sessionId) navigate({ view: 'chat', sessionId: rest[0]?.id ?? null }, { replace: true });
    },
    [client, sessions.data, sessions.reload, sessionId],
  );

  return (
    <div class="chat-view">
      <PanelBoundary name="sessions">
        <SessionsPanel
          sessions={sessions.data ?? []}
          loading={sessions.loading && !sessions.data}
          error={sessions.error}
          onRetry={sessions.reload}
          activeId={sessionId}
          onCreate={onCreate}
          onRename={onRename}
          onDelete={onDelete}
        />
      </PanelBoundary>
      {sessionId ? (
        <SessionWorkspace key={sessionId} sessionId={sessionId} onChanged={sessions.reload} />
      ) : (
        <section class="panel chat-panel">
          <div class="page-note">
            {sessions.error ? <ErrorNote error={sessions.error} /> : t('chat.noSession')}
          </div>
        </section>
      )}
    </div>
  );
}

/** One open session: its log, the live turn, its extraction events and settings. */
function SessionWorkspace({ sessionId, onChanged }: { sessionId: string; onChanged: () => void }) {
  const { client } = useApp();
  const session = useAsync((signal) => getSession(client, sessionId, signal), [client, sessionId]);
  const [live, setLive] = useState<ChatEntry[]>([]);
  const [busy, setBusy] = useState(false);
  const [sendError, setSendError] = useState<unknown>(null);
  const [selectedTurn, setSelectedTurn] = useState<string | null>(null);
  const [tab, setTab] = useState<InspectorTab>('retrieval');
  const [jobs, setJobs] = useState<ExtractionJob[]>([]);
  const [eventsConnected, setEventsConnected] = useState(false);
  const abortRef = useRef<AbortController | null>(null);

  const onExtractionEvent = useCallback((event: ExtractionEvent) => {
    setJobs((current) => applyExtractionEvent(current, event, Date.now()));
  }, []);

  // Live extraction events for this session; reconnects with a growing pause while the session is open.
  useEffect(() => {
    const controller = new AbortController();
    let delay = 500;
    const loop = async () => {
      while (!controller.signal.aborted) {
        try {
          setEventsConnected(true);
          await followSessionEvents(client, {
            sessionId,
            signal: controller.signal,
            onEvent: onExtractionEvent,
          });
          delay = 500;
        } catch (error) {
          if (isApiError(error) && (error.status === 401 || error.status === 404)) {
            setEventsConnected(false);
            return;
          }
        }
        setEventsConnected(false);
        if (controller.signal.aborted) return;
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 10_000);
      }
    };
    void loop();
    return () => controller.abort();
  }, [client, sessionId, onExtractionEvent]);

  // Extraction results already recorded with the session's turns.
  useEffect(() => {
    for (const turn of session.data?.turns ?? []) {
      const events = Array.isArray(turn.extraction)
        ? turn.extraction
        : turn.extraction
          ? [turn.extraction]
          : [];
      for (const event of events) onExtractionEvent(event);
    }
  }, [session.data, onExtractionEvent]);

  useEffect(() => () => abortRef.current?.abort(), []);

  const stored = session.data ? sessionEntries(session.data) : [];
  const entries = [...stored, ...live];
  const lastTurn = [...entries].reverse().find((entry) => entry.turnId)?.turnId ?? null;
  const activeTurn = selectedTurn ?? lastTurn;
  const activeEntry =
    entries.find((entry) => entry.turnId === activeTurn && entry.role === 'assistant') ??
    entries.find((entry) => entry.turnId === activeTurn) ??
    null;

  const send = useCallback(
    async (content: string) => {
      const controller = new AbortController();
      abortRef.current = controller;
      setBusy(true);
      setSendError(null);
      setSelectedTurn(null);
      const stamp = Date.now();
      let assistant: ChatEntry = {
        key: `live-a-${stamp}`,
        role: 'assistant',
        text: '',
        turnId: `live-${stamp}`,
        retrieval: null,
        injected: [],
        streaming: true,
      };
      const user: ChatEntry = {
        ...assistant,
        key: `live-u-${stamp}`,
        role: 'user',
        text: content,
        streaming: false,
      };
      const update = (patch: Partial<ChatEntry>) => {
        assistant = { ...assistant, ...patch };
        setLive([{ ...user, turnId: assistant.turnId, retrieval: assistant.retrieval }, assistant]);
      };
      update({});
      try {
        await sendMessage(client, {
          sessionId,
          content,
          signal: controller.signal,
          onEvent: (event) => {
            switch (event.type) {
              case 'turn':
                if (event.turnId) update({ turnId: event.turnId });
                break;
              case 'retrieval': {
                const selected = new Set(event.retrieval.selected_for_context_ids ?? []);
                const hits = event.retrieval.hits ?? [];
                update({
                  retrieval: event.retrieval,
                  injected: hits
                    .filter((hit) => selected.has(hit.id))
                    .map((hit) => ({
                      id: hit.id,
                      name: hit.name,
                      version: hit.version,
                      source: hit.source,
                      score: hit.score,
                    })),
                });
                break;
              }
              case 'delta':
                update({ text: assistant.text + event.content });
                break;
              case 'extraction':
                onExtractionEvent(event.event);
                break;
              case 'done':
                if (event.turn?.injected) update({ injected: event.turn.injected });
                if (event.turn?.retrieval) update({ retrieval: event.turn.retrieval });
                break;
              case 'error':
                update({ error: event.message });
                break;
              default:
                break;
            }
          },
        });
        update({ streaming: false });
      } catch (error) {
        if (!controller.signal.aborted) {
          update({ streaming: false, error: errorMessage(error) });
          setSendError(error);
        } else update({ streaming: false });
      } finally {
        setBusy(false);
        abortRef.current = null;
        // The server's copy is the truth: reload it, then drop the live entries unless the turn failed.
        try {
          const fresh = await getSession(client, sessionId);
          session.set(fresh);
          if (!assistant.error) setLive([]);
          else setLive([{ ...assistant, key: `failed-${stamp}`, role: 'system', text: assistant.error }]);
        } catch (error) {
          setSendError(error);
        }
        onChanged();
      }
    },
    [client, sessionId, onExtractionEvent, onChanged, session.set],
  );

  const stop = useCallback(() => abortRef.current?.abort(), []);

  const saveSettings = useCallback(
    async (settings: Partial<SessionSettings>) => {
      const updated: Session = await updateSession(client, sessionId, { settings });
      session.set({
        ...session.data,
        ...updated,
        messages: updated.messages ?? session.data?.messages ?? [],
      });
    },
    [client, sessionId, session.set, session.data],
  );

  return (
    <>
      <PanelBoundary name="chat">
        <ChatPanel
          title={session.data?.title ?? ''}
          entries={entries}
          loading={session.loading && !session.data}
          loadError={session.error}
          onRetry={session.reload}
          sendError={sendError}
          busy={busy}
          activeTurn={activeTurn}
          onSelectTurn={(id) => {
            setSelectedTurn(id);
            setTab('retrieval');
          }}
          onSend={send}
          onStop={stop}
        />
      </PanelBoundary>
      <PanelBoundary name="inspector">
        <Inspector
          tab={tab}
          onTab={setTab}
          entry={activeEntry}
          sessionId={sessionId}
          jobs={jobs}
          eventsConnected={eventsConnected}
          onExtractionEvent={onExtractionEvent}
          settings={session.data?.settings ?? null}
          onSaveSettings={saveSettings}
        />
      </PanelBoundary>
    </>
  );
}
