/**
 * @module The extraction routes (`/v1/autoskill/extractions…`, SSE events included) for
 * `createServerApp({ routes: [createExtractionRoutes({ service })] })`, with their route descriptions
 * for `openapi.json` (pass `EXTRACTION_ROUTE_DESCRIPTIONS` as the management routes' `extraRoutes`).
 */
export { jobEventStream } from './event-stream.js';
export {
  createExtractionRoutes,
  EXTRACTION_ROUTE_DESCRIPTIONS,
  EXTRACTIONS_PATH,
  ExtractionBodySchema,
  type ExtractionRoutesOptions,
  registerExtractionRoutes,
} from './routes.js';
export { eventToWire, jobToWire } from './wire.js';
