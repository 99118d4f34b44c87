/** @module The right column: what retrieval did for the chosen turn, live extraction events, and the session's settings. */
import { useEffect, useState } from 'preact/hooks';
import { extractNow } from '../api/endpoints.js';
import type { ExtractionEvent, Hit, SessionSettings } from '../api/schemas.js';
import { ErrorNote } from '../components/error-note.js';
import { PanelBoundary } from '../components/panel-boundary.js';
import { useApp } from '../context.js';
import { formatScore, formatTime, isLibraryOwner } from '../format.js';
import { type MessageKey, useI18n } from '../i18n.js';
import type { ChatEntry } from './entries.js';
import type { ExtractionJob } from './extraction-state.js';

export type InspectorTab = 'retrieval' | 'extraction' | 'settings';

interface InspectorProps {
  tab: InspectorTab;
  onTab: (tab: InspectorTab) => void;
  entry: ChatEntry | null;
  sessionId: string;
  jobs: ExtractionJob[];
  eventsConnected: boolean;
  onExtractionEvent: (event: ExtractionEvent) => void;
  settings: SessionSettings | null;
  onSaveSettings: (settings: Partial<SessionSettings>) => Promise<void>;
}

export function Inspector(props: InspectorProps) {
  const { t } = useI18n();
  const tabs: Array<[InspectorTab, MessageKey]> = [
    ['retrieval', 'inspector.retrieval'],
    ['extraction', 'inspector.extraction'],
    ['settings', 'inspector.settings'],
  ];
  const running = props.jobs.some((job) => job.status === 'scheduled' || job.status === 'running');
  return (
    <aside class="panel inspector" aria-label="inspector">
      <div class="tabs" role="tablist">
        {tabs.map(([id, label]) => (
          <button
            key={id}
            type="button"
            role="tab"
            aria-selected={props.tab === id}
            class={props.tab === id ? 'tab active' : 'tab'}
            data-tab={id}
            onClick={() => props.onTab(id)}
          >
            {t(label)}
            {id === 'extraction' && running ? <span class="dot" aria-hidden="true" /> : null}
          </button>
        ))}
      </div>
      <div class="inspector-body">
        {props.tab === 'retrieval' ? (
          <PanelBoundary name="retrieval">
            <RetrievalPanel entry={props.entry} />
          </PanelBoundary>
        ) : props.tab === 'extraction' ? (
          <PanelBoundary name="extraction">
            <ExtractionPanel
              sessionId={props.sessionId}
              jobs={props.jobs}
              connected={props.eventsConnected}
              onEvent={props.onExtractionEvent}
            />
          </PanelBoundary>
        ) : (
          <PanelBoundary name="settings">
            <SettingsPanel settings={props.settings} onSave={props.onSaveSettings} />
          </PanelBoundary>
        )}
      </div>
    </aside>
  );
}

function RetrievalPanel({ entry }: { entry: ChatEntry | null }) {
  const { t } = useI18n();
  const retrieval = entry?.retrieval;
  if (!entry || !retrieval) {
    return (
      <div>
        <p class="muted">{t('retrieval.pick')}</p>
        {entry && entry.injected.length > 0 ? <InjectedList entry={entry} /> : null}
      </div>
    );
  }
  const hits = retrieval.hits ?? [];
  const userHits =
    retrieval.hits_user ??
    hits.filter((hit) => !isLibraryOwner(hit.owner) && !hit.source?.startsWith('library'));
  const libraryHits =
    retrieval.hits_library ??
    hits.filter((hit) => isLibraryOwner(hit.owner) || hit.source?.startsWith('library'));
  const used = new Set([
    ...(retrieval.selected_for_context_ids ?? []),
    ...entry.injected.map((skill) => skill.id),
  ]);
  return (
    <div class="retrieval" data-testid="retrieval-panel">
      <dl class="kv">
        <dt>{t('retrieval.original')}</dt>
        <dd title={retrieval.original_query ?? ''}>{retrieval.original_query || '–'}</dd>
        {retrieval.rewritten_query ? (
          <>
            <dt>{t('retrieval.rewritten')}</dt>
            <dd>{retrieval.rewritten_query}</dd>
          </>
        ) : null}
        <dt>{t('retrieval.search')}</dt>
        <dd>{retrieval.search_query || '–'}</dd>
        <dt>{t('settings.scope')}</dt>
        <dd>
          {retrieval.scope ?? '–'} · top_k {retrieval.top_k ?? '–'} · min {formatScore(retrieval.min_score)}
        </dd>
        <dt>{t('retrieval.injected')}</dt>
        <dd>{retrieval.context_injected || entry.injected.length > 0 ? t('common.yes') : t('common.no')}</dd>
        {retrieval.error ? (
          <>
            <dt>{t('retrieval.error')}</dt>
            <dd class="error-text">{retrieval.error}</dd>
          </>
        ) : null}
      </dl>
      <HitList title={t('retrieval.userHits')} hits={userHits} used={used} />
      <HitList title={t('retrieval.libraryHits')} hits={libraryHits} used={used} />
    </div>
  );
}

function InjectedList({ entry }: { entry: ChatEntry }) {
  const { t } = useI18n();
  return (
    <div>
      <h3>{t('chat.injected')}</h3>
      <ul class="hit-list">
        {entry.injected.map((skill) => (
          <li key={skill.id} class="hit used">
            <span class="hit-name">{skill.name ?? skill.id}</span>
            <span class="score">{formatScore(skill.score)}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

function HitList({ title, hits, used }: { title: string; hits: Hit[]; used: Set<string> }) {
  const { t } = useI18n();
  const { openSkill } = useApp();
  return (
    <section class="hits">
      <h3>
        {title} <span class="muted">({hits.length})</span>
      </h3>
      {hits.length === 0 ? <p class="muted small">{t('retrieval.noHits')}</p> : null}
      <ol class="hit-list">
        {hits.map((hit, index) => (
          <li key={`${hit.id}-${index}`} class={used.has(hit.id) ? 'hit used' : 'hit'} data-hit-id={hit.id}>
            <div class="hit-head">
              <span class="rank">#{hit.rank ?? index + 1}</span>
              <span class="score" title="score">
                {formatScore(hit.score)}
              </span>
              <button type="button" class="link-button hit-name" onClick={() => openSkill(hit.id)}>
                {hit.name ?? hit.id}
              </button>
              {used.has(hit.id) ? <span class="chip ok">{t('retrieval.used')}</span> : null}
            </div>
            <div class="hit-meta">
              {hit.source ? <span class="chip">{hit.source}</span> : null}
              {hit.version ? <span class="chip">v{hit.version}</span> : null}
            </div>
            {hit.description ? <p class="hit-desc">{hit.description}</p> : null}
          </li>
        ))}
      </ol>
    </section>
  );
}

const STEPS = ['scheduled', 'running', 'done'] as const;

function ExtractionPanel(props: {
  sessionId: string;
  jobs: ExtractionJob[];
  connected: boolean;
  onEvent: (event: ExtractionEvent) => void;
}) {
  const { client, openSkill } = useApp();
  const { t, lang } = useI18n();
  const [hint, setHint] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const trigger = async () => {
    setPending(true);
    setError(null);
    try {
      props.onEvent(await extractNow(client, props.sessionId, hint));
      setHint('');
    } catch (cause) {
      setError(cause);
    } finally {
      setPending(false);
    }
  };

  return (
    <div class="extraction" data-testid="extraction-panel">
      <form
        class="extract-form"
        onSubmit={(event) => {
          event.preventDefault();
          void trigger();
        }}
      >
        <input
          value={hint}
          placeholder={t('extraction.hint')}
          aria-label={t('extraction.hint')}
          data-testid="extract-hint"
          onInput={(event) => setHint(event.currentTarget.value)}
        />
        <button type="submit" class="button primary small" disabled={pending} data-testid="extract-now">
          {t('extraction.now')}
        </button>
      </form>
      <p class="muted small">
        <span class={props.connected ? 'dot ok' : 'dot off'} aria-hidden="true" />{' '}
        {props.connected ? t('extraction.live') : t('extraction.offline')}
      </p>
      <ErrorNote error={error} />
      {props.jobs.length === 0 ? <p class="muted">{t('extraction.empty')}</p> : null}
      <ul class="job-list">
        {props.jobs.map((job) => {
          const finished = job.status === 'completed' || job.status === 'failed';
          const stepIndex = finished ? 2 : job.status === 'running' ? 1 : 0;
          return (
            <li
              key={job.jobId}
              class={`job ${job.status}`}
              data-job-id={job.jobId}
              data-status={job.status}
              data-outcome={job.outcome ?? ''}
            >
              <div class="job-head">
                <span class={`chip status-${job.status}`}>
                  {t(`extraction.status.${job.status}` as MessageKey) ?? job.status}
                </span>
                {job.outcome ? (
                  <span class={`chip outcome-${job.outcome}`} data-testid="job-outcome">
                    {t(`extraction.outcome.${job.outcome}` as MessageKey)}
                  </span>
                ) : null}
                {job.trigger ? <span class="muted small">{job.trigger}</span> : null}
                <span class="muted small push">{formatTime(job.lastAt, lang)}</span>
              </div>
              <div class="steps" aria-hidden="true">
                {STEPS.map((step, index) => (
                  <span key={step} class={index <= stepIndex ? `step on ${job.status}` : 'step'} />
                ))}
              </div>
              {job.hint ? <p class="small muted">hint: {job.hint}</p> : null}
              {job.reason ? <p class="job-reason">{job.reason}</p> : null}
              {job.error ? <p class="error-text small">{job.error}</p> : null}
              {job.skills.length > 0 ? (
                <ul class="job-skills">
                  {job.skills.map((skill) => (
                    <li key={skill.id}>
                      <button
                        type="button"
                        class="link-button"
                        data-testid="job-skill"
                        onClick={() => openSkill(skill.id)}
                      >
                        {skill.name ?? skill.id}
                      </button>
                      {skill.version ? <span class="chip">v{skill.version}</span> : null}
                    </li>
                  ))}
                </ul>
              ) : null}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

/** A labelled select of the settings form. */
function SelectField<Option extends string>(props: {
  label: string;
  name: string;
  value: string;
  options: readonly Option[];
  /** @default the option itself */
  optionLabel?: (option: Option) => string;
  onChange: (value: string) => void;
}) {
  return (
    <label class="field">
      <span>{props.label}</span>
      <select
        name={props.name}
        value={props.value}
        onChange={(event) => props.onChange(event.currentTarget.value)}
      >
        {props.options.map((option) => (
          <option key={option} value={option}>
            {props.optionLabel ? props.optionLabel(option) : option}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A labelled number input of the settings form; an empty input is `null`. */
function NumberField(props: {
  label: string;
  name: string;
  value: number | null | undefined;
  min: number;
  max?: number;
  step: number;
  onInput: (value: number | null) => void;
}) {
  return (
    <label class="field">
      <span>{props.label}</span>
      <input
        name={props.name}
        type="number"
        min={props.min}
        max={props.max}
        step={props.step}
        value={props.value ?? ''}
        onInput={(event) => {
          const text = event.currentTarget.value;
          props.onInput(text.trim() === '' ? null : Number(text));
        }}
      />
    </label>
  );
}

const SCOPES = ['all', 'user', 'library'] as const;
const MODES = ['auto', 'always', 'never'] as const;

function SettingsPanel({
  settings,
  onSave,
}: {
  settings: SessionSettings | null;
  onSave: (settings: Partial<SessionSettings>) => Promise<void>;
}) {
  const { t } = useI18n();
  // The form shows the session's settings with the user's unsaved edits on top, so it is never a render
  // behind when the session (re)loads; edits are dropped whenever the session's settings change.
  const [edits, setEdits] = useState<Partial<SessionSettings>>({});
  const [status, setStatus] = useState<'idle' | 'saving' | 'saved'>('idle');
  const [error, setError] = useState<unknown>(null);
  useEffect(() => setEdits({}), [settings]);
  const form: SessionSettings = { ...(settings ?? {}), ...edits };

  const field = <K extends keyof SessionSettings>(key: K, value: SessionSettings[K]) => {
    setEdits((current) => ({ ...current, [key]: value }));
    setStatus('idle');
  };

  return (
    <form
      class="settings"
      data-testid="settings-panel"
      onSubmit={async (event) => {
        event.preventDefault();
        setStatus('saving');
        setError(null);
        try {
          const patch: Partial<SessionSettings> = {};
          for (const key of [
            'scope',
            'rewrite_mode',
            'extract_mode',
            'extract_turn_limit',
            'min_score',
            'top_k',
          ] as const) {
            const value = form[key];
            if (
              value !== null &&
              value !== undefined &&
              !(typeof value === 'number' && Number.isNaN(value))
            ) {
              (patch as Record<string, unknown>)[key] = value;
            }
          }
          await onSave(patch);
          setStatus('saved');
        } catch (cause) {
          setError(cause);
          setStatus('idle');
        }
      }}
    >
      <SelectField
        label={t('settings.scope')}
        name="scope"
        value={form.scope ?? 'all'}
        options={SCOPES}
        optionLabel={(scope) => t(`settings.scope.${scope}`)}
        onChange={(value) => field('scope', value)}
      />
      <SelectField
        label={t('settings.rewrite')}
        name="rewrite_mode"
        value={form.rewrite_mode ?? 'auto'}
        options={MODES}
        onChange={(value) => field('rewrite_mode', value)}
      />
      <SelectField
        label={t('settings.extract')}
        name="extract_mode"
        value={form.extract_mode ?? 'auto'}
        options={MODES}
        onChange={(value) => field('extract_mode', value)}
      />
      <NumberField
        label={t('settings.turnLimit')}
        name="extract_turn_limit"
        min={1}
        step={1}
        value={form.extract_turn_limit}
        onInput={(value) => field('extract_turn_limit', value)}
      />
      <NumberField
        label={t('settings.minScore')}
        name="min_score"
        min={0}
        max={1}
        step={0.01}
        value={form.min_score}
        onInput={(value) => field('min_score', value)}
      />
      <NumberField
        label={t('settings.topK')}
        name="top_k"
        min={1}
        max={20}
        step={1}
        value={form.top_k}
        onInput={(value) => field('top_k', value)}
      />
      <ErrorNote error={error} />
      <div class="row">
        <button
          type="submit"
          class="button primary"
          disabled={status === 'saving'}
          data-testid="save-settings"
        >
          {t('settings.apply')}
        </button>
        {status === 'saved' ? <span class="chip ok">{t('settings.saved')}</span> : null}
      </div>
    </form>
  );
}
