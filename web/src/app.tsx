/** @module The app shell: language, sign-in when the server wants a key, the top bar and the three views. */
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { createApiClient } from './api/client.js';
import { getMe } from './api/endpoints.js';
import { errorMessage, isApiError } from './api/errors.js';
import type { Me } from './api/schemas.js';
import { ChatView } from './chat/chat-view.js';
import { PanelBoundary } from './components/panel-boundary.js';
import { AppContext } from './context.js';
import { detectLang, I18nContext, type Lang, translator } from './i18n.js';
import { ImportView } from './import/import-view.js';
import { navigate, useRoute } from './route.js';
import { SignIn } from './sign-in.js';
import { SkillsView } from './skills/skills-view.js';

const KEY_STORAGE = 'autoskill.apiKey';
const LANG_STORAGE = 'autoskill.lang';

type AuthState =
  | { status: 'checking' }
  | { status: 'ready'; me: Me }
  | { status: 'sign-in'; error: string | null }
  | { status: 'unreachable'; error: string };

function readStorage(storage: Storage, key: string): string | null {
  try {
    return storage.getItem(key);
  } catch {
    return null;
  }
}

export function App() {
  const [lang, setLangState] = useState<Lang>(() =>
    detectLang(readStorage(localStorage, LANG_STORAGE), navigator.language),
  );
  const i18n = useMemo(
    () => ({
      lang,
      t: translator(lang),
      setLang: (next: Lang) => {
        setLangState(next);
        try {
          localStorage.setItem(LANG_STORAGE, next);
        } catch {
          // private mode: the choice lasts for this page only
        }
      },
    }),
    [lang],
  );
  useEffect(() => {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.title = i18n.t('app.title');
  }, [lang, i18n]);

  const keyRef = useRef<string | null>(readStorage(sessionStorage, KEY_STORAGE));
  const [auth, setAuth] = useState<AuthState>({ status: 'checking' });
  const [attempt, setAttempt] = useState(0);

  const client = useMemo(
    () =>
      createApiClient({
        getKey: () => keyRef.current,
        onUnauthorized: (error) =>
          setAuth({ status: 'sign-in', error: keyRef.current ? error.message : null }),
      }),
    [],
  );

  useEffect(() => {
    const controller = new AbortController();
    getMe(client, controller.signal).then(
      (me) => setAuth({ status: 'ready', me }),
      (error: unknown) => {
        if (controller.signal.aborted) return;
        if (isApiError(error) && error.isUnauthorized) return; // onUnauthorized already asked for a key
        // A server without the sessions API (e.g. `autoskill proxy`): browse skills; the chat says why not.
        if (isApiError(error) && error.status === 404) {
          setAuth({ status: 'ready', me: { user_id: '', auth_enabled: false, is_admin: false } });
          return;
        }
        setAuth({ status: 'unreachable', error: errorMessage(error) });
      },
    );
    return () => controller.abort();
  }, [client, attempt]);

  const signIn = useCallback((key: string) => {
    keyRef.current = key;
    try {
      sessionStorage.setItem(KEY_STORAGE, key);
    } catch {
      // kept in memory only
    }
    setAuth({ status: 'checking' });
    setAttempt((value) => value + 1);
  }, []);

  const signOut = useCallback(() => {
    keyRef.current = null;
    try {
      sessionStorage.removeItem(KEY_STORAGE);
    } catch {
      // nothing stored
    }
    setAuth({ status: 'sign-in', error: null });
  }, []);

  const route = useRoute();
  const t = i18n.t;

  let body: preact.ComponentChildren;
  if (auth.status === 'checking') body = <div class="page-note">{t('common.loading')}</div>;
  else if (auth.status === 'sign-in') body = <SignIn error={auth.error} onSubmit={signIn} />;
  else if (auth.status === 'unreachable')
    body = (
      <div class="page-note error-note" role="alert">
        <span>{auth.error}</span>
        <button type="button" class="button small" onClick={() => setAttempt((value) => value + 1)}>
          {t('common.retry')}
        </button>
      </div>
    );
  else
    body = (
      <AppContext.Provider
        value={{
          client,
          me: auth.me,
          openSkill: (id) => navigate({ view: 'skills', tab: 'mine', skillId: id }),
        }}
      >
        {route.view === 'chat' ? (
          <ChatView sessionId={route.sessionId} />
        ) : route.view === 'skills' ? (
          <PanelBoundary name="skills">
            <SkillsView tab={route.tab} skillId={route.skillId} />
          </PanelBoundary>
        ) : (
          <PanelBoundary name="import">
            <ImportView />
          </PanelBoundary>
        )}
      </AppContext.Provider>
    );

  const ready = auth.status === 'ready' ? auth.me : null;
  return (
    <I18nContext.Provider value={i18n}>
      <div class="shell">
        <header class="topbar">
          <div class="brand">
            <span class="logo" aria-hidden="true">
              AS
            </span>
            <div>
              <div class="brand-title">{t('app.title')}</div>
              <div class="brand-sub">{t('app.tagline')}</div>
            </div>
          </div>
          {ready ? (
            <nav class="nav" aria-label="main">
              <a href="#/chat" class={route.view === 'chat' ? 'active' : ''} data-nav="chat">
                {t('nav.chat')}
              </a>
              <a href="#/skills/mine" class={route.view === 'skills' ? 'active' : ''} data-nav="skills">
                {t('nav.skills')}
              </a>
              <a href="#/import" class={route.view === 'import' ? 'active' : ''} data-nav="import">
                {t('nav.import')}
              </a>
            </nav>
          ) : (
            <span />
          )}
          <div class="topbar-right">
            {ready?.user_id ? (
              <span class="badge" data-testid="user-badge" title={ready.user_id}>
                {ready.is_admin ? t('auth.admin') : t('auth.user')}: {ready.user_id}
              </span>
            ) : null}
            <button
              type="button"
              class="button ghost small"
              data-testid="lang-toggle"
              onClick={() => i18n.setLang(lang === 'en' ? 'zh' : 'en')}
            >
              {t('nav.language')}
            </button>
            {ready?.auth_enabled ? (
              <button type="button" class="button ghost small" onClick={signOut}>
                {t('auth.signOut')}
              </button>
            ) : null}
          </div>
        </header>
        <main class="main">{body}</main>
      </div>
    </I18nContext.Provider>
  );
}
