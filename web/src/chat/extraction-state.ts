/** @module Extraction events folded into one card per job (scheduled → running → completed / failed). */
import type { ExtractionEvent } from '../api/schemas.js';

export interface ExtractionJob {
  jobId: string;
  trigger: string | null;
  status: string;
  outcome: string | null;
  reason: string | null;
  error: string | null;
  hint: string | null;
  skills: Array<{ id: string; name: string | null; version: string | null }>;
  /** Statuses seen, in order. */
  history: string[];
  firstAt: number;
  lastAt: number;
}

const ORDER = ['scheduled', 'running', 'completed', 'failed'];

function eventTime(event: ExtractionEvent, now: number): number {
  const value = event.event_time ?? event.at;
  if (typeof value === 'number') return value < 1e12 ? value * 1000 : value;
  if (typeof value === 'string') {
    const parsed = Date.parse(value);
    if (!Number.isNaN(parsed)) return parsed;
  }
  return now;
}

/** Applies one event; a late event never moves a job back (completed stays completed). */
export function applyExtractionEvent(
  jobs: readonly ExtractionJob[],
  event: ExtractionEvent,
  now: number,
): ExtractionJob[] {
  const jobId = event.job_id ?? `job-${event.event_id ?? now}`;
  const at = eventTime(event, now);
  const index = jobs.findIndex((job) => job.jobId === jobId);
  const previous = index >= 0 ? jobs[index] : undefined;
  const skills = (event.upserted ?? []).map((skill) => ({
    id: skill.id,
    name: skill.name ?? null,
    version: skill.version ?? null,
  }));
  if (event.skill_id && !skills.some((skill) => skill.id === event.skill_id)) {
    skills.push({ id: event.skill_id, name: event.skill_name ?? null, version: event.version ?? null });
  }
  const rank = (status: string) => {
    const position = ORDER.indexOf(status);
    return Math.max(position, 0);
  };
  const advances = !previous || rank(event.status) >= rank(previous.status);
  const next: ExtractionJob = {
    jobId,
    trigger: event.trigger ?? previous?.trigger ?? null,
    status: advances ? event.status : (previous?.status ?? event.status),
    outcome: event.outcome ?? previous?.outcome ?? null,
    reason: event.reason ?? previous?.reason ?? null,
    error: event.error || previous?.error || null,
    hint: event.hint ?? previous?.hint ?? null,
    skills: skills.length > 0 ? skills : (previous?.skills ?? []),
    history: previous?.history.includes(event.status)
      ? previous.history
      : [...(previous?.history ?? []), event.status],
    firstAt: previous ? Math.min(previous.firstAt, at) : at,
    lastAt: Math.max(previous?.lastAt ?? at, at),
  };
  const copy = [...jobs];
  if (index >= 0) copy[index] = next;
  else copy.unshift(next);
  return copy.sort((left, right) => right.firstAt - left.firstAt);
}
