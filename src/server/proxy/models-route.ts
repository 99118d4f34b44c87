/**
 * @module `GET /v1/models`: the served models (`--served-model`, `--served-models-json`: ids or objects,
 * normalised and de-duplicated by id, serving.md §4.1), else the upstream's configured model.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import { AutoSkillError } from '../../shared/errors.js';
import { validate } from '../../shared/json.js';
import type { ServerEnv } from '../context.js';

export const ServedModelSchema = z.union([
  z.string().trim().min(1),
  z.looseObject({
    id: z.string().trim().min(1).optional(),
    model: z.string().trim().min(1).optional(),
    object: z.string().optional(),
    owned_by: z.string().optional(),
    created: z.number().int().nonnegative().optional(),
  }),
]);
export type ServedModelInput = z.input<typeof ServedModelSchema>;

export interface ServedModel {
  id: string;
  object: string;
  created: number;
  owned_by: string;
}

/** Normalises served-model entries; entries without an id are refused (INVALID_CONFIG). */
export function normalizeServedModels(
  entries: readonly ServedModelInput[],
  createdSeconds: number,
): ServedModel[] {
  const seen = new Set<string>();
  const models: ServedModel[] = [];
  for (const raw of entries) {
    const entry = validate(raw, ServedModelSchema, { source: 'served models', code: 'INVALID_CONFIG' });
    const model: ServedModel =
      typeof entry === 'string'
        ? { id: entry, object: 'model', created: createdSeconds, owned_by: 'openai' }
        : {
            ...entry,
            id: entry.id ?? entry.model ?? '',
            object: entry.object ?? 'model',
            created: entry.created ?? createdSeconds,
            owned_by: entry.owned_by ?? 'openai',
          };
    if (!model.id) {
      throw new AutoSkillError('INVALID_CONFIG', 'Every served model needs an "id" (or "model")', {
        details: { entry: raw },
      });
    }
    if (seen.has(model.id)) continue;
    seen.add(model.id);
    models.push(model);
  }
  return models;
}

export function registerModelsRoute(
  app: Hono<ServerEnv>,
  options: { servedModels: readonly ServedModel[]; fallbackModel: string | undefined; now: () => number },
): void {
  app.get('/v1/models', (c) => {
    const data =
      options.servedModels.length > 0
        ? options.servedModels
        : [
            {
              id: options.fallbackModel ?? 'autoskill-model',
              object: 'model',
              created: Math.floor(options.now() / 1000),
              owned_by: 'autoskill-proxy',
            },
          ];
    return c.json({ object: 'list', data });
  });
}
