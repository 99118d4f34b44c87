/** @module Hash routes (`#/chat/<session>`, `#/skills/<view>/<skill>`, `#/import`), so reloads and the back button keep the place. */
import { useEffect, useState } from 'preact/hooks';

export type SkillsTab = 'mine' | 'libraries' | 'deleted';

export type Route =
  | { view: 'chat'; sessionId: string | null }
  | { view: 'skills'; tab: SkillsTab; skillId: string | null }
  | { view: 'import' };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').map(safeDecode);
  const [view, first, second] = parts;
  if (view === 'skills') {
    const tab: SkillsTab = first === 'libraries' || first === 'deleted' ? first : 'mine';
    return { view: 'skills', tab, skillId: second || null };
  }
  if (view === 'import') return { view: 'import' };
  return { view: 'chat', sessionId: (view === 'chat' && first) || null };
}

export function routeHash(route: Route): string {
  const enc = encodeURIComponent;
  switch (route.view) {
    case 'chat':
      return route.sessionId ? `#/chat/${enc(route.sessionId)}` : '#/chat';
    case 'skills':
      return `#/skills/${route.tab}${route.skillId ? `/${enc(route.skillId)}` : ''}`;
    case 'import':
      return '#/import';
  }
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

export function navigate(route: Route, options: { replace?: boolean } = {}): void {
  const hash = routeHash(route);
  if (location.hash === hash) return;
  if (options.replace) history.replaceState(null, '', hash);
  else location.hash = hash;
  if (options.replace) window.dispatchEvent(new HashChangeEvent('hashchange'));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
