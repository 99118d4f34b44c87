/**
 * @module Zod schemas of the server's answers (snake_case, docs/web-api.md and the management API). They
 * are lenient on purpose: they list only the fields the UI reads, mostly `.nullish()`, and keep the rest,
 * so a server that adds fields never breaks the UI.
 */
import { z } from 'zod';

const text = z.string().nullish();
const count = z.number().nullish();
/** ISO text or epoch milliseconds. */
const time = z.union([z.string(), z.number()]).nullish();
/** Revisions are numbers or opaque strings, depending on the store. */
export const RevisionSchema = z.union([z.string(), z.number()]);
export type Revision = z.infer<typeof RevisionSchema>;

export const MeSchema = z.looseObject({
  user_id: z.string(),
  auth_enabled: z.boolean().nullish(),
  is_admin: z.boolean().nullish(),
});
export type Me = z.infer<typeof MeSchema>;

export const SessionSettingsSchema = z.looseObject({
  scope: text,
  rewrite_mode: text,
  extract_mode: text,
  extract_turn_limit: count,
  min_score: count,
  top_k: count,
});
export type SessionSettings = z.infer<typeof SessionSettingsSchema>;

export const HitSchema = z.looseObject({
  rank: count,
  score: count,
  id: z.string(),
  name: text,
  description: text,
  source: text,
  owner: text,
  version: text,
});
export type Hit = z.infer<typeof HitSchema>;

export const RetrievalSchema = z.looseObject({
  original_query: text,
  rewritten_query: text,
  search_query: text,
  event_time: time,
  scope: text,
  top_k: count,
  min_score: count,
  hits: z.array(HitSchema).nullish(),
  hits_user: z.array(HitSchema).nullish(),
  hits_library: z.array(HitSchema).nullish(),
  selected_for_use_ids: z.array(z.string()).nullish(),
  selected_for_context_ids: z.array(z.string()).nullish(),
  context_injected: z.boolean().nullish(),
  error: text,
});
export type Retrieval = z.infer<typeof RetrievalSchema>;

export const InjectedSkillSchema = z.looseObject({
  id: z.string(),
  name: text,
  version: text,
  source: text,
  score: count,
});
export type InjectedSkill = z.infer<typeof InjectedSkillSchema>;

export const UpsertedSkillSchema = z.looseObject({
  id: z.string(),
  name: text,
  version: text,
  owner: text,
});

export const ExtractionEventSchema = z.looseObject({
  job_id: text,
  event_id: text,
  session_id: text,
  turn_id: text,
  status: z.string(),
  trigger: text,
  /** created | merged | discarded */
  outcome: text,
  reason: text,
  error: text,
  hint: text,
  event_time: time,
  at: time,
  skill_id: text,
  skill_name: text,
  version: text,
  upserted: z.array(UpsertedSkillSchema).nullish(),
});
export type ExtractionEvent = z.infer<typeof ExtractionEventSchema>;

export const MessageSchema = z.looseObject({
  role: z.string(),
  content: z.unknown().optional(),
  turn_id: text,
  created_at: time,
});
export type ChatMessage = z.infer<typeof MessageSchema>;

const MessageRef = z.union([z.string(), MessageSchema]).nullish();

export const TurnSchema = z.looseObject({
  id: text,
  turn_id: text,
  kind: text,
  user: MessageRef,
  assistant: MessageRef,
  user_message: MessageRef,
  assistant_message: MessageRef,
  retrieval: RetrievalSchema.nullish(),
  injected: z.array(InjectedSkillSchema).nullish(),
  extraction_job_ids: z.array(z.string()).nullish(),
  extraction: z.union([ExtractionEventSchema, z.array(ExtractionEventSchema)]).nullish(),
  error: z.unknown().optional(),
  created_at: time,
});
export type Turn = z.infer<typeof TurnSchema>;

export const SessionSchema = z.looseObject({
  id: z.string(),
  title: text,
  created_at: time,
  updated_at: time,
  settings: SessionSettingsSchema.nullish(),
  messages: z.array(MessageSchema).nullish(),
  turns: z.array(TurnSchema).nullish(),
  message_count: count,
  turn_count: count,
  preview: text,
});
export type Session = z.infer<typeof SessionSchema>;

export const SessionEnvelopeSchema = z.looseObject({ data: SessionSchema });
export const SessionListSchema = z.looseObject({ data: z.array(SessionSchema) });

export const SkillSummarySchema = z.looseObject({
  id: z.string(),
  name: text,
  description: text,
  version: text,
  owner: text,
  source: text,
  tags: z.array(z.string()).nullish(),
  updated_at: time,
  created_at: time,
  deleted: z.boolean().nullish(),
  deleted_at: time,
  read_only: z.boolean().nullish(),
  status: text,
  revision: RevisionSchema.nullish(),
  skill_md: text,
});
export type SkillSummary = z.infer<typeof SkillSummarySchema>;

export const SkillListSchema = z.looseObject({
  data: z.array(SkillSummarySchema),
  total: count,
  limit: count,
  offset: count,
  has_more: z.boolean().nullish(),
});
export type SkillList = z.infer<typeof SkillListSchema>;

export const SkillEnvelopeSchema = z.looseObject({
  data: SkillSummarySchema,
  revision: RevisionSchema.nullish(),
});

export const SkillMdSchema = z.looseObject({
  skill_id: text,
  name: text,
  version: text,
  skill_md: z.string(),
  revision: RevisionSchema.nullish(),
  base_revision: RevisionSchema.nullish(),
});
export type SkillMd = z.infer<typeof SkillMdSchema>;

export const SaveSkillMdSchema = z.looseObject({
  data: SkillSummarySchema.nullish(),
  revision: RevisionSchema.nullish(),
});

export const VersionSchema = z.looseObject({
  version: text,
  name: text,
  description: text,
  updated_at: time,
  is_current: z.boolean().nullish(),
  revision: RevisionSchema.nullish(),
  operation: text,
  actor: text,
  reason: text,
  at: time,
  deleted: z.boolean().nullish(),
  restored_from: RevisionSchema.nullish(),
});
export type Version = z.infer<typeof VersionSchema>;

export const VersionListSchema = z.looseObject({
  skill_id: text,
  name: text,
  deleted: z.boolean().nullish(),
  data: z.array(VersionSchema),
});
export type VersionList = z.infer<typeof VersionListSchema>;

export const DiffSchema = z.looseObject({
  diff: text,
  unified_diff: text,
  data: z.unknown().optional(),
  from: z.unknown().optional(),
  to: z.unknown().optional(),
});

export const SearchResultSchema = z.looseObject({
  data: z.array(HitSchema),
  data_user: z.array(HitSchema).nullish(),
  data_library: z.array(HitSchema).nullish(),
  error: text,
});
export type SearchResult = z.infer<typeof SearchResultSchema>;

export const ImportResultSchema = z.looseObject({
  imported_count: count,
  data: z.array(z.looseObject({ id: text, name: text, version: text, error: text, path: text })).nullish(),
  skipped: z.array(z.looseObject({ from: text, id: text, reason: text })).nullish(),
  errors: z.array(z.unknown()).nullish(),
});
export type ImportResult = z.infer<typeof ImportResultSchema>;

export const ConversationImportSchema = z.looseObject({
  total_conversations: count,
  processed: count,
  failed: count,
  upserted_count: count,
  skills: z.array(z.looseObject({ id: text, name: text, version: text })).nullish(),
  errors: z.array(z.unknown()).nullish(),
  job_id: text,
  data: z.unknown().optional(),
});
export type ConversationImport = z.infer<typeof ConversationImportSchema>;

export const ExtractionEnvelopeSchema = z.looseObject({ data: ExtractionEventSchema });

export const AnySchema = z.unknown();

/** `{error: {message, code}}` inside an SSE `error` event. */
export const StreamErrorSchema = z.looseObject({
  error: z.union([z.string(), z.looseObject({ message: text, code: text })]).nullish(),
  message: text,
});
