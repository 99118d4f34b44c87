/**
 * @module The chat sessions API (docs/web-api.md) for `createServerApp({ routes: [createSessionRoutes(…)] })`,
 * its route descriptions for `openapi.json` (`SESSION_ROUTE_DESCRIPTIONS`, pass them as the management
 * routes' `extraRoutes`), and `sessionRoutes`, which builds the whole module from a running SDK and service
 * runtime (what `autoskill serve` and `autoskill web` mount).
 */
export { sessionEventStream, turnEventStream } from './event-streams.js';
export {
  createSessionRoutes,
  ME_PATH,
  registerSessionRoutes,
  SESSION_ROUTE_DESCRIPTIONS,
  SESSIONS_PATH,
  type SessionRoutesOptions,
} from './routes.js';
export * from './wire.js';
export { createSessionService, type SessionRoutesParts, sessionRoutes } from './wiring.js';
