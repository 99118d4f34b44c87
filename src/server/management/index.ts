/**
 * @module The management API under `/v1/autoskill/` as one route module for `createServerApp`:
 *
 * ```ts
 * createServerApp({ routes: [createManagementRoutes({ store, search, retrieval, vectors, conversations })] })
 * ```
 *
 * Skills (list, get, SKILL.md get/save, delete, restore, rollback, versions, diff, export), search,
 * retrieval preview, uploads (skills, conversations), vectors, capabilities and `openapi.json`. Routes
 * inherit the app's authentication, rate limits, request ids and error handler; every read and write is
 * checked against the user the request acts for (`access.ts`).
 */
import type { ServerRouteModule } from '../app.js';
import { packageVersion } from '../app.js';
import type { RouteDescription } from '../openapi.js';
import { EXPORT_ROUTE_DESCRIPTIONS, registerExportRoute } from './export-route.js';
import { IMPORT_ROUTE_DESCRIPTIONS, registerImportRoutes } from './import-routes.js';
import { META_ROUTE_DESCRIPTIONS, registerMetaRoutes } from './meta-routes.js';
import { MAX_SEARCH_LIMIT, registerSearchRoutes, searchRouteDescriptions } from './search-routes.js';
import { registerSkillRoutes, SKILL_ROUTE_DESCRIPTIONS } from './skills-routes.js';
import type { ManagementRoutesOptions } from './types.js';
import { registerVectorRoutes, VECTOR_ROUTE_DESCRIPTIONS } from './vectors-routes.js';

export { capabilityPaths, MANAGEMENT_PUBLIC_PATHS } from './meta-routes.js';
export type * from './types.js';

const DEFAULT_PREVIEW_MESSAGES = 200;

/** Every management route, as data (for `openapi.json` and for other servers that mount them). */
export function managementRouteDescriptions(options: { previewMessages?: number } = {}): RouteDescription[] {
  return [
    ...META_ROUTE_DESCRIPTIONS,
    ...SKILL_ROUTE_DESCRIPTIONS,
    ...EXPORT_ROUTE_DESCRIPTIONS,
    ...searchRouteDescriptions(options.previewMessages ?? DEFAULT_PREVIEW_MESSAGES),
    ...IMPORT_ROUTE_DESCRIPTIONS,
    ...VECTOR_ROUTE_DESCRIPTIONS,
  ];
}

export function createManagementRoutes(options: ManagementRoutesOptions): ServerRouteModule {
  const limits = {
    importBodyBytes: options.limits?.importBodyBytes ?? 20 * 1024 * 1024,
    importTotalBytes: options.limits?.importTotalBytes ?? 50 * 1024 * 1024,
    importFileBytes: options.limits?.importFileBytes ?? 1_000_000,
    conversationsPerImport: options.limits?.conversationsPerImport ?? 200,
    previewMessages: options.limits?.previewMessages ?? DEFAULT_PREVIEW_MESSAGES,
  };
  return (app, route) => {
    const { store } = options;
    const maxBodyBytes = route.limits.defaultBodyBytes;
    registerMetaRoutes(app, {
      routes: [...managementRouteDescriptions(limits), ...(options.extraRoutes ?? [])],
      unavailable: new Set([
        ...(options.search ? [] : ['searchSkills']),
        ...(options.retrieval ? [] : ['previewRetrieval']),
        ...(options.conversations ? [] : ['importConversations']),
        ...(options.vectors ? [] : ['getVectorStatus', 'rebuildVectors']),
      ]),
      version: options.version ?? packageVersion(),
      authEnabled: options.authEnabled ?? true,
      models: options.models ?? {},
      limits: {
        body_bytes: maxBodyBytes,
        import_body_bytes: limits.importBodyBytes,
        import_total_bytes: limits.importTotalBytes,
        import_file_bytes: limits.importFileBytes,
        conversations_per_import: limits.conversationsPerImport,
        search_limit: MAX_SEARCH_LIMIT,
        preview_messages: limits.previewMessages,
      },
      route,
    });
    registerSearchRoutes(app, {
      store,
      ...(options.search ? { search: options.search } : {}),
      ...(options.retrieval ? { retrieval: options.retrieval } : {}),
      defaults: {
        limit: options.searchDefaults?.limit ?? 10,
        minScore: options.searchDefaults?.minScore ?? 0,
      },
      maxBodyBytes,
      maxMessages: limits.previewMessages,
      route,
    });
    registerImportRoutes(app, {
      store,
      ...(options.conversations ? { conversations: options.conversations } : {}),
      maxBodyBytes: limits.importBodyBytes,
      maxTotalBytes: limits.importTotalBytes,
      maxFileBytes: limits.importFileBytes,
      maxConversations: limits.conversationsPerImport,
    });
    registerVectorRoutes(app, {
      ...(options.vectors ? { vectors: options.vectors } : {}),
      maxBodyBytes,
      defaultWaitMs: options.rebuildWaitMs ?? 2000,
      route,
    });
    // After search and import: `POST skills/search` and `skills/import` are not skill ids.
    registerSkillRoutes(app, { store, maxBodyBytes });
    registerExportRoute(app, store);
  };
}
