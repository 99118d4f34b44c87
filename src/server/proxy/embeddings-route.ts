/**
 * @module `POST /v1/embeddings` on the configured embedding connector, in OpenAI's response shape with
 * `usage`, as floats or base64 (little-endian float32, what the `openai` client asks for by default).
 * Bad input is a 400 (the original answered 500 for everything, serving.md §11.4 item 31); an empty
 * string is refused as OpenAI does. The response names the connector's model whatever the request asked.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import type { EmbeddingConnector } from '../../embeddings/types.js';
import { AutoSkillError } from '../../shared/errors.js';
import { resolveRequestUser } from '../auth/resolve-user.js';
import type { ServerEnv } from '../context.js';
import { readJsonObject } from '../http/read-body.js';

/** OpenAI's limit on inputs per request. */
export const MAX_EMBEDDING_INPUTS = 2048;

const EmbeddingsRequestSchema = z.looseObject({
  input: z.union([
    z.string().min(1, 'input must not be an empty string'),
    z
      .array(z.string().min(1, 'input must not contain empty strings'))
      .min(1, 'input must not be empty')
      .max(MAX_EMBEDDING_INPUTS, `input may hold at most ${MAX_EMBEDDING_INPUTS} texts`),
  ]),
  model: z.string().optional(),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().positive().optional(),
  user: z.string().optional(),
});

function invalid(message: string, param: string): AutoSkillError {
  return new AutoSkillError('INVALID_INPUT', message, { details: { param, wireCode: 'invalid_request' } });
}

/** Little-endian float32 bytes in base64, as OpenAI sends them. */
export function encodeFloat32Base64(vector: readonly number[]): string {
  const buffer = Buffer.allocUnsafe(vector.length * 4);
  for (let index = 0; index < vector.length; index += 1) buffer.writeFloatLE(vector[index] ?? 0, index * 4);
  return buffer.toString('base64');
}

function isTokenArray(value: unknown): boolean {
  return Array.isArray(value) && value.some((item) => typeof item === 'number' || Array.isArray(item));
}

export interface EmbeddingsRouteOptions {
  /** `undefined` (or a disabled connector) answers 501. */
  embeddings: EmbeddingConnector | undefined;
  maxBodyBytes: number;
}

export function registerEmbeddingsRoute(app: Hono<ServerEnv>, options: EmbeddingsRouteOptions): void {
  app.post('/v1/embeddings', async (c) => {
    const { value: body } = await readJsonObject(c, { maxBytes: options.maxBodyBytes });
    resolveRequestUser(c, { bodyUser: body['user'] });
    if (isTokenArray(body['input'])) {
      throw invalid('Token arrays are not supported: send the input as text', 'input');
    }
    const parsed = EmbeddingsRequestSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const param = issue?.path[0] !== undefined ? String(issue.path[0]) : 'input';
      throw invalid(`Invalid embeddings request: ${param}: ${issue?.message ?? 'invalid'}`, param);
    }
    const connector = options.embeddings;
    if (!connector || connector.disabled) {
      throw new AutoSkillError('UNSUPPORTED', 'Embeddings are not configured on this server', {
        details: { wireCode: 'unsupported' },
      });
    }
    const request = parsed.data;
    const texts = typeof request.input === 'string' ? [request.input] : request.input;
    if (
      request.dimensions !== undefined &&
      connector.dimensions !== undefined &&
      request.dimensions !== connector.dimensions
    ) {
      throw invalid(
        `This server's embedding model has ${connector.dimensions} dimensions; ${request.dimensions} were requested`,
        'dimensions',
      );
    }
    const embeddings: number[][] = [];
    let tokens = 0;
    let counted = false;
    for (let start = 0; start < texts.length; start += connector.maxBatchSize) {
      const batch = texts.slice(start, start + connector.maxBatchSize);
      const result = await connector.doEmbed({ texts: batch, abortSignal: c.req.raw.signal });
      embeddings.push(...result.embeddings);
      if (result.usage) {
        tokens += result.usage.tokens;
        counted = true;
      }
    }
    if (!counted) tokens = texts.reduce((sum, text) => sum + Math.ceil(text.length / 4), 0);
    if (request.dimensions !== undefined && embeddings[0] && embeddings[0].length !== request.dimensions) {
      throw invalid(
        `This server's embedding model has ${embeddings[0].length} dimensions; ${request.dimensions} were requested`,
        'dimensions',
      );
    }
    const base64 = request.encoding_format === 'base64';
    return c.json({
      object: 'list',
      data: embeddings.map((vector, index) => ({
        object: 'embedding',
        index,
        embedding: base64 ? encodeFloat32Base64(vector) : vector,
      })),
      model: connector.modelId,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  });
}
