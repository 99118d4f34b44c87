/** @module The paged skill list with a text filter or a ranked search; it records how long each load took. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { listSkills, searchSkills } from '../api/endpoints.js';
import { ErrorNote } from '../components/error-note.js';
import { useAsync } from '../components/use-async.js';
import { useApp } from '../context.js';
import { formatScore, isLibraryOwner } from '../format.js';
import { type MessageKey, useI18n } from '../i18n.js';
import { navigate, routeHash, type SkillsTab } from '../route.js';

const PAGE_SIZE = 50;
const TABS: Array<[SkillsTab, MessageKey]> = [
  ['mine', 'skills.mine'],
  ['libraries', 'skills.libraries'],
  ['deleted', 'skills.deleted'],
];

interface Row {
  id: string;
  name: string;
  description: string;
  version: string | null;
  owner: string | null;
  score: number | null;
}

interface Page {
  rows: Row[];
  total: number | null;
  hasMore: boolean;
  /** Request to rendered data, in milliseconds. */
  ms: number;
  mode: 'list' | 'search';
  /** Offset the page was loaded at (the pager's range follows the data shown, not the request). */
  offset: number;
  /** The filter or search text the page answers. */
  query: string;
}

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

export function SkillList({
  tab,
  activeId,
  refreshKey,
}: {
  tab: SkillsTab;
  activeId: string | null;
  refreshKey: number;
}) {
  const { client } = useApp();
  const { t } = useI18n();
  const [text, setText] = useState('');
  const [ranked, setRanked] = useState(false);
  const [offset, setOffset] = useState(0);
  const query = useDebounced(text.trim(), 250);
  const listRef = useRef<HTMLDivElement>(null);

  useEffect(() => setOffset(0), [tab, query, ranked]);

  const scope = tab === 'libraries' ? 'library' : 'user';
  const searching = ranked && query !== '' && tab !== 'deleted';
  const page = useAsync<Page>(
    async (signal) => {
      const started = performance.now();
      if (searching) {
        const result = await searchSkills(client, { query, scope, limit: 50, signal });
        return {
          rows: result.data.map((hit) => ({
            id: hit.id,
            name: hit.name ?? hit.id,
            description: hit.description ?? '',
            version: hit.version ?? null,
            owner: hit.owner ?? null,
            score: hit.score ?? null,
          })),
          total: result.data.length,
          hasMore: false,
          ms: performance.now() - started,
          mode: 'search',
          offset: 0,
          query,
        };
      }
      const result = await listSkills(client, {
        scope,
        limit: PAGE_SIZE,
        offset,
        q: query || undefined,
        includeDeleted: tab === 'deleted',
        signal,
      });
      return {
        rows: result.data.map((skill) => ({
          id: skill.id,
          name: skill.name ?? skill.id,
          description: skill.description ?? '',
          version: skill.version ?? null,
          owner: skill.owner ?? null,
          score: null,
        })),
        total: result.total ?? null,
        hasMore: result.has_more ?? result.data.length === PAGE_SIZE,
        ms: performance.now() - started,
        mode: 'list',
        offset,
        query,
      };
    },
    [client, tab, scope, query, searching, offset, refreshKey],
  );

  // Time to the first paint of the rows, for the footer and for the browser tests.
  const [paintMs, setPaintMs] = useState<number | null>(null);
  useEffect(() => {
    if (page.loading) setPaintMs(null);
  }, [page.loading]);
  useEffect(() => {
    if (!page.data) return;
    const fetched = page.data.ms;
    const started = performance.now();
    requestAnimationFrame(() => setPaintMs(fetched + (performance.now() - started)));
  }, [page.data]);

  const data = page.data;
  const from = data && data.rows.length > 0 ? data.offset + 1 : 0;
  const to = data ? data.offset + data.rows.length : 0;
  return (
    <aside class="panel skill-list-panel" aria-label={t('nav.skills')}>
      <div class="tabs" role="tablist">
        {TABS.map(([id, label]) => (
          <a
            key={id}
            role="tab"
            aria-selected={tab === id}
            class={tab === id ? 'tab active' : 'tab'}
            href={routeHash({ view: 'skills', tab: id, skillId: null })}
            data-tab={id}
          >
            {t(label)}
          </a>
        ))}
      </div>
      <div class="list-tools">
        <input
          type="search"
          value={text}
          placeholder={t('skills.filter')}
          aria-label={t('skills.filter')}
          data-testid="skill-filter"
          onInput={(event) => setText(event.currentTarget.value)}
        />
        {tab !== 'deleted' ? (
          <label class="check">
            <input
              type="checkbox"
              checked={ranked}
              data-testid="skill-ranked"
              onChange={(event) => setRanked(event.currentTarget.checked)}
            />
            {t('skills.rank')}
          </label>
        ) : null}
      </div>
      <ErrorNote error={page.error} onRetry={page.reload} />
      <div
        class="skill-rows"
        ref={listRef}
        data-testid="skill-list"
        data-state={page.loading ? 'loading' : page.error ? 'error' : 'ready'}
        data-mode={data?.mode ?? ''}
        data-query={data?.query ?? ''}
        data-load-ms={paintMs === null ? '' : paintMs.toFixed(1)}
        data-total={data?.total ?? ''}
      >
        {page.loading && !data ? <p class="muted pad">{t('common.loading')}</p> : null}
        {data && data.rows.length === 0 ? <p class="muted pad">{t('skills.empty')}</p> : null}
        <ul>
          {data?.rows.map((row) => (
            <li key={row.id}>
              <button
                type="button"
                class={row.id === activeId ? 'skill-row active' : 'skill-row'}
                data-skill-id={row.id}
                onClick={() => navigate({ view: 'skills', tab, skillId: row.id })}
              >
                <span class="skill-row-head">
                  <span class="skill-name">{row.name}</span>
                  {row.score !== null ? <span class="score">{formatScore(row.score)}</span> : null}
                  {row.version ? <span class="chip">v{row.version}</span> : null}
                </span>
                {row.description ? <span class="skill-desc">{row.description}</span> : null}
                {isLibraryOwner(row.owner) ? <span class="skill-owner">{row.owner}</span> : null}
              </button>
            </li>
          ))}
        </ul>
      </div>
      <div class="pager">
        <button
          type="button"
          class="button small"
          disabled={offset === 0 || page.loading}
          data-testid="page-prev"
          onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}
        >
          {t('skills.prev')}
        </button>
        <span class="muted small" data-testid="page-range">
          {data && data.mode === 'list'
            ? data.total !== null
              ? t('skills.range', { from, to, total: data.total.toLocaleString() })
              : t('skills.rangeOpen', { from, to })
            : data
              ? `${data.rows.length}`
              : ''}
          {paintMs !== null && data
            ? ` · ${data.mode === 'search' ? t('skills.searchTiming', { ms: Math.round(paintMs) }) : t('skills.timing', { list: Math.round(paintMs) })}`
            : ''}
        </span>
        <button
          type="button"
          class="button small"
          disabled={!data?.hasMore || page.loading}
          data-testid="page-next"
          onClick={() => setOffset(offset + PAGE_SIZE)}
        >
          {t('skills.next')}
        </button>
      </div>
    </aside>
  );
}
