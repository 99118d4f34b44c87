/**
 * @module The `autoskill` field the proxy adds to chat responses (the original's shape, serving.md §4.5):
 * the request id, the injected skills, the retrieval info and, for non-stream answers, the extraction
 * receipt — all snake_case on the wire — plus the `X-AutoSkill-*` response headers.
 */
import type {
  InjectedSkill,
  PreparedSkillContext,
  RetrievalHit,
  RetrievalInfo,
  TurnReceipt,
} from '../../service/turn-types.js';

export const SKILLS_HEADER = 'x-autoskill-skills';
export const REQUEST_ID_HEADER = 'x-autoskill-request-id';

function hitToWire(hit: RetrievalHit): Record<string, unknown> {
  return {
    rank: hit.rank,
    score: hit.score,
    id: hit.id,
    name: hit.name,
    description: hit.description,
    resource_paths: hit.resourcePaths,
    source: hit.source,
    owner: hit.owner,
    version: hit.version,
  };
}

export function retrievalInfoToWire(info: RetrievalInfo): Record<string, unknown> {
  return {
    original_query: info.originalQuery,
    rewritten_query: info.rewrittenQuery,
    search_query: info.searchQuery,
    event_time: info.eventTime,
    scope: info.scope,
    top_k: info.topK,
    min_score: info.minScore,
    hits: info.hits.map(hitToWire),
    hits_user: info.hitsUser.map(hitToWire),
    hits_library: info.hitsLibrary.map(hitToWire),
    selected_for_use_ids: info.selectedForUseIds,
    selected_for_context_ids: info.selectedForContextIds,
    context_injected: info.contextInjected,
    error: info.error,
  };
}

function skillToWire(skill: InjectedSkill): Record<string, unknown> {
  return {
    id: skill.id,
    name: skill.name,
    version: skill.version,
    ...(skill.source !== undefined ? { source: skill.source } : {}),
    ...(skill.score !== undefined ? { score: skill.score } : {}),
  };
}

export function autoskillField(options: {
  requestId: string;
  context: PreparedSkillContext;
  receipt?: TurnReceipt | undefined;
  /** Non-stream answers report the extraction receipt (`null` when the observer gave none). */
  withExtraction: boolean;
}): Record<string, unknown> {
  const extraction = options.receipt?.extraction;
  return {
    request_id: options.requestId,
    skills: options.context.injected.map(skillToWire),
    retrieval: retrievalInfoToWire(options.context.retrieval),
    ...(options.context.error ? { error: options.context.error } : {}),
    ...(options.withExtraction
      ? {
          extraction: extraction
            ? {
                job_id: extraction.jobId,
                status: extraction.status,
                ...(extraction.reason ? { reason: extraction.reason } : {}),
              }
            : null,
        }
      : {}),
  };
}

/** Header-safe ids: plain ASCII ids stay, anything else is percent-encoded. */
export function skillsHeaderValue(injected: readonly InjectedSkill[]): string {
  return injected
    .map((skill) =>
      /^[\x21-\x7e]+$/.test(skill.id) && !skill.id.includes(',') ? skill.id : encodeURIComponent(skill.id),
    )
    .join(',');
}
