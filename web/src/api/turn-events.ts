/** @module The events of one chat turn (`POST sessions/{id}/messages`), decoded from SSE into a typed union. */
import { z } from 'zod';
import {
  type ExtractionEvent,
  ExtractionEventSchema,
  type Retrieval,
  RetrievalSchema,
  StreamErrorSchema,
  type Turn,
  TurnSchema,
} from './schemas.js';

export type TurnStreamEvent =
  | { type: 'turn'; turnId: string | null; data: unknown }
  | { type: 'retrieval'; retrieval: Retrieval }
  | { type: 'delta'; content: string }
  | { type: 'extraction'; event: ExtractionEvent }
  | { type: 'done'; turn: Turn | null }
  | { type: 'error'; message: string; code: string | null }
  | { type: 'other'; name: string; data: unknown };

export function parseData(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}

/** Decodes one SSE event of `POST sessions/{id}/messages`; unknown or malformed events become `other`. */
export function decodeTurnEvent(name: string, raw: string): TurnStreamEvent {
  const data = parseData(raw);
  switch (name) {
    case 'turn': {
      const record = z
        .looseObject({ turn_id: z.string().nullish(), id: z.string().nullish() })
        .safeParse(data);
      return {
        type: 'turn',
        turnId: record.success ? (record.data.turn_id ?? record.data.id ?? null) : null,
        data,
      };
    }
    case 'retrieval': {
      const parsed = RetrievalSchema.safeParse(data);
      return parsed.success ? { type: 'retrieval', retrieval: parsed.data } : { type: 'other', name, data };
    }
    case 'delta': {
      if (typeof data === 'string') return { type: 'delta', content: data };
      const parsed = z
        .looseObject({ content: z.string().nullish(), delta: z.string().nullish() })
        .safeParse(data);
      return parsed.success
        ? { type: 'delta', content: parsed.data.content ?? parsed.data.delta ?? '' }
        : { type: 'other', name, data };
    }
    case 'extraction': {
      const parsed = ExtractionEventSchema.safeParse(data);
      return parsed.success ? { type: 'extraction', event: parsed.data } : { type: 'other', name, data };
    }
    case 'done': {
      const parsed = TurnSchema.safeParse(data);
      return { type: 'done', turn: parsed.success ? parsed.data : null };
    }
    case 'error': {
      const parsed = StreamErrorSchema.safeParse(data);
      if (!parsed.success) return { type: 'error', message: String(raw), code: null };
      const error = parsed.data.error;
      if (typeof error === 'string') return { type: 'error', message: error, code: null };
      return {
        type: 'error',
        message: error?.message ?? parsed.data.message ?? 'The turn failed',
        code: error?.code ?? null,
      };
    }
    default:
      return { type: 'other', name, data };
  }
}
