/**
 * @module The retrieve layer: query rewriting (and the context-dependence heuristic behind `auto`),
 * optional model selection, rendering under a token budget, and `prepareTurnContext` for one chat turn.
 */
export {
  type ContextDependence,
  type DependenceRule,
  type DetectContextDependenceOptions,
  detectContextDependence,
  lengthUnits,
} from './context-dependence.js';
export { type ConversationTurn, contentText, conversationTurns, splitLatestUserTurn } from './messages.js';
export {
  type PrepareTurnContextOptions,
  prepareTurnContext,
  type TurnContext,
  type TurnContextDetails,
  toRetrievalHit,
} from './prepare.js';
export {
  type RenderableSkill,
  type RenderedSkill,
  type RenderedSkillContext,
  type RenderSkillContextOptions,
  renderSkillContext,
  renderSkillContextWith,
} from './render.js';
export {
  cleanRewriteOutput,
  fallbackRewrite,
  type RewriteQueryOptions,
  type RewriteResult,
  rewriteQuery,
  topicWords,
} from './rewrite.js';
export {
  parseSelectionReply,
  type SelectionCandidate,
  type SelectionResult,
  type SelectSkillsOptions,
  selectSkills,
} from './select.js';
export { loadTokenCounter, type TokenCounter } from './tokens.js';
export type {
  ChatMessageLike,
  InjectedSkill,
  PreparedSkillContext,
  RetrievalHit,
  RetrievalInfo,
  RetrievalScope,
  RewriteMode,
} from './types.js';
